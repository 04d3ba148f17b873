"""Derived findings, one line each, from one interval's figures.

- a shared pool that is throttled or full next to idle exclusive CPUs of the same pod
  (the pod's budget is split badly: the sidecar starves while the database idles);
- an exclusive container using far less than it holds;
- memory off the NUMA nodes the kubelet planned;
- the node shared pool saturated;
- foreign work on exclusive or pod-shared CPUs (busy time their owners did not use);
- OOM kills.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from workbench.usage.attribution import Attribution, ContainerFigures, PoolFigures
from workbench.usage.model import EXCLUSIVE_KINDS

IDLE_SHARE = 0.25  # an exclusive container below 25% of what it holds ...
IDLE_MIN_CORES = 1.0  # ... and leaving at least one core unused
OFF_PLAN_MIN_BYTES = 64 << 20
OFF_PLAN_SHARE = 0.05
SATURATED_SHARE = 0.9
FOREIGN_MIN_CORES = 0.2


@dataclass(frozen=True)
class Finding:
    kind: str  # "starved-shared-pool", "idle-exclusive", "memory-off-plan", "node-pool-saturated",
    # "foreign-work", "oom-kill"
    subject: str  # the pool or container key it is about
    text: str


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MiB"


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _idle_exclusive(pools: tuple[PoolFigures, ...]) -> list[PoolFigures]:
    return [
        p
        for p in pools
        if p.spec.kind in EXCLUSIVE_KINDS
        and p.usage_cores is not None
        and p.capacity_cores - p.usage_cores >= IDLE_MIN_CORES
        and p.usage_cores < IDLE_SHARE * p.capacity_cores
    ]


def _starved(a: Attribution, idle_pools: list[PoolFigures]) -> Iterator[Finding]:
    for p in a.pools:
        if p.spec.kind != "pod_shared" or p.binds not in ("CFS quota", "cpuset width"):
            continue
        idle = [i for i in idle_pools if i.spec.pod == p.spec.pod]
        if not idle:
            continue
        idle_cores = sum(i.capacity_cores - (i.usage_cores or 0.0) for i in idle)
        how = (
            f"throttled in {_pct(p.throttled_ratio or 0.0)} of periods"
            if p.binds == "CFS quota"
            else f"full ({p.usage_cores or 0.0:.2f} of {p.capacity_cores:g} cores, capped by cpuset width)"
        )
        yield Finding(
            "starved-shared-pool",
            p.spec.key,
            f"{p.spec.pod}: shared pool {p.spec.cpus} is {how} while {idle_cores:.1f} of its "
            f"exclusive cores ({', '.join(str(i.spec.container) for i in idle)}) sit idle",
        )


def _idle(idle_pools: list[PoolFigures]) -> Iterator[Finding]:
    for p in idle_pools:
        yield Finding(
            "idle-exclusive",
            p.spec.key,
            f"{p.spec.pod} {p.spec.container} holds {p.capacity_cores:g} exclusive CPUs ({p.spec.cpus}) "
            f"and uses {p.usage_cores or 0.0:.2f} core ({_pct((p.usage_cores or 0.0) / p.capacity_cores)})",
        )


def _off_plan(c: ContainerFigures) -> Finding | None:
    if not c.member.planned_mems or c.off_plan_bytes < OFF_PLAN_MIN_BYTES:
        return None  # the common case, decided before summing the map (100 containers a tick)
    total = sum(c.numa_bytes.values())
    if c.off_plan_bytes < OFF_PLAN_SHARE * total:
        return None
    nodes = sorted(n for n, b in c.numa_bytes.items() if b and n not in c.member.planned_mems)
    m = c.member
    return Finding(
        "memory-off-plan",
        f"{m.pod}/{m.container}",
        f"{m.pod} {m.container}: {_gib(c.off_plan_bytes)} ({_pct(c.off_plan_bytes / total)}) of its memory "
        f"is on NUMA node {','.join(map(str, nodes))}, planned {m.planned_mems}",
    )


def _node_pool(a: Attribution) -> Iterator[Finding]:
    for p in a.pools:
        if p.spec.kind != "node_shared" or not p.spec.cpus:
            continue
        load = p.busy_cores if p.busy_cores is not None else p.usage_cores
        if load is not None and load >= SATURATED_SHARE * p.capacity_cores:
            yield Finding(
                "node-pool-saturated",
                p.spec.key,
                f"node shared pool {p.spec.cpus} is saturated: {load:.1f} of {p.capacity_cores:g} cores busy",
            )


def _foreign(a: Attribution) -> Iterator[Finding]:
    for p in a.pools:
        if p.spec.kind not in (*EXCLUSIVE_KINDS, "pod_shared"):
            continue
        foreign = p.foreign_cores
        if foreign is not None and foreign >= FOREIGN_MIN_CORES:
            owner = f"{p.spec.pod} {p.spec.container}" if p.spec.container else f"{p.spec.pod} shared pool"
            yield Finding(
                "foreign-work",
                p.spec.key,
                f"foreign work on CPUs {p.spec.cpus} of {owner}: {foreign:.2f} core busy outside its cgroups",
            )


def findings(a: Attribution) -> tuple[Finding, ...]:
    idle = _idle_exclusive(a.pools)
    out: list[Finding] = [*_starved(a, idle), *_idle(idle), *_node_pool(a), *_foreign(a)]
    for c in a.containers:
        f = _off_plan(c)
        if f is not None:
            out.append(f)
        if c.oom_kills:
            m = c.member
            out.append(
                Finding(
                    "oom-kill", f"{m.pod}/{m.container}", f"{m.pod} {m.container}: {c.oom_kills} OOM kills"
                )
            )
    return tuple(out)
