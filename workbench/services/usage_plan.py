"""Use case "who owns what, as the sampler sees it": the cgroup tree joined with the owner model.

The pools come from `admission.ownership.cpu_owners`, the grid's one owner model: reserved CPUs,
the node shared pool, each pod shared pool (a pod bubble's CPUs no exclusive container holds),
each exclusive container. Its inputs are the kubelet's view (`NodeState`, from the checkpoints)
and, for pods the workbench placed itself, their `Decision`s. Every other pod found in the tree
gets a decision read back from the cgroup files the way the kubelet writes them (the checkpoint
alone cannot tell a lone pod-shared sidecar from an exclusive container; its `cpu.max` can): a
pod cgroup with its own cpuset is a pod bubble; inside it an exclusive container has a cpuset no
sibling shares and no CFS quota (`cpu.max max`, admission.quota: exclusive CPUs switch the quota
off) while a shared container inherits the pod limit as its quota; outside a bubble an exclusive
container's cpuset is shared with no other container and holds no reserved CPU. A container
without a cpuset of its own (the pause container) holds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from workbench.services.usage_tree import FoundContainer, FoundPod
from workbench.topology.cpuset import CPUSet
from workbench.usage.model import Member, Plan, PoolKind, PoolSpec

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.admission.ownership import Owner
    from workbench.services.source import Node


def _names_from_state(node: Node, pod: FoundPod) -> FoundPod:
    """Kubelet layouts name containers by runtime ID; the checkpoint names them by cpuset."""
    entries = node.state.cpu_assignments.get(pod.key, {})
    renamed = []
    for c in pod.containers:
        names = [n for n, cpus in entries.items() if cpus == c.cpus]
        renamed.append(replace(c, name=names[0]) if len(names) == 1 else c)
    return replace(pod, containers=tuple(renamed))


def _tree_isolation(pod: FoundPod, node: Node, all_found: list[FoundPod]) -> dict[str, str]:
    """Isolation level of each container of a pod known only from the tree (module docstring)."""
    all_cpus = node.topology.all_cpus
    bubble = pod.cpus if pod.cpus and pod.cpus != all_cpus else CPUSet()
    reserved = node.config.reserved_system_cpus or CPUSet()
    out: dict[str, str] = {}
    for c in pod.containers:
        if not c.own_cpus:
            out[c.name] = "host"  # runs wherever its parent lets it (the pause container)
            continue
        if bubble:
            peers = [o.cpus for o in pod.containers if o is not c and o.own_cpus]
        else:
            peers = [o.cpus for p in all_found for o in p.containers if o is not c and o.own_cpus]
        alone = bool(c.cpus) and c.cpus != all_cpus and all(c.cpus.isdisjoint(p) for p in peers)
        if bubble:
            out[c.name] = "container" if alone and c.quota_max and c.cpus != bubble else "pod"
        else:
            out[c.name] = "container" if alone and c.quota_max and c.cpus.isdisjoint(reserved) else "host"
    return out


def _tree_decision(pod: FoundPod, isolation: Mapping[str, str], node: Node) -> Decision:
    from workbench.admission.decision import ContainerPlacement, Decision, PodPlacement

    all_cpus = node.topology.all_cpus
    bubble = pod.cpus if pod.cpus and pod.cpus != all_cpus else CPUSet()
    exclusive = CPUSet().union(*(c.cpus for c in pod.containers if isolation[c.name] == "container"))
    placement = None
    if bubble:
        mems = CPUSet().union(*(c.mems for c in pod.containers))
        placement = PodPlacement(bubble, bubble.difference(exclusive), mems, "max", "max")
    containers = tuple(
        ContainerPlacement(c.name, "app", c.cpus, c.mems, isolation[c.name], "max", "max")  # type: ignore[arg-type]
        for c in pod.containers
    )
    scope = "pod" if bubble else "container"
    return Decision(True, "", "", "", scope, pod.key, None, pod=placement, containers=containers)


def _merged_state(node: Node, decisions: Mapping[str, Decision]) -> Node:
    """The kubelet's view plus the pods only the decisions know (so the owner model sees them)."""
    from workbench.services.source import Node as NodeValue

    state = node.state
    assignments = {k: dict(v) for k, v in state.cpu_assignments.items()}
    bubbles = dict(state.pod_cpusets)
    for key, d in decisions.items():
        if key in state.pod_uids():
            continue
        assignments[key] = {c.name: c.cpus for c in d.containers if c.isolation != "host"}
        if d.pod is not None:
            bubbles[key] = d.pod.cpus
    merged = replace(
        state, cpu_assignments=MappingProxyType(assignments), pod_cpusets=MappingProxyType(bubbles)
    )
    return NodeValue(node.topology, node.config, merged)


