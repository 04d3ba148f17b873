"""Attribution arithmetic on hand-made samples: pool sums, headroom, throttled share across
members, which limit binds, foreign work, gaps, memory off the plan, and each finding."""

from __future__ import annotations

import pytest

from workbench.topology.cpuset import CPUSet
from workbench.usage.attribution import attribute
from workbench.usage.counters import CpuMax, CpuStat, CpuTicks, Pressure
from workbench.usage.findings import findings
from workbench.usage.model import Member, Plan, PoolSpec
from workbench.usage.sampler import CgroupCounters, Sample, SlowCounters

S = CPUSet.parse


def counters(
    usage_us: int,
    periods: int = 0,
    throttled: int = 0,
    some_us: int = 0,
    *,
    full_us: int = 0,
    quota: float | None = None,
    numa: dict[int, int] | None = None,
    incarnation: int = 1,
    oom_kill: int = 0,
) -> CgroupCounters:
    cpu_max = CpuMax(None if quota is None else int(quota * 100_000), 100_000)
    slow = SlowCounters(0.0, cpu_max, 0, None, 0, oom_kill, numa or {0: 1 << 20})
    stat = CpuStat(usage_us, periods, throttled, throttled * 50_000, None, None)
    return CgroupCounters(
        incarnation, stat, Pressure(0.0, some_us, 0.0, full_us), sum((numa or {0: 1 << 20}).values()), slow
    )


PLAN = Plan(
    members=(
        Member("db/pg", "postgres", "pg/postgres", "pod_exclusive", S("1-4"), S("0")),
        Member("db/pg", "backup", "pg/backup", "pod_shared", S("5-6"), S("0")),
        Member("db/pg", "metrics", "pg/metrics", "pod_shared", S("5-6"), S("0")),
        Member("web/a", "app", "a/app", "node_shared", S("0,7"), S("0")),
    ),
    pools=(
        PoolSpec("reserved", S("0")),
        PoolSpec("pod_exclusive", S("1-4"), "db/pg", "postgres", ("pg/postgres",)),
        PoolSpec("pod_shared", S("5-6"), "db/pg", None, ("pg/backup", "pg/metrics")),
        PoolSpec("node_shared", S("7"), None, None, ("a/app",)),
    ),
)


def _sample(t: float, cgroups: dict[str, CgroupCounters | None], busy: dict[int, int]) -> Sample:
    return Sample(t, cgroups, {c: CpuTicks(b, int(t * 100)) for c, b in busy.items()}, True)


def _pair(second: dict[str, CgroupCounters | None], busy2: dict[int, int]) -> tuple[Sample, Sample]:
    first = {
        cg: counters(0, quota=8 if "backup" in cg else None)
        for cg in ("pg/postgres", "pg/backup", "pg/metrics", "a/app")
    }
    return _sample(10.0, dict(first), dict.fromkeys(range(8), 0)), _sample(12.0, second, busy2)


def test_pool_figures_sum_members_and_say_which_limit_binds() -> None:
    a, b = _pair(
        {
            "pg/postgres": counters(400_000),  # 0.2 core of 4
            "pg/backup": counters(3_000_000, some_us=900_000, quota=8),  # 1.5 cores, pod limit as quota
            "pg/metrics": counters(800_000, periods=20, throttled=2, quota=0.5),  # 0.4 core, own 500m
            "a/app": counters(1_000_000),
        },
        {0: 20, 1: 100, 2: 10, 3: 10, 4: 10, 5: 200, 6: 190, 7: 190},
    )
    rep = attribute(PLAN, a, b)
    pools = {p.spec.kind: p for p in rep.pools}
    shared = pools["pod_shared"]
    assert shared.usage_cores == pytest.approx(1.9) and shared.headroom_cores == pytest.approx(0.1)
    assert shared.throttled_ratio == pytest.approx(0.1)  # 2 of 20 periods over both members
    assert shared.psi_some == pytest.approx(0.45)
    assert shared.binds == "CFS quota"  # a member is throttled in 10% of periods
    excl = pools["pod_exclusive"]
    assert excl.usage_cores == pytest.approx(0.2) and excl.busy_cores == pytest.approx(0.65)
    assert excl.foreign_cores == pytest.approx(0.45)  # busy, not its own
    rows = {c.member.container: c for c in rep.containers}
    assert rows["backup"].quota_cores == 8 and rows["metrics"].quota_cores == 0.5
    assert rows["metrics"].binds == "CFS quota"
    kinds = {f.kind for f in findings(rep)}
    assert {"starved-shared-pool", "idle-exclusive", "foreign-work", "node-pool-saturated"} <= kinds


