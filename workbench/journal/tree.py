"""The cgroup tree the journal writes: `workbench.cgroups.fs.CgroupFS`, and where a PID lives."""

from __future__ import annotations

from pathlib import Path

from workbench.cgroups.fs import CgroupFS
from workbench.errors import InputError

CgroupTree = CgroupFS


def find_pid(tree: CgroupFS, pid: str) -> str | None:
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
    for dirpath in [root, *sorted(p for p in root.rglob("*") if p.is_dir() and not p.is_symlink())]:
        rel = "" if dirpath == root else str(dirpath.relative_to(root))
        try:
            if pid in (tree.read(rel, "cgroup.procs") or "").split():
                return rel
        except (OSError, ValueError, InputError):
            continue
    return None