def _pool_key(owner: Owner, bubbles: Mapping[str, CPUSet]) -> tuple[PoolKind, str | None, str | None]:
    from workbench.admission.ownership import OwnerKind

    if owner.kind is OwnerKind.RESERVED:
        return "reserved", None, None
    if owner.kind is OwnerKind.SHARED:
        return "node_shared", None, None
    if owner.kind is OwnerKind.EXCLUSIVE:
        kind: PoolKind = "pod_exclusive" if owner.pod in bubbles else "node_exclusive"
        return kind, owner.pod, ",".join(owner.containers)
    return "pod_shared", owner.pod, None


def _member_kind(
    c: FoundContainer, key: str, owners: Mapping[int, Owner], bubbles: Mapping[str, CPUSet]
) -> PoolKind:
    from workbench.admission.ownership import OwnerKind

    mine = [owners[cpu] for cpu in c.cpus if cpu in owners]
    if mine and all(o.kind is OwnerKind.EXCLUSIVE and o.pod == key for o in mine):
        return "pod_exclusive" if key in bubbles else "node_exclusive"
    if mine and all(o.pod == key for o in mine):
        return "pod_shared"
    return "node_shared"


def build_plan(
    node: Node,
    found: list[FoundPod],
    decisions: Mapping[str, Decision] | None = None,
) -> Plan:
    """The pools of the owner model and the cgroups whose usage is theirs."""
    from workbench.admission.ownership import cpu_owners

    decisions = dict(decisions or {})
    known = set(node.state.pod_uids())
    pods = [_names_from_state(node, p) if p.key in known else p for p in found]
    for p in pods:
        if p.key not in decisions and p.containers:
            decisions[p.key] = _tree_decision(p, _tree_isolation(p, node, pods), node)
    merged = _merged_state(node, decisions)
    owners = cpu_owners(merged.topology, merged.config, merged.state, decisions)
    bubbles = merged.state.pod_cpusets
    labels = {p.key: merged.state.pod_label(p.key) for p in pods}

    def label(key: str | None) -> str | None:
        return None if key is None else labels.get(key, merged.state.pod_label(key))

    members = [
        Member(
            label(p.key) or p.key, c.name, c.cgroup, _member_kind(c, p.key, owners, bubbles), c.cpus, c.mems
        )
        for p in pods
        for c in p.containers
    ]
    groups: dict[tuple[PoolKind, str | None, str | None], list[int]] = {}
    for cpu in sorted(owners):
        groups.setdefault(_pool_key(owners[cpu], bubbles), []).append(cpu)
    pools = []
    notes = []
    for (kind, pod, container), cpus in groups.items():
        cpuset = CPUSet(cpus)
        pod_label = label(pod)
        if kind in ("pod_exclusive", "node_exclusive"):
            mine = [m for m in members if m.pod == pod_label and m.pool == kind and m.cpus == cpuset]
            container = mine[0].container if len(mine) == 1 else container
        elif kind == "pod_shared":
            mine = [m for m in members if m.pod == pod_label and m.pool == "pod_shared"]
        elif kind == "node_shared":
            mine = [m for m in members if m.pool == "node_shared"]
        else:
            mine = []
        if kind != "reserved" and kind != "node_shared" and not mine:
            notes.append(f"no cgroup found for the {kind.replace('_', ' ')} CPUs {cpuset} of {pod_label}")
        pools.append(PoolSpec(kind, cpuset, pod_label, container, tuple(m.cgroup for m in mine)))
    pod_cgroups = {label(p.key) or p.key: p.cgroup for p in pods}
    return Plan(tuple(members), tuple(pools), MappingProxyType(pod_cgroups), tuple(notes))
