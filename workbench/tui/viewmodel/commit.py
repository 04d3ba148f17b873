"""Commit and journal operations for the screens, without Textual: what the screens hold between
key presses (the pending transaction), over the application layer's commit path.

The app never writes a cgroup file itself and never runs its own transaction logic: planning,
the operator lock, recovery of interrupted transactions, the refuse-writes check, the journal,
the writes and the commit-confirmed timer are `services.commit`'s, the same as the CLI's. The
confirm deadline is held by the journal's timer, so the change rolls back in time even when the
app is closed. Every method that writes is only reached through the app's single read-only gate.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.record import MutableRecord

if TYPE_CHECKING:
    from workbench.services.admit import Decision
    from workbench.services.commit import CgroupTarget, PlannedCommit, Write
    from workbench.services.journal_query import History
    from workbench.services.transactions import JournalAccess
    from workbench.tui.backend import CommitBackend

__all__ = ["Committer", "Pending", "write_refusal"]

CONFIRM_SECONDS = 60.0


class Pending(MutableRecord):
    """A transaction applied and waiting for the operator's confirmation."""

    txid: int
    deadline_boot: float | None  # the journal's confirm deadline, on the boot clock
    writes: tuple[Write, ...]
    readback: list[tuple[str, str, str]]  # target, wanted, read
    # What recovery did before this commit wrote anything (transactions a crash left).
    recovered: tuple[str, ...]

    __slots__ = _fields = ("txid", "deadline_boot", "writes", "readback", "recovered")

    def __init__(
        self,
        txid: int,
        deadline_boot: float | None,
        writes: tuple[Write, ...],
        readback: list[tuple[str, str, str]] | None = None,
        recovered: tuple[str, ...] = (),
    ) -> None:
        self.txid = txid
        self.deadline_boot = deadline_boot
        self.writes = writes
        self.readback = [] if readback is None else readback
        self.recovered = recovered

    def remaining(self) -> float:
        from workbench.services.transactions import seconds_left

        return seconds_left(self.deadline_boot)


def write_refusal(read_only: bool, committer: CommitBackend | None) -> str:
    """Why the app must not write at all ("" when it may): asked for, or the tree refuses."""
    if read_only:
        return "--read-only"
    if committer is None:
        return "no cgroup tree to write to"
    return committer.refusal()


class Committer:
    def __init__(
        self,
        root: Path,
        journal_path: Path | None = None,
        *,
        layout_name: str = "standalone",
        confirm_seconds: float = CONFIRM_SECONDS,
        label: str = "",
    ) -> None:
        # The commit path (`services.commit`, `services.transactions`, the journal) loads on the
        # first plan or journal read, not at start-up: the node screen needs only `refusal`.
        self._root = Path(root)
        self._journal_path = journal_path
        self._layout_name = layout_name
        self._label = label
        self.confirm_seconds = confirm_seconds
        self.pending: Pending | None = None

    @cached_property
    def target(self) -> CgroupTarget:
        from workbench.services.commit import CgroupTarget

        return CgroupTarget(self._root, layout=self._layout_name, label=self._label)

    @cached_property
    def journal(self) -> JournalAccess:
        from workbench.services.transactions import JournalAccess

        # A screen cannot print "waiting for the lock"; it waits briefly and says who holds it.
        return JournalAccess(self._journal_path, wait=2.0)

    @property
    def root(self) -> Path:
        return self._root

    @property
    def label(self) -> str:
        """What the screens call the tree (the demo's temp dir is "demo sandbox", not a path)."""
        return self.target.name

    @property
    def journal_path(self) -> Path:
        return self.journal.resolved()

    def refusal(self) -> str:
        from workbench.services.tree_refusal import write_refusal as refusal

        return refusal(self.root) or ""

    def plan(self, decision: Decision) -> PlannedCommit:
        from workbench.services.commit import plan_decision

        return plan_decision(decision, self.target)

    def apply(self, planned: PlannedCommit, subject: str) -> Pending:
        """Apply with a confirm window; raises InputError if the journal refuses or the plan fails."""
        from workbench.errors import InputError
        from workbench.services.commit import apply_planned, read_back
        from workbench.services.transactions import recovery_lines

        applied = apply_planned(planned, self.journal, subject=subject, confirm_within=self.confirm_seconds)
        recovered = tuple(recovery_lines(applied.recovered))
        if applied.replanned:
            recovered += ("recovery changed the tree since the plan shown; it was planned again",)
        if not applied.ok:
            raise InputError(
                f"transaction {applied.result.txid} not applied: {applied.result.reason}",
                fix="the journal undid what was written; see the journal screen",
            )
        planned = applied.planned
        pending = Pending(
            applied.result.txid, applied.txn.confirm_deadline_boot, planned.writes, recovered=recovered
        )
        pending.readback = read_back(planned)
        self.pending = pending
        return pending

    def poll(self) -> str:
        """Whether the pending transaction is still waiting: "" while it is, else what became of
        it (its timer rolled it back, or another operator confirmed or undid it)."""
        from workbench.services.journal_query import transaction

        if self.pending is None:
            return ""
        txn = transaction(self.journal_path, self.pending.txid)
        if txn.state in ("pending_confirm", "rolling_back"):  # still waiting, or being undone
            return ""
        self.pending = None
        return f"transaction {txn.id}: {txn.state}" + (f" ({txn.reason})" if txn.reason else "")

    def confirm(self, txid: int) -> str:
        from workbench.services.transactions import confirm

        msg = confirm(self.journal, txid)
        if self.pending and self.pending.txid == txid:
            self.pending = None
        return msg

    def rollback(self, txid: int) -> str:
        from workbench.services.transactions import rollback, undo_line

        done = rollback(self.journal, txid)
        if self.pending and self.pending.txid == txid:
            self.pending = None
        return undo_line(done.result)

    def history(self) -> list[History]:
        from workbench.services.journal_query import history

        return history(self.journal_path)
