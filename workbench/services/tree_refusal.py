"""Whether a cgroup tree may be written, in a module of its own: the app asks at start-up
(it starts read-only rather than failing at the first commit), and importing `services.commit`
for it would load the whole commit path (plans, writes, the journal's types) before the first
paint. Re-exported by `services.commit`, the commit path's home."""

from __future__ import annotations

import os
from pathlib import Path


def write_refusal(root: Path) -> str | None:
    """Why the tree at `root` must not be written (missing, no permission, cgroup v1 or hybrid),
    or None: a face that cannot write starts read-only instead of failing at the first commit."""
    from workbench.cgroups.fs import CgroupFS

    if not root.is_dir():
        return f"no cgroup tree at {root}"
    if not (os.access(root, os.W_OK) and os.access(root / "cgroup.procs", os.W_OK)):
        return f"no permission to write cgroups under {root}"
    return CgroupFS(root).refuse_writes_reason()
