"""Validation helpers for topology specs: every problem names the file and the field."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.errors import InputError
from workbench.inputs import load_yaml_document, read_text
from workbench.quantity import parse_bytes
from workbench.topology.cpuset import NR_CPUS

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

# Sizes are bytes in the kernel's (and the kubelet's) int64.
MAX_SIZE = 2**63 - 1


class SpecContext:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str, fix: str = "") -> InputError:
        return InputError(problem, source=self.source, field=field, fix=fix)

    def mapping(self, value: object, field: str) -> Mapping[Any, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, f"expected a mapping, got {kind_of(value)}")
        return value

    def check_keys(self, row: Mapping[Any, Any], allowed: tuple[str, ...], field: str) -> None:
        for key in row:
            if key not in allowed:
                import difflib  # only for a misspelt key: ~4 ms at start-up otherwise

                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
                raise self.fail(f"{field}.{key}" if field else str(key), "unknown key", fix=hint)

    def integer(
        self, row: Mapping[Any, Any], key: str, field: str, *, required: bool, minimum: int = 0
    ) -> int | None:
        if key not in row or row[key] is None:
            if required:
                raise self.fail(f"{field}.{key}", "missing", fix=f"every row needs {key}")
            return None
        value = row[key]
        what = "a non-negative integer" if minimum == 0 else f"an integer from {minimum} up"
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{field}.{key}", f"expected {what}, got {kind_of(value)}")
        if value < minimum:
            raise self.fail(f"{field}.{key}", f"expected {what}, got {value}")
        if value >= NR_CPUS:
            # Every integer of a spec is an id (CPU, core, socket, node, cache): none reaches it.
            raise self.fail(
                f"{field}.{key}", f"{value} is out of range: ids are below {NR_CPUS} (the kernel's NR_CPUS)"
            )
        return value

    def boolean(self, row: Mapping[Any, Any], key: str, field: str, default: bool) -> bool:
        value = row.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(
                f"{field}.{key}" if field else key, f"expected true or false, got {kind_of(value)}"
            )
        return value

    def text(self, row: Mapping[Any, Any], key: str, field: str, *, required: bool) -> str | None:
        if key not in row or row[key] is None:
            if required:
                raise self.fail(f"{field}.{key}", "missing")
            return None
        value = row[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{field}.{key}", f"expected a non-empty string, got {kind_of(value)}")
        return value

    def size(self, value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(field, f"expected a size such as 64Gi, got {kind_of(value)}")
        try:
            size = parse_bytes(value)
        except ValueError as exc:
            raise self.fail(field, str(exc), fix="use a Kubernetes quantity such as 64Gi or 512Mi") from None
        if size > MAX_SIZE:
            raise self.fail(field, f"{value!r} is more than {MAX_SIZE} bytes (int64)", fix="give the size")
        return size


def kind_of(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, int | float):
        return f"number {value}"
    return type(value).__name__


def read_yaml(path: Path) -> object:
    """The spec document of `path`, read through the input boundary (size cap, safe loader)."""
    try:
        text, label = read_text(path, what="topology spec")
    except InputError as exc:
        if exc.problem == "no such file":
            fix = "give the path of a topology spec"
            raise InputError("no such file", source=exc.source, fix=fix) from None
        raise
    return load_yaml_document(text, label)
