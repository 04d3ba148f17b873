"""What-if advice for a rejected pod: the smallest change that the kubelet would admit.

This is ours, not the kubelet's: every line is found by re-running the same admission with one
thing changed (fewer CPUs, a wider budget, another topology policy or scope, one running pod
gone: `advice_resize`, `advice_eviction`), so the advice is only ever something the simulation
actually admits.
"""

from __future__ import annotations

import time

from workbench.admission.advice_eviction import eviction_advice, fit_eviction_advice
from workbench.admission.advice_resize import Shrinker, budget_advice, largest_admitted
from workbench.admission.advice_what_if import Decide, placed
from workbench.admission.decide import decide as kubelet_decision
from workbench.admission.decision import Decision
from workbench.admission.errors import EMPTY_POD_SHARED_POOL_ERROR, TOPOLOGY_AFFINITY_ERROR
from workbench.admission.gates import (
    POD_LEVEL_RESOURCE_MANAGERS,
    POD_LEVEL_RESOURCES,
    gate,
    pod_level_managers,
)
from workbench.admission.hint_list import is_empty
from workbench.admission.resource_fit import OUT_OF_PREFIX
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.record import replace
from workbench.topology.model import Topology

# Looser policies to try, from the closest to the configured one.
_RELAXED = {
    "single-numa-node": ("restricted", "best-effort"),
    "restricted": ("best-effort",),
    "best-effort": (),
    "none": (),
}
# Wall-clock budget for all what-ifs of one rejection (each is a full admission).
_BUDGET_S = 2.0


def advise(
    topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec, decision: Decision
) -> tuple[str, ...]:
    """`decision.advice` (e.g. checkpoint problems) followed by what-if lines for a rejection,
    smallest change first; unchanged when admitted."""
    if decision.admitted:
        return decision.advice
    deadline = time.monotonic() + _BUDGET_S

    def decide(cfg: NodeConfig, st: NodeState, p: PodSpec) -> Decision:
        if time.monotonic() > deadline:
            raise _OutOfTime
        return kubelet_decision(topology, cfg, st, p)

    out: list[str] = []
    try:
        _search(topology, config, state, pod, decision, decide, out)
    except _OutOfTime:
        out.append("(stopped looking for more advice: each what-if takes long on this node)")
    return decision.advice + tuple(out)


class _OutOfTime(Exception):
    pass


def _search(
    topology: Topology,
    config: NodeConfig,
    state: NodeState,
    pod: PodSpec,
    decision: Decision,
    decide: Decide,
    out: list[str],
) -> None:

    budget_problem = decision.reason == EMPTY_POD_SHARED_POOL_ERROR or (
        decision.reason == TOPOLOGY_AFFINITY_ERROR
        and pod_level_managers(config, pod)
        and any(h is not None and is_empty(h) for per in decision.providers.values() for h in per.values())
    )
    if budget_problem:
        # The pod's own budget does not add up; other pods on the node are beside the point.
        out.extend(budget_advice(config, state, pod, decide))
    focus = _failed_container(decision)
    shrink = Shrinker(config, pod, focus)
    if shrink.total > 1 and not out:
        found = largest_admitted(config, state, shrink, decide)
        if found:
            n, what, d = found
            out.append(f"ask for {n} CPUs instead of {shrink.total} ({what}): admitted on {placed(d)}")
    for policy in _RELAXED.get(config.topology_manager_policy, ()):
        d = decide(replace(config, topology_manager_policy=policy), state, pod)
        if d.admitted:
            out.append(f"topologyManagerPolicy {policy} would admit it as is, on {placed(d)}")
            break
    if decision.deviation:
        out.extend(_kep_scope_pod(config, state, pod, decision, decide))
    elif config.topology_manager_policy != "none":
        other = "container" if config.topology_manager_scope == "pod" else "pod"
        d = decide(replace(config, topology_manager_scope=other), state, pod)
        if d.admitted:
            out.append(f"topologyManagerScope {other} would admit it as is, on {placed(d)}")
    if decision.reason.startswith(OUT_OF_PREFIX) and decision.fit is not None and decision.fit.insufficient:
        out.extend(fit_eviction_advice(topology, config, state, pod, decision.fit, decide))
    elif not budget_problem:
        out.extend(eviction_advice(topology, config, state, pod, decide))


def _kep_scope_pod(
    config: NodeConfig, state: NodeState, pod: PodSpec, decision: Decision, decide: Decide
) -> list[str]:
    """The KEP's intent for a request-less container is what scope pod gives it: check that."""
    policy = config.topology_manager_policy
    cfg = replace(config, topology_manager_scope="pod")
    change = "topologyManagerScope pod"
    if policy == "none":
        # policy none ignores the scope; the pod path needs a topology manager policy
        cfg = replace(cfg, topology_manager_policy="restricted")
        change = "topologyManagerPolicy restricted with topologyManagerScope pod"
    d = decide(cfg, state, pod)
    who = decision.failed_container
    if d.admitted:
        where = next((c.isolation for c in d.containers if c.name == who), "")
        pool = "the pod shared pool" if where == "pod" else "the node shared pool"
        return [
            f"{change} admits the same pod (checked: decided again with it): {who} runs in "
            f"{pool}, the pod on {placed(d)}, as KEP-5526 intends"
        ]
    return [f"{change} does not admit it either ({d.reason})"]


def _failed_container(decision: Decision) -> str | None:
    """Scope container: the container whose merge failed is the one to shrink."""
    if decision.scope != "container" or decision.reason != TOPOLOGY_AFFINITY_ERROR:
        return None
    return decision.failed_container or None


def notes(config: NodeConfig, pod: PodSpec, decision: Decision) -> tuple[str, ...]:
    """Why an admitted pod landed where it did, when a setting quietly changed the outcome."""
    out: list[str] = []
    static = config.cpu_manager_policy == "static" or config.memory_manager_policy == "Static"
    if pod.has_pod_level_resources and static and not pod_level_managers(config, pod):
        off = [g for g in (POD_LEVEL_RESOURCES, POD_LEVEL_RESOURCE_MANAGERS) if not gate(config, g)]
        out.append(
            f"feature gate {' and '.join(off)} off: the CPU and memory managers skip pods that set "
            "spec.resources, so this pod runs unpinned in the node shared pool"
        )
    elif pod.has_pod_level_resources and decision.policy != "none" and decision.scope == "container":
        out.append(
            "scope container ignores the pod budget: only containers with whole CPUs and "
            "requests == limits are pinned, the rest run in the node shared pool (scope pod "
            "would give the pod a bubble)"
        )
    if decision.policy == "none" and decision.scope == "pod":
        out.append("topologyManagerPolicy none: the pod scope is ignored and nothing is NUMA-aligned")
    return tuple(out)
