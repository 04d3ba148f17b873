"""The sampler and its rates on scripted counter sequences: every figure, resets, vanishing and
restarted cgroups, the slow cadence and the one-read-per-file rule."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from usage_kit import Counters, proc_stat

from workbench.usage.rates import cgroup_rates, cpu_busy, oom_kills
from workbench.usage.sampler import Sampler

CG = "pods/a/app"


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path, Counters, Clock]:
    root, proc = tmp_path / "cg", tmp_path / "proc"
    c = Counters(root, CG).make(cpus="0-1", mems="0")
    c.pressure(0, 0)
    c.memory(1000, {0: (600, 300), 1: (50, 50)})
    proc_stat(proc, {0: (0, 0), 1: (0, 0)})
    return root, proc, c, Clock()


def _sampler(tree: tuple[Path, Path, Counters, Clock], **kw: object) -> Sampler:
    root, proc, _c, clock = tree
    return Sampler(root, proc, [CG], clock=clock, **kw)  # type: ignore[arg-type]


def test_rates_of_a_throttled_cgroup(tree: tuple[Path, Path, Counters, Clock]) -> None:
    _root, _proc, c, clock = tree
    s = _sampler(tree)
    first = s.sample()
    clock.t += 2.0
    c.cpu(1_000_000, periods=20, throttled=18, throttled_usec=700_000)
    c.pressure(600_000, 200_000)
    second = s.sample()
    r = cgroup_rates(first.cgroups[CG], second.cgroups[CG], second.time - first.time, 2)
    assert r is not None
    assert r.usage_cores == pytest.approx(0.5)
    assert r.throttled_ratio == pytest.approx(0.9)
    assert r.throttled_s == pytest.approx(0.7)
    assert r.psi_some == pytest.approx(0.3) and r.psi_full == pytest.approx(0.1)
    assert r.bursts is None  # kernels before 5.14 have no burst counters


def test_burst_counters_where_present(tree: tuple[Path, Path, Counters, Clock]) -> None:
    _root, _proc, c, clock = tree
    c.cpu(0, bursts=3, burst_usec=1000)
    s = _sampler(tree)
    a = s.sample()
    clock.t += 1
    c.cpu(500_000, bursts=5, burst_usec=21_000)
    b = s.sample()
    r = cgroup_rates(a.cgroups[CG], b.cgroups[CG], 1.0, 2)
    assert r is not None and r.bursts == 2 and r.burst_s == pytest.approx(0.02)


@pytest.mark.parametrize(
    "second",
    [
        {"usage_usec": 10},  # usage went back: counters reset
        {"usage_usec": 2_000_000, "periods": 5},  # periods went back
        {"usage_usec": 2_000_000, "periods": 40, "throttled": 41},  # more throttled than periods
        {"usage_usec": 90_000_000},  # 90 cores on a 2-CPU cpuset: absurd
    ],
)
def test_untrustworthy_counters_give_a_gap_not_a_figure(
    tree: tuple[Path, Path, Counters, Clock], second: dict[str, int]
) -> None:
    _root, _proc, c, clock = tree
    c.cpu(1_000_000, periods=30, throttled=3)
    s = _sampler(tree)
    a = s.sample()
    clock.t += 1
    c.cpu(**second)
    b = s.sample()
    assert cgroup_rates(a.cgroups[CG], b.cgroups[CG], 1.0, 2) is None
    clock.t += 1
    c.cpu(second["usage_usec"] + 250_000, periods=second.get("periods", 30) + 10,
          throttled=second.get("throttled", 3))  # fmt: skip
    after = s.sample()
    r = cgroup_rates(b.cgroups[CG], after.cgroups[CG], 1.0, 2)
    assert r is not None and r.usage_cores == pytest.approx(0.25), "one gap, then figures again"


def test_a_vanishing_and_reappearing_cgroup_gives_gaps(tree: tuple[Path, Path, Counters, Clock]) -> None:
    root, _proc, c, clock = tree
    s = _sampler(tree)
    a = s.sample()
    shutil.rmtree(root / CG)
    clock.t += 1
    b = s.sample()
    assert b.cgroups[CG] is None
    assert cgroup_rates(a.cgroups[CG], b.cgroups[CG], 1.0, 2) is None
    c.make(cpus="0-1")
    c.cpu(300_000)
    clock.t += 1
    back = s.sample()
    assert cgroup_rates(b.cgroups[CG], back.cgroups[CG], 1.0, 2) is None  # appeared: no previous
    c.cpu(800_000)
    clock.t += 1
    later = s.sample()
    r = cgroup_rates(back.cgroups[CG], later.cgroups[CG], 1.0, 2)
    assert r is not None and r.usage_cores == pytest.approx(0.5)


def test_a_restarted_container_is_a_gap_even_when_its_counters_look_larger(
    tree: tuple[Path, Path, Counters, Clock],
) -> None:
    root, _proc, c, clock = tree
    c.cpu(100_000)
    s = _sampler(tree)
    a = s.sample()
    shutil.rmtree(root / CG)  # the runtime removed and made the cgroup again between two ticks
    c.make(cpus="0-1")
    c.cpu(900_000)
    clock.t += 1
    b = s.sample()
    assert a.cgroups[CG] is not None and b.cgroups[CG] is not None
    assert a.cgroups[CG].incarnation != b.cgroups[CG].incarnation
    assert cgroup_rates(a.cgroups[CG], b.cgroups[CG], 1.0, 2) is None


def test_numa_and_events_are_read_on_the_slow_cadence_memory_current_every_tick(
    tree: tuple[Path, Path, Counters, Clock],
) -> None:
    _root, _proc, c, clock = tree
    s = _sampler(tree, slow_every=5.0)
    a = s.sample()
    assert a.slow and a.cgroups[CG] is not None
    assert a.cgroups[CG].slow is not None and dict(a.cgroups[CG].slow.numa or {}) == {0: 900, 1: 100}
    c.memory(5000, {0: (100, 100), 1: (4000, 800)}, oom_kill=2)
    clock.t += 1
    b = s.sample()
    cb = b.cgroups[CG]
    assert not b.slow and cb is not None and cb.memory_current == 5000
    assert cb.slow is not None and dict(cb.slow.numa or {}) == {0: 900, 1: 100}, "numa_stat not re-read yet"
    assert oom_kills(a.cgroups[CG], cb) == 0
    clock.t += 4
    c_ = s.sample()
    cc = c_.cgroups[CG]
    assert c_.slow and cc is not None and cc.slow is not None
    assert dict(cc.slow.numa or {}) == {0: 200, 1: 4800}
    assert oom_kills(a.cgroups[CG], cc) == 2


def test_one_read_per_file_per_tick_and_no_directory_listing(
    tree: tuple[Path, Path, Counters, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    _root, _proc, _c, clock = tree
    s = _sampler(tree)
    s.sample()
    opened: list[str] = []
    real_open = os.open

    def counting_open(path: str, *a: object, **kw: object) -> int:
        opened.append(os.path.basename(path))
        return real_open(path, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", counting_open)
    monkeypatch.setattr(os, "listdir", lambda *a: pytest.fail("listed a directory"))
    monkeypatch.setattr(os, "scandir", lambda *a: pytest.fail("listed a directory"))
    clock.t += 1
    s.sample()
    assert sorted(opened) == ["cpu.pressure", "cpu.stat", "memory.current", "stat"]


def test_kept_open_descriptors_are_read_again_without_reopening(
    tree: tuple[Path, Path, Counters, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    _root, _proc, c, clock = tree
    s = _sampler(tree, keep_open=True)
    s.sample()
    c.cpu(400_000)
    monkeypatch.setattr(os, "open", lambda *a, **k: pytest.fail("reopened a kept descriptor"))
    clock.t += 1
    b = s.sample()
    assert b.cgroups[CG] is not None and b.cgroups[CG].cpu.usage_usec == 400_000
    s.close()


def test_per_cpu_busy_from_proc_stat(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc_stat(proc, {0: (100, 100), 1: (0, 200), 2: (50, 50)})
    s = Sampler(tmp_path, proc, [])
    a = s.sample()
    proc_stat(proc, {0: (175, 125), 1: (0, 300), 2: (10, 10)})  # CPU 2 went offline and back: reset
    b = s.sample()
    busy = cpu_busy(a.cpus, b.cpus)
    assert busy == {0: pytest.approx(0.75), 1: 0.0}
