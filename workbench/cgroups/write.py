"""One planned change to a cgroup tree: the unit the plan produces and the journal records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "rmdir" undoes a "mkdir" (the journal builds it with `workbench.cgroups.plan.inverse`).
WriteAction = Literal["mkdir", "write", "rmdir"]


@dataclass(frozen=True)
class Write:
    # Directory relative to the configured cgroup root ("" is the root itself).
    cgroup: str
    # Interface file inside it ("cpuset.cpus"); empty for mkdir.
    file: str
    value: str
    action: WriteAction = "write"
    # Value read while planning; None when the file or directory did not exist yet.
    before: str | None = None
    # Why this write is in the plan, shown in the diff.
    reason: str = ""

    @property
    def target(self) -> str:
        return f"{self.cgroup}/{self.file}" if self.file else self.cgroup