def test_a_full_pool_without_throttling_is_capped_by_cpuset_width() -> None:
    a, b = _pair(
        {
            "pg/postgres": counters(0),
            "pg/backup": counters(3_900_000, some_us=1_200_000, full_us=200_000, quota=8),
            "pg/metrics": counters(0, full_us=100_000, quota=0.5),
            "a/app": counters(0),
        },  # fmt: skip
        dict.fromkeys(range(8), 0) | {5: 197, 6: 197},
    )
    rep = attribute(PLAN, a, b)
    shared = next(p for p in rep.pools if p.spec.kind == "pod_shared")
    assert shared.throttled_ratio == 0 and shared.binds == "cpuset width"
    # PSI "full" of a pool is its most stalled member's (0.2 s of 2 s), not whether it is full
    assert shared.psi_some == pytest.approx(0.6) and shared.psi_full == pytest.approx(0.1)
    backup = next(c for c in rep.containers if c.member.container == "backup")
    assert backup.binds == "cpuset width" and backup.rates is not None and backup.rates.throttled_ratio == 0
    f = next(f for f in findings(rep) if f.kind == "starved-shared-pool")
    assert "capped by cpuset width" in f.text and "postgres" in f.text


def test_a_member_gap_leaves_the_rest_of_the_pool_and_gaps_show_as_none() -> None:
    a, b = _pair(
        {
            "pg/postgres": None,
            "pg/backup": counters(1_000_000, quota=8),
            "pg/metrics": counters(0, incarnation=2),
            "a/app": counters(0),
        },  # fmt: skip
        dict.fromkeys(range(8), 0),
    )
    rep = attribute(PLAN, a, b)
    pools = {p.spec.kind: p for p in rep.pools}
    assert pools["pod_exclusive"].usage_cores is None and pools["pod_exclusive"].binds == ""
    assert pools["pod_exclusive"].foreign_cores is None
    assert pools["pod_shared"].usage_cores == pytest.approx(0.5)  # metrics restarted: a gap, not 0
    metrics = next(c for c in rep.containers if c.member.container == "metrics")
    assert metrics.rates is None and metrics.binds == ""


def test_memory_off_the_planned_node_and_oom_kills() -> None:
    numa = {0: 1 << 30, 1: 300 << 20}
    a, b = _pair(
        {
            "pg/postgres": counters(0, numa=numa, oom_kill=3),
            "pg/backup": counters(0, quota=8),
            "pg/metrics": counters(0),
            "a/app": counters(0, numa={0: 1 << 30, 1: 10 << 20}),
        },  # fmt: skip
        dict.fromkeys(range(8), 0),
    )
    rep = attribute(PLAN, a, b)
    rows = {c.member.container: c for c in rep.containers}
    assert rows["postgres"].off_plan_bytes == 300 << 20 and rows["postgres"].oom_kills == 3
    texts = [f.text for f in findings(rep) if f.kind in ("memory-off-plan", "oom-kill")]
    assert any("300 MiB" in t and "NUMA node 1" in t for t in texts)
    assert any("3 OOM kills" in t for t in texts)
    assert not any("web/a" in t for t in texts), "10 MiB off the plan is below the threshold"


def test_off_plan_bytes_count_every_unplanned_node_and_a_small_share_is_no_finding() -> None:
    plan = Plan(
        members=(
            Member("db/pg", "postgres", "pg/postgres", "pod_exclusive", S("1-4"), S("0-1")),
            Member("web/a", "app", "a/app", "node_shared", S("0,7"), S("0")),
        ),
        pools=(PoolSpec("pod_exclusive", S("1-4"), "db/pg", "postgres", ("pg/postgres",)),),
    )
    # Planned on nodes 0 and 1: only 2 and 3 are off the plan (nodes 1 and 5 of the plan hold nothing
    # or are absent from the map). The app has 100 MiB off its node but that is 1% of 10 GiB.
    first = {"pg/postgres": counters(0), "a/app": counters(0)}
    second = {
        "pg/postgres": counters(0, numa={0: 1 << 30, 2: 200 << 20, 3: 100 << 20}),
        "a/app": counters(0, numa={0: 10 << 30, 1: 100 << 20}),
    }
    rep = attribute(plan, _sample(1.0, first, {}), _sample(2.0, second, {}))
    rows = {c.member.container: c for c in rep.containers}
    assert rows["postgres"].off_plan_bytes == 300 << 20
    assert rows["app"].off_plan_bytes == 100 << 20
    off = [f for f in findings(rep) if f.kind == "memory-off-plan"]
    assert [f.subject for f in off] == ["db/pg/postgres"]
    assert "NUMA node 2,3" in off[0].text and "planned 0-1" in off[0].text
