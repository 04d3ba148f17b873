"""Admission latency: median and p99 of `admit()` for the three scenarios of the admission issue.

    python3 bench/bench_admission.py [--runs N] [--profile SCENARIO]
    python3 bench/bench_admission.py --before /work/bench-venvs/base/bin/python \
        --after /tmp/perf-venv/bin/python [--rounds 3]     # two installed wheels, paired

1. the seed's PostgreSQL pod (8-CPU budget, 6 exclusive + backup sidecar) on intel-2s-snc;
2. a 10-container pod in pod scope on the AMD EPYC 8-NUMA fixture with 40 pods already placed;
3. the same on a 16-NUMA, 512-CPU node with `max-allowable-numa-nodes: 16`.
Goals (p99, issue 12): < 2 ms, < 2 ms, < 10 ms, so the TUI can re-decide on every keystroke.
Each run builds the managers from the checkpoint state, as a real preview does. The goal is
on wall-clock p99; the process-CPU columns show how much of a slow tail is a busy machine.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from workbench.admission.admit import admit
from workbench.kube.config import demo_config
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.kube.pod import pod_from_mapping
from workbench.topology import load_spec
from workbench.topology.model import Topology

ROOT = Path(__file__).resolve().parent.parent
TOPOLOGIES = ROOT / "fixtures" / "topologies"

POSTGRES: dict[str, Any] = {
    "kind": "Pod",
    "metadata": {"name": "postgres", "namespace": "db", "uid": "pg-0001"},
    "spec": {
        "resources": {"requests": {"cpu": "8", "memory": "16Gi"}, "limits": {"cpu": "8", "memory": "16Gi"}},
        "initContainers": [{"name": "pg-backup", "restartPolicy": "Always"}],
        "containers": [
            {
                "name": "postgres",
                "resources": {
                    "requests": {"cpu": "6", "memory": "12Gi"},
                    "limits": {"cpu": "6", "memory": "12Gi"},
                },
            }
        ],
    },
}


def _guaranteed(cpu: str, memory: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}}


def filler_pod(i: int) -> PodSpec:
    """Small running pods: alternately a pod-level pod (2 CPUs: 1 exclusive + shared) and a classic one."""
    meta = {"name": f"filler-{i}", "namespace": "load", "uid": f"filler-{i:04d}"}
    if i % 2 == 0:
        spec: dict[str, Any] = {
            "resources": _guaranteed("2", "2Gi"),
            "containers": [
                {"name": "main", "resources": _guaranteed("1", "1Gi")},
                {"name": "helper"},
            ],
        }
    else:
        spec = {"containers": [{"name": "main", "resources": _guaranteed(str(1 + i % 3), "1Gi")}]}
    return pod_from_mapping({"kind": "Pod", "metadata": meta, "spec": spec}, "bench")


def ten_container_pod() -> PodSpec:
    """Budget 12 CPUs / 12Gi: five exclusive 2-CPU containers, five sharing the 2 CPUs left."""
    containers: list[dict[str, Any]] = []
    for i in range(5):
        containers.append({"name": f"worker-{i}", "resources": _guaranteed("2", "1Gi")})
    for i in range(5):
        containers.append({"name": f"helper-{i}"})
    doc = {
        "kind": "Pod",
        "metadata": {"name": "ten", "namespace": "bench", "uid": "ten-0001"},
        "spec": {"resources": _guaranteed("12", "12Gi"), "containers": containers},
    }
    return pod_from_mapping(doc, "bench")


def busy_state(topology: Topology, config: NodeConfig, count: int) -> NodeState:
    state = NodeState()
    placed = 0
    for i in range(count * 3):
        d = admit(topology, config, state, filler_pod(i), advise=False)
        if d.admitted:
            state = d.state_after
            placed += 1
        if placed == count:
            return state
    raise SystemExit(f"could only place {placed} of {count} pods on {topology.name}")


Scenario = tuple[str, Topology, NodeConfig, NodeState, PodSpec, float]


def scenarios() -> list[Scenario]:
    base = demo_config()
    snc = load_spec(TOPOLOGIES / "intel-2s-snc.yaml")
    epyc = load_spec(TOPOLOGIES / "amd-epyc-2s-nps4.yaml")
    big = load_spec(TOPOLOGIES / "big-16numa-512.yaml")
    pod_scope = replace(base, topology_manager_policy="restricted", topology_manager_scope="pod")
    big_cfg = replace(
        pod_scope,
        topology_manager_policy_options=MappingProxyType(
            {**base.topology_manager_policy_options, "max-allowable-numa-nodes": "16"}
        ),
    )
    postgres = pod_from_mapping(POSTGRES, "bench")
    ten = ten_container_pod()
    return [
        ("postgres on intel-2s-snc", snc, pod_scope, NodeState(), postgres, 2.0),
        (
            "10 containers, pod scope, epyc 8-NUMA, 40 pods",
            epyc,
            pod_scope,
            busy_state(epyc, pod_scope, 40),
            ten,
            2.0,
        ),
        (
            "10 containers, pod scope, 16-NUMA 512 CPUs, 40 pods",
            big,
            big_cfg,
            busy_state(big, big_cfg, 40),
            ten,
            10.0,
        ),
    ]


def measure(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU milliseconds per run (CPU time is less hurt by a busy machine)."""
    fn()  # warm caches (cached_property lookups on the topology)
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1000.0)
        wall.append((time.perf_counter() - t0) * 1000.0)
    return wall, cpu


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def paired(before: str, after: str, rounds: int, runs: int) -> int:
    """This script under two interpreters (two wheels' venvs), alternating, `rounds` times each:
    the median over rounds of each side's median and p99, and after/before of the p99s."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found: dict[str, list[dict[str, list[float]]]] = {"before": [], "after": []}
    for r in range(rounds):
        sides = [("before", before), ("after", after)]
        for side, python in sides if r % 2 == 0 else sides[::-1]:
            cmd = [python, __file__, "--json", "--runs", str(runs)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
            found[side].append(json.loads(out))
    med = statistics.median
    print(f"{rounds} paired rounds of {runs} admissions; ms; wall p99 (CPU p99 in brackets)")
    print(f"{'scenario':<52} {'before p99':>16} {'after p99':>16} {'after med':>9} {'ratio':>6} {'goal':>5}")
    failed = False
    for name, goal in found["after"][0]["goals"].items():
        b = med(x[name][1] for x in found["before"])
        a = med(x[name][1] for x in found["after"])
        b_cpu = med(x[name][3] for x in found["before"])
        a_cpu = med(x[name][3] for x in found["after"])
        a_med = med(x[name][0] for x in found["after"])
        failed |= a >= goal
        print(
            f"{name:<52} {b:>7.2f} ({b_cpu:>5.2f}) {a:>7.2f} ({a_cpu:>5.2f}) {a_med:>9.2f}"
            f" {a / b:>5.2f}x {goal:>5.0f}  {'ok' if a < goal else 'SLOW'}"
        )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--profile", type=int, metavar="N", help="profile scenario N (1-3) instead")
    ap.add_argument("--json", action="store_true", help="figures as one JSON object (for --before/--after)")
    ap.add_argument("--before", metavar="PYTHON", help="with --after: pair two venvs' interpreters")
    ap.add_argument("--after", metavar="PYTHON")
    ap.add_argument("--rounds", type=int, default=3, help="paired rounds with --before/--after")
    args = ap.parse_args(argv)
    if args.before and args.after:
        return paired(args.before, args.after, args.rounds, args.runs)
    all_scenarios = scenarios()
    if args.profile:
        name, topo, cfg, state, pod, _ = all_scenarios[args.profile - 1]
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(max(1, args.runs // 4)):
            admit(topo, cfg, state, pod, advise=False)
        prof.disable()
        print(f"profile: {name}")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return 0
    failed = False
    figures: dict[str, Any] = {"goals": {}}
    if not args.json:
        print(f"{'scenario':<52} {'median':>7} {'p99':>7} {'cpu med':>7} {'cpu p99':>7} {'goal':>5}  (ms)")
    for name, topo, cfg, state, pod, goal in all_scenarios:
        d = admit(topo, cfg, state, pod, advise=False)
        if not d.admitted:
            print(f"{name}: pod rejected ({d.reason}: {d.message})", file=sys.stderr)
            failed = True
        runs = args.runs
        wall, cpu = measure(lambda: admit(topo, cfg, state, pod, advise=False), runs)  # noqa: B023
        med, tail = statistics.median(wall), p99(wall)
        ok = "ok" if tail < goal else "SLOW"
        failed |= tail >= goal
        figures[name] = [med, tail, statistics.median(cpu), p99(cpu)]
        figures["goals"][name] = goal
        if args.json:
            continue
        print(
            f"{name:<52} {med:>7.2f} {tail:>7.2f} {statistics.median(cpu):>7.2f} {p99(cpu):>7.2f}"
            f" {goal:>5.0f}  {ok} ({runs} runs)"
        )
    if args.json:
        json.dump(figures, sys.stdout)
        print()
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (figures are for this machine as it was)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
