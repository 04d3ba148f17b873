"""Test hook: kill the process at a chosen point so crash recovery can be tested from outside.

`WORKBENCH_FAULT` holds comma-separated items:

- `kill-after-write:N`  SIGKILL right after the Nth successful kernel write of this process
  (apply and undo writes both count; mkdir/rmdir do not). `workbench.cgroups.fs.CgroupFS`
  implements this one at the write itself; this module leaves it to it.
- `kill-at:POINT:N`     SIGKILL after the Nth time POINT is reached, POINT one of
  `intent` (a step is about to be written), `write` (a kernel write returned),
  `readback` (a step's read-back is done and recorded in memory),
  `undo` (an undo write returned),
  `committed` (a transaction's final state, applied or rolled back, is durable).

It is a test hook only: nothing in normal operation sets it.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

POINTS = ("intent", "write", "readback", "undo", "committed")


class FaultHook:
    def __init__(self, spec: str | None = None) -> None:
        text = os.environ.get("WORKBENCH_FAULT", "") if spec is None else spec
        self._targets: dict[str, int] = {}
        self._seen: Counter[str] = Counter()
        for item in (t.strip() for t in text.split(",")):
            if not item:
                continue
            parts = item.split(":")
            # Other items (kill-after-write) belong to other layers.
            if parts[0] == "kill-at":
                if len(parts) != 3 or parts[1] not in POINTS or not parts[2].isdigit():
                    raise ValueError(f"WORKBENCH_FAULT: expected kill-at:POINT:N, got {item!r}")
                self._targets[parts[1]] = int(parts[2])

    def reached(self, point: str) -> None:
        """Count one occurrence of `point`; die here if this is the chosen one."""
        if not self._targets:
            return
        self._seen[point] += 1
        if self._targets.get(point) == self._seen[point]:
            os.kill(os.getpid(), signal.SIGKILL)
