"""What the screens need from the application layer's commit path, as a small protocol: the
real one is `viewmodel.commit.Committer` (over `workbench.services`: plan, lock, recovery, the
journal, the writes, the confirm timer); Pilot tests may hand the app a fake that writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from workbench.services.admit import Decision
    from workbench.services.commit import PlannedCommit
    from workbench.services.journal_query import History
    from workbench.tui.viewmodel.commit import Pending


class CommitBackend(Protocol):
    pending: Pending | None  # the transaction applied and waiting for confirmation
    confirm_seconds: float

    @property
    def label(self) -> str:
        """What the screens call the cgroup tree ("demo sandbox", or its path)."""
        ...

    @property
    def root(self) -> Path:
        """The cgroup tree (the Usage screen samples it)."""
        ...

    def refusal(self) -> str:
        """Why nothing may be written to the tree ("" when it may)."""
        ...

    def plan(self, decision: Decision) -> PlannedCommit:
        """The writes that would put `decision` on the tree; writes nothing."""
        ...

    def apply(self, planned: PlannedCommit, subject: str) -> Pending:
        """Recover, journal, write, read back, start the confirm window; InputError if refused."""
        ...

    def poll(self) -> str:
        """"" while the pending transaction waits, else what became of it."""
        ...

    def confirm(self, txid: int) -> str: ...

    def rollback(self, txid: int) -> str: ...

    def history(self) -> list[History]: ...
