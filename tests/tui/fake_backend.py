"""A commit backend for Pilot tests that writes nothing: plans with the real planner (planning
only reads the tree), and keeps its "transactions" in a list, so a test decides what the journal
answers (a refusal, a failed apply, a window that closed) without a journal or a watchdog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import InputError
from workbench.tui.viewmodel.commit import Committer, Pending

if TYPE_CHECKING:
    from workbench.services.admit import Decision
    from workbench.services.commit import PlannedCommit
    from workbench.services.journal_query import History


@dataclass
class FakeCommitter:
    root: Path  # a sandbox tree to plan against; never written
    refuse: str = ""  # what refusal() answers
    fail_apply: str = ""  # when set, apply raises InputError with it
    confirm_seconds: float = 60.0
    pending: Pending | None = None
    calls: list[str] = field(default_factory=list)
    outcome: str = ""  # what poll() answers once set: the window closed

    @property
    def label(self) -> str:
        return "fake tree"

    def refusal(self) -> str:
        return self.refuse

    def plan(self, decision: Decision) -> PlannedCommit:
        self.calls.append(f"plan {decision.pod_key}")
        return Committer(self.root).plan(decision)

    def apply(self, planned: PlannedCommit, subject: str) -> Pending:
        self.calls.append(f"apply {subject}")
        if self.fail_apply:
            raise InputError(self.fail_apply)
        txid = sum(1 for c in self.calls if c.startswith("apply"))
        self.pending = Pending(txid, None, planned.writes, recovered=("recovered nothing",))
        return self.pending

    def poll(self) -> str:
        if self.pending is None or not self.outcome:
            return ""
        self.pending = None
        return self.outcome

    def confirm(self, txid: int) -> str:
        self.calls.append(f"confirm {txid}")
        self.pending = None
        return f"transaction {txid} confirmed"

    def rollback(self, txid: int) -> str:
        self.calls.append(f"rollback {txid}")
        self.pending = None
        return f"transaction {txid} rolled back"

    def history(self) -> list[History]:
        return []
