"""cgroup layer latency on the sandbox kernel model: plan, apply with read-back, re-plan.

    python3 bench/bench_cgroups.py [--runs N] [--dir DIR] [--containers N]

A pod of N containers (default 10), each with 2 exclusive CPUs of a 64-CPU, 4-node sandbox:
1. plan a fresh pod (every directory created), 2. apply it write by write with read-back,
3. re-plan the applied pod (no changes: the read-only cost of a preview), 4. plan and apply a
re-placement that moves every container (grow and shrink steps).
The journal's commit benchmark adds SQLite and fsyncs on top of these figures; the goal for the
whole commit is < 50 ms. `--dir /dev/shm` shows the model without the disk's cost.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from workbench.admission.decision import ContainerPlacement, Decision, PodPlacement
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import StandaloneLayout
from workbench.cgroups.ops import perform, read_back
from workbench.cgroups.plan import plan
from workbench.cgroups.sandbox import init_sandbox
from workbench.cgroups.write import Write
from workbench.topology.cpuset import CPUSet


def pod(n: int, offset: int) -> Decision:
    containers = tuple(
        ContainerPlacement(
            f"c{i}",
            "app",
            CPUSet([offset + 2 * i, offset + 2 * i + 1]),
            CPUSet([0]),
            "container",
            "max 100000",
            str(512 << 20),
            2,
        )
        for i in range(n)
    )
    cpus = CPUSet().union(*(c.cpus for c in containers))
    return Decision(
        admitted=True,
        reason="",
        message="",
        policy="static",
        scope="pod",
        pod_key="bench/pod",
        hint=None,
        pod=PodPlacement(cpus, CPUSet(), CPUSet([0]), "max 100000", str(8 << 30)),
        containers=containers,
        qos_class="Guaranteed",
    )


def apply(fs: CgroupFS, writes: list[Write]) -> None:
    for w in writes:
        perform(fs, w)
        assert read_back(fs, w).ok, w


def run_once(tmp: str, first: Decision, second: Decision, figures: dict[str, list[float]]) -> tuple[int, int]:
    init_sandbox(tmp, cpus=CPUSet.parse("0-63"), mems=CPUSet.parse("0-3"), mountinfo="")
    fs = CgroupFS(tmp, mountinfo="")
    layout = StandaloneLayout()
    t0 = time.perf_counter()
    writes = plan(first, layout, fs)
    t1 = time.perf_counter()
    apply(fs, writes)
    t2 = time.perf_counter()
    assert plan(first, layout, fs) == []
    t3 = time.perf_counter()
    moves = plan(second, layout, fs)
    apply(fs, moves)
    t4 = time.perf_counter()
    for name, ms in zip(figures, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
        figures[name].append(ms * 1000)
    return len(writes), len(moves)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--containers", type=int, default=10)
    args = ap.parse_args()
    figures: dict[str, list[float]] = {"plan (fresh)": [], "apply (fresh)": [], "re-plan": [], "re-place": []}
    first, second = pod(args.containers, 0), pod(args.containers, 1)
    counts = (0, 0)
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            counts = run_once(tmp, first, second, figures)
    print(f"{args.containers}-container pod, {args.runs} runs, dir {args.dir or tempfile.gettempdir()}")
    print(f"writes: fresh {counts[0]}, re-placement {counts[1]}")
    for name, values in figures.items():
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"{name:14s} median {statistics.median(values):7.2f} ms   p99 {p99:7.2f} ms")


if __name__ == "__main__":
    main()
