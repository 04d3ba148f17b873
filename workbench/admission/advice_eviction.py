"""What-ifs that change the node: one running pod gone (released as the kubelet releases it).

For the CPU/NUMA managers, the pods holding exclusive CPUs, biggest first; for resource fit, the
pods requesting most of the resource that ran out.
"""

from __future__ import annotations

from workbench.admission.advice_what_if import Decide, placed
from workbench.admission.node_allocatable import PODS
from workbench.admission.report_fit import amount_text
from workbench.admission.resource_fit import ResourceFit, pod_requests_on_node
from workbench.admission.topology_admit import release
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

_MAX_EVICTION_TRIES = 24


def _holders(topology: Topology, state: NodeState) -> dict[str, CPUSet]:
    held: dict[str, set[int]] = {}
    for uid, per in state.cpu_assignments.items():
        for cpus in per.values():
            held.setdefault(uid, set()).update(cpus)
    for uid, cpus in state.pod_cpusets.items():
        held.setdefault(uid, set()).update(cpus)
    return {uid: CPUSet(c) for uid, c in held.items() if c}


def eviction_advice(
    topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec, decide: Decide
) -> list[str]:
    holders = _holders(topology, state)
    if not holders:
        return []
    out: list[str] = []
    # Biggest holders first: they are the likeliest to free a whole NUMA node.
    ranked = sorted(holders, key=lambda u: (-len(holders[u]), u))[:_MAX_EVICTION_TRIES]
    for uid in ranked:
        freed = release(topology, config, state, uid)
        d = decide(config, freed, pod)
        if d.admitted:
            cpus = holders[uid]
            out.append(
                f"it would fit on {placed(d)} if {state.pod_label(uid)} (holds CPUs {cpus} on "
                f"NUMA {topology.numa_of(cpus)}) ran elsewhere"
            )
            if len(out) == 2:
                break
    if not out:
        by_node: dict[int, list[str]] = {}
        for uid in ranked[:8]:
            for n in topology.numa_of(holders[uid]):
                by_node.setdefault(n, []).append(
                    f"{state.pod_label(uid)} ({len(holders[uid] & topology.cpus_in_numa([n]))})"
                )
        for n in sorted(by_node):
            out.append(f"NUMA {n} exclusive CPUs held by " + ", ".join(by_node[n][:4]))
    return out


def fit_eviction_advice(
    topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec, fit: ResourceFit, decide: Decide
) -> list[str]:
    """Resource fit failed: which pods, gone, would leave enough of the resource."""
    short = fit.insufficient[0].resource
    usage: dict[str, int] = {}
    for uid in sorted((set(state.pods) | set(state.pod_uids())) - {pod.key}):
        usage[uid] = 1 if short == PODS else pod_requests_on_node(state, uid)[0].get(short, 0)
    ranked = sorted((u for u in usage if usage[u] > 0), key=lambda u: (-usage[u], u))[:_MAX_EVICTION_TRIES]
    out: list[str] = []
    for uid in ranked:
        d = decide(config, release(topology, config, state, uid), pod)
        if d.admitted:
            what = "" if short == PODS else f" (requests {amount_text(short, usage[uid])} {short})"
            out.append(f"it would fit if {state.pod_label(uid)}{what} ran elsewhere")
            if len(out) == 2:
                break
    return out
