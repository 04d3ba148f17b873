"""Transactions and steps explained in words (the Journal screen's rows and detail panel)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from workbench.services.journal_query import Event, Step, Txn

# One line per transaction state.
STATE_HELP = {
    "pending_confirm": "applied; rolls back by itself unless confirmed in time",
    "confirmed": "applied and confirmed; stays until rolled back",
    "applied": "applied without a confirm window",
    "rolled_back": "undone: every value we wrote was put back",
    "rolling_back": "an undo was interrupted; recovery finishes it on the next start",
    "applying": "interrupted while applying; recovery rolls it back on the next start",
    "aborted": "refused before or during the first write; nothing left behind",
    "void": "another boot or a re-created cgroup: the old values are meaningless, nothing written",
    "needs_operator": "some steps could not be undone safely; see the conflicts",
}
STEP_HELP = {
    "undo_conflict": "someone else (kubelet, runtime, systemd, another operator) changed it after us; "
    "left alone rather than overwrite their value",
    "void": "the cgroup is gone or was re-created since; nothing written",
    "failed": "the kernel refused the write or it read back differently",
}


def txn_row(txn: Txn, steps: Sequence[Step]) -> tuple[str, str, str, str, str, str]:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(txn.created_wall))
    return (str(txn.id), when, txn.state, txn.operator, str(len(steps)), txn.subject)


def _read_back_differs(s: Step) -> bool:
    from workbench.cgroups.normalise import expected_after, same

    return (
        s.action == "write"
        and s.readback is not None
        and not same(s.file, s.readback, expected_after(s.file, s.before, s.value))
    )


def txn_detail(txn: Txn, steps: Sequence[Step], events: Sequence[Event]) -> str:
    lines = [f"transaction {txn.id} · {txn.state}: {STATE_HELP.get(txn.state, '')}"]
    lines.append(f"operator {txn.operator}@{txn.host} · root {txn.cgroup_root} · {txn.subject}")
    if txn.reason:
        lines.append(f"reason: {txn.reason}")
    for s in steps:
        before = "(new)" if s.before is None else s.before.strip()
        line = f"  {s.state:<13} {s.target}: {before} -> {s.value.strip()}"
        if _read_back_differs(s) and s.readback is not None:
            line += f" (read back {s.readback.strip()})"
        if s.error:
            line += f" · {s.error}"
        lines.append(line)
        if s.state in STEP_HELP:
            lines.append(f"      {STEP_HELP[s.state]}")
    for at, kind, detail in events[-5:]:
        stamp = time.strftime("%H:%M:%S", time.localtime(at))
        lines.append(f"  {stamp} {kind} {detail}".rstrip())
    return "\n".join(lines)
