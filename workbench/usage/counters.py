"""The kernel's counter files, parsed for only the keys the usage view needs.

Formats (Documentation/admin-guide/cgroup-v2.rst, Documentation/accounting/psi.rst,
Documentation/filesystems/proc.rst):

- `cpu.stat`: `key value` lines; `usage_usec`, `nr_periods`, `nr_throttled`, `throttled_usec`,
  and `nr_bursts`/`burst_usec` since 5.14 (absent before: None).
- `cpu.pressure`: `some avg10=.. avg60=.. avg300=.. total=US` then the same for `full`
  (`full` appears for cpu since 5.13).
- `cpu.max`: `$MAX $PERIOD`, `$MAX` is `max` when unbounded; `cpu.max.burst` is µs.
- `memory.current`, `memory.max` (`max` when unbounded): bytes.
- `memory.events`: `key value` lines; `oom`, `oom_kill`.
- `memory.numa_stat`: `anon N0=B N1=B ..`, `file N0=B ..` (bytes per NUMA node), more lines after.
- `/proc/stat`: `cpuN user nice system idle iowait irq softirq steal guest guest_nice`, in
  USER_HZ ticks; `guest` is already counted in `user`, so it is not added again.

Every parser takes the raw bytes of one read and raises ValueError on a file it cannot read,
which the sampler turns into a gap.
"""

from __future__ import annotations

from typing import NamedTuple


class CpuStat(NamedTuple):
    usage_usec: int
    nr_periods: int
    nr_throttled: int
    throttled_usec: int
    nr_bursts: int | None
    burst_usec: int | None


class Pressure(NamedTuple):
    some_avg10: float
    some_total: int
    full_avg10: float | None
    full_total: int | None


class CpuMax(NamedTuple):
    quota_usec: int | None  # None: unbounded ("max")
    period_usec: int

    @property
    def cores(self) -> float | None:
        """The quota in cores (200000 100000 -> 2.0); None when unbounded."""
        if self.quota_usec is None or self.period_usec <= 0:
            return None
        return self.quota_usec / self.period_usec


class CpuTicks(NamedTuple):
    busy: int  # user + nice + system + irq + softirq + steal
    total: int  # busy + idle + iowait


def parse_cpu_stat(data: bytes) -> CpuStat:
    words = data.split()
    # The common case first, by fixed position (a third cheaper than searching: 150 per tick):
    # usage/user/system, on SCHED_CORE kernels core_sched.force_idle_usec, then the bandwidth
    # run with the burst keys (5.14+).
    w = words
    i = 6 if w[6:7] == [b"nr_periods"] else 8 if w[8:9] == [b"nr_periods"] else 0
    if (
        i
        and w[0] == b"usage_usec"
        and len(w) >= i + 10
        and w[i + 2] == b"nr_throttled"
        and w[i + 4] == b"throttled_usec"
        and w[i + 6] == b"nr_bursts"
        and w[i + 8] == b"burst_usec"
    ):
        return CpuStat(int(w[1]), int(w[i + 1]), int(w[i + 3]), int(w[i + 5]), int(w[i + 7]), int(w[i + 9]))
    # The kernel prints the bandwidth keys in one fixed run (cpu_extra_stat_show): take them by
    # position after `nr_periods`; anything else falls back to a dictionary.
    if words[:1] == [b"usage_usec"] and b"nr_periods" in words:
        i = words.index(b"nr_periods")
        if words[i + 2 : i + 3] == [b"nr_throttled"] and words[i + 4 : i + 5] == [b"throttled_usec"]:
            bursts = words[i + 7] if words[i + 6 : i + 7] == [b"nr_bursts"] else None
            burst_usec = words[i + 9] if words[i + 8 : i + 9] == [b"burst_usec"] else None
            return CpuStat(
                int(words[1]),
                int(words[i + 1]),
                int(words[i + 3]),
                int(words[i + 5]),
                int(bursts) if bursts is not None else None,
                int(burst_usec) if burst_usec is not None else None,
            )
    values = dict(zip(words[0::2], words[1::2], strict=False))
    bursts = values.get(b"nr_bursts")
    burst_usec = values.get(b"burst_usec")
    return CpuStat(
        int(values[b"usage_usec"]) if b"usage_usec" in values else _missing("usage_usec"),
        int(values.get(b"nr_periods", 0)),
        int(values.get(b"nr_throttled", 0)),
        int(values.get(b"throttled_usec", 0)),
        int(bursts) if bursts is not None else None,
        int(burst_usec) if burst_usec is not None else None,
    )


def _missing(key: str) -> int:
    raise ValueError(f"no {key}")


