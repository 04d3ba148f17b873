"""Topology-manager merge and memory-manager hint latency (median and p99 over many runs).

    python3 bench/bench_merge.py [--runs N]

Merge inputs are shaped like real provider output: every NUMA mask that can hold the request is a
hint, the narrowest ones preferred. The literal cross product is timed where it finishes at all.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from types import MappingProxyType

from workbench.admission.bitmask import ids_of, iterate_bitmasks
from workbench.admission.decision import Hint
from workbench.admission.memory_manager import MemoryManager
from workbench.admission.merge import merge_hints, merge_hints_literal
from workbench.kube.model import NodeConfig, NodeState, PodSpec, ReservedMemory
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import NumaNode, Topology

GIB = 1 << 30


def provider_hints(nodes: list[int], min_size: int, preferred_on: set[int] | None) -> list[Hint]:
    """All masks of at least `min_size` nodes; preferred = narrowest (optionally only on some nodes)."""
    out = []
    for m in iterate_bitmasks(nodes):
        ids = ids_of(m)
        if len(ids) < min_size:
            continue
        pref = len(ids) == min_size and (preferred_on is None or ids <= preferred_on)
        out.append(Hint(ids, pref))
    return out


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args(argv)
    rows: list[tuple[str, Callable[[], object], int]] = []
    for n in (2, 4, 8):
        nodes = list(range(n))
        provs = [
            {"cpu": provider_hints(nodes, 1, None)},
            {"memory": provider_hints(nodes, 1, None), "hugepages-1Gi": provider_hints(nodes, 1, None)},
        ]
        fast = lambda p=provs, nn=nodes: merge_hints(p, policy="best-effort", numa_nodes=nn)  # noqa: E731
        rows.append((f"{n} NUMA, 3 resources, every mask (fast)", fast, args.runs))
        if n <= 4:
            literal = lambda p=provs, nn=nodes: merge_hints_literal(  # noqa: E731
                p, policy="best-effort", numa_nodes=nn
            )
            rows.append((f"{n} NUMA, 3 resources, every mask (literal)", literal, args.runs))
    nodes16 = list(range(16))
    opts = {"max-allowable-numa-nodes": "16"}
    aligned = [{"cpu": provider_hints(nodes16, 1, None)}, {"memory": provider_hints(nodes16, 1, None)}]
    split = [{"cpu": provider_hints(nodes16, 1, {0})}, {"memory": provider_hints(nodes16, 1, {1})}]
    # (the provider lists here are plain lists, so the merge reads all 65535 entries of each)
    rows.append(
        (
            "16 NUMA, 2 x 65535 hints, preferred found (fast)",
            lambda: merge_hints(aligned, policy="restricted", numa_nodes=nodes16, options=opts),
            10,
        )
    )
    rows.append(
        (
            "16 NUMA, 2 x 65535 hints, no preferred (fast, lattice)",
            lambda: merge_hints(split, policy="best-effort", numa_nodes=nodes16, options=opts),
            5,
        )
    )
    topo = Topology(name="16", cpus=(), numa_nodes=tuple(NumaNode(i, CPUSet(), 64 * GIB) for i in nodes16))
    cfg = NodeConfig(
        memory_manager_policy="Static",
        reserved_memory=(ReservedMemory(0, MappingProxyType({"memory": GIB})),),
    )
    pod = PodSpec(name="p", uid="p")

    def memory_hints() -> object:
        return MemoryManager(topo, cfg, NodeState()).calculate_hints(pod, {"memory": 8 * GIB})

    def memory_hints_listed() -> object:
        return len(memory_hints()["memory"])

    # The list is lazy: the merge reads only its preferred masks unless it needs more.
    rows.append(("memory hints, empty 16-NUMA node, preferred only", memory_hints, 10))
    rows.append(("memory hints, empty 16-NUMA node, 65535 listed", memory_hints_listed, 10))
    print(f"{'case':58} {'median ms':>10} {'p99 ms':>8}")
    for name, fn, runs in rows:
        med, p99 = measure(fn, runs)
        print(f"{name:58} {med:10.2f} {p99:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
