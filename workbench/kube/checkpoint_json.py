"""Reading a kubelet checkpoint file's JSON as Go's `encoding/json` reads it into its struct.

Go matches object keys to struct fields case-insensitively (the upstream tests write
`defaultCPUSet` for the field tagged `defaultCpuSet`), the last matching key wins, and unknown
keys are ignored; `go_field` does the same. Findings are collected per file (`Findings`) rather
than raised: a captured node with a damaged checkpoint is what an operator needs to look at.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.errors import InputError
from workbench.inputs import MAX_INPUT_BYTES, decode, load_json, read_bytes, scrub
from workbench.topology.cpuset import CPUSet, CPUSetError

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

MAX_CHECKPOINT_BYTES = MAX_INPUT_BYTES


class Findings:
    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(f"{self.label}: {message}")


def go_field(obj: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """The value Go's decoder puts into the field tagged `name`."""
    found = default
    folded = name.casefold()
    for key, value in obj.items():
        if key == name or key.casefold() == folded:
            found = value
    return found


def read_json(path: Path, out: Findings) -> Any:
    """The file's JSON through the input boundary (size cap, strict UTF-8, lone surrogates from
    `\ud800` escapes repaired as Go's decoder does); a failure is a finding."""
    try:
        raw, label = read_bytes(path, limit=MAX_CHECKPOINT_BYTES, what="checkpoint file")
    except InputError as exc:
        out.add(exc.problem if exc.problem.startswith("cannot") else f"checkpoint is {exc.problem}; not read")
        return None
    try:
        return load_json(decode(raw, label), label)
    except InputError as exc:
        out.add(f"checkpoint is corrupted (not JSON: {exc.problem})")
        return None


def cpuset(text: Any, what: str, out: Findings) -> CPUSet | None:
    if not isinstance(text, str):
        out.add(f"{what}: expected a CPU list string, got {text!r}")
        return None
    try:
        return CPUSet.parse(text)
    except CPUSetError as exc:
        out.add(f"{what}: {exc}")
        return None


def mapping(value: Any, what: str, out: Findings) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        out.add(f"{what}: expected an object, got {type(value).__name__}")
        return {}
    return value


def uint(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def open_data(doc: Mapping[str, Any], out: Findings) -> Mapping[str, Any] | None:
    """The JSON payload of a dual-checksum checkpoint's `data` string (checksum checked apart)."""
    data = go_field(doc, "data")
    if not isinstance(data, str):
        out.add("checkpoint is corrupted: `data` is not a string")
        return None
    # Here, not at the top: `admit --demo` imports this module for the checkpoint's names and
    # reads no checkpoint (json is ~1.3 ms).
    import json

    try:
        payload = scrub(json.loads(data))
    except (ValueError, RecursionError) as exc:
        out.add(f"checkpoint is corrupted: `data` is not JSON ({exc})")
        return None
    if not isinstance(payload, Mapping):
        out.add("checkpoint is corrupted: `data` is not an object")
        return None
    return payload


def checkpoint_body(doc: Mapping[str, Any], dual: bool, out: Findings) -> tuple[Mapping[str, Any], str]:
    """The fields to read (the `data` payload of a dual-checksum file) and the policy name."""
    body: Mapping[str, Any] = doc
    if dual:
        payload = open_data(doc, out)
        body = payload if payload is not None else doc
    policy = go_field(body, "policyName")
    if not isinstance(policy, str):
        out.add("checkpoint is corrupted: policyName missing")
        policy = ""
    return body, policy
