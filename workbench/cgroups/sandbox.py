"""A sandbox: a plain directory the tool treats as a cgroup v2 root, governed by the kernel model.

`init_sandbox(dir, topology)` writes the marker file `.workbench-sandbox` (JSON: version,
cpus, mems, controllers, and the model's options) and the root cgroup's files. `CgroupFS(dir)`
then reports mode "sandbox" and routes every write through `workbench.cgroups.kernel.Kernel`.
The marker is what keeps a sandbox from ever being mistaken for a real cgroup mount, and
`init_sandbox` refuses to run inside a real cgroup mount.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.cgroups.fs import MOUNTINFO, parse_mountinfo
from workbench.cgroups.model_files import (
    ALL_CONTROLLERS,
    FAULTS_FILE,
    SANDBOX_MARKER,
    SandboxConfig,
    init_root,
)
from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology


def _on_cgroup_mount(path: Path, mountinfo: str | None) -> bool:
    if mountinfo is None:
        try:
            mountinfo = MOUNTINFO.read_text()
        except OSError:
            return False
    real = os.path.realpath(path)
    for m in parse_mountinfo(mountinfo):
        if m.fstype in ("cgroup", "cgroup2") and (
            real == m.point or real.startswith(m.point.rstrip("/") + "/")
        ):
            return True
    return real == "/sys/fs/cgroup" or real.startswith("/sys/fs/cgroup/")


def init_sandbox(
    directory: Path | str,
    topology: Topology | None = None,
    *,
    cpus: CPUSet | None = None,
    mems: CPUSet | None = None,
    memory_max_below_current: str = "ebusy",
    cpuset_rules: str = "v2",
    mountinfo: str | None = None,
) -> None:
    """Make `directory` (created if missing; must be empty or already a sandbox) a sandbox root.

    The root's cpuset is every CPU of `topology` and its mems the NUMA nodes with memory (all
    nodes when none reports memory); `cpus`/`mems` override them. Without a topology, one of
    them must be given (mems default to node 0). Re-initialising an existing sandbox wipes it.
    """
    root = Path(directory)
    if _on_cgroup_mount(root, mountinfo):
        raise InputError(
            f"{root} is on a real cgroup mount; a sandbox must be a plain directory",
            fix="choose a directory under /tmp or your home",
        )
    if topology is not None:
        cpus = cpus if cpus is not None else topology.all_cpus
        if mems is None:
            with_memory = [n.id for n in topology.numa_nodes if n.memory_bytes > 0]
            mems = CPUSet(with_memory or [n.id for n in topology.numa_nodes])
    if not cpus:
        raise InputError("a sandbox needs at least one CPU", fix="give --topology FILE")
    mems = mems if mems else CPUSet([0])
    if memory_max_below_current not in ("ebusy", "oom"):
        raise InputError(f"unknown memory_max_below_current {memory_max_below_current!r}", fix="ebusy or oom")
    if cpuset_rules not in ("v2", "strict"):
        raise InputError(f"unknown cpuset_rules {cpuset_rules!r}", fix="v2 or strict")
    if root.exists():
        if not root.is_dir() or root.is_symlink():
            raise InputError(f"{root} is not a directory")
        entries = list(root.iterdir())
        if entries and not (root / SANDBOX_MARKER).is_file():
            raise InputError(f"{root} is not empty and not a sandbox", fix="give an empty or new directory")
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                _remove_tree(entry)
            else:
                entry.unlink()
    else:
        root.mkdir(parents=True)
    config = SandboxConfig(
        cpus=cpus,
        mems=mems,
        controllers=ALL_CONTROLLERS,
        memory_max_below_current=memory_max_below_current,
        cpuset_rules=cpuset_rules,
    )
    init_root(root, config)


def _remove_tree(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            _remove_tree(child)
        else:
            child.unlink()
    path.rmdir()


def snapshot(directory: Path | str) -> dict[str, str]:
    """Every interface file of the tree, `cgroup/file` -> content (marker and faults left out).

    Crash tests compare snapshots: after recovery the tree must equal the before- or after-image.
    """
    root = Path(directory)
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        prefix = "" if rel == "." else rel + "/"
        if prefix:
            out[prefix.rstrip("/") + "/"] = "<dir>"
        for name in sorted(filenames):
            if not prefix and name in (SANDBOX_MARKER, FAULTS_FILE):
                continue
            out[prefix + name] = (Path(dirpath) / name).read_text()
    return out
