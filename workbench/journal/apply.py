"""Apply a plan under the journal: durable intent, re-check, write, read back, undo on failure."""

from __future__ import annotations

import errno as errno_mod
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from workbench.cgroups.normalise import same
from workbench.cgroups.ops import read_back
from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.journal import store
from workbench.journal.fault import FaultHook
from workbench.journal.store import Journal
from workbench.journal.tree import CgroupTree, find_pid
from workbench.journal.undo import UndoResult, undo_txn


@dataclass
class ApplyResult:
    txid: int
    ok: bool
    reason: str = ""
    # Per step: (target, final state, detail), in plan order.
    steps: list[tuple[str, str, str]] = field(default_factory=list)
    # The rollback of a failed apply: what it undid and what it could not.
    undo: UndoResult | None = None


class IntentNotRecorded(InputError):
    """The journal could not record the intent; the kernel was not touched."""


class JournalWriteFailed(InputError):
    """The journal could not record an apply whose kernel writes had landed; they were undone in
    the same run, and the message says what (if anything) is still live and how to undo it."""

    def __init__(self, journal: Journal, txid: int, why: str, undone: UndoResult) -> None:
        if not undone.failed:
            problem = (
                f"transaction {txid}: {why}; every write was undone in the kernel "
                f"({undone.undone} undone), nothing of it is live"
            )
            fix = "free space on the journal's disk; the next command records the rollback"
        else:
            live = ", ".join(f"{p} reads {now!r} (was {was!r})" for p, now, was in undone.left)
            count = len(undone.failed)
            problem = f"transaction {txid}: {why}, and {count} write(s) could not be undone: {live}"
            fix = "free space on the journal's disk, then run `workbench recover` (it retries the undo)"
        super().__init__(problem, source=str(journal.path), fix=fix)
        self.txid = txid
        self.undone = undone


class Abort(Exception):
    """Stop applying; everything done so far is undone."""


def _errname(code: int | None) -> str:
    return errno_mod.errorcode.get(code or 0, str(code))


# Durability: the whole plan (every step's target, before-image and intended value) is committed
# with fsync before the first write; that is the intent. Each step's progress (intent mark,
# errno, read-back) is then recorded lazily and committed with the outcome (failure, or the
# final state, again with fsync): a crash in between leaves steps that look "planned" or
# "intent", and recovery decides from the live tree with the same compare-and-swap as undo
# (live == before-image: nothing to undo; live == what we write: undo; else conflict).
# One fsync'd commit before and one after, rather than two per write.


def apply_plan(
    journal: Journal,
    tree: CgroupTree,
    writes: Sequence[Write],
    *,
    subject: str = "",
    confirm_within: float | None = None,
    faults: FaultHook | None = None,
    on_intent: Callable[[int], None] | None = None,
) -> ApplyResult:
    """Apply `writes` in order. The caller holds the operator lock and has run recovery.

    Raises `IntentNotRecorded` before the kernel is touched if the intent cannot be recorded
    (disk full, read-only journal): the journal write is the gate, not a formality.
    `on_intent(txid)` runs once the intent is durable and before the first write (the confirm
    timer is armed there, so no moment exists where the change is live without its watchdog);
    if it raises, the transaction is closed with nothing written and the error propagates.
    When the journal cannot record the outcome after kernel writes landed (disk full), every
    write is undone in the same run and `JournalWriteFailed` says what, if anything, is live.
    """
    hook = faults or FaultHook()
    txid, inodes = _record_intent(journal, tree, writes, subject, confirm_within)
    progress = [0]
    try:
        if on_intent is not None:
            try:
                on_intent(txid)
            except BaseException as exc:
                if isinstance(exc, sqlite3.Error):
                    raise
                undo_txn(journal, tree, txid, reason=f"not started: {exc}", faults=hook)
                raise
        reason = _apply_steps(journal, tree, txid, writes, inodes, hook, progress)
        if not reason:
            final = store.PENDING_CONFIRM if confirm_within is not None else store.APPLIED
            journal.set_state(txid, final, expect=[store.APPLYING])
            hook.reached("committed")
            return ApplyResult(txid, True, "", _outcomes(journal, txid))
    except sqlite3.Error as exc:
        # The kernel writes landed but the journal cannot say so: take them back now, rather
        # than leave a change live that only a later command would find.
        journal.discard_pending()
        why = f"the journal could not record the apply ({exc})"
        undone = undo_txn(journal, tree, txid, reason=f"{why}; undone", faults=hook)
        raise JournalWriteFailed(journal, txid, why, undone) from None
    except BaseException as exc:
        # Anything else (a read refused, Ctrl-C): take back what was written, then let it go on.
        what = exc.line() if isinstance(exc, InputError) else (str(exc) or type(exc).__name__)
        _skip_rest(journal, txid, progress[0] + 1, len(writes))
        undo_txn(journal, tree, txid, reason=f"apply interrupted: {what}; undone", faults=hook)
        raise
    _skip_rest(journal, txid, progress[0] + 1, len(writes))
    undone = undo_txn(journal, tree, txid, reason=f"apply failed: {reason}; undone", faults=hook)
    return ApplyResult(txid, False, reason, _outcomes(journal, txid), undo=undone)


