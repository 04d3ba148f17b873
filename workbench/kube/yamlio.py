"""Reading YAML/JSON input safely: files or stdin, every failure as one `InputError`.

Only PyYAML's safe loaders are used (`yaml.CSafeLoader` where present), so tags such as
`!!python/object` are refused instead of constructing objects. A JSON document is read by the json
module (JSON is YAML, so anything json refuses still gets YAML's reading and its error message).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import InputError

# A manifest larger than this is not a pod; refuse instead of building a huge tree.
MAX_BYTES = 16 * 1024 * 1024


def read_text(path: Path | str) -> tuple[str, str]:
    """The text of `path` (`-` reads stdin) and the label to use in messages."""
    label = str(path)
    try:
        if label == "-":
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
            label = "<stdin>"
        else:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", source=label, fix="check the path") from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", source=label) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=label) from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB", source=label)
    return decode(raw, label), label


def decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", source=source, fix="save the file as UTF-8"
        ) from None


def _yaml_error(exc: yaml.YAMLError, source: str) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError):
        problem = f"unsupported YAML tag or construct: {problem}"
        return InputError(problem, source=source, field=where, fix="only plain YAML/JSON is accepted")
    return InputError(f"not valid YAML: {problem}", source=source, field=where)


def _safe_load_all(text: str) -> list[Any]:
    """`yaml.safe_load_all` through libyaml where PyYAML has it (~10x the pure-Python parser:
    a pod manifest in well under a millisecond); a JSON document (`kubectl get -o json`) through
    the json module, as the API server reads it; anything else json refuses goes to YAML."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return [json.loads(text)]
        except ValueError:
            pass
    if yaml.__with_libyaml__:
        return list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    return list(yaml.safe_load_all(text))


def load_documents(text: str, source: str) -> list[Any]:
    """All documents of a YAML stream (empty documents dropped)."""
    try:
        docs = [d for d in _safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    except (RecursionError, MemoryError):
        raise InputError("YAML nested too deeply", source=source) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # PyYAML's own constructors raise these for e.g. invalid timestamps or huge numbers.
        raise InputError(f"not valid YAML: {exc}", source=source) from None
    return docs


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
