"""The sampler: one read per counter file per tick, for a set of cgroups and /proc/stat.

`Sampler(cgroup_root, proc_root, cgroups)` reads, for each cgroup (a path relative to the root),
`cpu.stat`, `cpu.pressure` and `memory.current` on every tick, and every `slow_every` seconds
also `cpu.max`, `cpu.max.burst`, `memory.max`, `memory.events` and `memory.numa_stat` (the
expensive one: the kernel walks every page-state counter per node to print it). The slow reads
are staggered: after the first sample (which reads everything, so the first screen has memory)
each cgroup's slow reads fall in one of `SLOW_SLOTS` phases of the period, so every tick costs
about the same instead of one tick in five costing four times as much. `proc_root` is a
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
from typing import NamedTuple, TypeVar

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
SLOW_SLOTS = 5
T = TypeVar("T")


class SlowCounters(NamedTuple):
    """The files read every `slow_every` seconds; None where the file is absent."""

    time: float
    cpu_max: CpuMax | None
    burst_usec: int | None
    memory_max: int | None
    oom: int | None
    oom_kill: int | None
    numa: Mapping[int, int] | None  # NUMA node -> anon + file bytes


class CgroupCounters(NamedTuple):
    # A tuple, not a frozen dataclass: 150 of them are made per tick.
    incarnation: int  # changes when the cgroup was removed and made again (a restart)
    cpu: CpuStat
    pressure: Pressure | None
    memory_current: int | None
    slow: SlowCounters | None  # the latest slow read (this tick's when it was due)


@dataclass(frozen=True)
class Sample:
    time: float
    # cgroup -> counters; None when it could not be read whole this tick (gone, appearing)
    cgroups: Mapping[str, CgroupCounters | None]
    cpus: Mapping[int, CpuTicks]  # empty when /proc/stat could not be read
    slow: bool  # some cgroup's slow files were read this tick


class _Cgroup:
    __slots__ = ("current", "events", "last_slow", "light", "max", "max_burst", "memory_max", "next_slow",
                 "numa", "phase", "pressure", "stat")  # fmt: skip

    def __init__(self, directory: str, keep_open: bool, phase: float, light: bool) -> None:
        def h(name: str, size: int) -> Handle:
            return Handle(os.path.join(directory, name), keep_open=keep_open, size=size)

        self.stat = Handle(os.path.join(directory, "cpu.stat"), keep_open=keep_open, size=1024, track=True)
        self.pressure = h("cpu.pressure", 256)
        self.current = h("memory.current", 64)
        self.max = h("cpu.max", 64)
        self.max_burst = h("cpu.max.burst", 64)
        self.memory_max = h("memory.max", 64)
        self.events = h("memory.events", 256)
        self.numa = h("memory.numa_stat", 4096)
        self.light = light  # a pod cgroup: usage and memory only
        self.phase = phase  # share of the slow period this cgroup's slow reads are shifted by
        self.next_slow: float | None = None
        self.last_slow: SlowCounters | None = None

    def handles(self) -> tuple[Handle, ...]:
        return (self.stat, self.pressure, self.current, self.max, self.max_burst, self.memory_max,
                self.events, self.numa)  # fmt: skip

    def close(self) -> None:
        for handle in self.handles():
            handle.close()


def _parsed(data: bytes | None, parse: Callable[[bytes], T]) -> T | None:
    if data is None:
        return None
    try:
        return parse(data)
    except (ValueError, IndexError, KeyError):
        return None


def _raise_fd_limit() -> None:
    """Kept-open descriptors: 8 per cgroup. Lift the soft limit to the hard one (no privilege
    needed) so a node with hundreds of containers does not fall back to reopening."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
            resource.setrlimit(
                resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 1 << 20, hard)
            )
    except (ImportError, OSError, ValueError):
        pass


class Sampler:
    def __init__(
        self,
        cgroup_root: Path | str,
        proc_root: Path | str,
        cgroups: Iterable[str] = (),
        *,
        light: Iterable[str] = (),
        keep_open: bool = False,
        slow_every: float = DEFAULT_SLOW_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = str(cgroup_root)
        self.keep_open = keep_open
        self.slow_every = slow_every
        self.clock = clock
        if keep_open:
            _raise_fd_limit()
        self._proc = Handle(os.path.join(str(proc_root), "stat"), keep_open=keep_open, size=16384)
        self._cgroups: dict[str, _Cgroup] = {}
        self._added = 0
        self.set_cgroups(cgroups, light)

    @property
    def cgroups(self) -> tuple[str, ...]:
        return tuple(self._cgroups)

    def set_cgroups(self, cgroups: Iterable[str], light: Iterable[str] = ()) -> None:
        """Sample these cgroups from now on (kept ones keep their descriptors); `light` ones (pod
        cgroups) only for `cpu.stat` and `memory.current`."""
        lights = set(light)
        wanted = list(dict.fromkeys([*cgroups, *lights]))
        for gone in set(self._cgroups) - set(wanted):
            self._cgroups.pop(gone).close()
        for cg in wanted:
            if cg not in self._cgroups:
                phase = (self._added % SLOW_SLOTS) / SLOW_SLOTS
                self._added += 1
                directory = os.path.join(self.root, cg) if cg else self.root
                self._cgroups[cg] = _Cgroup(directory, self.keep_open, phase, cg in lights)

    def close(self) -> None:
        for cg in self._cgroups.values():
            cg.close()
        self._proc.close()

    def sample(self) -> Sample:
        now = self.clock()
        out: dict[str, CgroupCounters | None] = {}
        any_slow = False
        every = self.slow_every
        for name, cg in self._cgroups.items():
            due = cg.next_slow
            slow = due is None or now >= due - 1e-6
            if slow:
                any_slow = True
                if due is None or now - due > every:
                    cg.next_slow = now + every * (1.0 + cg.phase)  # first read, or resumed
                else:
                    cg.next_slow = due + every
            out[name] = self._read(cg, now, slow)
        cpus = _parsed(self._proc.read(), parse_proc_stat)
        return Sample(now, out, cpus or {}, any_slow)

    def _read(self, cg: _Cgroup, now: float, slow: bool) -> CgroupCounters | None:
        data = cg.stat.read()
        if data is None:
            cg.last_slow = None
            return None
        try:
            cpu = parse_cpu_stat(data)
        except (ValueError, IndexError):
            return None
        current = _parsed(cg.current.read(), parse_int_or_max)
        if cg.light:
            return CgroupCounters(cg.stat.incarnation, cpu, None, current, None)
        pressure = _parsed(cg.pressure.read(), parse_pressure)
        if slow or cg.last_slow is None:
            events = _parsed(cg.events.read(), parse_memory_events)
            oom, oom_kill = events if events is not None else (None, None)
            cg.last_slow = SlowCounters(
                now,
                _parsed(cg.max.read(), parse_cpu_max),
                _parsed(cg.max_burst.read(), parse_int_or_max),
                _parsed(cg.memory_max.read(), parse_int_or_max),
                oom,
                oom_kill,
                _parsed(cg.numa.read(), parse_numa_stat),
            )
        return CgroupCounters(cg.stat.incarnation, cpu, pressure, current, cg.last_slow)
