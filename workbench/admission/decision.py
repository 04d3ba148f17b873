"""The result of an admission preview: what the kubelet would decide, and why.

One `Decision` drives the TUI panels, `--format json` and the cgroup plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from workbench.admission.resource_fit import ResourceFit
from workbench.kube.model import ContainerKind, MemoryBlock, NodeState
from workbench.topology.cpuset import CPUSet

Isolation = Literal["container", "pod", "host"]


@dataclass(frozen=True)
class Hint:
    """A topology hint: a NUMA mask (None = don't care) and whether it is preferred."""

    mask: frozenset[int] | None
    preferred: bool

    def __str__(self) -> str:
        m = "any" if self.mask is None else str(CPUSet(self.mask))
        return f"{m}{' (preferred)' if self.preferred else ''}"


# provider name -> resource -> hints (None: the provider has no preference for it)
ProviderHints = Mapping[str, Mapping[str, Sequence[Hint] | None]]


@dataclass(frozen=True)
class ContainerPlacement:
    name: str
    kind: ContainerKind
    # The cpuset the container runs on (exclusive set, pod shared pool, or node shared pool).
    cpus: CPUSet
    mems: CPUSet
    isolation: Isolation
    # cgroup v2 values as written: "max 100000", "400000 100000"; memory "max" or bytes.
    cpu_max: str
    memory_max: str
    exclusive_cpus: int = 0
    memory_blocks: tuple[MemoryBlock, ...] = ()
    # Scope container: this container's own provider hints and merged hint (empty under scope pod,
    # where Decision.providers/hint hold the one pod-wide merge).
    hint: Hint | None = None
    providers: ProviderHints = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class PodPlacement:
    """The pod bubble (pod scope with pod-level resources) and the pod cgroup's values."""

    cpus: CPUSet
    shared_pool: CPUSet
    mems: CPUSet
    cpu_max: str
    memory_max: str
    memory_blocks: tuple[MemoryBlock, ...] = ()


@dataclass(frozen=True)
class Decision:
    admitted: bool
    # Kubelet reason (e.g. TopologyAffinityError) and message; empty when admitted.
    reason: str
    message: str
    policy: str
    scope: str
    pod_key: str
    hint: Hint | None
    providers: ProviderHints = field(default_factory=lambda: MappingProxyType({}))
    pod: PodPlacement | None = None
    containers: tuple[ContainerPlacement, ...] = ()
    default_cpuset: CPUSet = field(default_factory=CPUSet)
    qos_class: str = ""
    # Node state after admission (unchanged state when rejected).
    state_after: NodeState = field(default_factory=NodeState)
    # Human advice, clearly separate from what the kubelet would do.
    advice: tuple[str, ...] = ()
    # Scope container: the container whose hint merge or allocation failed ("" otherwise).
    failed_container: str = ""
    # The resource-fit admission (node allocatable arithmetic); None when it was not computed.
    fit: ResourceFit | None = None
    # Where this rejection is one the kubelet's design (KEP-5526) says should not happen
    # (`kep_deviations`): the explanation, else "".
    deviation: str = ""
