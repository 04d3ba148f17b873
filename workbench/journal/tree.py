"""What the journal needs from a cgroup tree: `workbench.cgroups.fs.CgroupFS` is the real one."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from workbench.errors import InputError


class CgroupTree(Protocol):
    """Paths are relative to the tree's root; `resolve` refuses any that would leave it."""

    @property
    def root(self) -> Path: ...

    def resolve(self, cgroup: str, file: str = "") -> Path: ...

    def read(self, cgroup: str, file: str) -> str | None: ...

    def write(self, cgroup: str, file: str, value: str) -> None: ...

    def mkdir(self, cgroup: str) -> None: ...

    def rmdir(self, cgroup: str) -> None: ...

    def exists(self, cgroup: str) -> bool: ...

    def inode(self, cgroup: str) -> int | None: ...


def find_pid(tree: CgroupTree, pid: str) -> str | None:
    """The cgroup (relative to the root) whose cgroup.procs lists `pid`, if it is under the root."""
    proc = Path("/proc") / pid / "cgroup"
    try:
        for line in proc.read_text().splitlines():
            if line.startswith("0::"):
                rel = line[3:].strip().lstrip("/")
                if pid in (tree.read(rel, "cgroup.procs") or "").split():
                    return rel
    except (OSError, ValueError, InputError):
        pass
    # The root is not the cgroup2 mount (a sandbox, a delegated subtree): look for it.
    root = tree.root
    for dirpath in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        rel = "" if dirpath == root else str(dirpath.relative_to(root))
        try:
            if pid in (tree.read(rel, "cgroup.procs") or "").split():
                return rel
        except (OSError, ValueError, InputError):
            continue
    return None