def _outcomes(journal: Journal, txid: int) -> list[tuple[str, str, str]]:
    return [(s.target, s.state, s.error) for s in journal.steps(txid)]


def _record_intent(
    journal: Journal, tree: CgroupTree, writes: Sequence[Write], subject: str, confirm_within: float | None
) -> tuple[int, list[int | None]]:
    unsupported = sorted({w.action for w in writes} - {"mkdir", "write"})
    if unsupported:
        raise InputError(f"the journal cannot undo {', '.join(unsupported)}; plan refused")
    # Every target is confined to the root (CgroupFS refuses "..", symlinks...) before anything.
    for cgroup_name in {w.cgroup for w in writes}:
        tree.resolve(cgroup_name)
    paths = [tree.display(w.cgroup, w.file) for w in writes]
    identity = {c: tree.inode(c) for c in {w.cgroup for w in writes}}
    inodes = [identity[w.cgroup] for w in writes]
    # For cgroup.procs the plan's `before` names the cgroup the PID came from.
    origins = [
        (w.before if w.before is not None else find_pid(tree, w.value.strip()))
        if w.file == "cgroup.procs"
        else None
        for w in writes
    ]
    try:
        txid = journal.begin(
            writes,
            cgroup_root=str(tree.root),
            paths=paths,
            inodes=inodes,
            origins=origins,
            subject=subject,
            confirm_within=confirm_within,
        )
    except sqlite3.Error as exc:
        raise IntentNotRecorded(
            f"cannot record the intent ({exc}); nothing was written",
            source=str(journal.path),
            fix="free space on the journal's disk or pass --journal PATH",
        ) from exc
    return txid, inodes


def _apply_steps(
    journal: Journal,
    tree: CgroupTree,
    txid: int,
    writes: Sequence[Write],
    inodes: Sequence[int | None],
    hook: FaultHook,
    progress: list[int],
) -> str:
    """Every step in order; the reason the apply stopped, or "" when all were verified."""
    created: dict[str, int] = {}
    # Cgroups whose identity this apply has checked (a re-check per write costs more than the
    # write; the window that matters is plan -> apply).
    checked: dict[str, int] = {}
    try:
        for seq, w in enumerate(writes):
            progress[0] = seq
            if w.action == "mkdir":
                _apply_mkdir(journal, tree, txid, seq, w, created, hook)
            else:
                _apply_write(journal, tree, txid, seq, w, inodes[seq], created, checked, hook)
    except Abort as exc:
        return str(exc)
    return ""


def _skip_rest(journal: Journal, txid: int, start: int, end: int) -> None:
    for rest in range(start, end):
        journal.set_step(
            txid, rest, defer=True, state=store.S_SKIPPED, error="not attempted: the apply stopped before"
        )


