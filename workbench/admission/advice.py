"""What-if advice for a rejected pod: the smallest change that the kubelet would admit.

This is ours, not the kubelet's: every line is found by re-running the same admission with one
thing changed (fewer CPUs, a wider budget, another topology policy or scope, one running pod
gone), so the advice is only ever something the simulation actually admits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from types import MappingProxyType

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
from workbench.admission.topology_admit import release
from workbench.kube.model import CPU, Container, NodeConfig, NodeState, PodSpec, Resources
from workbench.kube.qos import container_guaranteed_equivalent
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

Decide = Callable[[NodeConfig, NodeState, PodSpec], Decision]

# Looser policies to try, from the closest to the configured one.
_RELAXED = {
    "single-numa-node": ("restricted", "best-effort"),
    "restricted": ("best-effort",),
    "best-effort": (),
    "none": (),
}
# Bound the what-if work so a rejection on a huge node still answers quickly.
_MAX_LINEAR_STEPS = 16
_MAX_EVICTION_TRIES = 24
# Wall-clock budget for all what-ifs of one rejection (each is a full admission).
_BUDGET_S = 2.0


def _whole_cpus(milli: int) -> int:
    return milli // 1000 if milli % 1000 == 0 else 0


def _with_cpu(res: Resources, cpus: int) -> Resources:
    req = dict(res.requests)
    lim = dict(res.limits)
    if CPU in req or CPU not in lim:
        req[CPU] = cpus * 1000
    if CPU in lim:
        lim[CPU] = cpus * 1000
    return Resources(requests=MappingProxyType(req), limits=MappingProxyType(lim))


def _exclusive(pod: PodSpec, c: Container, pod_level: bool) -> int:
    """Whole CPUs the container asks for exclusively (0: it runs in a shared pool)."""
    if pod_level and not container_guaranteed_equivalent(c):
        return 0
    res = c.resources
    if res.requests.get(CPU, res.limits.get(CPU, 0)) != res.limits.get(CPU, -1):
        return 0
    return _whole_cpus(res.limits.get(CPU, 0))


def _set_container(pod: PodSpec, name: str, cpus: int) -> PodSpec:
    def fix(cs: tuple[Container, ...]) -> tuple[Container, ...]:
        return tuple(replace(c, resources=_with_cpu(c.resources, cpus)) if c.name == name else c for c in cs)

    return replace(pod, init_containers=fix(pod.init_containers), containers=fix(pod.containers))


class _Shrinker:
    """Builds the pod with `n` CPUs in total, changing as little of it as possible."""

    def __init__(self, config: NodeConfig, pod: PodSpec, focus: str | None) -> None:
        self.pod = pod
        self.pod_level = pod_level_managers(config, pod) and config.topology_manager_scope == "pod"
        self.focus = focus
        if self.pod_level:
            self.total = _whole_cpus(pod.resources.requests.get(CPU, pod.resources.limits.get(CPU, 0)))
        elif focus is not None and config.topology_manager_scope == "container":
            c = next((c for c in pod.all_containers if c.name == focus), None)
            self.total = _exclusive(pod, c, False) if c else 0
        else:
            self.total = sum(_exclusive(pod, c, False) for c in pod.containers) + sum(
                _exclusive(pod, c, False) for c in pod.init_containers if c.restartable
            )

    def build(self, n: int) -> tuple[PodSpec, str] | None:
        pod = self.pod
        if self.pod_level:
            pod = replace(pod, resources=_with_cpu(pod.resources, n))
            excl = {c.name: _exclusive(pod, c, True) for c in pod.all_containers if c.kind != "init"}
            shared = any(v == 0 for v in excl.values())
            budget = n - 1 if shared else n
            changes = [f"pod budget {self.total} -> {n} CPUs"]
            for name in sorted(excl, key=lambda k: -excl[k]):
                over = sum(excl.values()) - budget
                if over <= 0:
                    break
                new = excl[name] - over
                if new < 1:
                    return None
                pod = _set_container(pod, name, new)
                changes.append(f"{name} {excl[name]} -> {new}")
                excl[name] = new
            return pod, ", ".join(changes)
        if self.focus is not None and self.total:
            return _set_container(pod, self.focus, n), f"{self.focus} {self.total} -> {n} CPUs"
        excl = {c.name: _exclusive(pod, c, False) for c in pod.all_containers if c.kind != "init"}
        changes = []
        over = self.total - n
        for name in sorted(excl, key=lambda k: -excl[k]):
            if over <= 0:
                break
            if excl[name] == 0:
                continue
            cut = min(over, excl[name] - 1)
            if cut <= 0:
                continue
            pod = _set_container(pod, name, excl[name] - cut)
            changes.append(f"{name} {excl[name]} -> {excl[name] - cut} CPUs")
            over -= cut
        if over > 0 or not changes:
            return None
        return pod, ", ".join(changes)


def _largest_admitted(
    config: NodeConfig, state: NodeState, shrink: _Shrinker, decide: Decide
) -> tuple[int, str, Decision] | None:
    """The largest CPU total below the request that admits (linear near the top, then bisect)."""

    def attempt(n: int) -> tuple[str, Decision] | None:
        built = shrink.build(n)
        if built is None:
            return None
        pod, what = built
        d = decide(config, state, pod)
        return (what, d) if d.admitted else None

    top = shrink.total - 1
    low = max(1, top - _MAX_LINEAR_STEPS + 1)
    for n in range(top, low - 1, -1):
        got = attempt(n)
        if got:
            return n, got[0], got[1]
    # Bisect the rest, assuming fewer CPUs never makes admission harder.
    lo, hi, best = 1, low - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        got = attempt(mid)
        if got:
            best = (mid, got[0], got[1])
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def _placed(d: Decision) -> str:
    nodes = CPUSet()
    for c in d.containers:
        if c.isolation != "host":
            nodes = nodes.union(CPUSet(c.mems))
    if d.hint is not None and d.hint.mask is not None:
        return f"NUMA {CPUSet(d.hint.mask)}"
    return f"NUMA {nodes}" if nodes else "the node shared pool"


def _budget_advice(config: NodeConfig, state: NodeState, pod: PodSpec, decide: Decide) -> list[str]:
    """Empty pod shared pool: one more CPU of budget, or one fewer for the biggest exclusive container."""
    out: list[str] = []
    budget = _whole_cpus(pod.resources.requests.get(CPU, pod.resources.limits.get(CPU, 0)))
    if budget:
        bigger = replace(pod, resources=_with_cpu(pod.resources, budget + 1))
        d = decide(config, state, bigger)
        if d.admitted:
            out.append(
                f"raise the pod budget {budget} -> {budget + 1} CPUs: the shared containers then "
                f"get a pod shared pool of 1 CPU ({_placed(d)})"
            )
    excl = {c.name: _exclusive(pod, c, True) for c in pod.all_containers}
    if excl:
        name = max(excl, key=lambda k: excl[k])
        if excl[name] > 1:
            smaller = _set_container(pod, name, excl[name] - 1)
            d = decide(config, state, smaller)
            if d.admitted:
                n = excl[name] - 1
                out.append(
                    f"give {name} {n} exclusive CPU{'s' if n > 1 else ''} instead of {excl[name]}: "
                    f"1 CPU of the budget is left for the shared containers"
                )
    return out


def _holders(topology: Topology, state: NodeState) -> dict[str, CPUSet]:
    held: dict[str, set[int]] = {}
    for uid, per in state.cpu_assignments.items():
        for cpus in per.values():
            held.setdefault(uid, set()).update(cpus)
    for uid, cpus in state.pod_cpusets.items():
        held.setdefault(uid, set()).update(cpus)
    return {uid: CPUSet(c) for uid, c in held.items() if c}


def _eviction_advice(
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
                f"it would fit on {_placed(d)} if {state.pod_label(uid)} (holds CPUs {cpus} on "
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
        out.extend(_budget_advice(config, state, pod, decide))
    focus = _failed_container(decision)
    shrink = _Shrinker(config, pod, focus)
    if shrink.total > 1 and not out:
        found = _largest_admitted(config, state, shrink, decide)
        if found:
            n, what, d = found
            out.append(f"ask for {n} CPUs instead of {shrink.total} ({what}): admitted on {_placed(d)}")
    for policy in _RELAXED.get(config.topology_manager_policy, ()):
        d = decide(replace(config, topology_manager_policy=policy), state, pod)  # type: ignore[arg-type]
        if d.admitted:
            out.append(f"topologyManagerPolicy {policy} would admit it as is, on {_placed(d)}")
            break
    if config.topology_manager_policy != "none":
        other = "container" if config.topology_manager_scope == "pod" else "pod"
        d = decide(replace(config, topology_manager_scope=other), state, pod)  # type: ignore[arg-type]
        if d.admitted:
            out.append(f"topologyManagerScope {other} would admit it as is, on {_placed(d)}")
    if not budget_problem:
        out.extend(_eviction_advice(topology, config, state, pod, decide))


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
