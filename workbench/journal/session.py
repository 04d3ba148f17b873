"""One operator action, start to finish: the calls the CLI and the TUI make.

Each function opens the journal, takes the operator lock (telling `on_wait` who holds it),
runs recovery (every start finishes what a crash or a reboot left), does its one thing and
releases the lock. `commit` arms the confirm timer between the durable intent and the first
write, so a change never runs unconfirmed without its watchdog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.journal.apply import ApplyResult, apply_plan
from workbench.journal.lock import OperatorLock
from workbench.journal.paths import default_journal_path, lock_path
from workbench.journal.store import Journal, Txn
from workbench.journal.timer import arm
from workbench.journal.undo import UndoResult, recover, rollback

WaitHook = Callable[[str], None]


def open_writable(root: str | Path) -> CgroupFS:
    """A cgroup tree we may write, or InputError saying why not (v1, hybrid, not a cgroup)."""
    if not Path(root).is_dir():
        raise InputError("no such directory", source=str(root), fix="give the cgroup v2 root (or a sandbox)")
    fs = CgroupFS(root)
    reason = fs.refuse_writes_reason()
    if reason is not None:
        raise InputError(reason, fix="run on a cgroup v2 node, or try `workbench sandbox init DIR`")
    return fs


@dataclass
class Session:
    """Where the journal is and how long to wait for another operator."""

    journal_path: Path | None = None
    wait: float = 10.0
    on_wait: WaitHook | None = None
    # Roll back in this tree instead of the one each transaction recorded.
    cgroup_root: str | None = None

    @property
    def path(self) -> Path:
        return self.journal_path or default_journal_path()

    def _opener(self) -> Callable[[str], CgroupFS]:
        return lambda root: open_writable(self.cgroup_root or root)

    def _locked(self, command: str) -> tuple[Journal, OperatorLock]:
        journal = Journal(self.path)
        lock = OperatorLock(lock_path(self.path), command=command)
        try:
            lock.acquire(timeout=max(0.0, self.wait), on_wait=self.on_wait)
        except BaseException:
            journal.close()
            raise
        return journal, lock

    def commit(
        self, fs: CgroupFS, writes: Sequence[Write], *, subject: str = "", confirm_within: float | None = None
    ) -> tuple[ApplyResult, Txn, list[UndoResult]]:
        """Apply `writes` to `fs` under the journal; returns the result, its transaction, and
        what recovery did first."""
        reason = fs.refuse_writes_reason()
        if reason is not None:
            raise InputError(reason, fix="run on a cgroup v2 node, or try `workbench sandbox init DIR`")
        journal, lock = self._locked(f"commit {subject}".strip())
        try:
            recovered = recover(journal, self._opener())

            def arm_timer(txid: int) -> None:
                arm(journal, txid)

            result = apply_plan(
                journal,
                fs,
                writes,
                subject=subject,
                confirm_within=confirm_within,
                on_intent=arm_timer if confirm_within is not None else None,
            )
            return result, journal.txn(result.txid), recovered
        finally:
            lock.release()
            journal.close()

    def rollback(
        self, txid: int | None = None, *, if_unconfirmed: bool = False
    ) -> tuple[UndoResult, Txn, list[UndoResult]]:
        journal, lock = self._locked(f"rollback {txid or ''}".strip())
        try:
            recovered = recover(journal, self._opener())
            result = rollback(journal, self._opener(), txid, if_unconfirmed=if_unconfirmed)
            return result, journal.txn(result.txid), recovered
        finally:
            lock.release()
            journal.close()

    def recover(self, *, retry_operator: bool = False) -> list[UndoResult]:
        journal, lock = self._locked("recover")
        try:
            return recover(journal, self._opener(), retry_operator=retry_operator)
        finally:
            lock.release()
            journal.close()
