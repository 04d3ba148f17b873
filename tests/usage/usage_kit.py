"""Writing the kernel's counter files by hand into a sandbox tree, as the kernel prints them
(Documentation/admin-guide/cgroup-v2.rst, proc(5)), for the usage tests."""

from __future__ import annotations

import os
from pathlib import Path


def put(path: Path, text: str) -> None:
    # In place, like the kernel's files (and without ext4's flush of a file truncated to zero).
    data = text.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        n = os.pwrite(fd, data, 0)
        os.ftruncate(fd, n)
    finally:
        os.close(fd)


class Counters:
    """One cgroup's counter files."""

    def __init__(self, root: Path, cgroup: str) -> None:
        self.dir = root / cgroup

    def make(self, *, cpus: str = "", mems: str = "", cpu_max: str = "max 100000") -> Counters:
        self.dir.mkdir(parents=True, exist_ok=True)
        for name, value in (("cpuset.cpus", cpus), ("cpuset.mems", mems), ("cpu.max", cpu_max)):
            put(self.dir / name, value + "\n")
        self.cpu(0)
        return self

    def cpu(self, usage_usec: int, periods: int = 0, throttled: int = 0, throttled_usec: int = 0,
            bursts: int | None = None, burst_usec: int = 0) -> None:  # fmt: skip
        text = (
            f"usage_usec {usage_usec}\nuser_usec {usage_usec // 2}\n"
            f"system_usec {usage_usec - usage_usec // 2}\n"
            f"nr_periods {periods}\nnr_throttled {throttled}\nthrottled_usec {throttled_usec}\n"
        )
        if bursts is not None:
            text += f"nr_bursts {bursts}\nburst_usec {burst_usec}\n"
        put(self.dir / "cpu.stat", text)

    def pressure(self, some_total: int, full_total: int, avg10: float = 0.0) -> None:
        put(
            self.dir / "cpu.pressure",
            f"some avg10={avg10:.2f} avg60=0.00 avg300=0.00 total={some_total}\n"
            f"full avg10=0.00 avg60=0.00 avg300=0.00 total={full_total}\n",
        )

    def memory(self, current: int, numa: dict[int, tuple[int, int]] | None = None, oom_kill: int = 0) -> None:
        put(self.dir / "memory.current", f"{current}\n")
        put(
            self.dir / "memory.events",
            f"low 0\nhigh 0\nmax 0\noom {oom_kill}\noom_kill {oom_kill}\noom_group_kill 0\n",
        )
        if numa is not None:
            anon = " ".join(f"N{n}={a}" for n, (a, _f) in sorted(numa.items()))
            file = " ".join(f"N{n}={f}" for n, (_a, f) in sorted(numa.items()))
            shmem = " ".join(f"N{n}=0" for n in sorted(numa))
            put(
                self.dir / "memory.numa_stat",
                f"anon {anon}\nfile {file}\nkernel_stack {shmem}\nshmem {shmem}\n",
            )


def proc_stat(proc: Path, ticks: dict[int, tuple[int, int]]) -> None:
    """/proc/stat with per CPU (busy, idle) ticks: busy split over user/system/softirq."""
    proc.mkdir(parents=True, exist_ok=True)
    lines = ["cpu  0 0 0 0 0 0 0 0 0 0"]
    for cpu, (busy, idle) in sorted(ticks.items()):
        user, system = busy // 2, busy // 4
        softirq = busy - user - system
        lines.append(f"cpu{cpu} {user} 0 {system} {idle} 0 0 {softirq} 0 0 0")
    lines += ["intr 12345 0 0", "ctxt 999", "btime 1700000000", "processes 10", "procs_running 1"]
    put(proc / "stat", "\n".join(lines) + "\n")