def _apply_mkdir(
    journal: Journal,
    tree: CgroupTree,
    txid: int,
    seq: int,
    w: Write,
    created: dict[str, int],
    hook: FaultHook,
) -> None:
    if tree.exists(w.cgroup):
        journal.set_step(txid, seq, defer=True, state=store.S_SKIPPED, error="appeared since the plan")
        raise Abort(f"{w.cgroup} appeared since the plan was made")
    journal.set_step(txid, seq, defer=True, state=store.S_INTENT, written_wall=None)
    hook.reached("intent")
    try:
        tree.mkdir(w.cgroup)
    except OSError as exc:
        journal.set_step(
            txid, seq, defer=True, state=store.S_FAILED, errno=exc.errno, error=exc.strerror or str(exc)
        )
        hook.reached("write")
        raise Abort(f"mkdir {w.cgroup}: {_errname(exc.errno)} ({exc.strerror})") from None
    hook.reached("write")
    inode = tree.inode(w.cgroup)
    if inode is None:
        journal.set_step(txid, seq, defer=True, state=store.S_FAILED, error="gone right after mkdir")
        raise Abort(f"{w.cgroup} vanished right after it was created")
    created[w.cgroup] = inode
    journal.set_step(txid, seq, defer=True, state=store.S_VERIFIED, inode=inode, readback="exists")
    hook.reached("readback")


def _apply_write(
    journal: Journal,
    tree: CgroupTree,
    txid: int,
    seq: int,
    w: Write,
    planned_inode: int | None,
    created: dict[str, int],
    checked: dict[str, int],
    hook: FaultHook,
) -> None:
    inode = checked.get(w.cgroup)
    if inode is None:
        inode = tree.inode(w.cgroup)
        if inode is None:
            journal.set_step(txid, seq, defer=True, state=store.S_SKIPPED, error="cgroup gone")
            raise Abort(f"{w.cgroup or '/'} is gone since the plan was made")
        expected_inode = planned_inode if planned_inode is not None else created.get(w.cgroup)
        if expected_inode is not None and inode != expected_inode:
            journal.set_step(txid, seq, defer=True, state=store.S_SKIPPED, error="cgroup re-created")
            raise Abort(f"{w.cgroup} was removed and re-created since the plan was made")
        checked[w.cgroup] = inode
    before = w.before
    live = tree.read(w.cgroup, w.file)
    if w.file == "cgroup.procs":
        # Membership changes all the time; what matters is where the pid was (its origin).
        before = live
    elif before is None:
        # The file did not exist at plan time (its cgroup is created by this plan).
        before = live
    elif live is None:
        journal.set_step(txid, seq, defer=True, state=store.S_SKIPPED, error="file gone")
        raise Abort(f"{w.target} is gone since the plan was made")
    elif not same(w.file, live, before):
        journal.set_step(txid, seq, defer=True, state=store.S_SKIPPED, error=f"changed to {live.strip()!r}")
        raise Abort(
            f"{w.target} changed since the plan: {before.strip()!r} -> {live.strip()!r} (another writer)"
        )
    journal.set_step(txid, seq, defer=True, state=store.S_INTENT, inode=inode, before=before)
    hook.reached("intent")
    try:
        tree.write(w.cgroup, w.file, w.value)
    except OSError as exc:
        journal.set_step(
            txid,
            seq,
            defer=True,
            state=store.S_FAILED,
            errno=exc.errno,
            error=exc.strerror or str(exc),
            written_wall=None,
        )
        hook.reached("write")
        raise Abort(f"writing {w.value!r} to {w.target}: {_errname(exc.errno)} ({exc.strerror})") from None
    hook.reached("write")
    # The cgroups layer's read-back is the one verdict (the kernel's rounding, a cpuset the
    # kernel narrowed, an invalid partition fail there, though the write itself succeeded).
    check = read_back(tree, w, before)
    readback = check.value
    if not check.ok or readback is None:
        problem = check.problem or f"read back {readback!r} after writing {w.value!r}"
        journal.set_step(
            txid,
            seq,
            defer=True,
            state=store.S_FAILED,
            readback=readback,
            error=problem,
            written_wall=time.time(),
        )
        hook.reached("readback")
        raise Abort(f"{w.target}: {problem}")
    journal.set_step(
        txid, seq, defer=True, state=store.S_VERIFIED, readback=readback, written_wall=time.time()
    )
    hook.reached("readback")
