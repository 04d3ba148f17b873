"""Subprocess driver for the crash tests: `python journal_driver.py apply|rollback SANDBOX JOURNAL ...`.

Run as its own process so a test can SIGKILL it (through WORKBENCH_FAULT) and then inspect the
tree and recover from outside, as a crash would leave them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from journal_plan import plan, plan_twice

from workbench.cgroups.fs import CgroupFS
from workbench.journal.apply import apply_plan
from workbench.journal.lock import OperatorLock
from workbench.journal.paths import lock_path
from workbench.journal.store import Journal
from workbench.journal.timer import arm
from workbench.journal.undo import recover, rollback


def main(argv: list[str]) -> int:
    mode, root, jpath = argv[0], Path(argv[1]), Path(argv[2])
    journal = Journal(jpath)
    with OperatorLock(lock_path(jpath), command=f"driver {mode}"):
        recover(journal, CgroupFS)
        fs = CgroupFS(root)
        if mode == "apply":
            confirm = float(argv[3]) if len(argv) > 3 else None
            writes = plan_twice(fs) if os.environ.get("JOURNAL_PLAN") == "twice" else plan(fs)
            result = apply_plan(
                journal,
                fs,
                writes,
                subject="test/pod",
                confirm_within=confirm,
                on_intent=(lambda txid: print(arm(journal, txid), flush=True)) if confirm else None,
            )
            print(json.dumps({"txid": result.txid, "ok": result.ok, "reason": result.reason}), flush=True)
        elif mode == "rollback":
            r = rollback(journal, CgroupFS, int(argv[3]))
            print(json.dumps({"txid": r.txid, "state": r.state}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
