"""Turning an extracted bundle back into the trees the readers take: the sysfs root (with the
directories the topology reader listed), and sample k as a cgroup root plus a proc root."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from workbench.bundle.layout import (
    CGROUP_SETTINGS,
    SAMPLES,
    SYSFS,
    SYSFS_LISTING,
    sample_counters,
    sample_prefix,
)
from workbench.bundle.manifest import check_path
from workbench.bundle.reader import Bundle
from workbench.errors import InputError
from workbench.topology.sysfs_files import ReadLog


def listing_doc(listings: dict[str, tuple[tuple[str, bool], ...]], root_prefix: str) -> bytes:
    """`sysfs-listing.json`: each listed directory (relative to the sysfs root) -> entries."""
    doc: dict[str, list[list[object]]] = {}
    for directory, names in listings.items():
        if directory == root_prefix.rstrip("/") or directory.startswith(root_prefix):
            rel = directory[len(root_prefix) :]
            doc[rel] = [[name, is_dir] for name, is_dir in names]
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


# Where a bundle's sysfs tree seems to be while it is replayed: paths only, never on disk.
VIRTUAL_ROOT = "/workbench-bundle-sysfs"


def sysfs_log(bundle: Bundle) -> ReadLog:
    """The files and listings the topology reader used on the node, below `VIRTUAL_ROOT`, for
    `sysfs_files.replaying`: the reader then gives the same machine without a tree on disk."""
    data = bundle.load((SYSFS, SYSFS_LISTING))
    raw = data.pop(SYSFS_LISTING, b"{}")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InputError("not JSON", source=bundle.label, field=SYSFS_LISTING) from None
    if not isinstance(doc, dict) or not all(isinstance(v, list) for v in doc.values()):
        raise InputError(
            "expected directory -> [[name, is_dir]...]", source=bundle.label, field=SYSFS_LISTING
        )
    count = sum(len(v) for v in doc.values())
    if count > bundle.limits.files:
        raise InputError(
            f"refused: {count} entries (at most {bundle.limits.files})",
            source=bundle.label,
            field=SYSFS_LISTING,
        )
    listings: dict[str, tuple[tuple[str, bool], ...]] = {}
    for directory, entries in doc.items():
        names = []
        for entry in entries:
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
                raise InputError("expected [name, is_dir]", source=bundle.label, field=SYSFS_LISTING)
            rel = f"{directory}/{entry[0]}" if directory else entry[0]
            why = check_path(rel, bundle.limits) if "/" not in entry[0] else "a '/' in a name"
            if why is not None:
                raise InputError(f"refused: {rel!r} has {why}", source=bundle.label, field=SYSFS_LISTING)
            names.append((entry[0], bool(entry[1])))
        listings[f"{VIRTUAL_ROOT}/{directory}" if directory else VIRTUAL_ROOT] = tuple(names)
    files = {f"{VIRTUAL_ROOT}/{path[len(SYSFS) :]}": content for path, content in data.items()}
    return ReadLog(files, listings)


@dataclass(frozen=True)
class SampleRoots:
    """What a sampler reads for sample k: a cgroup v2 root and a directory holding `stat`."""

    cgroup_root: Path
    proc_root: Path
    time: float


def _texts(bundle: Bundle, member: str) -> dict[str, str]:
    """A packed member's files (relative path -> text), each path checked."""
    bundle.extract((member,))
    path = bundle.root / member
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        raise InputError("not JSON", source=bundle.label, field=member) from None
    if not isinstance(doc, dict) or not all(isinstance(v, str) for v in doc.values()):
        raise InputError("expected an object of file texts", source=bundle.label, field=member)
    if len(doc) > bundle.limits.files:
        # Each becomes a file: bounded, so no member can exhaust the private directory's inodes.
        raise InputError(
            f"refused: {len(doc)} files (at most {bundle.limits.files})", source=bundle.label, field=member
        )
    for rel in doc:
        why = check_path(rel, bundle.limits)
        if why is not None:
            raise InputError(f"refused: {rel!r} has {why}", source=bundle.label, field=member)
    return doc


def _lay_out(bundle: Bundle, target: str, files: dict[str, str]) -> None:
    bundle.ensure_dir(target)
    base = bundle.root / target
    for rel, text in files.items():
        parent = rel.rpartition("/")[0]
        if parent:
            bundle.ensure_dir(f"{target}/{parent}")
        path = base / rel
        if path.is_symlink() or path.is_dir():
            raise InputError(f"refused: {rel} is both a file and a directory", source=bundle.label)
        path.write_text(text)


def cgroup_root(bundle: Bundle) -> Path | None:
    """The captured cgroup tree's settings as a tree of files (None when none was captured)."""
    if not bundle.has(CGROUP_SETTINGS):
        return None
    _lay_out(bundle, "cgroup", _texts(bundle, CGROUP_SETTINGS))
    return bundle.root / "cgroup"


def sample_roots(bundle: Bundle, k: int) -> SampleRoots:
    """Sample `k` laid out as the live trees (for `top --bundle` replay): the tree's settings and
    sample k's counters as files under `samples/k/cgroup`, /proc/stat in `samples/k/proc`."""
    times = bundle.manifest.samples
    if not 0 <= k < len(times):
        raise InputError(
            f"no sample {k}: the bundle holds {len(times)}",
            source=bundle.label,
            fix=f"give 0 to {len(times) - 1}" if times else "capture with --samples N",
        )
    prefix = sample_prefix(k)
    bundle.extract((CGROUP_SETTINGS, prefix))
    cg = f"{prefix}cgroup"
    settings = _texts(bundle, CGROUP_SETTINGS) if bundle.has(CGROUP_SETTINGS) else {}
    _lay_out(bundle, cg, settings | _texts(bundle, sample_counters(k)))
    bundle.ensure_dir(f"{prefix}proc")
    return SampleRoots(bundle.root / cg, bundle.root / prefix / "proc", times[k])


def sample_in_place(bundle: Bundle, k: int, target: str = "replay") -> SampleRoots:
    """Sample `k` written over the same files each time (below `target`): a sampler that tells
    a re-made cgroup by its files' inodes sees one live tree whose counters move, as on the node."""
    times = bundle.manifest.samples
    if not 0 <= k < len(times):
        raise InputError(f"no sample {k}: the bundle holds {len(times)}", source=bundle.label)
    bundle.extract((CGROUP_SETTINGS, sample_prefix(k)))
    cg, proc = f"{target}/cgroup", f"{target}/proc"
    if not (bundle.root / cg).exists():
        settings = _texts(bundle, CGROUP_SETTINGS) if bundle.has(CGROUP_SETTINGS) else {}
        _lay_out(bundle, cg, settings)
    _lay_out(bundle, cg, _texts(bundle, sample_counters(k)))
    stat = bundle.root / sample_prefix(k) / "proc" / "stat"
    _lay_out(bundle, proc, {"stat": stat.read_text()} if stat.is_file() else {})
    return SampleRoots(bundle.root / cg, bundle.root / proc, times[k])


def sample_count(bundle: Bundle) -> int:
    return len(bundle.manifest.samples)


__all__ = [
    "SAMPLES",
    "SampleRoots",
    "cgroup_root",
    "listing_doc",
    "sample_count",
    "sample_roots",
    "sysfs_log",
]
