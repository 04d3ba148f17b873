"""The demo node's live load, so a trainer can show every usage finding without a cluster.

The demo's seed pods plus two teaching pods are decided as the kubelet would, committed through
the journal into the demo's own temporary sandbox, and a synthetic kernel
(`workbench.usage.synthetic`) moves their counters:

- db/postgres: the database idles on its 6 exclusive CPUs while the backup sidecar (its own
  1-CPU limit, in the 2-CPU pod shared pool) bursts into throttling, and a task from outside
  the pod (a pinned host agent) runs on one of the database's CPUs (foreign work);
- ml/ml-trainer: the trainer is busy, its mesh-proxy sidecar (no limit of its own: the 14-CPU
  pod limit is its quota) fills the 2-CPU pool, capped by the cpuset width, with CPU pressure;
- shop/cache: redis holds 2 exclusive CPUs and barely uses them;
- analytics/batch: the worker's memory drifts off its planned NUMA node;
- the node shared pool is saturated by the node's daemons and BestEffort jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.topology.cpuset import CPUSet
from workbench.usage.synthetic import Load, SyntheticNode, wave

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.kube.model import PodSpec
    from workbench.services.source import Node

GIB = 1 << 30


def _container(
    name: str, requests: dict[str, str], limits: dict[str, str], *, sidecar: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "image": "registry.k8s.io/pause:3.10"}
    if sidecar:
        out["restartPolicy"] = "Always"
    res = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
    if res:
        out["resources"] = res
    return out


def _pod(
    namespace: str, name: str, cpu: str, mem: str, containers: list[Any], init: list[Any]
) -> dict[str, Any]:
    both = {"cpu": cpu, "memory": mem}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "resources": {"requests": both, "limits": both},
            "initContainers": init,
            "containers": containers,
        },
    }


TEACHING_PODS = (
    _pod("db", "postgres", "8", "32Gi",
         [_container("postgres", {"cpu": "6", "memory": "24Gi"}, {"cpu": "6", "memory": "24Gi"})],
         [_container("backup", {"cpu": "250m"}, {"cpu": "1"}, sidecar=True)]),
    _pod("ml", "ml-trainer", "14", "48Gi",
         [_container("trainer", {"cpu": "12", "memory": "40Gi"}, {"cpu": "12", "memory": "40Gi"})],
         [_container("mesh-proxy", {}, {}, sidecar=True)]),
)  # fmt: skip


def _steady(node: int, size: int) -> Callable[[float], Mapping[int, int]]:
    return lambda t: {node: size}


def _drifting(home: int, other: int, size: int) -> Callable[[float], Mapping[int, int]]:
    # Page cache and anon growth land on the neighbour node as the home node fills.
    return lambda t: {home: size, other: int(min(size * 0.6, (0.3 + 0.02 * t) * GIB))}


# (namespace/name, container) -> demand in cores, CFS quota in cores (None: max). Each demand
# breathes over 20-90 s, as traffic, training phases and batches do: a sine of a few seconds
# moved every shown figure every second, which no workload does (and cost the screen its bytes).
SCRIPTS: dict[tuple[str, str], tuple[Callable[[float], float], float | None]] = {
    ("db/postgres", "postgres"): (wave(0.45, 0.15, 50), None),
    ("db/postgres", "backup"): (wave(1.7, 0.2, 35), 1.0),
    ("ml/ml-trainer", "trainer"): (wave(9.4, 0.6, 70), None),
    ("ml/ml-trainer", "mesh-proxy"): (wave(2.7, 0.3, 25), 14.0),
    ("shop/cache", "redis"): (wave(0.05, 0.02, 40), None),
    ("shop/web", "nginx"): (wave(1.2, 0.4, 60), None),
    ("shop/web", "log-shipper"): (wave(0.3, 0.1, 20), 4.0),
    ("analytics/batch", "worker"): (wave(4.4, 0.4, 90), None),
}


@dataclass(frozen=True)
class DemoUsage:
    node: Node
    cgroup_root: Path
    proc_root: Path
    decisions: Mapping[str, Decision]
    load: SyntheticNode


def _placed() -> tuple[Node, list[tuple[PodSpec, Decision]]]:
    from workbench.kube.pod import pod_from_mapping
    from workbench.services.admit import decide
    from workbench.services.demo import decide_seeds, demo_node
    from workbench.services.source import Node as NodeValue

    node = demo_node()
    seeded = decide_seeds(node.topology, node.config, node.state)
    state, placed = seeded.state, list(seeded.placed)
    for manifest in TEACHING_PODS:
        pod = pod_from_mapping(manifest, source="usage demo")
        d = decide(node.topology, node.config, state, pod, advise=False)
        if d.admitted:
            state = d.state_after
            placed.append((pod, d))
    return NodeValue(node.topology, node.config, state), placed


def _loads(placed: list[tuple[PodSpec, Decision, str]]) -> list[Load]:
    loads: list[Load] = []
    for pod, d, pod_cgroup in placed:
        label = f"{pod.namespace}/{pod.name}"
        for c in d.containers:
            demand, quota = SCRIPTS.get((label, c.name), (wave(0.1, 0.05, 30), None))
            mems = c.mems.sorted() or (0,)
            size = (1 + len(loads) % 3) * GIB
            memory = (
                _drifting(mems[0], (mems[-1] + 1) % 4, size)
                if label == "analytics/batch"
                else _steady(mems[0], size)
            )
            loads.append(Load(f"{pod_cgroup}/{c.name}", c.cpus, demand, quota, memory))
    return loads


@contextmanager
def demo_usage() -> Iterator[DemoUsage]:
    """The demo node with its pods committed to a temporary sandbox and a synthetic load on it."""
    from workbench.services.commit import CgroupTarget, apply_planned, plan_decision
    from workbench.services.demo import demo_sandbox
    from workbench.services.transactions import JournalAccess

    node, placed = _placed()
    with demo_sandbox(node.topology) as box:
        journal = JournalAccess(box.journal_path)
        committed = []
        for pod, d in placed:
            planned = plan_decision(d, CgroupTarget(box.cgroup_root, label=box.label))
            apply_planned(planned, journal, subject=d.pod_key)
            committed.append((pod, d, planned.pod_cgroup))
        db = next((d for _, d, _ in committed if d.pod_key == "db/postgres"), None)
        # The node pool carries the node's daemons and BestEffort batch jobs (saturated); the
        # reserved CPU the kubelet and the system slice.
        held = CPUSet().union(
            *(c.cpus for _, d, _ in committed for c in d.containers if c.isolation != "host")
        )
        held = held.union(*(d.pod.cpus for _, d, _ in committed if d.pod is not None))
        reserved = node.config.reserved_system_cpus or CPUSet()
        foreign = dict.fromkeys(node.topology.all_cpus.difference(held, reserved), 0.93)
        foreign.update(dict.fromkeys(reserved, 0.3))
        if db is not None:
            cpus = next((c.cpus for c in db.containers if c.name == "postgres"), CPUSet())
            if cpus:
                foreign[cpus.sorted()[-1]] = 0.6
        proc = box.cgroup_root.parent / "proc"
        load = SyntheticNode(
            box.cgroup_root,
            proc,
            node.topology.all_cpus,
            _loads(committed),
            foreign=foreign,
            start=time.monotonic(),
        )
        yield DemoUsage(node, box.cgroup_root, proc, {d.pod_key: d for _, d, _ in committed}, load)
