"""CPU manager simulation latency: takeByTopology and CPU hint generation, median and p99.

    python3 bench/bench_cpu_manager.py [--runs N]

Machines are the shared topology fixtures; each pick starts from an idle node (every CPU free)
and asks for a few request sizes under each picking strategy. Hints are for one Guaranteed
container of 24 CPUs; on the 16-NUMA node that is 65535 NUMA masks per call.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from workbench.admission.cpu_assignment import take_by_topology
from workbench.admission.cpu_static_policy import CPUState, StaticPolicy
from workbench.kube.model import Container, PodSpec, Resources
from workbench.topology import load_spec

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "topologies"
MACHINES = ["kubelet-topoDualSocketHT", "intel-2s-snc", "amd-epyc-2s-nps4", "big-16numa-512"]
STRATEGIES: dict[str, tuple[str, ...]] = {
    "packed": (),
    "spread": ("distribute-cpus-across-cores",),
    "numa-distributed": ("distribute-cpus-across-numa",),
    "uncore": ("prefer-align-cpus-by-uncorecache",),
}


def _measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm caches (topology index, mask tables), as a long-running TUI would have them
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(f"{'machine':28} {'what':34} {'median ms':>10} {'p99 ms':>8}")
    for name in MACHINES:
        topo = load_spec(FIXTURES / f"{name}.yaml")
        cpus = topo.all_cpus
        for strategy, options in STRATEGIES.items():
            for count in sorted({2, min(16, len(cpus) // 2), len(cpus) // 3}):
                med, p99 = _measure(partial(take_by_topology, topo, cpus, count, options=options), args.runs)
                print(f"{name:28} {f'take {count} ({strategy})':34} {med:10.3f} {p99:8.3f}")
        policy = StaticPolicy(topo, 2)
        policy.start(CPUState())
        res = Resources(requests={"cpu": 24000, "memory": 1 << 30}, limits={"cpu": 24000, "memory": 1 << 30})
        pod = PodSpec(name="bench", uid="bench", containers=(Container("c", "app", res),))
        med, p99 = _measure(partial(policy.container_hints, pod, pod.containers[0]), max(5, args.runs // 5))
        print(f"{name:28} {'hints for 24 CPUs':34} {med:10.3f} {p99:8.3f}")


if __name__ == "__main__":
    main()
