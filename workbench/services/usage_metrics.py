"""Usage as metric families: per owner (exclusive container, pod shared pool, node shared pool,
reserved) capacity, usage, throttling, pressure and NUMA memory, from the same attribution as
`workbench top` and the Usage screen.

Labels are Kubernetes' (`namespace`, `pod`, `container`, `numa_node`) plus `pool`, whose values
are the kubelet's `assignment_type`s (`node_exclusive`, `pod_exclusive`, `pod_shared`) and
`node_shared`, `reserved`. Counters (`*_seconds_total`) accumulate the measured intervals since
the exporter started, so `rate()` works across scrapes; gauges hold the last interval.

Series budget: at most 15 per container. An exclusive container has its pool's 5 series and its
own 7, plus its memory on at most `NUMA_SERIES` NUMA nodes (those holding the most; what lies on
nodes the kubelet did not plan is in `..._off_plan_bytes` anyway).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from workbench.services.metric_family import Family
from workbench.usage.attribution import Attribution, ContainerFigures, PoolFigures

NUMA_SERIES = 3
OWNER = ("pool", "namespace", "pod", "container")


def _split_pod(pod: str | None) -> tuple[str, str]:
    if not pod:
        return "", ""
    namespace, _, name = pod.partition("/")
    return (namespace, name) if name else ("", namespace)


def pool_labels(p: PoolFigures) -> tuple[str, str, str, str]:
    return (p.spec.kind, *_split_pod(p.spec.pod), p.spec.container or "")


def container_labels(c: ContainerFigures) -> tuple[str, str, str, str]:
    return (c.member.pool, *_split_pod(c.member.pod), c.member.container)


@dataclass
class UsageTotals:
    """Counters kept across scrapes: seconds of CPU used, throttled, foreign, by series labels."""

    pool_cpu: dict[tuple[str, ...], float] = field(default_factory=dict)
    container_cpu: dict[tuple[str, ...], float] = field(default_factory=dict)
    throttled: dict[tuple[str, ...], float] = field(default_factory=dict)
    foreign: dict[tuple[str, ...], float] = field(default_factory=dict)


def _accumulate(into: dict[tuple[str, ...], float], key: tuple[str, ...], amount: float | None) -> float:
    """The counter's new total: a gap (None) adds nothing, and nothing is ever subtracted."""
    total = into.get(key, 0.0) + max(amount or 0.0, 0.0)
    into[key] = total
    return total


def _gauge(name: str, help: str, unit: str = "", extra: tuple[str, ...] = ()) -> Family:
    return Family(name, "gauge", help, (*OWNER, *extra), unit=unit)


def _counter(name: str, help: str) -> Family:
    return Family(name, "counter", help, OWNER, unit="seconds")


def pool_families(pools: Iterable[PoolFigures], dt: float, totals: UsageTotals) -> list[Family]:
    capacity = _gauge("workbench_pool_capacity_cpus", "CPUs of the pool (its cpuset's width)")
    usage = _gauge("workbench_pool_cpu_usage_cores", "CPU used by the pool's cgroups over the last interval")
    used = _counter("workbench_pool_cpu_usage_seconds", "CPU time used by the pool's cgroups")
    ratio = _gauge(
        "workbench_pool_cpu_throttled_ratio", "share of CFS periods the pool's cgroups were throttled"
    )
    foreign = _counter(
        "workbench_pool_foreign_cpu_seconds", "busy time of the pool's CPUs not accounted to its own cgroups"
    )
    for p in pools:
        labels = pool_labels(p)
        capacity.add(p.capacity_cores, *labels)
        used.add(_accumulate(totals.pool_cpu, labels, (p.usage_cores or 0.0) * dt), *labels)
        foreign.add(_accumulate(totals.foreign, labels, (p.foreign_cores or 0.0) * dt), *labels)
        if p.usage_cores is not None:
            usage.add(p.usage_cores, *labels)
        if p.throttled_ratio is not None:
            ratio.add(p.throttled_ratio, *labels)
    return [capacity, usage, used, ratio, foreign]


def container_families(
    containers: Iterable[ContainerFigures], dt: float, totals: UsageTotals
) -> list[Family]:
    used = _counter("workbench_container_cpu_usage_seconds", "CPU time used by the container")
    throttled = _counter(
        "workbench_container_cpu_throttled_seconds", "time the container was throttled by CFS"
    )
    ratio = _gauge(
        "workbench_container_cpu_throttled_ratio", "share of CFS periods the container was throttled"
    )
    some = _gauge(
        "workbench_container_cpu_pressure_some_ratio", "share of the last interval some task waited for a CPU"
    )
    memory = _gauge("workbench_container_memory", "memory the container's cgroup holds", unit="bytes")
    numa = _gauge(
        "workbench_container_memory_numa",
        "memory (anon + file) of the container on a NUMA node",
        unit="bytes",
        extra=("numa_node",),
    )
    off = _gauge(
        "workbench_container_memory_off_plan",
        "memory of the container on NUMA nodes the kubelet did not plan",
        unit="bytes",
    )
    ooms = Family("workbench_container_oom_kills", "counter", "OOM kills in the container's cgroup", OWNER)
    for c in containers:
        labels = container_labels(c)
        r = c.rates
        used.add(_accumulate(totals.container_cpu, labels, r.usage_cores * dt if r else None), *labels)
        throttled.add(_accumulate(totals.throttled, labels, r.throttled_s if r else None), *labels)
        if r is not None:
            ratio.add(r.throttled_ratio, *labels)
            if r.psi_some is not None:
                some.add(r.psi_some, *labels)
        if c.memory_bytes is not None:
            memory.add(float(c.memory_bytes), *labels)
        top = sorted(((b, n) for n, b in c.numa_bytes.items() if b > 0), reverse=True)[:NUMA_SERIES]
        for b, n in sorted(top, key=lambda t: t[1]):
            numa.add(float(b), *labels, str(n))
        off.add(float(c.off_plan_bytes), *labels)
        if c.oom_kills is not None:
            ooms.add(float(c.oom_kills), *labels)
    return [used, throttled, ratio, some, memory, numa, off, ooms]


def usage_families(a: Attribution, totals: UsageTotals) -> list[Family]:
    return [
        *pool_families(a.pools, a.interval_s, totals),
        *container_families(a.containers, a.interval_s, totals),
    ]