def parse_pressure(data: bytes) -> Pressure:
    words = data.split()
    # some avg10= avg60= avg300= total= [full avg10= avg60= avg300= total=]
    if len(words) < 5 or words[0] != b"some":
        raise ValueError("not a pressure file")
    some_avg10 = float(words[1][6:])
    some_total = int(words[4][6:])
    if len(words) >= 10 and words[5] == b"full":
        return Pressure(some_avg10, some_total, float(words[6][6:]), int(words[9][6:]))
    return Pressure(some_avg10, some_total, None, None)


def parse_int_or_max(data: bytes) -> int | None:
    """`memory.max`, `memory.current`: bytes, or None for `max`."""
    text = data.strip()
    return None if text == b"max" else int(text)


def parse_cpu_max(data: bytes) -> CpuMax:
    words = data.split()
    if not words:
        raise ValueError("empty cpu.max")
    period = int(words[1]) if len(words) > 1 else 100_000
    return CpuMax(None if words[0] == b"max" else int(words[0]), period)


def parse_memory_events(data: bytes) -> tuple[int, int]:
    """(oom, oom_kill)."""
    words = data.split()
    values = dict(zip(words[0::2], words[1::2], strict=False))
    return int(values.get(b"oom", 0)), int(values.get(b"oom_kill", 0))


def parse_numa_stat(data: bytes) -> dict[int, int]:
    """anon + file bytes per NUMA node, from the `anon` and `file` lines only."""
    out: dict[int, int] = {}
    found = 0
    for line in data.split(b"\n"):
        if line.startswith((b"anon ", b"file ")):
            for item in line.split()[1:]:
                node, _, value = item.partition(b"=")
                nid = int(node[1:])
                out[nid] = out.get(nid, 0) + int(value)
            found += 1
            if found == 2:
                break
    if not found:
        raise ValueError("no anon/file lines")
    return out


def parse_proc_stat(data: bytes) -> dict[int, CpuTicks]:
    """Per-CPU busy and total ticks from /proc/stat (the aggregate `cpu` line is skipped)."""
    out: dict[int, CpuTicks] = {}
    for line in data.split(b"\n"):
        if not line.startswith(b"cpu") or line[3:4] == b" ":
            if out and not line.startswith(b"cpu"):
                break  # the per-CPU lines are contiguous; the rest of the file is not needed
            continue
        f = line.split()
        user, nice, system, idle = int(f[1]), int(f[2]), int(f[3]), int(f[4])
        iowait = int(f[5]) if len(f) > 5 else 0
        irq = int(f[6]) if len(f) > 6 else 0
        softirq = int(f[7]) if len(f) > 7 else 0
        steal = int(f[8]) if len(f) > 8 else 0
        busy = user + nice + system + irq + softirq + steal
        out[int(f[0][3:])] = CpuTicks(busy, busy + idle + iowait)
    return out


# ---- formatting: the same files written back (the demo's synthetic load, tests) ----------------
def format_cpu_stat(s: CpuStat, user_share: float = 0.8) -> str:
    user = int(s.usage_usec * user_share)
    lines = [
        f"usage_usec {s.usage_usec}",
        f"user_usec {user}",
        f"system_usec {s.usage_usec - user}",
        f"nr_periods {s.nr_periods}",
        f"nr_throttled {s.nr_throttled}",
        f"throttled_usec {s.throttled_usec}",
    ]
    if s.nr_bursts is not None:
        lines += [f"nr_bursts {s.nr_bursts}", f"burst_usec {s.burst_usec or 0}"]
    return "\n".join(lines) + "\n"


def format_pressure(p: Pressure) -> str:
    avg = p.some_avg10
    some = f"some avg10={avg:.2f} avg60={avg:.2f} avg300={avg:.2f} total={p.some_total}"
    full_avg = p.full_avg10 or 0.0
    full = f"full avg10={full_avg:.2f} avg60={full_avg:.2f} avg300={full_avg:.2f} total={p.full_total or 0}"
    return f"{some}\n{full}\n"


def format_numa_stat(anon: dict[int, int], file: dict[int, int]) -> str:
    def line(key: str, values: dict[int, int]) -> str:
        return key + " " + " ".join(f"N{n}={v}" for n, v in sorted(values.items()))

    return f"{line('anon', anon)}\n{line('file', file)}\n{line('kernel_stack', dict.fromkeys(anon, 0))}\n"


def format_proc_stat(ticks: dict[int, CpuTicks]) -> str:
    busy = sum(t.busy for t in ticks.values())
    total = sum(t.total for t in ticks.values())
    lines = [f"cpu  {busy} 0 0 {total - busy} 0 0 0 0 0 0"]
    lines += [f"cpu{c} {t.busy} 0 0 {t.total - t.busy} 0 0 0 0 0 0" for c, t in sorted(ticks.items())]
    lines.append("intr 0")
    return "\n".join(lines) + "\n"
