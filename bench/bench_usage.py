"""Usage sampler cost: CPU time of one sampling tick for 100 containers (~150 cgroups), beside a
naive reader (the anchor), and the overhead of sampling at a 1 s interval. Figures, not a test.

    python3 bench/bench_usage.py [--pods 50] [--ticks 300] [--dir DIR] [--sustained 20]

Run it from an installed wheel (`pip wheel --no-deps -w /tmp/w . && python3 -m venv /tmp/v &&
/tmp/v/bin/pip install /tmp/w/*.whl && /tmp/v/bin/python bench/bench_usage.py`; it prints where
`workbench` was imported from). The tree is made in DIR (default a temp dir): P pods with 2
containers each (one pinned to a CPU of its own, one in the node pool), every cgroup with the
files the kernel shows (a full-size `memory.numa_stat` for 4 nodes), and a 64-CPU `stat` in a
proc root. Both readers tick in turns on the same tree (a fake clock moves 1 s per tick, so
numa_stat/events come every 5th second as in use):

- naive: every file of every cgroup read with open().read() and parsed whole, each tick;
- sampler: `workbench.usage.Sampler.sample()`, once reopening every file (a plain tree, as a
  capture is read) and once with descriptors kept open (as on a real cgroup2 mount);
- session: the whole `top` tick (sample + attribution by owner + findings), descriptors kept open.

`--terminal S` also counts the bytes the Usage screen of `workbench demo` sends to an 80x24
terminal (a pty) over S seconds at 1 Hz, then paused (space), beside `top -d 1` as the anchor;
`--before PYTHON` (a venv with the base wheel) adds the base's screen, `--rounds N` runs top,
base and this one in turn N times, `--terminal-only` skips the sampler figures:

    python3 bench/bench_usage.py --terminal 60 --rounds 3 --terminal-only \
        --before /work/bench-venvs/base/bin/python

Goals (issue 10): sampler p95 < 4 ms CPU, overhead at 1 s < 0.5% of one core, the Usage screen
at most a quarter of `top -d 1`'s bytes, 0 bytes while paused.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

NUMA_KEYS = (
    "anon file kernel_stack pagetables sec_pagetables shmem file_mapped file_dirty file_writeback swapcached "
    "anon_thp file_thp shmem_thp inactive_anon active_anon inactive_file active_file unevictable "
    "slab_reclaimable slab_unreclaimable workingset_refault_anon workingset_refault_file "
    "workingset_activate_anon workingset_activate_file workingset_restore_anon workingset_restore_file "
    "workingset_nodereclaim"
).split()
FILES = {
    "cpu.stat": "usage_usec {u}\nuser_usec {u}\nsystem_usec 0\ncore_sched.force_idle_usec 0\nnr_periods {p}\n"
    "nr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n",
    "cpu.pressure": "some avg10=0.00 avg60=0.00 avg300=0.00 total={u}\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
    "memory.current": "{m}\n",
    "cpu.max": "max 100000\n",
    "cpu.max.burst": "0\n",
    "memory.max": "max\n",
    "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
    # all of it on node 0, the planned one (no findings: the figures are the steady state's)
    "memory.numa_stat": "".join(f"{k} N0={{m}} N1=0 N2=0 N3=0\n" for k in NUMA_KEYS),
}


def make_tree(root: Path, pods: int) -> list[str]:
    from workbench.cgroups.sandbox import init_sandbox
    from workbench.topology.cpuset import CPUSet

    init_sandbox(root, cpus=CPUSet.parse("0-63"), mems=CPUSet.parse("0-3"), mountinfo="")
    cgroups = []
    for p in range(pods):
        pod = f"workbench.slice/bench_pod{p}"
        for cg, cpus in ((pod, ""), (f"{pod}/pinned", str(1 + p % 63)), (f"{pod}/helper", "")):
            d = root / cg
            d.mkdir(parents=True, exist_ok=True)
            for name, text in FILES.items():
                (d / name).write_text(text.format(u=123456789, p=1000, m=987654321))
            (d / "cpuset.cpus").write_text(cpus + "\n")
            (d / "cpuset.mems").write_text("0\n")
            cgroups.append(cg)
    return cgroups


def make_proc(proc: Path) -> None:
    proc.mkdir(parents=True, exist_ok=True)
    lines = ["cpu  1 2 3 4 5 6 7 8 0 0"] + [
        f"cpu{c} 123456 0 23456 987654 345 0 567 0 0 0" for c in range(64)
    ]
    lines += ["intr 99999999 " + " ".join(str(i) for i in range(1200)), "ctxt 123456789", "btime 1700000000"]
    (proc / "stat").write_text("\n".join(lines) + "\n")


def naive_tick(root: Path, proc: Path, cgroups: list[str]) -> int:
    """What a first Python reader does: every file, open().read(), parsed whole, every tick."""
    n = 0
    for cg in cgroups:
        d = root / cg
        stat = dict(line.split() for line in open(d / "cpu.stat").read().splitlines())
        pressure = [
            dict(kv.split("=") for kv in line.split()[1:])
            for line in open(d / "cpu.pressure").read().splitlines()
        ]
        current = int(open(d / "memory.current").read())
        cpu_max = open(d / "cpu.max").read().split()
        burst = int(open(d / "cpu.max.burst").read())
        mem_max = open(d / "memory.max").read().strip()
        events = dict(line.split() for line in open(d / "memory.events").read().splitlines())
        numa = {}
        for line in open(d / "memory.numa_stat").read().splitlines():
            key, *items = line.split()
            numa[key] = {int(i.split("=")[0][1:]): int(i.split("=")[1]) for i in items}
        n += (
            len(stat)
            + len(pressure)
            + current
            + len(cpu_max)
            + burst
            + len(mem_max)
            + len(events)
            + len(numa)
        )
    for line in open(proc / "stat").read().splitlines():
        if line.startswith("cpu"):
            n += sum(int(x) for x in line.split()[1:])
    return n


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def figures(name: str, ns: list[int]) -> str:
    ms = [v / 1e6 for v in ns]
    return (
        f"{name:<22} p50 {statistics.median(ms):6.2f} ms  p95 {pct(ms, 0.95):6.2f} ms  max {max(ms):6.2f} ms"
    )


def bench_ticks(root: Path, proc: Path, cgroups: list[str], ticks: int, keep_open: bool) -> None:
    from workbench.usage.sampler import Sampler

    clock = [1000.0]
    sampler = Sampler(root, proc, cgroups, keep_open=keep_open, clock=lambda: clock[0])
    naive: list[int] = []
    fast: list[int] = []
    sampler.sample()
    naive_tick(root, proc, cgroups)
    for _ in range(ticks):
        clock[0] += 1.0
        t = time.process_time_ns()
        naive_tick(root, proc, cgroups)
        naive.append(time.process_time_ns() - t)
        t = time.process_time_ns()
        sampler.sample()
        fast.append(time.process_time_ns() - t)
    sampler.close()
    print(figures("naive reader (anchor)", naive))
    print(figures(f"sampler{' keep-open' if keep_open else ''}", fast))
    print(f"{'':<22} p95 ratio naive/sampler {pct(naive, 0.95) / pct(fast, 0.95):.1f}x")


def bench_session(root: Path, proc: Path, ticks: int, sustained: float) -> None:
    from workbench.services.source import NodeSource
    from workbench.services.usage import UsageRequest, open_usage
    from workbench.usage.sampler import Sampler

    clock = [5000.0]
    with open_usage(UsageRequest(NodeSource(demo=True), cgroup_root=root, proc_root=proc)) as session:
        # As on a real cgroup2 mount: the per-tick files kept open (a sandbox reopens them).
        session.sampler.close()
        session.sampler = Sampler(root, proc, keep_open=True, clock=lambda: clock[0])
        session.sampler.set_cgroups(
            [m.cgroup for m in session.plan.members], light=session.plan.pod_cgroups.values()
        )
        session.clock = lambda: clock[0]
        print(f"session plan: {len(session.plan.members)} containers, {len(session.plan.cgroups)} cgroups, "
              f"{len(session.plan.pools)} pools")  # fmt: skip
        session.tick()
        cost = []
        for _ in range(ticks):
            clock[0] += 1.0
            t = time.process_time_ns()
            session.tick()
            cost.append(time.process_time_ns() - t)
        print(figures("session tick (top)", cost))
        mean_ms = statistics.fmean(cost) / 1e6
        print(f"{'':<22} at 1 s: {mean_ms / 10:.3f}% of one core (mean tick CPU / 1 s)")
        if sustained > 0:
            session.clock = session.sampler.clock = time.monotonic
            session.tick()
            cpu0, wall0 = time.process_time(), time.monotonic()
            while time.monotonic() - wall0 < sustained:
                time.sleep(1.0)
                session.tick()
            share = (time.process_time() - cpu0) / (time.monotonic() - wall0)
            print(f"{'':<22} sustained {sustained:g} s at 1 s: {share * 100:.3f}% of one core (CPU / wall)")


def _pty_bytes(
    argv: list[str], keys: str, seconds: float, pause_key: str = ""
) -> tuple[list[int], int | None]:
    """Bytes a program sends to an 80x24 pty: per second over `seconds` (after start-up, the
    keys and 3 s to settle), then in all over `seconds / 2` once `pause_key` is pressed."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(TERM="xterm-256color", COLUMNS="80", LINES="24")
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def drain(t: float) -> int:
        n, end = 0, time.monotonic() + t
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    n += len(os.read(fd, 65536))
                except OSError:
                    break
        return n

    drain(6.0)  # start-up and the first full screen are not counted
    for k in keys:
        os.write(fd, k.encode())
        drain(0.5)
    drain(3.0)
    sent = [drain(1.0) for _ in range(int(seconds))]
    idle = None
    if pause_key:
        os.write(fd, pause_key.encode())
        drain(1.5)
        idle = drain(seconds / 2)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return sent, idle


