"""The undo of one step: a compare-and-swap against the live tree (see `undo.py`).

The before-image goes back only if the live value is still what we wrote; a value already at
the before-image (or at an earlier before-image of the same file in this transaction) needs
nothing; anything else is someone else's and is left alone (a conflict).
"""

from __future__ import annotations

import errno as errno_mod
import time
from collections.abc import Sequence
from typing import Any

from workbench.cgroups.normalise import expected_after, normalise, same
from workbench.cgroups.ops import undo_value
from workbench.journal import store
from workbench.journal.fault import FaultHook
from workbench.journal.store import Journal, Step
from workbench.journal.tree import CgroupTree


def _errname(code: int | None) -> str:
    return errno_mod.errorcode.get(code or 0, str(code))


def finish_step(journal: Journal, step: Step, state: str, error: str = "", **more: Any) -> str:
    journal.set_step(
        step.txn_id,
        step.seq,
        defer=True,
        state=state,
        error=error or step.error,
        undone_wall=time.time(),
        **more,
    )
    return state


class Identities:
    """Cgroup inodes looked up once per undo (None = gone); forgotten when we remove one."""

    def __init__(self, tree: CgroupTree) -> None:
        self.tree = tree
        self._seen: dict[str, int | None] = {}

    def inode(self, cgroup: str) -> int | None:
        if cgroup not in self._seen:
            self._seen[cgroup] = self.tree.inode(cgroup)
        return self._seen[cgroup]

    def exists(self, cgroup: str) -> bool:
        return self.inode(cgroup) is not None

    def forget(self, cgroup: str) -> None:
        self._seen.pop(cgroup, None)


def undo_step(
    journal: Journal,
    tree: CgroupTree,
    step: Step,
    hook: FaultHook,
    ids: Identities | None = None,
    earlier: Sequence[str | None] = (),
) -> tuple[str, str]:
    """Take one step back if it is still ours. Returns (new state, detail).

    `earlier`: the before-images of this transaction's earlier writes to the same file (a cpuset
    grown, then shrunk). A file already back at one of them needs nothing from this step: it
    was never reached, or the undo of the earlier write already ran (a crash before the first
    write, or a rollback killed after its last undo).
    """
    ids = ids or Identities(tree)
    if step.state in store.STEP_DONE:
        return step.state, step.error
    # A step still "planned" may have been written: outcomes are recorded lazily (see apply),
    # so the live tree decides, as for a step caught between intent and read-back.
    planned = step.state == store.S_PLANNED
    if step.state == store.S_FAILED and step.errno is not None:
        # The kernel refused the write as a whole: nothing reached it.
        detail = f"refused by the kernel ({_errname(step.errno)})"
        return finish_step(journal, step, store.S_UNDONE, detail), ""
    if planned and (not ids.exists(step.cgroup) or (step.action != "mkdir" and step.before is None)):
        # Never reached, or a file of a cgroup (or controller) this transaction created, which
        # goes away with it.
        return finish_step(journal, step, store.S_SKIPPED, "never attempted, or goes with its cgroup"), ""
    if not ids.exists(step.cgroup):
        detail = "cgroup gone" if step.action != "mkdir" else "already removed"
        state = store.S_VOID if step.action != "mkdir" else store.S_UNDONE
        return finish_step(journal, step, state, detail), detail
    live_inode = ids.inode(step.cgroup)
    if step.inode is not None and live_inode != step.inode:
        detail = f"{step.cgroup} was re-created (inode {step.inode} -> {live_inode}); not written"
        return finish_step(journal, step, store.S_VOID, detail), detail
    if step.action == "mkdir":
        return _undo_mkdir(journal, tree, step, hook, ids)
    if step.file == "cgroup.procs":
        return _undo_attach(journal, tree, step, hook)
    live = tree.read(step.cgroup, step.file)
    if live is None:
        detail = f"{step.target} is gone; not written"
        return finish_step(journal, step, store.S_VOID, detail), detail
    if same(step.file, live, step.before):
        return finish_step(journal, step, store.S_SKIPPED if planned else store.S_UNDONE), ""
    if any(b is not None and same(step.file, live, b) for b in earlier):
        detail = "already back at this transaction's earlier value"
        return finish_step(journal, step, store.S_SKIPPED if planned else store.S_UNDONE, detail), ""
    ours = (
        normalise(step.file, step.readback)
        if step.readback is not None
        else expected_after(step.file, step.before, step.value)
    )
    if normalise(step.file, live) != ours:
        detail = f"{step.target} is now {live.strip()!r}, not what we wrote ({step.value!r}); left alone"
        return finish_step(journal, step, store.S_CONFLICT, detail), detail
    back = undo_value(step.file, step.before, step.value)
    if back is None:
        return finish_step(journal, step, store.S_UNDONE), ""
    try:
        tree.write(step.cgroup, step.file, back)
    except OSError as exc:
        hook.reached("undo")
        detail = (
            f"undo of {step.target} refused: {_errname(exc.errno)} ({exc.strerror}); "
            f"it reads {live.strip()!r}, was {step.before.strip() if step.before else step.before!r}"
        )
        return finish_step(journal, step, store.S_UNDO_FAILED, detail), detail
    hook.reached("undo")
    again = tree.read(step.cgroup, step.file)
    if not same(step.file, again, step.before):
        detail = f"undo of {step.target} read back {again!r}, wanted {step.before!r}"
        return finish_step(journal, step, store.S_UNDO_FAILED, detail), detail
    return finish_step(journal, step, store.S_UNDONE), ""


def _undo_mkdir(
    journal: Journal, tree: CgroupTree, step: Step, hook: FaultHook, ids: Identities
) -> tuple[str, str]:
    ids.forget(step.cgroup)
    try:
        tree.rmdir(step.cgroup)
    except OSError as exc:
        hook.reached("undo")
        detail = f"cannot remove {step.cgroup}: {_errname(exc.errno)} (someone else uses it); left alone"
        return finish_step(journal, step, store.S_CONFLICT, detail), detail
    hook.reached("undo")
    return finish_step(journal, step, store.S_UNDONE), ""


def _undo_attach(journal: Journal, tree: CgroupTree, step: Step, hook: FaultHook) -> tuple[str, str]:
    pid = step.value.strip()
    if pid not in (tree.read(step.cgroup, "cgroup.procs") or "").split():
        # Exited, or moved on by someone else: nothing of ours to undo.
        return finish_step(journal, step, store.S_UNDONE, "process no longer there"), ""
    if step.origin is None:
        detail = f"pid {pid}: its former cgroup is unknown; left in {step.cgroup}"
        return finish_step(journal, step, store.S_CONFLICT, detail), detail
    if step.origin == step.cgroup:
        return finish_step(journal, step, store.S_UNDONE), ""
    try:
        tree.write(step.origin, "cgroup.procs", pid)
    except OSError as exc:
        hook.reached("undo")
        if exc.errno == errno_mod.ESRCH:
            return finish_step(journal, step, store.S_UNDONE, "process exited"), ""
        detail = f"moving pid {pid} back to {step.origin or '/'}: {_errname(exc.errno)}"
        return finish_step(journal, step, store.S_UNDO_FAILED, detail), detail
    hook.reached("undo")
    return finish_step(journal, step, store.S_UNDONE), ""


