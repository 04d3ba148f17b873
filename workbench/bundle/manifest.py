"""`manifest.json`: what a bundle is and every file it holds. Parsed as untrusted input."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from workbench.bundle.layout import FORMAT, VERSION, Limits
from workbench.errors import InputError

_SHA256 = re.compile(r"[0-9a-f]{64}")
# NUL or control characters could forge terminal output or cut a path.
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# A plain relative path: components without control characters, none of them "." or "..".
_PLAIN = re.compile(r"(?:(?!\.\.?/)[^\x00-\x1f\x7f/]+/)*(?!\.\.?$)[^\x00-\x1f\x7f/]+")


@dataclass(frozen=True)
class FileEntry:
    path: str  # inside the archive
    source: str  # where it was read on the node: informational, never a path here, never printed
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    files: tuple[FileEntry, ...]
    version: tuple[int, int] = VERSION
    created: str = ""
    workbench_version: str = ""
    node_name: str = ""
    machine: str = "spec"  # "sysfs" or "spec"
    machine_name: str = ""
    host: dict[str, str] = field(default_factory=dict)
    cgroup_root: str | None = None
    samples: tuple[float, ...] = ()  # wall-clock time of each sample
    interval: float = 0.0
    with_processes: bool = False

    def to_json(self) -> bytes:
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": list(self.version),
            "created": self.created,
            "workbench_version": self.workbench_version,
            "node_name": self.node_name,
            "machine": self.machine,
            "machine_name": self.machine_name,
            "host": self.host,
            "cgroup_root": self.cgroup_root,
            "samples": list(self.samples),
            "interval": self.interval,
            "with_processes": self.with_processes,
            "files": [
                {"path": f.path, "source": f.source, "sha256": f.sha256, "size": f.size} for f in self.files
            ],
        }
        return json.dumps(doc, indent=1).encode()

    def paths(self, prefix: str) -> list[str]:
        return [f.path for f in self.files if f.path.startswith(prefix)]


def check_path(path: str, limits: Limits) -> str | None:
    """Why `path` cannot be a member name (None when it can): only plain relative paths."""
    if len(path) <= limits.path_chars and _PLAIN.fullmatch(path):
        return None
    if not path or len(path) > limits.path_chars:
        return "an empty or over-long path"
    if _BAD_CHARS.search(path):
        return "a control character in the path"
    if path.startswith("/"):
        return "an absolute path"
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "a '..', '.' or empty path component"
    return None


class _Checker:
    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, field_name: str, problem: str, fix: str = "capture the node again") -> InputError:
        return InputError(problem, source=self.label, field=f"manifest.json: {field_name}", fix=fix)

    def text(self, doc: dict[str, Any], key: str, default: str = "") -> str:
        value = doc.get(key, default)
        if not isinstance(value, str) or _BAD_CHARS.search(value):
            raise self.fail(key, "expected a string without control characters")
        return value


def _version(doc: dict[str, Any], c: _Checker) -> tuple[int, int]:
    raw = doc.get("version")
    if not (isinstance(raw, list) and len(raw) == 2 and all(type(x) is int and x >= 0 for x in raw)):
        raise c.fail("version", f"expected [major, minor], got {raw!r}")
    major, minor = raw
    if major > VERSION[0]:
        raise c.fail(
            "version",
            f"bundle format {major}.{minor} is newer than this workbench reads ({VERSION[0]}.x)",
            fix="open it with a newer workbench",
        )
    if major < VERSION[0]:
        raise c.fail(
            "version",
            f"bundle format {major}.{minor} is older than this workbench reads ({VERSION[0]}.x)",
            fix="capture the node again with this workbench",
        )
    return major, minor


def _files(doc: dict[str, Any], c: _Checker, limits: Limits) -> tuple[FileEntry, ...]:
    raw = doc.get("files")
    if not isinstance(raw, list):
        raise c.fail("files", "expected a list")
    if len(raw) + 1 > limits.members:
        raise c.fail("files", f"{len(raw)} files is more than a bundle may hold ({limits.members})")
    out: list[FileEntry] = []
    seen: set[str] = set()
    sha, cap, plain, max_chars = _SHA256.fullmatch, limits.file_bytes, _PLAIN.fullmatch, limits.path_chars
    for i, item in enumerate(raw):
        # The common case in one test per field; the error path says which field and why.
        try:
            path, source, digest, size = item["path"], item["source"], item["sha256"], item["size"]
            ok = (
                type(path) is str
                and len(path) <= max_chars
                and plain(path) is not None
                and path not in seen
                and type(source) is str
                and type(digest) is str
                and sha(digest) is not None
                and type(size) is int
                and 0 <= size <= cap
            )
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise _entry_problem(c, i, item, seen, limits)
        seen.add(path)
        out.append(FileEntry(path, source, digest, size))
    return tuple(out)


def _entry_problem(c: _Checker, i: int, item: Any, seen: set[str], limits: Limits) -> InputError:
    where = f"files[{i}]"
    if not isinstance(item, dict):
        return c.fail(where, "expected an object")
    path, source, digest, size = (item.get(k) for k in ("path", "source", "sha256", "size"))
    if not isinstance(path, str) or (why := check_path(path, limits)) is not None:
        return c.fail(f"{where}.path", f"refused: {why or 'not a string'}")
    if path in seen:
        return c.fail(f"{where}.path", f"{path} is listed twice")
    if not isinstance(source, str):
        return c.fail(f"{where}.source", "expected a string")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        return c.fail(f"{where}.sha256", "expected 64 lowercase hex digits")
    return c.fail(f"{where}.size", f"expected a size from 0 to {limits.file_bytes}")


def parse_manifest(data: bytes, label: str, limits: Limits) -> Manifest:
    c = _Checker(label)
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise c.fail("(document)", f"not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(
            "not a workbench capture bundle (manifest.json has no format: workbench-bundle)",
            source=label,
            fix="give a file made by `workbench capture`",
        )
    version = _version(doc, c)
    host = doc.get("host", {})
    if not isinstance(host, dict) or not all(
        isinstance(v, str) and not _BAD_CHARS.search(v) for v in host.values()
    ):
        raise c.fail("host", "expected an object of strings without control characters")
    machine = c.text(doc, "machine", "spec")
    if machine not in ("sysfs", "spec"):
        raise c.fail("machine", f"expected sysfs or spec, got {machine!r}")
    root = doc.get("cgroup_root")
    if root is not None and not isinstance(root, str):
        raise c.fail("cgroup_root", "expected a string or null")
    samples = doc.get("samples", [])
    if not isinstance(samples, list) or not all(isinstance(t, (int, float)) for t in samples):
        raise c.fail("samples", "expected a list of times")
    interval = doc.get("interval", 0.0)
    if not isinstance(interval, (int, float)):
        raise c.fail("interval", "expected a number")
    return Manifest(
        files=_files(doc, c, limits),
        version=version,
        created=c.text(doc, "created"),
        workbench_version=c.text(doc, "workbench_version"),
        node_name=c.text(doc, "node_name"),
        machine=machine,
        machine_name=c.text(doc, "machine_name"),
        host={str(k): str(v) for k, v in host.items()},
        cgroup_root=root,
        samples=tuple(float(t) for t in samples),
        interval=float(interval),
        with_processes=bool(doc.get("with_processes", False)),
    )
