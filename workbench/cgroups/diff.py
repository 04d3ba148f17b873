"""A plan shown as a diff: one line per write, `path: old -> new  (reason)`."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.cgroups.files import describe
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.write import Write


def format_diff(writes: Sequence[Write], fs: CgroupFS | None = None) -> str:
    """One line per write: `path: old -> new  (reason)`; "(no changes)" for an empty plan."""
    if not writes:
        return "(no changes)"
    lines = []
    for w in writes:
        path = fs.display(w.cgroup, w.file) if fs is not None else (w.target or "/")
        if w.action == "mkdir":
            lines.append(f"+ mkdir {path}  ({w.reason})" if w.reason else f"+ mkdir {path}")
        elif w.action == "rmdir":
            lines.append(f"- rmdir {path}  ({w.reason})" if w.reason else f"- rmdir {path}")
        else:
            text = f"  {path}: {describe(w.file, w.before)} -> {describe(w.file, w.value)}"
            lines.append(f"{text}  ({w.reason})" if w.reason else text)
    return "\n".join(lines)
