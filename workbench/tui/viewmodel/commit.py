"""Commit and journal operations for the screens, without Textual: plan a decision against a
cgroup tree, apply it through the journal with a confirm window, confirm, roll back, read back.

The app never writes a cgroup file itself; everything goes through `cgroups.plan` and the journal
(intent before write, read back, compare-before-undo). Every method that writes is only reached
through the app's single read-only gate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Admission, the planner and sqlite3 load when first used, not to draw the first screen.
    from workbench.admission.decision import Decision
    from workbench.cgroups.write import Write
    from workbench.journal.store import Step, Txn

CONFIRM_SECONDS = 60.0


@dataclass(frozen=True)
class PlannedCommit:
    decision: Decision
    writes: tuple[Write, ...]
    diff: str
    notes: tuple[str, ...] = ()


@dataclass
class Pending:
    """A transaction applied and waiting for the operator's confirmation."""

    txid: int
    deadline: float  # time.monotonic() at which it rolls back by itself
    writes: tuple[Write, ...]
    readback: list[tuple[str, str, str]] = field(default_factory=list)  # target, wanted, read

    def remaining(self, now: float | None = None) -> float:
        return max(0.0, self.deadline - (time.monotonic() if now is None else now))


# One line per transaction state, for the journal screen.
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


class Committer:
    def __init__(
        self,
        root: Path,
        journal_path: Path,
        *,
        layout_name: str = "standalone",
        arm_timer: bool = True,
        confirm_seconds: float = CONFIRM_SECONDS,
        label: str = "",
    ) -> None:
        self.root = root
        # What the screens call the tree (the demo's temp dir is "demo sandbox", not a random path).
        self.label = label or str(root)
        self.journal_path = journal_path
        self.layout_name = layout_name
        self.arm_timer = arm_timer
        self.confirm_seconds = confirm_seconds
        self.pending: Pending | None = None

    def plan(self, decision: Decision) -> PlannedCommit:
        from workbench.cgroups.fs import CgroupFS
        from workbench.cgroups.layout import make_layout
        from workbench.cgroups.plan import build_plan, format_diff

        fs = CgroupFS(self.root)
        built = build_plan(decision, make_layout(self.layout_name), fs)
        # Paths relative to the root the header names: shorter lines, same text on every run.
        return PlannedCommit(decision, built.writes, format_diff(built.writes), built.notes)

    def apply(self, planned: PlannedCommit, subject: str) -> Pending:
        """Apply with a confirm window; raises InputError if the journal refuses or the plan fails."""
        from workbench.cgroups.fs import CgroupFS
        from workbench.errors import InputError
        from workbench.journal.apply import apply_plan
        from workbench.journal.lock import OperatorLock
        from workbench.journal.paths import lock_path
        from workbench.journal.store import Journal

        fs = CgroupFS(self.root)
        lock = OperatorLock(lock_path(self.journal_path), command="workbench tui commit")
        lock.acquire(timeout=2.0)
        try:
            with Journal(self.journal_path) as journal:

                def arm(txid: int) -> None:
                    if self.arm_timer:
                        from workbench.journal.timer import arm as arm_timer

                        arm_timer(journal, txid)

                result = apply_plan(
                    journal,
                    fs,
                    planned.writes,
                    subject=subject,
                    confirm_within=self.confirm_seconds,
                    on_intent=arm,
                )
        finally:
            lock.release()
        if not result.ok:
            raise InputError(
                f"transaction {result.txid} not applied: {result.reason}",
                fix="the journal undid what was written; see the journal screen",
            )
        pending = Pending(result.txid, time.monotonic() + self.confirm_seconds, planned.writes)
        pending.readback = self.readback(planned.writes)
        self.pending = pending
        return pending

    def readback(self, writes: tuple[Write, ...]) -> list[tuple[str, str, str]]:
        """(target, the value it should now read as, what it reads as), from the tree itself."""
        from workbench.cgroups.fs import CgroupFS
        from workbench.journal.values import expected_after, normalise

        fs = CgroupFS(self.root)
        out = []
        for w in writes:
            if w.action != "write":
                continue
            got = fs.read(w.cgroup, w.file)
            want = expected_after(w.file, w.before, w.value)
            shown = "(missing)" if got is None else (normalise(w.file, got) or "")
            out.append((w.target, want, shown))
        return out

    def confirm(self, txid: int) -> str:
        from workbench.journal.store import Journal
        from workbench.journal.timer import confirm

        with Journal(self.journal_path) as journal:
            msg = confirm(journal, txid)
        if self.pending and self.pending.txid == txid:
            self.pending = None
        return msg

    def rollback(self, txid: int, reason: str = "rolled back by the operator") -> str:
        from workbench.cgroups.fs import CgroupFS
        from workbench.journal.lock import OperatorLock
        from workbench.journal.paths import lock_path
        from workbench.journal.store import Journal
        from workbench.journal.undo import rollback

        lock = OperatorLock(lock_path(self.journal_path), command="workbench tui rollback")
        lock.acquire(timeout=2.0)
        try:
            with Journal(self.journal_path) as journal:
                result = rollback(journal, lambda root: CgroupFS(root), txid, reason=reason)
        finally:
            lock.release()
        if self.pending and self.pending.txid == txid:
            self.pending = None
        parts = [f"transaction {txid}: {result.state}", f"{result.undone} undone"]
        if result.conflicts:
            parts.append(f"{len(result.conflicts)} conflicts left alone")
        if result.voided:
            parts.append(f"{len(result.voided)} void")
        if result.failed:
            parts.append(f"{len(result.failed)} failed")
        return " · ".join(parts)

    def history(self) -> list[tuple[Txn, list[Step], list[tuple[float, str, str]]]]:
        from workbench.journal.store import Journal

        if not self.journal_path.exists():
            return []
        with Journal(self.journal_path) as journal:
            return [(t, journal.steps(t.id), journal.events(t.id)) for t in journal.txns(newest_first=True)]


def txn_row(txn: Txn, steps: list[Step]) -> tuple[str, str, str, str, str, str]:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(txn.created_wall))
    return (str(txn.id), when, txn.state, txn.operator, str(len(steps)), txn.subject)


def txn_detail(txn: Txn, steps: list[Step], events: list[tuple[float, str, str]]) -> str:
    from workbench.journal.values import expected_after, same

    lines = [f"transaction {txn.id} · {txn.state}: {STATE_HELP.get(txn.state, '')}"]
    lines.append(f"operator {txn.operator}@{txn.host} · root {txn.cgroup_root} · {txn.subject}")
    if txn.reason:
        lines.append(f"reason: {txn.reason}")
    for s in steps:
        before = "(new)" if s.before is None else s.before.strip()
        line = f"  {s.state:<13} {s.target}: {before} -> {s.value.strip()}"
        if (
            s.action == "write"
            and s.readback is not None
            and not same(s.file, s.readback, expected_after(s.file, s.before, s.value))
        ):
            line += f" (read back {s.readback.strip()})"
        if s.error:
            line += f" · {s.error}"
        lines.append(line)
        if s.state in STEP_HELP:
            lines.append(f"      {STEP_HELP[s.state]}")
    for when, kind, detail in events[-5:]:
        stamp = time.strftime("%H:%M:%S", time.localtime(when))
        lines.append(f"  {stamp} {kind} {detail}".rstrip())
    return "\n".join(lines)
