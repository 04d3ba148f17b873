"""Use case "see what runs where": live usage, throttling and NUMA memory per owner.

`open_usage(request)` gives a `UsageSession`; each `tick()` takes one sample and returns the
report for the interval since the previous one (None for the first). Per tick the session
reads counter files and lstats the listed directories (`tree_signature`); it lists the tree
again only when one changed, a sampled cgroup vanished (at most every 5 s) or every `REREAD_S`,
so a new container shows on the next tick and a restarted one within 5 s, after a gap. A face
that shows nothing calls nothing: sampling is paused by not ticking. `top_once` is
`workbench top --once`: two samples `interval` apart.

Sources: a cgroup root (`--cgroup-root`, else the host's /sys/fs/cgroup) and a proc root holding
`stat`; both only read. The demo node without a cgroup root runs in the demo's own temporary
sandbox with a synthetic load (`usage_demo`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import InputError
from workbench.services.choices import DEFAULT_PARENT
from workbench.services.source import NodeSource
from workbench.usage.attribution import Attribution, attribute
from workbench.usage.findings import Finding, findings
from workbench.usage.model import Plan
from workbench.usage.sampler import DEFAULT_INTERVAL_S, DEFAULT_SLOW_EVERY_S, Sample, Sampler

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.cgroups.fs import CgroupFS
    from workbench.services.source import Node
    from workbench.services.usage_tree import PodDir
    from workbench.usage.tasks import Task, TaskStat

HOST_CGROUP_ROOT = Path("/sys/fs/cgroup")
HOST_PROC_ROOT = Path("/proc")
REREAD_S = 30.0  # cpusets and quotas are read again at least this often


@dataclass(frozen=True)
class UsageRequest:
    source: NodeSource
    cgroup_root: Path | None = None  # None: the demo's sandbox with --demo, else the host's
    proc_root: Path | None = None  # None: /proc (the demo: its synthetic one)
    interval_s: float = DEFAULT_INTERVAL_S
    parent: str = DEFAULT_PARENT  # standalone layout's parent cgroup
    tasks: bool = False  # name the tasks behind foreign work (a /proc scan; on demand only)

    def __post_init__(self) -> None:
        if not 0.05 <= self.interval_s <= 3600:
            raise InputError(
                f"interval {self.interval_s:g} s is out of range",
                field="--interval",
                fix="between 0.05 and 3600",
            )


@dataclass(frozen=True)
class UsageReport:
    interval_s: float
    attribution: Attribution
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    tasks: tuple[Task, ...] = ()
    source: str = ""  # what was read, for the header


@dataclass
class UsageSession:
    node: Node
    cgroup_root: Path
    proc_root: Path
    parent: str
    decisions: Mapping[str, Decision]
    sampler: Sampler
    plan: Plan
    label: str
    want_tasks: bool = False
    before_sample: Callable[[float], None] | None = None  # the demo's synthetic kernel
    interval_s: float = DEFAULT_INTERVAL_S
    clock: Callable[[], float] = time.monotonic
    _prev: Sample | None = None
    _last_scan: float = 0.0
    _found_key: object = None
    _dirs: tuple[PodDir, ...] | None = None
    _signature: object = None
    _last_read: float = 0.0
    _tasks_prev: Mapping[int, TaskStat] = field(default_factory=dict)
    tree: CgroupFS | None = None  # opened once: its mode does not change while the view is open

    def rescan(self, now: float | None = None, *, force: bool = False) -> None:
        """List the tree's pods again when a directory changed (`tree_signature`), a sampled
        cgroup vanished (`force`) or every `REREAD_S`; read their cpusets when the listing
        changed (or every `REREAD_S`, for a CPU manager that re-pinned in place); a changed set
        makes a new plan."""
        from workbench.services.commit import open_tree
        from workbench.services.usage_plan import build_plan
        from workbench.services.usage_tree import list_pods, read_pods, tree_signature

        if self.tree is None:
            self.tree = open_tree(self.cgroup_root)
        fs = self.tree
        now = self.clock() if now is None else now
        fresh = 0 <= now - self._last_read < REREAD_S
        root = str(self.cgroup_root)
        if fresh and not force and self._dirs is not None:
            if tree_signature(root, self.parent, self._dirs) == self._signature:
                return
        dirs = list_pods(fs, self.parent)
        self._signature = tree_signature(root, self.parent, dirs)
        if dirs == self._dirs and fresh:
            return
        self._dirs, self._last_read = dirs, now
        found = read_pods(fs, dirs)
        key = tuple(found)
        if key != self._found_key:
            self._found_key = key
            self.plan = build_plan(self.node, found, self.decisions)
            self.sampler.set_cgroups(
                [m.cgroup for m in self.plan.members], light=self.plan.pod_cgroups.values()
            )

    def tick(self) -> UsageReport | None:
        now = self.clock()
        if self.before_sample is not None:
            self.before_sample(now)
        # One lstat per pod each tick (not a listing): a new container shows on the next tick.
        # A vanished cgroup (a restart can keep every nlink) lists again, at most every 5 s so
        # a cgroup that stays unreadable does not list every tick.
        prev = self._prev
        vanished = prev is not None and None in prev.cgroups.values()
        force = vanished and not 0 <= now - self._last_scan < DEFAULT_SLOW_EVERY_S
        if force:
            self._last_scan = now
        self.rescan(now, force=force)
        cur = self.sampler.sample()
        prev, self._prev = self._prev, cur
        tasks: tuple[Task, ...] = ()
        if self.want_tasks:
            tasks = self._foreign_tasks()
        if prev is None:
            return None
        a = attribute(self.plan, prev, cur)
        return UsageReport(a.interval_s, a, findings(a), self.plan.notes, tasks, self.label)

    def _foreign_tasks(self) -> tuple[Task, ...]:
        from workbench.usage.tasks import foreign_tasks, scan_tasks

        snapshot = scan_tasks(self.proc_root)
        prev, self._tasks_prev = self._tasks_prev, snapshot
        return foreign_tasks(self.plan, prev, snapshot, self.proc_root)

    def close(self) -> None:
        self.sampler.close()


def _session(
    node: Node,
    cgroup_root: Path,
    proc_root: Path,
    request: UsageRequest,
    *,
    decisions: Mapping[str, Decision] | None = None,
    label: str = "",
    before_sample: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> UsageSession:
    from workbench.services.commit import open_tree

    fs = open_tree(cgroup_root)
    if not (proc_root / "stat").is_file():
        raise InputError(
            "no stat file", source=str(proc_root), fix="give a proc root holding stat (e.g. /proc)"
        )
    sampler = Sampler(cgroup_root, proc_root, keep_open=fs.mode == "v2", clock=clock or time.monotonic)
    session = UsageSession(
        node, cgroup_root, proc_root, request.parent, dict(decisions or {}), sampler, Plan((), ()),
        label or str(cgroup_root), request.tasks, before_sample,
    )  # fmt: skip
    session.interval_s = request.interval_s
    session.tree = fs
    session.rescan()
    session._last_scan = session.clock()
    return session


@contextmanager
def open_usage(request: UsageRequest, node: Node | None = None) -> Iterator[UsageSession]:
    """A usage session on the source the request names (or on `node`, a face's own view of the
    node); closed (and the demo's sandbox removed) afterwards."""
    from workbench.services.source import load_node

    if request.source.demo and request.cgroup_root is None:
        from workbench.services.usage_demo import demo_usage

        with demo_usage() as demo:
            session = _session(
                demo.node, demo.cgroup_root, demo.proc_root, request,
                decisions=demo.decisions, label="demo node, synthetic load", before_sample=demo.load.advance,
                clock=demo.load.now,
            )  # fmt: skip
            try:
                yield session
            finally:
                session.close()
        return
    node = node or load_node(request.source)
    root = request.cgroup_root or HOST_CGROUP_ROOT
    session = _session(node, root, request.proc_root or HOST_PROC_ROOT, request)
    try:
        yield session
    finally:
        session.close()


@dataclass
class UsageHandle:
    """An open session for a face with a lifetime of its own (a screen): `close()` ends it."""

    session: UsageSession
    close: Callable[[], None]


def start_usage(request: UsageRequest, node: Node | None = None) -> UsageHandle:
    from contextlib import ExitStack

    stack = ExitStack()
    session = stack.enter_context(open_usage(request, node))
    return UsageHandle(session, stack.close)


def top_once(request: UsageRequest, sleep: Callable[[float], None] | None = None) -> UsageReport:
    """Two samples `interval` apart and the report between them."""
    with open_usage(request) as session:
        session.tick()
        (sleep or time.sleep)(request.interval_s)
        report = session.tick()
    assert report is not None
    return report


def start_for_face(node: Node, *, tree_label: str, cgroup_root: Path | None) -> UsageHandle:
    """A usage session for a screen showing `node`: the demo (its tree is the demo sandbox) gets
    its own sandbox with the synthetic load; any other node is read at `cgroup_root` (default
    the host's) with the screen's own view of the node."""
    from workbench.services.demo import DEMO_LABEL

    if tree_label == DEMO_LABEL:
        return start_usage(UsageRequest(NodeSource(demo=True)))
    return start_usage(UsageRequest(NodeSource(), cgroup_root=cgroup_root), node)
