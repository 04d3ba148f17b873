"""Undo: roll a transaction back, and recover whatever a crash left half done.

The undo of one write is a compare-and-swap: the before-image goes back only if the live value
is still what we wrote (our read-back, or the intended value when the crash came before the
read-back was recorded). Anything else means the kubelet, systemd or another operator wrote it
after us; that is recorded as a conflict and left alone. A value already equal to the
before-image needs nothing, which is what makes undo idempotent and lets recovery resume an
undo that was itself interrupted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import InputError
from workbench.journal import clock, store
from workbench.journal.fault import FaultHook
from workbench.journal.store import Journal, Step
from workbench.journal.tree import CgroupTree
from workbench.journal.undo_step import Identities, finish_step, undo_step

# How the journal reaches the tree a transaction was applied to.
TreeOpener = Callable[[str], CgroupTree]

S_UNDO_FAILED = store.S_UNDO_FAILED
NEEDS_OPERATOR = store.NEEDS_OPERATOR


@dataclass
class UndoResult:
    txid: int
    state: str
    undone: int = 0
    conflicts: list[str] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # What an undo could not take back: (path, what it reads now, the before-image to restore).
    left: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    # Why the journal could not record this outcome (disk full...): the kernel was still undone,
    # and the next command's recovery records it (undo is idempotent).
    unrecorded: str = ""


def void_txn(journal: Journal, txid: int, reason: str) -> UndoResult:
    result = UndoResult(txid, store.VOID)
    for step in journal.steps(txid):
        if step.state not in store.STEP_DONE:
            journal.set_step(txid, step.seq, defer=True, state=store.S_VOID, error=reason)
            result.voided.append(step.target)
    journal.set_state(txid, store.VOID, reason=reason, finished=True)
    return result


def undo_txn(
    journal: Journal,
    tree: CgroupTree,
    txid: int,
    *,
    reason: str,
    faults: FaultHook | None = None,
    expect: tuple[str, ...] | None = None,
) -> UndoResult:
    """Undo every step of `txid`, newest first. Safe to repeat and to resume after a crash.

    With `expect`, the transaction is only touched if it is in one of those states, checked and
    changed in one SQLite transaction: that is how a late confirm timer loses to `confirm`.
    When the journal cannot record (disk full), the kernel is undone all the same and the
    result says so (`unrecorded`): the journal then still shows the old state, and the next
    start's recovery repeats the undo, which finds nothing left to do, and records it.
    """
    hook = faults or FaultHook()
    txn = journal.txn(txid)
    if txn.boot_id != journal.boot_id:
        return void_txn(journal, txid, f"from another boot ({txn.boot_id}); cgroups did not survive it")
    if expect is not None and txn.state not in expect:
        return UndoResult(txid, txn.state)
    if txn.state in (store.VOID, store.ROLLED_BACK):
        # Already finished: repeating a rollback changes nothing (conflicts stay recorded).
        steps = journal.steps(txid)
        return UndoResult(txid, txn.state, conflicts=[s.error for s in steps if s.state == store.S_CONFLICT])
    result = UndoResult(txid, store.ROLLED_BACK)
    if txn.state != store.ROLLING_BACK:
        allowed = expect if expect is not None else (*store.LIVE, store.APPLYING, NEEDS_OPERATOR)
        try:
            if not journal.set_state(txid, store.ROLLING_BACK, reason=reason, expect=allowed):
                return UndoResult(txid, journal.txn(txid).state)
        except sqlite3.Error as exc:
            # The kernel undo needs no journal write; go on, and say the journal lags.
            journal.discard_pending()
            result.unrecorded = str(exc)
    _undo_steps(journal, tree, txid, hook, result)
    result.state = NEEDS_OPERATOR if result.failed else store.ROLLED_BACK
    try:
        journal.set_state(txid, result.state, finished=True)
    except sqlite3.Error as exc:
        journal.discard_pending()
        result.unrecorded = result.unrecorded or str(exc)
        return result
    hook.reached("committed")
    return result


def _kept_for_others(step: Step, touched_by_others: set[str], ids: Identities) -> str:
    """Why a cgroup we created (or a controller we enabled) stays: someone else's values below."""
    if step.state in store.STEP_DONE or not (step.action == "mkdir" or step.file == "cgroup.subtree_control"):
        return ""
    # Removing a cgroup, or disabling a controller above one, would delete those values.
    prefix = f"{step.cgroup}/" if step.cgroup else ""
    users = sorted(
        c
        for c in touched_by_others
        if (c == step.cgroup and step.action == "mkdir") or (c != step.cgroup and c.startswith(prefix))
    )
    replaced = step.action == "mkdir" and step.inode is not None and ids.inode(step.cgroup) != step.inode
    if not users or replaced:
        return ""
    what = step.cgroup if step.action == "mkdir" else step.target
    return f"{what} kept: someone else changed values below it ({', '.join(users)})"


