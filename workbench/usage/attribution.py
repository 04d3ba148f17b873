"""Usage by owner: two samples and a `Plan` -> figures per container and per pool.

Which limit binds (observe.md §1, kubelet PR #127525): an exclusive container and, when a pod
has one, the pod cgroup run with `cpu.max = max`; a pod-shared container without a CPU limit of
its own inherits the whole pod limit as its quota while its cpuset is only the pod shared pool.
So the cap that bites is the smaller of the CFS quota and the cpuset width: a sidecar bursting
on a 2-CPU pool under an 8-CPU quota is capped by the cpuset width, `nr_throttled` stays 0, and
the saturation shows as usage near capacity plus `cpu.pressure`. A cap "binds" when the
container (or, for a shared pool, the pool) runs at 90% of it, or is throttled.

Foreign work needs no process scan: the busy time of a pool's CPUs (/proc/stat) minus the usage
of the cgroups that own them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from workbench.usage.model import Member, Plan, PoolSpec
from workbench.usage.rates import CgroupRates, cgroup_rates, cpu_busy
from workbench.usage.sampler import CgroupCounters, Sample

BINDING_SHARE = 0.9  # usage at 90% of a cap counts as running into it
THROTTLED_BINDS = 0.05  # throttled in 5% of periods: the quota bites
PSI_WAITING = 0.1  # some task waited for a CPU 10% of the time

Binds = str  # "cpuset width", "CFS quota", "nothing", or "" when unknown (a gap)


class ContainerFigures(NamedTuple):
    # Tuples, not frozen dataclasses (as the figures below): ~300 of them are made per tick and a
    # frozen dataclass sets each field through object.__setattr__.
    member: Member
    rates: CgroupRates | None  # None: a gap this tick
    memory_bytes: int | None
    memory_max: int | None
    numa_bytes: Mapping[int, int]  # NUMA node -> anon + file bytes (latest slow read)
    off_plan_bytes: int  # bytes on NUMA nodes the kubelet did not plan (0 when no plan known)
    oom_kills: int | None  # since the cgroup was made
    quota_cores: float | None  # CFS quota in cores; None: unbounded
    binds: Binds

    @property
    def usage_cores(self) -> float | None:
        return self.rates.usage_cores if self.rates else None


class PoolFigures(NamedTuple):
    spec: PoolSpec
    usage_cores: float | None  # attributed: the members' usage
    throttled_ratio: float | None
    throttled_s: float | None
    psi_some: float | None  # the highest of its members
    psi_full: float | None
    busy_cores: float | None  # /proc/stat busy time of its CPUs
    binds: Binds

    @property
    def capacity_cores(self) -> float:
        return float(len(self.spec.cpus))

    @property
    def headroom_cores(self) -> float | None:
        return None if self.usage_cores is None else max(0.0, self.capacity_cores - self.usage_cores)

    @property
    def foreign_cores(self) -> float | None:
        """Busy time of the pool's CPUs not accounted to its own cgroups (never below 0)."""
        if self.busy_cores is None or self.usage_cores is None:
            return None
        return max(0.0, self.busy_cores - self.usage_cores)


class PodFigures(NamedTuple):
    pod: str
    cgroup: str
    rates: CgroupRates | None
    memory_bytes: int | None


@dataclass(frozen=True)
class Attribution:
    interval_s: float
    containers: tuple[ContainerFigures, ...]
    pools: tuple[PoolFigures, ...]
    pods: tuple[PodFigures, ...]
    cpu_busy: Mapping[int, float]  # CPU -> busy share of the interval


def _memory(
    c: CgroupCounters | None, member: Member
) -> tuple[int | None, int | None, Mapping[int, int], int, int | None]:
    if c is None:
        return None, None, {}, 0, None
    slow = c.slow
    # The slow read's own mapping (made by the parser, never changed): no copy per tick.
    numa = slow.numa if slow and slow.numa else {}
    planned = member.planned_mems
    off = 0
    if planned and numa:
        # The whole minus the planned nodes' share: the plan has a node or two, the map up to 16.
        on = 0
        for node in planned:
            on += numa.get(node, 0)
        off = sum(numa.values()) - on
    return c.memory_current, slow.memory_max if slow else None, numa, off, slow.oom_kill if slow else None


