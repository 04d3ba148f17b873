"""The sampler: one read per counter file per tick, for a set of cgroups and /proc/stat.

`Sampler(cgroup_root, proc_root, cgroups)` reads, for each cgroup (a path relative to the root),
`cpu.stat`, `cpu.pressure` and `memory.current` on every tick, and every `slow_every` seconds
also `cpu.max`, `cpu.max.burst`, `memory.max`, `memory.events` and `memory.numa_stat` (the
expensive one: the kernel walks every page-state counter per node to print it). `proc_root` is a
directory holding `stat` (normally `/proc`), so a capture bundle replays by pointing both roots
at extracted directories. No process is scanned and no directory is listed per tick.

A sample holds raw counters only; `workbench.usage.rates` turns two samples into rates.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from workbench.usage.counters import (
    CpuMax,
    CpuStat,
    CpuTicks,
    Pressure,
    parse_cpu_max,
    parse_cpu_stat,
    parse_int_or_max,
    parse_memory_events,
    parse_numa_stat,
    parse_pressure,
    parse_proc_stat,
)
from workbench.usage.reader import Handle

DEFAULT_INTERVAL_S = 1.0
DEFAULT_SLOW_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class SlowCounters:
    """The files read every `slow_every` seconds; None where the file is absent."""

    time: float
    cpu_max: CpuMax | None
    burst_usec: int | None
    memory_max: int | None
    oom: int | None
    oom_kill: int | None
    numa: Mapping[int, int] | None  # NUMA node -> anon + file bytes


@dataclass(frozen=True, slots=True)
class CgroupCounters:
    incarnation: int  # changes when the cgroup was removed and made again (a restart)
    cpu: CpuStat
    pressure: Pressure | None
    memory_current: int | None
    slow: SlowCounters | None  # the latest slow read (this tick's when `Sample.slow`)


@dataclass(frozen=True)
class Sample:
    time: float
    # cgroup -> counters; None when it could not be read whole this tick (gone, appearing)
    cgroups: Mapping[str, CgroupCounters | None]
    cpus: Mapping[int, CpuTicks]  # empty when /proc/stat could not be read
    slow: bool


class _Cgroup:
    __slots__ = (
        "current",
        "events",
        "last_slow",
        "max",
        "max_burst",
        "memory_max",
        "numa",
        "pressure",
        "stat",
    )

    def __init__(self, directory: str, keep_open: bool) -> None:
        def h(name: str, size: int = 1024) -> Handle:
            return Handle(os.path.join(directory, name), keep_open=keep_open, size=size)

        self.stat = Handle(os.path.join(directory, "cpu.stat"), keep_open=keep_open, size=1024, track=True)
        self.pressure = h("cpu.pressure")
        self.current = h("memory.current", 64)
        self.max = h("cpu.max", 64)
        self.max_burst = h("cpu.max.burst", 64)
        self.memory_max = h("memory.max", 64)
        self.events = h("memory.events", 256)
        self.numa = h("memory.numa_stat", 4096)
        self.last_slow: SlowCounters | None = None

    def handles(self) -> tuple[Handle, ...]:
        return (self.stat, self.pressure, self.current, self.max, self.max_burst, self.memory_max,
                self.events, self.numa)  # fmt: skip

    def close(self) -> None:
        for handle in self.handles():
            handle.close()


def _parsed(data: bytes | None, parse: Callable[[bytes], object]) -> object | None:
    if data is None:
        return None
    try:
        return parse(data)
    except (ValueError, IndexError, KeyError):
        return None


class Sampler:
    def __init__(
        self,
        cgroup_root: Path | str,
        proc_root: Path | str,
        cgroups: Iterable[str] = (),
        *,
        keep_open: bool = False,
        slow_every: float = DEFAULT_SLOW_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = str(cgroup_root)
        self.keep_open = keep_open
        self.slow_every = slow_every
        self.clock = clock
        self._proc = Handle(os.path.join(str(proc_root), "stat"), keep_open=keep_open, size=16384)
        self._cgroups: dict[str, _Cgroup] = {}
        self._last_slow: float | None = None
        self.set_cgroups(cgroups)

    @property
    def cgroups(self) -> tuple[str, ...]:
        return tuple(self._cgroups)

    def set_cgroups(self, cgroups: Iterable[str]) -> None:
        """Sample these cgroups from now on (kept ones keep their descriptors)."""
        wanted = list(dict.fromkeys(cgroups))
        for gone in set(self._cgroups) - set(wanted):
            self._cgroups.pop(gone).close()
        for cg in wanted:
            if cg not in self._cgroups:
                self._cgroups[cg] = _Cgroup(os.path.join(self.root, cg) if cg else self.root, self.keep_open)

    def close(self) -> None:
        for cg in self._cgroups.values():
            cg.close()
        self._proc.close()

    def sample(self) -> Sample:
        now = self.clock()
        slow = self._last_slow is None or now - self._last_slow >= self.slow_every - 1e-6
        if slow:
            self._last_slow = now
        out: dict[str, CgroupCounters | None] = {}
        for name, cg in self._cgroups.items():
            out[name] = self._read(cg, now, slow)
        raw = self._proc.read()
        cpus = _parsed(raw, parse_proc_stat)
        return Sample(now, out, cpus if isinstance(cpus, dict) else {}, slow)

    def _read(self, cg: _Cgroup, now: float, slow: bool) -> CgroupCounters | None:
        data = cg.stat.read()
        if data is None:
            cg.last_slow = None
            return None
        try:
            cpu = parse_cpu_stat(data)
        except (ValueError, IndexError):
            return None
        incarnation = cg.stat.incarnation
        pressure = _parsed(cg.pressure.read(), parse_pressure)
        current = _parsed(cg.current.read(), parse_int_or_max)
        if slow or cg.last_slow is None:
            events = _parsed(cg.events.read(), parse_memory_events)
            oom, oom_kill = events if isinstance(events, tuple) else (None, None)
            numa = _parsed(cg.numa.read(), parse_numa_stat)
            cpu_max = _parsed(cg.max.read(), parse_cpu_max)
            burst = _parsed(cg.max_burst.read(), parse_int_or_max)
            mem_max = _parsed(cg.memory_max.read(), parse_int_or_max)
            cg.last_slow = SlowCounters(
                now,
                cpu_max if isinstance(cpu_max, CpuMax) else None,
                burst if isinstance(burst, int) else None,
                mem_max if isinstance(mem_max, int) else None,
                oom,
                oom_kill,
                numa if isinstance(numa, dict) else None,
            )
        return CgroupCounters(
            incarnation,
            cpu,
            pressure if isinstance(pressure, Pressure) else None,
            current if isinstance(current, int) else None,
            cg.last_slow,
        )