def _kib_min(per_second: list[int]) -> float:
    return sum(per_second) / len(per_second) * 60 / 1024


def bench_terminal(seconds: float, rounds: int, before: str | None) -> None:
    """`top -d 1` (the anchor), then the base's Usage screen (`before`, a Python with the base
    wheel) and this one's, in turn, `rounds` times: each figure is paired with the top run
    beside it. Per second, p95/p99 of the bytes sent say how bursty the screen is."""
    import shutil
    import sys

    runs: dict[str, list[list[int]]] = {}
    idle: dict[str, list[int | None]] = {}
    apps = [("before", before)] if before else []
    apps.append(("after" if before else "usage", sys.executable))
    for _ in range(rounds):
        if shutil.which("top"):
            runs.setdefault("top -d 1", []).append(_pty_bytes(["top", "-d", "1"], "", seconds)[0])
        for name, python in apps:
            sent, paused = _pty_bytes([python, "-m", "workbench", "demo"], "5", seconds, " ")
            runs.setdefault(name, []).append(sent)
            idle.setdefault(name, []).append(paused)
    print(f"terminal 80x24, 1 Hz, {seconds:g} s x {rounds} rounds (KiB/min; per-second bytes p50/p95/p99)")
    for name, rs in runs.items():
        per_min = [_kib_min(r) for r in rs]
        secs = [b for r in rs for b in r]
        line = (
            f"  {name:<10} median {statistics.median(per_min):6.1f}  rounds "
            + " ".join(f"{v:.1f}" for v in per_min)
            + f"  per s {pct(secs, 0.5)}/{pct(secs, 0.95)}/{pct(secs, 0.99)} B"
        )
        if name in idle:
            line += f"  paused: {idle[name]} bytes"
        if "top -d 1" in runs and name != "top -d 1":
            ratios = [_kib_min(r) / _kib_min(t) for r, t in zip(rs, runs["top -d 1"], strict=True)]
            line += f"  vs top {statistics.median(ratios):.2f}x (max {max(ratios):.2f}x)"
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--pods", type=int, default=50, help="pods of 2 containers each (default 50: 100 containers)"
    )
    ap.add_argument("--ticks", type=int, default=300)
    ap.add_argument("--dir", help="where to build the tree (default: a temp dir)")
    ap.add_argument("--sustained", type=float, default=20.0, help="seconds of a real 1 s loop (0: skip)")
    ap.add_argument(
        "--terminal", type=float, default=0.0, help="seconds of terminal bytes to count (0: skip)"
    )
    ap.add_argument("--rounds", type=int, default=1, help="terminal runs of each program, in turn")
    ap.add_argument("--before", help="a Python with the base wheel, for a paired terminal run")
    ap.add_argument("--terminal-only", action="store_true", help="skip the sampler figures")
    args = ap.parse_args()
    import workbench

    print(f"workbench from {os.path.dirname(workbench.__file__)}")
    if args.terminal_only:
        bench_terminal(args.terminal, args.rounds, args.before)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root, proc = Path(tmp) / "cg", Path(tmp) / "proc"
        cgroups = make_tree(root, args.pods)
        make_proc(proc)
        print(f"{len(cgroups)} cgroups ({args.pods * 2} containers), 8 files each, 64-CPU stat")
        bench_ticks(root, proc, cgroups, args.ticks, keep_open=False)
        bench_ticks(root, proc, cgroups, args.ticks, keep_open=True)
        bench_session(root, proc, args.ticks, args.sustained)
    if args.terminal > 0:
        bench_terminal(args.terminal, args.rounds, args.before)


if __name__ == "__main__":
    main()