def _container_binds(rates: CgroupRates | None, quota: float | None, width: int, pool_full: bool) -> Binds:
    if rates is None:
        return ""
    if rates.throttled_ratio >= THROTTLED_BINDS:
        return "CFS quota"
    if quota is not None and quota < width:
        return "CFS quota" if rates.usage_cores >= BINDING_SHARE * quota else "nothing"
    if pool_full or rates.usage_cores >= BINDING_SHARE * width:
        return "cpuset width"
    return "nothing"


def _pool_figures(
    spec: PoolSpec, rates: Mapping[str, CgroupRates | None], busy: Mapping[int, float]
) -> PoolFigures:
    # One pass over the members (52 pools per tick on a 100-container node: a generator per sum
    # was most of this function's cost).
    n = 0
    usage = throttled_s = 0.0
    periods = throttled = 0
    some: float | None = None
    full_psi: float | None = None
    for cg in spec.members:
        r = rates.get(cg)
        if r is None:
            continue
        n += 1
        usage += r.usage_cores
        periods += r.periods
        throttled += r.throttled_periods
        throttled_s += r.throttled_s
        if r.psi_some is not None and (some is None or r.psi_some > some):
            some = r.psi_some
        if r.psi_full is not None and (full_psi is None or r.psi_full > full_psi):
            full_psi = r.psi_full
    members = bool(spec.members)
    pool_usage: float | None = None if members and not n else usage
    ratio = throttled / periods if periods else (0.0 if n or not members else None)
    pool_throttled_s = throttled_s if n or not members else None
    cpus = spec.cpus.sorted()
    busy_cores: float | None = None
    if cpus:
        try:
            busy_cores = sum([busy[c] for c in cpus])
        except KeyError:
            busy_cores = None
    # Full: the members use 90% of the CPUs, or the CPUs are 90% busy while members wait for them.
    cap = BINDING_SHARE * len(cpus)
    waiting = (some or 0.0) >= PSI_WAITING
    full = pool_usage is not None and (
        pool_usage >= cap or (busy_cores is not None and busy_cores >= cap and waiting)
    )
    if pool_usage is None or not members:
        binds = "" if pool_usage is None else "nothing"
    elif ratio is not None and ratio >= THROTTLED_BINDS:
        binds = "CFS quota"
    elif full:
        binds = "cpuset width"
    else:
        binds = "nothing"
    return PoolFigures(spec, pool_usage, ratio, pool_throttled_s, some, full_psi, busy_cores, binds)


def attribute(plan: Plan, prev: Sample, cur: Sample) -> Attribution:
    """Figures over the interval between two samples of the plan's cgroups."""
    dt = cur.time - prev.time
    busy = cpu_busy(prev.cpus, cur.cpus)
    rates: dict[str, CgroupRates | None] = {}
    for m in plan.members:
        rates[m.cgroup] = cgroup_rates(prev.cgroups.get(m.cgroup), cur.cgroups.get(m.cgroup), dt, len(m.cpus))
    pools = tuple(_pool_figures(spec, rates, busy) for spec in plan.pools)
    full_pools = {cg for p in pools if p.binds == "cpuset width" for cg in p.spec.members}
    containers = []
    for m in plan.members:
        counters = cur.cgroups.get(m.cgroup)
        current, mem_max, numa, off, kills = _memory(counters, m)
        slow = counters.slow if counters else None
        quota = slow.cpu_max.cores if slow and slow.cpu_max else None
        binds = _container_binds(rates[m.cgroup], quota, len(m.cpus), m.cgroup in full_pools)
        containers.append(
            ContainerFigures(m, rates[m.cgroup], current, mem_max, numa, off, kills, quota, binds)
        )
    width = max(len(busy), 1)
    pods = tuple(
        PodFigures(
            pod,
            cg,
            cgroup_rates(prev.cgroups.get(cg), cur.cgroups.get(cg), dt, width),
            c.memory_current if (c := cur.cgroups.get(cg)) else None,
        )
        for pod, cg in plan.pod_cgroups.items()
    )
    return Attribution(dt, tuple(containers), pools, pods, busy)
