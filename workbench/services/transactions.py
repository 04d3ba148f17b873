"""Use cases "confirm", "roll back" and "recover": what happens to a transaction after it was
applied. Each one that may write takes the operator lock and runs recovery first (through
`journal.session.Session`), so a crash or a reboot is dealt with by whoever comes next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError

if TYPE_CHECKING:
    from workbench.journal.session import Session
    from workbench.journal.store import Txn
    from workbench.journal.undo import UndoResult


@dataclass(frozen=True)
class JournalAccess:
    """Which journal, and how long to wait for another operator's lock."""

    path: Path | None = None  # None: $WORKBENCH_JOURNAL, /var/lib/workbench, else XDG state
    wait: float = 10.0
    # Say on stderr whose lock we are waiting for (the CLI; a screen has no stderr to say it on).
    report_waiting: bool = False

    def resolved(self) -> Path:
        from workbench.journal.paths import default_journal_path

        return self.path if self.path is not None else default_journal_path()

    def session(self, cgroup_root: str | None = None) -> Session:
        """`cgroup_root`: undo in this tree instead of the one each transaction recorded."""
        from workbench.journal.lock import print_waiting
        from workbench.journal.session import Session

        hook = print_waiting if self.report_waiting else None
        return Session(self.resolved(), wait=self.wait, on_wait=hook, cgroup_root=cgroup_root)


@dataclass(frozen=True)
class RolledBack:
    result: UndoResult
    txn: Txn
    recovered: tuple[UndoResult, ...]

    @property
    def exit_code(self) -> int:
        return 1 if self.result.failed else 0


def expire_overdue(journal: JournalAccess) -> tuple[UndoResult, ...]:
    """Roll back every confirm window that closed unconfirmed, at the start of every command
    that reads the journal: the deadline holds even when the watchdog was killed (SIGKILL, OOM).
    When another operator holds the lock it is left to them (their start does the same)."""
    from workbench.journal.lock import LockBusy
    from workbench.journal.store import Journal, journal_exists

    path = journal.resolved()
    if not journal_exists(path):
        return ()
    with Journal(path) as j:
        if not j.overdue():
            return ()
    try:
        quick = JournalAccess(path, wait=min(journal.wait, 2.0), report_waiting=journal.report_waiting)
        return tuple(quick.session().recover())
    except LockBusy:
        return ()


def confirm(journal: JournalAccess, txid: int) -> str:
    """Keep `txid` (applied with a confirm window): one line saying so; InputError when late
    (a window found closed is rolled back there and then)."""
    from workbench.journal.store import Journal
    from workbench.journal.timer import confirm as confirm_txn

    expired = {r.txid: r for r in expire_overdue(journal)}
    if txid in expired:
        raise InputError(
            f"transaction {txid}: the confirm window has closed; {undo_line(expired[txid])} now",
            source=str(journal.resolved()),
            fix="commit again",
        )
    with Journal(journal.resolved()) as j:
        return confirm_txn(j, txid)


def rollback(
    journal: JournalAccess,
    txid: int | None = None,
    *,
    if_unconfirmed: bool = False,
    cgroup_root: str | None = None,
) -> RolledBack:
    """Undo `txid` (default: the newest live one); values changed since by others are kept."""
    if if_unconfirmed and txid is None:
        raise InputError(
            "--if-unconfirmed needs a TXID",
            field="--if-unconfirmed",
            fix="workbench rollback --if-unconfirmed 3",
        )
    result, txn, recovered = journal.session(cgroup_root).rollback(txid, if_unconfirmed=if_unconfirmed)
    return RolledBack(result, txn, tuple(recovered))


def recover(journal: JournalAccess) -> tuple[UndoResult, ...]:
    """Finish what a crash or a reboot left: roll back interrupted and overdue transactions, and
    retry the undo of those left `needs_operator`."""
    return tuple(journal.session().recover(retry_operator=True))


