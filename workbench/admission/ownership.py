"""Who owns each CPU: the reserved set, the node shared pool, a pod bubble, a container.

One owner model for every face (the grid, the usage view, `top`, the exporter).

Built from the kubelet's view (`NodeState`) and, where the workbench placed the pod itself, the
`Decision` that placed it (which knows each container's isolation level exactly). For pods read
from checkpoints alone the split between exclusive CPUs and a pod shared pool is inferred the way
the CPU manager writes it: every non-exclusive container of a pod-level pod holds the same set,
the pod shared pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from workbench.admission.checkpoint_isolation import checkpoint_isolation
from workbench.kube.model import NodeConfig, NodeState
from workbench.record import Record, setfield
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

if TYPE_CHECKING:
    # Admission is imported when the first pod is decided, not to draw the node.
    from workbench.admission.decision import Decision


class OwnerKind(StrEnum):
    SHARED = "shared"  # node shared pool (default cpuset)
    RESERVED = "reserved"  # reservedSystemCPUs: never given out exclusively
    BUBBLE = "bubble"  # held by a pod bubble but not used by any container (wasted budget)
    POD_SHARED = "pod-shared"  # the pod shared pool inside a bubble
    EXCLUSIVE = "exclusive"  # pinned to one container


DESCRIPTIONS: Mapping[OwnerKind, str] = {
    OwnerKind.SHARED: "node shared pool",
    OwnerKind.RESERVED: "reserved (system)",
    OwnerKind.BUBBLE: "pod bubble, unused",
    OwnerKind.POD_SHARED: "pod shared pool",
    OwnerKind.EXCLUSIVE: "exclusive container",
}
UNSURE = "exclusive or pod shared pool (the checkpoint cannot tell)"


class Owner(Record):
    kind: OwnerKind
    pod: str  # pod key (uid or namespace/name)
    label: str  # pod name for people
    containers: tuple[str, ...]
    # Read from a checkpoint that cannot tell an exclusive set from the pod shared pool of a lone
    # shared container (admission.checkpoint_isolation): drawn as exclusive, described as either.
    unsure: bool

    __slots__ = _fields = ("kind", "pod", "label", "containers", "unsure")

    def __init__(
        self,
        kind: OwnerKind,
        pod: str = "",
        label: str = "",
        containers: tuple[str, ...] = (),
        unsure: bool = False,
    ) -> None:
        setfield(self, "kind", kind)
        setfield(self, "pod", pod)
        setfield(self, "label", label)
        setfield(self, "containers", containers)
        setfield(self, "unsure", unsure)

    def describe(self) -> str:
        text = UNSURE if self.unsure else DESCRIPTIONS[self.kind]
        if self.label:
            text += f" · {self.label}"
        if self.containers:
            text += f" · {', '.join(self.containers)}"
        return text


def _reserved(topology: Topology, config: NodeConfig) -> CPUSet:
    if config.cpu_manager_policy != "static" or config.reserved_system_cpus is None:
        return CPUSet()
    return config.reserved_system_cpus & topology.all_cpus


def _from_decision(decision: Decision, label: str, owners: dict[int, Owner]) -> None:
    key = decision.pod_key
    bubble = decision.pod.cpus if decision.pod else CPUSet()
    pool = decision.pod.shared_pool if decision.pod else CPUSet()
    for cpu in bubble:
        owners[cpu] = Owner(OwnerKind.BUBBLE, key, label)
    holders: dict[int, list[str]] = {}
    for c in decision.containers:
        if c.isolation == "host":
            continue
        for cpu in c.cpus:
            holders.setdefault(cpu, []).append(c.name)
    for cpu, names in holders.items():
        kind = OwnerKind.POD_SHARED if cpu in pool else OwnerKind.EXCLUSIVE
        if kind is OwnerKind.EXCLUSIVE and not any(
            c.isolation == "container" and cpu in c.cpus for c in decision.containers
        ):
            kind = OwnerKind.POD_SHARED
        owners[cpu] = Owner(kind, key, label, tuple(names))
    for cpu in pool:
        if cpu not in holders:
            owners[cpu] = Owner(OwnerKind.POD_SHARED, key, label)


def _from_state(uid: str, state: NodeState, owners: dict[int, Owner]) -> None:
    label = state.pod_label(uid)
    entries = state.cpu_assignments.get(uid, {})
    bubble = state.pod_cpusets.get(uid)
    if bubble is None:
        # Container scope: every entry is an exclusive set of its own.
        for name, cpus in entries.items():
            for cpu in cpus:
                prev = owners.get(cpu)
                names = (prev.containers if prev and prev.pod == uid else ()) + (name,)
                owners[cpu] = Owner(OwnerKind.EXCLUSIVE, uid, label, names)
        return
    for cpu in bubble:
        owners[cpu] = Owner(OwnerKind.BUBBLE, uid, label)
    levels = checkpoint_isolation(entries, bubble)
    for name, cpus in entries.items():
        level = levels[name]
        kind = OwnerKind.POD_SHARED if level == "pod" else OwnerKind.EXCLUSIVE
        for cpu in cpus:
            prev = owners.get(cpu)
            names = prev.containers if prev and prev.pod == uid else ()
            # An exclusive set overlapping the pool (standard init containers reuse CPUs) stays
            # exclusive: the CPU is pinned while that container runs.
            pinned = prev is not None and prev.pod == uid and prev.kind is OwnerKind.EXCLUSIVE
            kind_here = OwnerKind.EXCLUSIVE if pinned else kind
            unsure = level == "pod-or-container" or (pinned and prev is not None and prev.unsure)
            owners[cpu] = Owner(kind_here, uid, label, names + (name,), unsure)


def cpu_owners(
    topology: Topology,
    config: NodeConfig,
    state: NodeState,
    decisions: Mapping[str, Decision] | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[int, Owner]:
    """Owner of every CPU of the topology. `decisions` (by pod key) refine pods the app placed."""
    decisions = decisions or {}
    labels = labels or {}
    owners: dict[int, Owner] = {}
    reserved = _reserved(topology, config)
    for cpu in topology.all_cpus:
        kind = OwnerKind.RESERVED if cpu in reserved else OwnerKind.SHARED
        owners[cpu] = Owner(kind)
    for uid in state.pod_uids():
        if uid in decisions:
            _from_decision(decisions[uid], labels.get(uid, state.pod_label(uid)), owners)
        else:
            _from_state(uid, state, owners)
    return {cpu: owners[cpu] for cpu in topology.all_cpus}


def pod_cpus(owners: Mapping[int, Owner], pod: str) -> CPUSet:
    return CPUSet(cpu for cpu, o in owners.items() if o.pod == pod)


def related_cpus(topology: Topology, owners: Mapping[int, Owner], cpu: int) -> CPUSet:
    """What to highlight when a CPU is selected: its hyperthread siblings and, if a pod holds it,
    every CPU of that pod."""
    related = set(topology.siblings(cpu))
    owner = owners.get(cpu)
    if owner and owner.pod:
        related.update(pod_cpus(owners, owner.pod))
    return CPUSet(related)


def pods_on_node(owners: Mapping[int, Owner]) -> list[tuple[str, str, CPUSet]]:
    """(pod key, label, cpus) for every pod holding CPUs, in first-CPU order."""
    seen: dict[str, tuple[str, list[int]]] = {}
    for cpu in sorted(owners):
        o = owners[cpu]
        if o.pod:
            seen.setdefault(o.pod, (o.label or o.pod, []))[1].append(cpu)
    return [(k, label, CPUSet(cpus)) for k, (label, cpus) in seen.items()]


def kinds_present(owners: Iterable[Owner]) -> set[OwnerKind]:
    return {o.kind for o in owners}
