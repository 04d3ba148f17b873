"""Reading YAML/JSON input for the kube readers: the names they have always used, all going
through the one input boundary (`workbench.inputs`: size cap, strict UTF-8, libyaml's safe
loader, every parser failure as one `InputError`). JSON is YAML, so checkpoint-like JSON
documents load here too."""

from __future__ import annotations

from workbench.errors import InputError
from workbench.inputs import MAX_INPUT_BYTES, decode, load_yaml_documents, read_text, yaml_error

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = ["MAX_BYTES", "decode", "load_documents", "load_one", "read_documents", "read_text", "yaml_error"]

MAX_BYTES = MAX_INPUT_BYTES


def load_documents(text: str, source: str) -> list[Any]:
    """All documents of a YAML stream (empty documents dropped)."""
    return load_yaml_documents(text, source)


def load_one(text: str, source: str) -> Any:
    docs = load_documents(text, source)
    if len(docs) != 1:
        raise InputError(
            f"expected one document, found {len(docs)}", source=source, fix="give one object per file"
        )
    return docs[0]


def read_documents(path: Path | str) -> tuple[list[Any], str]:
    text, label = read_text(path)
    return load_documents(text, label), label
