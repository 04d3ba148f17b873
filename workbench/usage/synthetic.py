"""A synthetic kernel for a sandbox tree: counter files that move as a scripted load would move them.

Only for the demo's own temporary sandbox (and tests): `SyntheticNode.advance(now)` plays each
cgroup's demand forward and rewrites its `cpu.stat`, `cpu.pressure`, `memory.current`,
`memory.events`, `memory.numa_stat`, and the `stat` file of a fake proc root, consistently:
usage is the demand capped by the smaller of the cpuset width and the CFS quota; demand above
a quota below the width throttles (periods of 100 ms, nearly all throttled); demand above the
width shows as CPU pressure instead; every CPU's busy time is the usage of the cgroups on it
plus any foreign work scripted on it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workbench.topology.cpuset import CPUSet
from workbench.usage.counters import (
    CpuStat,
    CpuTicks,
    Pressure,
    format_cpu_stat,
    format_numa_stat,
    format_pressure,
    format_proc_stat,
)

USER_HZ = 100
PERIOD_S = 0.1


def wave(base: float, amplitude: float, period_s: float, phase: float = 0.0) -> Callable[[float], float]:
    """A demand that breathes around `base` (cores, never below 0)."""
    return lambda t: max(0.0, base + amplitude * math.sin(2 * math.pi * (t / period_s + phase)))


@dataclass
class Load:
    cgroup: str
    cpus: CPUSet
    demand: Callable[[float], float]  # cores wanted at t seconds
    quota_cores: float | None = None  # None: no CFS quota
    # NUMA node -> bytes at t (anon; file pages are a tenth of it)
    memory: Callable[[float], Mapping[int, int]] = field(default=lambda t: {0: 256 << 20})
    usage_us: float = 0.0
    periods: float = 0.0
    throttled: float = 0.0
    throttled_us: float = 0.0
    some_us: float = 0.0
    full_us: float = 0.0


def write_counter_file(path: str, text: str) -> None:
    """Rewrite a counter file in place (as the kernel's keep their inode). Not O_TRUNC: ext4
    flushes a file truncated to zero and written again (auto_da_alloc), ~3 ms a file; shrinking
    only when the text got shorter costs microseconds."""
    data = text.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        n = os.pwrite(fd, data, 0)
        if os.fstat(fd).st_size > n:
            os.ftruncate(fd, n)
    finally:
        os.close(fd)


_write = write_counter_file


class SyntheticNode:
    def __init__(
        self,
        cgroup_root: Path,
        proc_root: Path,
        cpus: CPUSet,
        loads: list[Load],
        *,
        foreign: Mapping[int, float] | None = None,
        start: float = 0.0,
    ) -> None:
        self.cgroup_root = cgroup_root
        self.proc_root = proc_root
        self.cpus = cpus
        self.loads = loads
        self.foreign = dict(foreign or {})
        self.start = start
        self.last = start
        self.busy: dict[int, float] = dict.fromkeys(cpus, 0.0)
        self.total: dict[int, float] = dict.fromkeys(cpus, 0.0)
        proc_root.mkdir(parents=True, exist_ok=True)
        self._flush()

    def _step(self, load: Load, t: float, dt: float, on_cpu: dict[int, float]) -> None:
        want = load.demand(t)
        width = len(load.cpus)
        cap = min(width, load.quota_cores) if load.quota_cores is not None else width
        used = min(want, cap)
        load.usage_us += used * dt * 1e6
        if load.quota_cores is not None:
            periods = dt / PERIOD_S
            load.periods += periods
            if want > load.quota_cores and load.quota_cores < width:
                load.throttled += periods * min(1.0, 0.5 + (want - load.quota_cores) / want)
                load.throttled_us += (want - load.quota_cores) * dt * 1e6 / max(want, 1e-9)
        if want > cap:
            load.some_us += dt * 1e6 * min(1.0, (want - cap) / want * 1.6)
            load.full_us += dt * 1e6 * min(1.0, (want - cap) / want * 0.4)
        for cpu in load.cpus:
            on_cpu[cpu] = on_cpu.get(cpu, 0.0) + used / width

    def now(self) -> float:
        """The synthetic kernel's time: when its counter files were last written."""
        return self.last

    def advance(self, now: float) -> None:
        """Play the loads forward to `now` and rewrite every counter file."""
        dt = now - self.last
        if dt <= 0:
            return
        t = now - self.start
        on_cpu: dict[int, float] = {}
        for load in self.loads:
            self._step(load, t, dt, on_cpu)
        for cpu, share in self.foreign.items():
            on_cpu[cpu] = on_cpu.get(cpu, 0.0) + share
        for cpu in self.cpus:
            self.busy[cpu] += min(1.0, on_cpu.get(cpu, 0.0)) * dt * USER_HZ
            self.total[cpu] += dt * USER_HZ
        self.last = now
        self._flush()

    def _flush(self) -> None:
        t = self.last - self.start
        for load in self.loads:
            d = os.path.join(self.cgroup_root, load.cgroup)
            if not os.path.isdir(d):
                continue  # removed under the load (a test's vanishing cgroup)
            stat = CpuStat(
                int(load.usage_us), int(load.periods), int(load.throttled), int(load.throttled_us), 0, 0
            )
            _write(os.path.join(d, "cpu.stat"), format_cpu_stat(stat))
            avg = 100.0 * load.some_us / max(1.0, (self.last - self.start) * 1e6)
            full_avg = 100.0 * load.full_us / max(1.0, (self.last - self.start) * 1e6)
            _write(
                os.path.join(d, "cpu.pressure"),
                format_pressure(Pressure(avg, int(load.some_us), full_avg, int(load.full_us))),
            )
            anon = {n: int(b) for n, b in load.memory(t).items()}
            file = {n: b // 10 for n, b in anon.items()}
            _write(os.path.join(d, "memory.numa_stat"), format_numa_stat(anon, file))
            _write(os.path.join(d, "memory.current"), f"{sum(anon.values()) + sum(file.values())}\n")
        ticks = {c: CpuTicks(int(self.busy[c]), int(self.total[c])) for c in self.cpus}
        _write(os.path.join(self.proc_root, "stat"), format_proc_stat(ticks))
