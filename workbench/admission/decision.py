"""The result of an admission preview: what the kubelet would decide, and why.

One `Decision` drives the TUI panels, `--format json` and the cgroup plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workbench.admission.resource_fit import ResourceFit
from workbench.kube.model import ContainerKind, MemoryBlock, NodeState
from workbench.record import EMPTY, Record, setfield
from workbench.topology.cpuset import CPUSet

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Literal, TypeAlias

Isolation: TypeAlias = "Literal['container', 'pod', 'host']"


class Hint(Record):
    """A topology hint: a NUMA mask (None = don't care) and whether it is preferred."""

    mask: frozenset[int] | None
    preferred: bool

    __slots__ = _fields = ("mask", "preferred")

    def __init__(self, mask: frozenset[int] | None, preferred: bool) -> None:
        setfield(self, "mask", mask)
        setfield(self, "preferred", preferred)

    def __str__(self) -> str:
        m = "any" if self.mask is None else str(CPUSet(self.mask))
        return f"{m}{' (preferred)' if self.preferred else ''}"


# provider name -> resource -> hints (None: the provider has no preference for it)
ProviderHints = Mapping[str, Mapping[str, Sequence[Hint] | None]]


class ContainerPlacement(Record):
    name: str
    kind: ContainerKind
    # The cpuset the container runs on (exclusive set, pod shared pool, or node shared pool).
    cpus: CPUSet
    mems: CPUSet
    isolation: Isolation
    # cgroup v2 values as written: "max 100000", "400000 100000"; memory "max" or bytes.
    cpu_max: str
    memory_max: str
    exclusive_cpus: int
    memory_blocks: tuple[MemoryBlock, ...]
    # Scope container: this container's own provider hints and merged hint (empty under scope pod,
    # where Decision.providers/hint hold the one pod-wide merge).
    hint: Hint | None
    providers: ProviderHints

    __slots__ = _fields = (
        "name",
        "kind",
        "cpus",
        "mems",
        "isolation",
        "cpu_max",
        "memory_max",
        "exclusive_cpus",
        "memory_blocks",
        "hint",
        "providers",
    )

    def __init__(
        self,
        name: str,
        kind: ContainerKind,
        cpus: CPUSet,
        mems: CPUSet,
        isolation: Isolation,
        cpu_max: str,
        memory_max: str,
        exclusive_cpus: int = 0,
        memory_blocks: tuple[MemoryBlock, ...] = (),
        hint: Hint | None = None,
        providers: ProviderHints = EMPTY,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "kind", kind)
        setfield(self, "cpus", cpus)
        setfield(self, "mems", mems)
        setfield(self, "isolation", isolation)
        setfield(self, "cpu_max", cpu_max)
        setfield(self, "memory_max", memory_max)
        setfield(self, "exclusive_cpus", exclusive_cpus)
        setfield(self, "memory_blocks", memory_blocks)
        setfield(self, "hint", hint)
        setfield(self, "providers", providers)


class PodPlacement(Record):
    """The pod bubble (pod scope with pod-level resources) and the pod cgroup's values."""

    cpus: CPUSet
    shared_pool: CPUSet
    mems: CPUSet
    cpu_max: str
    memory_max: str
    memory_blocks: tuple[MemoryBlock, ...]

    __slots__ = _fields = ("cpus", "shared_pool", "mems", "cpu_max", "memory_max", "memory_blocks")

    def __init__(
        self,
        cpus: CPUSet,
        shared_pool: CPUSet,
        mems: CPUSet,
        cpu_max: str,
        memory_max: str,
        memory_blocks: tuple[MemoryBlock, ...] = (),
    ) -> None:
        setfield(self, "cpus", cpus)
        setfield(self, "shared_pool", shared_pool)
        setfield(self, "mems", mems)
        setfield(self, "cpu_max", cpu_max)
        setfield(self, "memory_max", memory_max)
        setfield(self, "memory_blocks", memory_blocks)


_NO_DEFAULT_CPUSET: CPUSet = CPUSet()
_NO_STATE_AFTER: NodeState = NodeState()


class Decision(Record):
    admitted: bool
    # Kubelet reason (e.g. TopologyAffinityError) and message; empty when admitted.
    reason: str
    message: str
    policy: str
    scope: str
    pod_key: str
    hint: Hint | None
    providers: ProviderHints
    pod: PodPlacement | None
    containers: tuple[ContainerPlacement, ...]
    default_cpuset: CPUSet
    qos_class: str
    # Node state after admission (unchanged state when rejected).
    state_after: NodeState
    # Human advice, clearly separate from what the kubelet would do.
    advice: tuple[str, ...]
    # Scope container: the container whose hint merge or allocation failed ("" otherwise).
    failed_container: str
    # The resource-fit admission (node allocatable arithmetic); None when it was not computed.
    fit: ResourceFit | None
    # Where this rejection is one the kubelet's design (KEP-5526) says should not happen
    # (`kep_deviations`): the explanation, else "".
    deviation: str

    __slots__ = _fields = (
        "admitted",
        "reason",
        "message",
        "policy",
        "scope",
        "pod_key",
        "hint",
        "providers",
        "pod",
        "containers",
        "default_cpuset",
        "qos_class",
        "state_after",
        "advice",
        "failed_container",
        "fit",
        "deviation",
    )

    def __init__(
        self,
        admitted: bool,
        reason: str,
        message: str,
        policy: str,
        scope: str,
        pod_key: str,
        hint: Hint | None,
        providers: ProviderHints = EMPTY,
        pod: PodPlacement | None = None,
        containers: tuple[ContainerPlacement, ...] = (),
        default_cpuset: CPUSet = _NO_DEFAULT_CPUSET,
        qos_class: str = "",
        state_after: NodeState = _NO_STATE_AFTER,
        advice: tuple[str, ...] = (),
        failed_container: str = "",
        fit: ResourceFit | None = None,
        deviation: str = "",
    ) -> None:
        setfield(self, "admitted", admitted)
        setfield(self, "reason", reason)
        setfield(self, "message", message)
        setfield(self, "policy", policy)
        setfield(self, "scope", scope)
        setfield(self, "pod_key", pod_key)
        setfield(self, "hint", hint)
        setfield(self, "providers", providers)
        setfield(self, "pod", pod)
        setfield(self, "containers", containers)
        setfield(self, "default_cpuset", default_cpuset)
        setfield(self, "qos_class", qos_class)
        setfield(self, "state_after", state_after)
        setfield(self, "advice", advice)
        setfield(self, "failed_container", failed_container)
        setfield(self, "fit", fit)
        setfield(self, "deviation", deviation)