def _undo_steps(journal: Journal, tree: CgroupTree, txid: int, hook: FaultHook, result: UndoResult) -> None:
    # Cgroups holding a value someone else wrote after us: a cgroup we created is kept then,
    # since removing it would take their value with it.
    touched_by_others: set[str] = set()
    ids = Identities(tree)
    steps = journal.steps(txid)
    for step in reversed(steps):
        was = step.state
        kept = _kept_for_others(step, touched_by_others, ids)
        if kept:
            finish_step(journal, step, store.S_CONFLICT, kept)
            result.conflicts.append(kept)
            _note(journal, result, txid, "conflict", kept)
            touched_by_others.add(step.cgroup)
            continue
        same_file = (step.cgroup, step.file)
        earlier = [s.before for s in steps if s.seq < step.seq and (s.cgroup, s.file) == same_file]
        state, detail = undo_step(journal, tree, step, hook, ids, earlier)
        if state == store.S_CONFLICT or (state == store.S_VOID and ids.exists(step.cgroup)):
            # A value someone else changed, or a cgroup that is someone else's now.
            touched_by_others.add(step.cgroup)
        if state == store.S_UNDONE and was not in store.STEP_DONE:
            result.undone += 1
        elif state == store.S_CONFLICT and was != store.S_CONFLICT:
            result.conflicts.append(detail)
            _note(journal, result, txid, "conflict", detail)
        elif state == store.S_CONFLICT:
            result.conflicts.append(step.error)
        elif state == store.S_VOID and was != store.S_VOID:
            result.voided.append(detail)
        elif state == S_UNDO_FAILED:
            result.failed.append(detail)
            live = tree.read(step.cgroup, step.file) if step.file else None
            result.left.append((step.path, live, step.before))


def _note(journal: Journal, result: UndoResult, txid: int, kind: str, detail: str) -> None:
    """An audit event; one that cannot be written (disk full) must not stop the undo."""
    try:
        journal.event(txid, kind, detail)
    except sqlite3.Error as exc:
        journal.discard_pending()
        result.unrecorded = result.unrecorded or str(exc)


def rollback(
    journal: Journal,
    open_tree: TreeOpener,
    txid: int | None = None,
    *,
    reason: str = "rolled back by the operator",
    if_unconfirmed: bool = False,
    faults: FaultHook | None = None,
) -> UndoResult:
    """Roll back `txid`, or the newest transaction whose change is live."""
    if txid is None:
        live = journal.txns(states=[*store.LIVE, NEEDS_OPERATOR], newest_first=True)
        if not live:
            raise InputError(
                "nothing to roll back: no applied transaction in the journal",
                source=str(journal.path),
                fix="`workbench journal` lists them",
            )
        txid = live[0].id
    txn = journal.txn(txid)
    if if_unconfirmed:
        return undo_txn(
            journal,
            open_tree(txn.cgroup_root),
            txid,
            faults=faults,
            reason="not confirmed in time; rolled back",
            expect=(store.PENDING_CONFIRM,),
        )
    return undo_txn(journal, open_tree(txn.cgroup_root), txid, reason=reason, faults=faults)


def recover(
    journal: Journal, open_tree: TreeOpener, *, faults: FaultHook | None = None, retry_operator: bool = False
) -> list[UndoResult]:
    """Run on every start, under the operator lock: finish what a crash or a reboot left.

    A transaction left `needs_operator` (an undo the kernel refused) is retried only when asked
    (`retry_operator`, the `recover` command): retrying at every start would repeat a refused
    write behind every command's back.

    A transaction whose cgroup root has disappeared (a deleted sandbox, an unmounted tree) is
    void; one whose root cannot be opened for another reason is left for a later start and
    reported (its result lists the problem under `failed`), so one bad tree never blocks the rest.
    """
    done: list[UndoResult] = []
    now = clock.boot_clock()
    for txn in journal.txns_to_recover():
        if txn.boot_id != journal.boot_id:
            done.append(
                void_txn(journal, txn.id, f"from another boot ({txn.boot_id}); cgroups did not survive it")
            )
            continue
        overdue = (
            txn.state == store.PENDING_CONFIRM
            and txn.confirm_deadline_boot is not None
            and now >= txn.confirm_deadline_boot
        )
        retry = retry_operator and txn.state == NEEDS_OPERATOR
        if txn.state not in store.UNFINISHED and not overdue and not retry:
            continue
        if not Path(txn.cgroup_root).is_dir():
            done.append(void_txn(journal, txn.id, f"cgroup root {txn.cgroup_root} is gone"))
            continue
        try:
            tree = open_tree(txn.cgroup_root)
        except InputError as exc:
            done.append(UndoResult(txn.id, txn.state, failed=[exc.line()]))
            continue
        if overdue:
            done.append(
                undo_txn(
                    journal,
                    tree,
                    txn.id,
                    faults=faults,
                    expect=(store.PENDING_CONFIRM,),
                    reason="not confirmed in time; rolled back by recovery",
                )
            )
            continue
        why = {
            store.APPLYING: "interrupted while applying",
            NEEDS_OPERATOR: "an undo was refused before; retried by `workbench recover`",
        }.get(txn.state, "interrupted while rolling back")
        reason = (
            txn.reason
            if txn.state == store.ROLLING_BACK and txn.reason
            else f"{why}; rolled back by recovery"
        )
        done.append(undo_txn(journal, tree, txn.id, reason=reason, faults=faults))
    return done
