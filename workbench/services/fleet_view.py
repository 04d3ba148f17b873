"""Use case "fleet view" (the TUI's Fleet screen): one row per captured node with the verdict of
the pod being drafted, the room left on its roomiest NUMA node and its pool pressure, sorted and
filtered like the other tables.

The verdict, the NUMA nodes taken and the room are `services.fleet`'s (the same rules as
`workbench fleet admit`); pool pressure is replayed from the bundle's counter samples with the
usage sampler and attribution (`workbench top`'s), so nothing here decides anything new. The
nodes are opened once (`open_fleet`); only the verdicts are computed again when the draft changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import InputError
from workbench.services.fleet import NodeVerdict, verdict_for

if TYPE_CHECKING:
    from workbench.kube.model import PodSpec
    from workbench.services.bundle_open import Replay
    from workbench.services.source import Node
    from workbench.usage.model import Plan
    from workbench.usage.sampler import Sample

SORT_KEYS = ("node", "verdict", "room", "pressure")
COLUMNS = ("node", "cpus", "verdict", "takes", "room after", "thr", "psi", "pool", "reason")


@dataclass(frozen=True)
class Pressure:
    """The most pressed pool over the bundle's sample intervals: its highest throttled share
    (then CPU pressure, PSI some) in any interval."""

    pool: str
    throttled: float | None
    psi: float | None


@dataclass(frozen=True)
class FleetNode:
    bundle: Path
    name: str
    node: Node | None  # None: the bundle could not be read (`error` says why)
    error: str = ""
    pressure: Pressure | None = None
    pressure_note: str = ""  # why there is no pressure ("1 sample", an unreadable tree)


@dataclass(frozen=True)
class FleetRow:
    key: str  # the bundle's path: unique even when two captures share a hostname
    entry: FleetNode
    verdict: NodeVerdict | None  # None: the draft is no valid pod, or the bundle is unreadable

    @property
    def status(self) -> str:
        if self.entry.error:
            return "ERROR"
        if self.verdict is None:
            return "-"
        return "admit" if self.verdict.admitted else "REJECT"

    @property
    def reason(self) -> str:
        if self.entry.error:
            return self.entry.error
        v = self.verdict
        if v is None:
            return "the draft is no valid pod"
        return "" if v.admitted else f"{v.reason}: {v.message}"

    def matches(self, text: str) -> bool:
        needle = text.lower()
        pool = self.entry.pressure.pool if self.entry.pressure else ""
        return any(needle in s.lower() for s in (self.entry.name, self.status, self.reason, pool))


def open_fleet(paths: Iterable[Path]) -> tuple[FleetNode, ...]:
    """Every bundle the paths name (as `fleet admit --bundles` takes them), opened once: an
    unreadable one is a row with its error, not a failure of the whole fleet."""
    from workbench.services.fleet_nodes import MachineCache, bundle_files, open_node

    cache = MachineCache()
    out = []
    for path in bundle_files(list(paths)):
        try:
            name, node = open_node(path, cache)
        except InputError as exc:
            out.append(FleetNode(path, path.name, None, error=exc.line()))
            continue
        try:
            pressure, note = pool_pressure(path, node), ""
        except InputError as exc:
            pressure, note = None, exc.line()
        if pressure is None and not note:
            note = "fewer than 2 samples"
        out.append(FleetNode(path, name, node, pressure=pressure, pressure_note=note))
    return tuple(out)


def fleet_rows(nodes: Iterable[FleetNode], pod: PodSpec | None) -> list[FleetRow]:
    """Each node's verdict for `pod` (None: no verdicts), in the bundles' order."""
    rows = []
    for n in nodes:
        verdict = None if n.node is None or pod is None else verdict_for(n.bundle, n.name, n.node, pod)
        rows.append(FleetRow(str(n.bundle), n, verdict))
    return rows


def _sort_value(r: FleetRow, sort: str) -> tuple[float, ...]:
    if sort == "verdict":
        order = {"admit": 0, "REJECT": 1, "-": 2, "ERROR": 3}
        return (order[r.status],)
    if sort == "room":
        room = r.verdict.room if r.verdict else None
        return (room.free_cpus, room.free_memory) if room else (-1.0, -1.0)
    p = r.entry.pressure
    if p is None:
        return (-1.0, -1.0)
    return (-1.0 if p.throttled is None else p.throttled, -1.0 if p.psi is None else p.psi)


def arrange(
    rows: Iterable[FleetRow], *, match: str = "", sort: str = "", descending: bool = True
) -> list[FleetRow]:
    """Rows matching `match`, ordered by `sort` (one of SORT_KEYS; "" keeps the bundles' order).
    Descending puts admitting nodes, the most room and the most pressure first; names A to Z."""
    kept = [r for r in rows if not match or r.matches(match)]
    if sort == "node":
        return sorted(kept, key=lambda r: r.entry.name, reverse=not descending)
    if sort == "verdict":
        return sorted(kept, key=lambda r: _sort_value(r, sort), reverse=not descending)
    if sort in ("room", "pressure"):
        return sorted(kept, key=lambda r: _sort_value(r, sort), reverse=descending)
    return kept


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.0f}%"


def cells(r: FleetRow) -> tuple[str, ...]:
    """The row as the screen shows it (COLUMNS)."""
    from workbench.quantity import format_bytes

    n = r.entry
    size = f"{len(n.node.topology.all_cpus)}/{len(n.node.topology.numa_nodes)}" if n.node else "-"
    v = r.verdict
    takes = ",".join(map(str, v.numa_nodes)) if v and v.numa_nodes else "-"
    room = v.room if v else None
    room_text = f"N{room.numa_node} {room.free_cpus}c {format_bytes(room.free_memory)}" if room else "-"
    p = n.pressure
    name = n.name if len(n.name) <= 18 else n.name[:17] + "…"
    pool = "-" if p is None else (p.pool if len(p.pool) <= 14 else p.pool[:13] + "…")
    return (
        name, size, r.status, takes, room_text, _pct(p.throttled if p else None),
        _pct(p.psi if p else None), pool, r.reason,
    )  # fmt: skip


def detail(r: FleetRow) -> str:
    """The selected row in full: what the columns cut off at 80 columns."""
    n = r.entry
    text = f"{n.name} ({n.bundle.name}): {r.status}"
    if r.reason:
        text += f" · {r.reason}"
    p = n.pressure
    if p is not None:
        text += f" · most pressed pool {p.pool}: throttled {_pct(p.throttled)}, PSI some {_pct(p.psi)}"
    elif n.node is not None:
        text += f" · no pool pressure: {n.pressure_note}"
    return text


def pool_pressure(path: Path, node: Node) -> Pressure | None:
    """The most pressed pool of the bundle's recorded samples (None with fewer than two)."""
    from workbench.services.bundle_open import replay
    from workbench.services.usage_view import usage_rows
    from workbench.usage.attribution import attribute
    from workbench.usage.findings import findings

    with replay(path) as r:
        if r.count < 2:
            return None
        plan, samples = _replayed(r, node)
    from workbench.services.usage import UsageReport
    from workbench.services.usage_view import UsageHistory

    best: Pressure | None = None
    for prev, cur in zip(samples, samples[1:], strict=False):
        a = attribute(plan, prev, cur)
        report = UsageReport(a.interval_s, a, findings(a))
        for row in usage_rows(report, UsageHistory()):
            if not row.pool_row:
                continue
            cand = Pressure(row.owner, row.throttled, row.psi)
            if best is None or _press(cand) > _press(best):
                best = cand
    return best


def _press(p: Pressure) -> tuple[float, float]:
    return (-1.0 if p.throttled is None else p.throttled, -1.0 if p.psi is None else p.psi)


def _replayed(r: Replay, node: Node) -> tuple[Plan, list[Sample]]:
    """Every sample of a replay read by the usage sampler, with the plan of the tree as it was
    at the first sample (a fresh sampler per sample: each lies in a directory of its own)."""
    from workbench.services.choices import DEFAULT_PARENT
    from workbench.services.commit import open_tree
    from workbench.services.usage_plan import build_plan
    from workbench.services.usage_tree import list_pods, read_pods
    from workbench.usage.sampler import Sampler

    plan: Plan | None = None
    samples = []
    for k in range(r.count):
        roots = r.roots(k)
        if plan is None:
            fs = open_tree(roots.cgroup_root)
            plan = build_plan(node, read_pods(fs, list_pods(fs, DEFAULT_PARENT)), {})
        sampler = Sampler(
            roots.cgroup_root,
            roots.proc_root,
            [m.cgroup for m in plan.members],
            light=plan.pod_cgroups.values(),
            clock=partial(float, roots.time),
        )
        try:
            samples.append(_same_incarnation(sampler.sample()))
        finally:
            sampler.close()
    assert plan is not None
    return plan, samples


def _same_incarnation(s: Sample) -> Sample:
    """The sampler tells a re-made cgroup by its files' inodes, which differ from one laid-out
    sample to the next; the bundle records one tree over time, so every sample is one incarnation
    (a container restarted between samples is not seen: the capture keeps no inodes)."""
    from dataclasses import replace

    kept = {cg: None if c is None else c._replace(incarnation=1) for cg, c in s.cgroups.items()}
    return replace(s, cgroups=kept)


__all__ = [
    "COLUMNS", "SORT_KEYS", "FleetNode", "FleetRow", "Pressure",
    "arrange", "cells", "detail", "fleet_rows", "open_fleet",
]  # fmt: skip
