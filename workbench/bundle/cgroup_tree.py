"""The part of a cgroup v2 tree a bundle keeps: the root and everything below the kubelet's
`kubepods` parents (either driver) or the standalone layout's parent; settings once, counters
once per sample. Read only, never following a symlink."""

from __future__ import annotations

import json
import os
import stat

from workbench.cgroups.layout import DEFAULT_PARENT

# Where pods live: the kubelet's systemd and cgroupfs drivers, and the standalone layout.
PARENTS = ("kubepods.slice", "kubepods", DEFAULT_PARENT)
# Read once: what placement and limits are (the values `drift`, `node` and the usage view use).
SETTINGS = (
    "cgroup.controllers",
    "cgroup.subtree_control",
    "cgroup.type",
    "cpuset.cpus",
    "cpuset.cpus.effective",
    "cpuset.cpus.partition",
    "cpuset.mems",
    "cpuset.mems.effective",
    "cpu.max",
    "cpu.max.burst",
    "cpu.weight",
    "cpu.idle",
    "memory.min",
    "memory.low",
    "memory.high",
    "memory.max",
)
# Read at every sample: what changes (usage, throttling, pressure, memory and its NUMA spread).
COUNTERS = (
    "cpu.stat",
    "cpu.pressure",
    "memory.current",
    "memory.events",
    "memory.pressure",
    "memory.numa_stat",
)
PROCS = "cgroup.procs"
_MAX_FILE = 1 << 20


def _read(path: str) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        # Missing (controller not enabled here) or unreadable (e.g. another user's cgroup):
        # the bundle holds what could be read, as the workbench on the node would see it.
        return None
    try:
        return os.read(fd, _MAX_FILE)
    except OSError:
        return None
    finally:
        os.close(fd)


def _walk(root: str, cgroup: str, out: list[str]) -> None:
    out.append(cgroup)
    base = f"{root}/{cgroup}" if cgroup else root
    try:
        children = sorted(e.name for e in os.scandir(base) if e.is_dir(follow_symlinks=False))
    except OSError:
        return
    for name in children:
        _walk(root, f"{cgroup}/{name}" if cgroup else name, out)


def cgroups_under(root: str) -> list[str]:
    """ "" (the root) then every cgroup below the pod parents present, top-down, sorted."""
    found = [""]
    for parent in PARENTS:
        try:
            st = os.lstat(f"{root}/{parent}")
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            _walk(root, parent, found)
    return found


def read_files(root: str, cgroups: list[str], names: tuple[str, ...]) -> dict[str, bytes]:
    """`cgroup/file` (just `file` at the root) -> content, for the files that exist."""
    out: dict[str, bytes] = {}
    for cg in cgroups:
        base = f"{root}/{cg}" if cg else root
        prefix = f"{cg}/" if cg else ""
        for name in names:
            data = _read(f"{base}/{name}")
            if data is not None:
                out[prefix + name] = data
    return out


def processes(root: str, cgroups: list[str], proc_root: str) -> bytes:
    """JSON: cgroup -> [[pid, process name]] (only with --with-processes: names can tell a lot)."""
    doc: dict[str, list[tuple[int, str]]] = {}
    for cg, data in read_files(root, cgroups, (PROCS,)).items():
        pids = [int(p) for p in data.split() if p.isdigit()]
        if pids:
            comm = [(_read(f"{proc_root}/{p}/comm") or b"").decode("utf-8", "replace").strip() for p in pids]
            doc[cg.rpartition("/")[0]] = list(zip(pids, comm, strict=True))
    return json.dumps(doc, indent=1, sort_keys=True).encode()
