"""Two samples -> rates, with a gap (None) wherever the counters cannot be trusted.

A gap, never a figure, when: either sample lacks the cgroup (it vanished or just appeared), the
cgroup was made again in between (another incarnation: a restarted container), a cumulative
counter went down (a reset), or the result is impossible (more cores than the cgroup may run
on, more throttled periods than periods). A single bad tick costs one point of history, which
is better than a spike that rescales every chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from workbench.usage.counters import CpuTicks
from workbench.usage.sampler import CgroupCounters

# Slack for reads spread over the tick and for the kernel's own accounting granularity.
ABSURD_FACTOR = 1.25
ABSURD_SLACK_CORES = 0.25


class CgroupRates(NamedTuple):  # a tuple: 150 are made per tick
    usage_cores: float
    throttled_ratio: float  # d nr_throttled / d nr_periods; 0 when no period elapsed
    throttled_s: float  # seconds spent throttled during the interval (d throttled_usec)
    periods: int
    throttled_periods: int
    bursts: int | None
    burst_s: float | None
    psi_some: float | None  # share of the interval some task waited for a CPU (0..1)
    psi_full: float | None


def _psi_share(prev: int | None, cur: int | None, dt_us: float) -> float | None:
    if prev is None or cur is None or cur < prev:
        return None
    share = (cur - prev) / dt_us
    return min(share, 1.0) if share <= 1.05 else None


def cgroup_rates(
    prev: CgroupCounters | None, cur: CgroupCounters | None, dt: float, width: int
) -> CgroupRates | None:
    """Rates over `dt` seconds for a cgroup allowed `width` CPUs; None for a gap."""
    if prev is None or cur is None or dt <= 0 or prev.incarnation != cur.incarnation:
        return None
    a, b = prev.cpu, cur.cpu
    d_usage = b.usage_usec - a.usage_usec
    d_periods = b.nr_periods - a.nr_periods
    d_throttled = b.nr_throttled - a.nr_throttled
    d_throttled_us = b.throttled_usec - a.throttled_usec
    if min(d_usage, d_periods, d_throttled, d_throttled_us) < 0 or d_throttled > d_periods:
        return None
    dt_us = dt * 1e6
    usage = d_usage / dt_us
    if usage > max(width, 1) * ABSURD_FACTOR + ABSURD_SLACK_CORES:
        return None
    bursts = burst_s = None
    if a.nr_bursts is not None and b.nr_bursts is not None and b.nr_bursts >= a.nr_bursts:
        bursts = b.nr_bursts - a.nr_bursts
        if a.burst_usec is not None and b.burst_usec is not None and b.burst_usec >= a.burst_usec:
            burst_s = (b.burst_usec - a.burst_usec) / 1e6
    some = full = None
    if prev.pressure is not None and cur.pressure is not None:
        some = _psi_share(prev.pressure.some_total, cur.pressure.some_total, dt_us)
        full = _psi_share(prev.pressure.full_total, cur.pressure.full_total, dt_us)
    return CgroupRates(
        usage,
        d_throttled / d_periods if d_periods else 0.0,
        d_throttled_us / 1e6,
        d_periods,
        d_throttled,
        bursts,
        burst_s,
        some,
        full,
    )


def oom_kills(prev: CgroupCounters | None, cur: CgroupCounters | None) -> int | None:
    """OOM kills between the two latest slow reads of the same incarnation; None when unknown."""
    if prev is None or cur is None or prev.incarnation != cur.incarnation:
        return None
    a, b = prev.slow, cur.slow
    if a is None or b is None or a.oom_kill is None or b.oom_kill is None or b.oom_kill < a.oom_kill:
        return None
    return b.oom_kill - a.oom_kill


def cpu_busy(prev: Mapping[int, CpuTicks], cur: Mapping[int, CpuTicks]) -> dict[int, float]:
    """Per CPU, the busy share of the interval (0..1), from /proc/stat's own tick counts; a CPU
    whose counters went back (hotplug) or did not move is left out."""
    out: dict[int, float] = {}
    for cpu, b in cur.items():
        a = prev.get(cpu)
        if a is None:
            continue
        d_total = b.total - a.total
        d_busy = b.busy - a.busy
        if d_total <= 0 or d_busy < 0 or d_busy > d_total:
            continue
        out[cpu] = d_busy / d_total
    return out