def stop_confirm_timers(journal_path: Path) -> None:
    """Stop every confirm timer of a journal about to be thrown away with its tree (the demo's
    temporary sandbox), those of transactions rolled back early too (a rollback leaves its timer
    to fire and find nothing to do): no timer may outlive them."""
    from workbench.journal.store import Journal
    from workbench.journal.timer import disarm

    if not journal_path.exists():
        return
    with Journal(journal_path) as j:
        for txn in j.txns():
            if txn.timer:
                disarm(txn.timer, txn.id)


def seconds_left(deadline_boot: float | None) -> float:
    """Seconds until a confirm deadline (on the boot clock, as the journal keeps it)."""
    from workbench.journal.clock import boot_clock

    return 0.0 if deadline_boot is None else max(0.0, deadline_boot - boot_clock())


# ---- renderings ----------------------------------------------------------------------------
def undo_summary(r: UndoResult) -> str:
    bits = []
    if r.undone:
        bits.append(f"{r.undone} undone")
    if r.conflicts:
        bits.append(f"{len(r.conflicts)} left (changed by someone else)")
    if r.voided:
        bits.append(f"{len(r.voided)} void")
    if r.failed:
        bits.append(f"{len(r.failed)} could not be undone")
    return f" ({', '.join(bits)})" if bits else ""


def undo_line(r: UndoResult) -> str:
    """`transaction 3: rolled_back (5 undone)`: the one-line outcome both faces show."""
    return f"transaction {r.txid}: {r.state}{undo_summary(r)}"


def leftover_lines(r: UndoResult) -> list[str]:
    """What an undo could not take back, and the command that fixes it."""
    lines = [f"  FAILED: {f}" for f in r.failed]
    lines += [f"  left changed: {path} reads {now!r}, was {was!r}" for path, now, was in r.left]
    if r.left:
        path, _, was = r.left[0]
        lines.append(
            f"  to fix: `workbench recover` retries the undo; or write the old value back yourself "
            f"(echo '{was}' > {path}), then run `workbench recover`"
        )
    elif r.failed:
        lines.append("  to fix: `workbench recover` retries the undo")
    if r.unrecorded:
        lines.append(f"  the journal could not record this ({r.unrecorded}); the next command records it")
    return lines


def recovery_lines(done: Sequence[UndoResult]) -> list[str]:
    """What recovery did before a command's own work (the CLI prints them on stderr)."""
    out = []
    for r in done:
        out.append(f"recovery: transaction {r.txid} -> {r.state}{undo_summary(r)}")
        out += [f"recovery: transaction {r.txid}:{line[1:]}" for line in leftover_lines(r)]
    return out


def undo_json(r: UndoResult) -> dict[str, Any]:
    return {
        "txid": r.txid,
        "state": r.state,
        "undone": r.undone,
        "conflicts": r.conflicts,
        "void": r.voided,
        "failed": r.failed,
        "left": [{"path": p, "reads": now, "before": was} for p, now, was in r.left],
        "unrecorded": r.unrecorded or None,
    }


def rollback_json(done: RolledBack) -> dict[str, Any]:
    return undo_json(done.result)


def rollback_text(done: RolledBack) -> str:
    r = done.result
    lines = [undo_line(r)]
    if done.txn.reason:
        lines.append(f"  reason: {done.txn.reason}")
    lines += [f"  kept: {c}" for c in r.conflicts]
    lines += [f"  void: {v}" for v in r.voided]
    lines += leftover_lines(r)
    return "".join(f"{line}\n" for line in lines)


def recover_json(done: Sequence[UndoResult]) -> dict[str, Any]:
    return {"recovered": [undo_json(r) for r in done]}


def recover_text(done: Sequence[UndoResult]) -> str:
    if not done:
        return "nothing to recover\n"
    return "".join(f"{line}\n" for r in done for line in [undo_line(r), *leftover_lines(r)])
