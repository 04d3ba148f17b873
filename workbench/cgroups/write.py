"""One planned change to a cgroup tree: the unit the plan produces and the journal records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "rmdir" undoes a "mkdir" (`workbench.cgroups.ops.inverse` builds it).
WriteAction = Literal["mkdir", "write", "rmdir"]


@dataclass(frozen=True)
class Write:
    # Directory relative to the configured cgroup root ("" is the root itself).
    cgroup: str
    # Interface file inside it ("cpuset.cpus"); empty for mkdir.
    file: str
    value: str
    action: WriteAction = "write"
    # Value read while planning; None when the file or directory did not exist yet. When a plan
    # writes one file twice (a cpuset grown, then shrunk), the second `before` is the first
    # write's value. For `cgroup.procs`: the cgroup the PID was in ("" = root), value the PID.
    before: str | None = None
    # Why this write is in the plan, shown in the diff.
    reason: str = ""

    @property
    def target(self) -> str:
        return f"{self.cgroup}/{self.file}" if self.file else self.cgroup
