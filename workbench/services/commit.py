"""Use cases "plan" and "commit": an admitted decision -> the cgroup writes that give a pod its
placement (a dry run), and applying them through the journal.

`apply_planned` is the one commit path of both faces: the journal session takes the operator
lock, recovers interrupted transactions, refuses trees that must not be written (cgroup v1,
hybrid), records the intent before the first write, arms the commit-confirmed timer (held by
the journal's timer, outside any screen or login) and reads every write back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.services.choices import DEFAULT_PARENT
from workbench.services.tree_refusal import write_refusal

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.cgroups.fs import CgroupFS
    from workbench.journal.apply import ApplyResult
    from workbench.journal.store import Txn
    from workbench.journal.undo import UndoResult
    from workbench.services.transactions import JournalAccess


__all__ = [
    "Applied",
    "CgroupTarget",
    "PlannedCommit",
    "Write",
    "apply_planned",
    "open_tree",
    "plan_decision",
    "read_back",
    "write_refusal",
]


def _no_names() -> Mapping[str, str]:
    return MappingProxyType({})


def _no_pids() -> Mapping[str, int]:
    return MappingProxyType({})


@dataclass(frozen=True)
class CgroupTarget:
    """The cgroup v2 tree to write and where the pod's cgroups are in it."""

    root: Path
    layout: str = "standalone"
    parent: str = DEFAULT_PARENT  # standalone layout: the parent cgroup
    container_ids: Mapping[str, str] = field(default_factory=_no_names)  # kubelet layouts
    attach: Mapping[str, int] = field(default_factory=_no_pids)  # standalone: container -> PID
    force: bool = False  # apply even a memory.max below current usage
    label: str = ""  # what screens call the tree ("demo sandbox" rather than a temp path)

    @property
    def name(self) -> str:
        return self.label or str(self.root)


@dataclass(frozen=True)
class PlannedCommit:
    decision: Decision
    target: CgroupTarget
    pod_cgroup: str
    writes: tuple[Write, ...]
    notes: tuple[str, ...]
    fs: CgroupFS = field(compare=False, repr=False)

    @property
    def diff(self) -> str:
        """One line per write, paths relative to the root (short lines, the same on every run)."""
        from workbench.cgroups.diff import format_diff

        return format_diff(self.writes)

    def diff_text(self) -> str:
        """The diff with each path under the cgroup root, as the CLI prints it."""
        from workbench.cgroups.diff import format_diff

        return format_diff(self.writes, self.fs)


@dataclass(frozen=True)
class Applied:
    planned: PlannedCommit
    result: ApplyResult
    txn: Txn
    recovered: tuple[UndoResult, ...]
    # Recovery changed the tree after the plan was shown, so the plan was made again.
    replanned: bool = False

    @property
    def ok(self) -> bool:
        return self.result.ok


def open_tree(root: Path) -> CgroupFS:
    from workbench.cgroups.fs import CgroupFS

    if not root.is_dir():
        raise InputError("no such directory", source=str(root), fix="give the cgroup v2 root (or a sandbox)")
    return CgroupFS(root)


def plan_decision(decision: Decision, target: CgroupTarget) -> PlannedCommit:
    """The writes taking the live tree to `decision`'s placement; nothing is written."""
    from workbench.cgroups.layout import make_layout
    from workbench.cgroups.plan import build_plan

    fs = open_tree(target.root)
    layout = make_layout(target.layout, parent=target.parent, container_ids=dict(target.container_ids))
    built = build_plan(decision, layout, fs, attach=dict(target.attach), force=target.force)
    return PlannedCommit(decision, target, built.cgroups.pod, tuple(built.writes), tuple(built.notes), fs)


def apply_planned(
    planned: PlannedCommit,
    journal: JournalAccess,
    *,
    subject: str,
    confirm_within: float | None = None,
) -> Applied:
    """Write `planned` through the journal (see the module docstring for every step).

    Recovery runs first; when it undid anything, the tree is no longer the one `planned` was
    read from (its before-images would be stale, so a later rollback would restore values a
    crashed transaction left), and the plan is made again from the recovered tree."""
    session = journal.session()
    recovered = tuple(session.recover())
    if recovered:
        planned = plan_decision(planned.decision, planned.target)
    result, txn, more = session.commit(
        planned.fs, planned.writes, subject=subject, confirm_within=confirm_within
    )
    return Applied(planned, result, txn, recovered + tuple(more), replanned=bool(recovered))


def read_back(planned: PlannedCommit) -> list[tuple[str, str, str]]:
    """(target, the value it should now read as, what it reads as), from the tree itself."""
    from workbench.cgroups.normalise import expected_after, normalise

    out = []
    for w in planned.writes:
        if w.action != "write":
            continue
        got = planned.fs.read(w.cgroup, w.file)
        want = expected_after(w.file, w.before, w.value)
        shown = "(missing)" if got is None else (normalise(w.file, got) or "")
        out.append((w.target, want, shown))
    return out
