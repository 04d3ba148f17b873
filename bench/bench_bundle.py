"""Capture bundles: size, capture time, and the TUI's open time from a bundle vs the live node.

    python3 bench/bench_bundle.py [--runs N] [--installed]

The node: the largest real sysfs snapshot (IBM POWER7, 256 CPUs, 8 NUMA nodes,
`fixtures/sysfs/256ppc-8n8s4t`), a kubelet-style cgroup v2 tree made here with 50 pods of 2
containers (100 containers, 154 cgroups, realistic counter files including an 8-node
memory.numa_stat) and a 256-CPU /proc/stat; 10 samples.

Prints: the bundle's size (goal < 1 MiB); capture time in-process and as a whole `workbench
capture` process, samples taken back to back (`--interval 0`, goal < 1 s); time to first paint
of `workbench tui --bundle` vs `workbench tui` on the live node (the same sysfs tree and cgroup
root), runs alternated, through tmux as a terminal sees it (goal: within 10%). Medians.
`--installed` uses the `workbench` package installed in this Python (a wheel in a venv).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if "--installed" not in sys.argv:
    sys.path.insert(0, str(REPO))

from workbench.services import bundle_capture as bc  # noqa: E402
from workbench.services.source import NodeSource, load_node  # noqa: E402

MACHINE = "256ppc-8n8s4t"
NUMA_KEYS = (
    "anon file kernel_stack pagetables sec_pagetables shmem file_mapped file_dirty file_writeback "
    "swapcached anon_thp file_thp shmem_thp inactive_anon active_anon inactive_file active_file "
    "unevictable slab_reclaimable slab_unreclaimable workingset_refault_anon workingset_refault_file "
    "workingset_activate_anon workingset_activate_file workingset_restore_anon workingset_restore_file "
    "workingset_nodereclaim"
).split()
BUSY_KEYS = {
    "anon",
    "file",
    "active_anon",
    "inactive_file",
    "kernel_stack",
    "slab_reclaimable",
    "file_mapped",
}


def _files(rng: random.Random, nodes: int, cpus: str, mems: str) -> dict[str, str]:
    def n() -> int:
        return rng.randrange(10**6, 10**11)

    def page() -> int:
        return rng.randrange(1, 2**18) * 4096

    numa = "\n".join(
        k + " " + " ".join(f"N{i}={page() if k in BUSY_KEYS else 0}" for i in range(nodes)) for k in NUMA_KEYS
    )
    psi = (
        "some avg10=0.{:02d} avg60=0.00 avg300=0.00 total={}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total={}"
    )
    return {
        "cpuset.cpus": cpus,
        "cpuset.cpus.effective": cpus,
        "cpuset.mems": mems,
        "cpuset.mems.effective": mems,
        "cpu.max": "max 100000",
        "cpu.max.burst": "0",
        "cpu.weight": str(rng.randrange(1, 10000)),
        "memory.max": "max",
        "memory.high": "max",
        "memory.low": "0",
        "memory.min": "0",
        "cpu.stat": f"usage_usec {n()}\nuser_usec {n()}\nsystem_usec {n()}\ncore_sched.force_idle_usec 0\n"
        f"nr_periods {n()}\nnr_throttled {n()}\nthrottled_usec {n()}\nnr_bursts 0\nburst_usec 0",
        "cpu.pressure": psi.format(rng.randrange(100), n(), n()),
        "memory.pressure": psi.format(0, n(), n()),
        "memory.current": str(page()),
        "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0",
        "memory.numa_stat": numa,
    }


def make_cgroup_tree(
    root: Path, containers: int = 100, nodes: int = 8, cpus: str = "0-255", seed: int = 1
) -> None:
    rng = random.Random(seed)
    mems = f"0-{nodes - 1}"

    def put(d: Path, files: dict[str, str]) -> None:
        d.mkdir(parents=True, exist_ok=True)
        for k, v in files.items():
            (d / k).write_text(v + "\n")

    put(root, {"cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc"})
    put(root, _files(rng, nodes, cpus, mems))
    kp = root / "kubepods.slice"
    put(kp, _files(rng, nodes, cpus, mems))
    for qos in ("burstable", "besteffort"):
        put(kp / f"kubepods-{qos}.slice", _files(rng, nodes, cpus, mems))
    for _ in range(containers // 2):
        a, b, c, d, e = (rng.getrandbits(n) for n in (32, 16, 16, 16, 48))
        uid = f"{a:08x}_{b:04x}_{c:04x}_{d:04x}_{e:012x}"
        pod = kp / "kubepods-burstable.slice" / f"kubepods-burstable-pod{uid}.slice"
        put(pod, _files(rng, nodes, cpus, mems))
        for _ in range(2):
            put(pod / f"cri-containerd-{rng.getrandbits(256):064x}.scope", _files(rng, nodes, cpus, mems))


def make_proc(root: Path, cpus: int = 256) -> None:
    root.mkdir(parents=True)
    lines = ["cpu  " + " ".join(str(1000 * i) for i in range(10))]
    lines += [f"cpu{c} " + " ".join(str(10 * c + i) for i in range(10)) for c in range(cpus)]
    lines += [
        "intr " + " ".join("0" for _ in range(4000)),
        "ctxt 123456",
        "btime 1764700000",
        "processes 999",
    ]
    (root / "stat").write_text("\n".join(lines) + "\n")


def median_s(fn: object, runs: int) -> float:
    return median_wall_cpu(fn, runs)[0]


def median_wall_cpu(fn: object, runs: int) -> tuple[float, float]:
    """Median wall and process-CPU seconds (on a loaded machine wall time is mostly the
    scheduler's; CPU time is the work)."""
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


SOCKET = f"wbbundle{os.getpid()}"


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False).stdout


