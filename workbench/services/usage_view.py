"""Use case "the usage view": one row per pool and per container, with a short history, sorted
and filtered, and each CPU's busy share by NUMA node, for a screen that redraws only what changed.

The rows hold figures and words; a face draws them (bars, sparklines, glyph ramps) without
computing anything of its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from workbench.services.usage import UsageReport
from workbench.services.usage_render import BINDS_TEXT
from workbench.usage.attribution import ContainerFigures, PoolFigures

HISTORY = 30  # points of history per row
HISTORY_EVERY = 10  # reports per point (10 s at the default interval: 12 points show 2 minutes)
# Throttled share and pressure are shown over the last SHARES_OVER reports (3 s at the default
# interval, top's own default): one second holds only ten CFS periods, so a steady overload reads
# 80, 90, 100% from one second to the next by the count of periods alone.
SHARES_OVER = 3
SORT_KEYS = ("owner", "usage", "throttled", "psi")
KIND_LABELS = {
    "pod_exclusive": "pod excl",
    "node_exclusive": "excl",
    "pod_shared": "pod pool",
    "node_shared": "node pool",
    "reserved": "reserved",
}


@dataclass(frozen=True)
class UsageRow:
    key: str
    pool_row: bool  # a pool (else a container in it)
    owner: str
    kind: str
    cpus: str
    usage: float | None  # cores; None: a gap
    capacity: float  # cores the row may use (its cpuset width)
    throttled: float | None  # share of periods, 0..1
    psi: float | None  # CPU pressure "some", 0..1
    numa: str  # "N0 2.1G N1 340M"; "!" marks bytes off the planned nodes
    limit: str  # which limit binds, in words
    history: tuple[float | None, ...] = ()

    @property
    def share(self) -> float | None:
        if self.usage is None or self.capacity <= 0:
            return None
        return min(1.0, self.usage / self.capacity)

    def matches(self, text: str) -> bool:
        t = text.lower()
        return any(t in s.lower() for s in (self.owner, self.kind, self.cpus, self.limit))


@dataclass
class UsageHistory:
    """The last `HISTORY` points of each row's usage share (None for a gap), one point per
    `every` reports: the mean of those reports. A history that shifts every second makes every
    row change every second; one that moves every 10 s still shows two minutes' trend."""

    every: int = HISTORY_EVERY
    points: dict[str, deque[float | None]] = field(default_factory=dict)
    window: dict[str, list[float]] = field(default_factory=dict)
    reports: int = 0
    closing: bool = False
    shares: dict[str, deque[tuple[float | None, float | None]]] = field(default_factory=dict)

    def advance(self) -> None:
        """A new report: its shares close the window when it is the `every`-th."""
        self.reports += 1
        self.closing = self.reports % self.every == 0

    def add(self, key: str, share: float | None) -> tuple[float | None, ...]:
        d = self.points.setdefault(key, deque(maxlen=HISTORY))
        pending = self.window.setdefault(key, [])
        if share is not None:
            pending.append(share)
        if self.closing or self.every <= 1:
            d.append(sum(pending) / len(pending) if pending else None)
            pending.clear()
        return tuple(d)

    def recent(
        self, key: str, throttled: float | None, psi: float | None
    ) -> tuple[float | None, float | None]:
        """Throttled share and pressure over the last SHARES_OVER reports (their mean; the
        reports with a figure only). The latest report's gap is a gap: a vanished or restarted
        container shows as one at once."""
        d = self.shares.setdefault(key, deque(maxlen=SHARES_OVER))
        d.append((throttled, psi))

        def mean(values: list[float | None]) -> float | None:
            kept = [v for v in values if v is not None]
            return sum(kept) / len(kept) if kept and values[-1] is not None else None

        return mean([t for t, _ in d]), mean([p for _, p in d])


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f}G" if n >= 1 << 30 else f"{n / (1 << 20):.0f}M"


