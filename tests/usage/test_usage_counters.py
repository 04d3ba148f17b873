"""cpu.stat as each kernel prints it parses to the same figures (the by-position fast path and
the keyed fallback agree)."""

from __future__ import annotations

import pytest

from workbench.usage.counters import CpuStat, parse_cpu_stat

BASE = "usage_usec 900\nuser_usec 600\nsystem_usec 300\n"
BANDWIDTH = "nr_periods 50\nnr_throttled 7\nthrottled_usec 4000\n"
BURST = "nr_bursts 2\nburst_usec 150\n"


@pytest.mark.parametrize(
    ("text", "bursts"),
    [
        (BASE + BANDWIDTH + BURST, (2, 150)),  # 5.14+
        (BASE + "core_sched.force_idle_usec 0\n" + BANDWIDTH + BURST, (2, 150)),  # SCHED_CORE
        (BASE + BANDWIDTH, (None, None)),  # before 5.14: no burst keys
        (BASE + "core_sched.force_idle_usec 0\n" + BANDWIDTH, (None, None)),
        (BURST + BANDWIDTH + "usage_usec 900\n", (2, 150)),  # another order: by key
    ],
)
def test_cpu_stat_layouts(text: str, bursts: tuple[int | None, int | None]) -> None:
    assert parse_cpu_stat(text.encode()) == CpuStat(900, 50, 7, 4000, *bursts)


def test_cpu_stat_without_bandwidth_keys_is_usage_only() -> None:
    assert parse_cpu_stat(BASE.encode()) == CpuStat(900, 0, 0, 0, None, None)
    with pytest.raises(ValueError):
        parse_cpu_stat(b"user_usec 600\nsystem_usec 300\n")