def first_paint(argv: list[str], ready: str, env: dict[str, str], cwd: Path) -> float:
    name = f"run{time.monotonic_ns()}"
    start = time.perf_counter()
    subprocess.run(
        [
            "tmux",
            "-L",
            SOCKET,
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "120",
            "-y",
            "36",
            "-c",
            str(cwd),
            *argv,
        ],
        check=True,
        env=env,
    )
    try:
        while time.perf_counter() - start < 60:
            if ready in _tmux("capture-pane", "-p", "-t", name):
                return time.perf_counter() - start
            time.sleep(0.01)
        raise SystemExit(f"{argv}: {ready!r} never appeared:\n{_tmux('capture-pane', '-p', '-t', name)}")
    finally:
        _tmux("kill-session", "-t", name)


def _memory_fs() -> str | None:
    """sysfs and cgroupfs live in memory: the trees standing in for them go on tmpfs when there
    is one (a disk-backed /tmp on a loaded machine would make the bench measure the disk)."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--installed", action="store_true", help="use the installed workbench (a wheel)")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-bundle-", dir=_memory_fs()))
    try:
        with tarfile.open(REPO / "fixtures" / "sysfs" / f"{MACHINE}.tar.xz") as t:
            t.extractall(base, filter="tar")
        sysfs, cg, proc, out = base / MACHINE, base / "cgroup", base / "proc", base / "node.tar.gz"
        make_cgroup_tree(cg)
        make_proc(proc)
        live = NodeSource(sysfs_root=sysfs)
        req = bc.CaptureRequest(out, live, cgroup_root=cg, proc_root=proc, samples=10, interval=0)
        done = bc.capture(req)
        in_process, in_cpu = median_wall_cpu(lambda: bc.capture(req), args.runs)
        cli = [sys.executable, "-m", "workbench", "capture", str(out), "--sysfs-root", str(sysfs)]
        cli += ["--cgroup-root", str(cg), "--proc-root", str(proc), "--samples", "10", "--interval", "0"]
        # Away from the checkout, so `python -m workbench` is the installed one with --installed.
        process = median_s(lambda: subprocess.run(cli, check=True, capture_output=True, cwd=base), args.runs)
        print(f"node: {MACHINE} (256 CPUs), {done.cgroups} cgroups (100 containers), {done.samples} samples")
        print(f"bundle size            {done.size / 1024:8.1f} KiB  ({done.files} members)   goal < 1024 KiB")
        print(f"capture, in-process    {in_process:8.3f} s (CPU {in_cpu:.3f} s)         goal < 1 s")
        print(f"capture, whole process {process:8.3f} s")
        load_live = median_s(lambda: load_node(live), args.runs)
        load_bundle = median_s(lambda: load_node(NodeSource(bundle=out)), args.runs)
        print(f"load_node live / bundle {load_live * 1000:7.1f} ms / {load_bundle * 1000:.1f} ms")
        if not shutil.which("tmux"):
            print("tmux is not installed: first paint not measured")
            return 0
        env = {**os.environ, "TERM": "xterm-256color"}
        tui = [sys.executable, "-m", "workbench", "tui", "--read-only"]
        cases = {
            "live node": [*tui, "--sysfs-root", str(sysfs), "--cgroup-root", str(cg)],
            "bundle": [*tui, "--bundle", str(out)],
        }
        paints: dict[str, list[float]] = {k: [] for k in cases}
        subprocess.run(
            ["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keeper", "sleep", "3600"], check=True
        )
        try:
            first_paint(cases["live node"], "NUMA 13", env, base)  # warm caches
            for _ in range(args.runs):
                for label, argv in cases.items():  # alternated: the machine's load hits both alike
                    paints[label].append(first_paint(argv, "NUMA 13", env, base))
        finally:
            _tmux("kill-server")
        live_t, bundle_t = (statistics.median(paints[k]) for k in cases)
        print(
            f"first paint live / bundle {live_t:.3f} s / {bundle_t:.3f} s = {bundle_t / live_t:.2f}x"
            "   goal <= 1.10x"
        )
        where = "the installed wheel" if args.installed else REPO
        print(f"(medians of {args.runs} runs; workbench from {where})")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