def _numa(c: ContainerFigures) -> str:
    planned = c.member.planned_mems
    parts = []
    for node, b in sorted(c.numa_bytes.items()):
        if b:
            off = "!" if planned and node not in planned else ""
            parts.append(f"N{node}{off} {_size(b)}")
    return " ".join(parts)


def _pool_row(p: PoolFigures) -> UsageRow:
    s = p.spec
    owner = f"{s.pod} {s.container}" if s.pod and s.container else (s.pod or KIND_LABELS[s.kind])
    return UsageRow(
        s.key, True, owner, KIND_LABELS[s.kind], str(s.cpus), p.usage_cores if s.members else p.busy_cores,
        p.capacity_cores, p.throttled_ratio, p.psi_some, "", BINDS_TEXT.get(p.binds, ""),
    )  # fmt: skip


def _container_row(c: ContainerFigures) -> UsageRow:
    m, r = c.member, c.rates
    return UsageRow(
        f"{m.pod}/{m.container}", False, f"{m.pod} {m.container}", KIND_LABELS[m.pool], str(m.cpus),
        c.usage_cores, float(len(m.cpus)), r.throttled_ratio if r else None, r.psi_some if r else None,
        _numa(c), BINDS_TEXT.get(c.binds, ""),
    )  # fmt: skip


def usage_rows(report: UsageReport, history: UsageHistory, *, collapse: bool = False) -> list[UsageRow]:
    """Each pool followed by its containers (an exclusive pool's one container is the pool;
    with `collapse`, so is a pod shared pool's only container: one row, not the same figures
    twice)."""
    a = report.attribution
    history.advance()
    by_cgroup = {c.member.cgroup: c for c in a.containers}
    rows: list[UsageRow] = []
    for p in a.pools:
        row = _pool_row(p)
        mine = [by_cgroup[cg] for cg in p.spec.members if cg in by_cgroup]
        if collapse and p.spec.kind == "pod_shared" and len(mine) == 1:
            m = mine[0].member
            rows.append(replace(row, owner=f"{m.pod} {m.container}", numa=_numa(mine[0])))
            continue
        if p.spec.kind in ("pod_shared", "node_shared"):
            rows.append(row)
            rows += [_container_row(c) for c in mine]
            continue
        rows.append(replace(row, numa=_numa(mine[0])) if len(mine) == 1 else row)
    return [_with_history(r, history) for r in rows]


def _with_history(row: UsageRow, history: UsageHistory) -> UsageRow:
    throttled, psi = history.recent(row.key, row.throttled, row.psi)
    return replace(row, history=history.add(row.key, row.share), throttled=throttled, psi=psi)


def arrange(
    rows: Iterable[UsageRow], *, match: str = "", sort: str = "", descending: bool = True
) -> list[UsageRow]:
    """Rows matching `match`, ordered by `sort` (one of SORT_KEYS; "" keeps the pool order)."""
    kept = [r for r in rows if not match or r.matches(match)]
    if sort == "owner":
        return sorted(kept, key=lambda r: r.owner, reverse=not descending)
    if sort in ("usage", "throttled", "psi"):
        field_of = {"usage": "share", "throttled": "throttled", "psi": "psi"}[sort]

        def value(r: UsageRow) -> float:
            v = getattr(r, field_of)
            return -1.0 if v is None else float(v)

        return sorted(kept, key=value, reverse=descending)
    return kept


@dataclass(frozen=True)
class HeatRow:
    numa: int
    cpus: tuple[int, ...]
    busy: tuple[float | None, ...]  # per CPU, 0..1; None: no reading


def heat_rows(report: UsageReport, numa_cpus: Iterable[tuple[int, Iterable[int]]]) -> list[HeatRow]:
    """Each NUMA node's CPUs and their busy share over the interval (for the heat strip)."""
    busy = report.attribution.cpu_busy
    out = []
    for node, cpus in numa_cpus:
        ids = tuple(sorted(cpus))
        out.append(HeatRow(node, ids, tuple(busy.get(c) for c in ids)))
    return out
