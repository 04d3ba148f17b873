"""What admission needs to know about pods, the kubelet's configuration and its checkpoints.

Resource amounts are plain integers in canonical units so the simulation is exact:
`cpu` in millicores, `memory` and `hugepages-<size>` in bytes, every other (extended)
resource as a whole count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from workbench.kube.cpu_policy_options import GO_TRUE
from workbench.topology.cpuset import CPUSet

CPU = "cpu"
MEMORY = "memory"
HUGEPAGES_PREFIX = "hugepages-"

ContainerKind = Literal["init", "sidecar", "app"]
QOSClass = Literal["Guaranteed", "Burstable", "BestEffort"]


def _empty() -> Mapping[str, int]:
    return MappingProxyType({})


def is_memory_resource(name: str) -> bool:
    return name == MEMORY or name.startswith(HUGEPAGES_PREFIX)


def is_native_resource(name: str) -> bool:
    return name in (CPU, MEMORY, "ephemeral-storage") or name.startswith(HUGEPAGES_PREFIX)


@dataclass(frozen=True)
class Resources:
    requests: Mapping[str, int] = field(default_factory=_empty)
    limits: Mapping[str, int] = field(default_factory=_empty)

    @property
    def is_set(self) -> bool:
        return bool(self.requests or self.limits)


@dataclass(frozen=True)
class Container:
    name: str
    kind: ContainerKind
    resources: Resources = field(default_factory=Resources)

    @property
    def is_init(self) -> bool:
        """Runs in the init phase (standard init containers and sidecars)."""
        return self.kind in ("init", "sidecar")

    @property
    def restartable(self) -> bool:
        """A sidecar: an init container with `restartPolicy: Always`."""
        return self.kind == "sidecar"


@dataclass(frozen=True)
class PodSpec:
    name: str
    namespace: str = "default"
    uid: str = ""
    # Pod-level `spec.resources`; empty Resources when the pod does not set it.
    resources: Resources = field(default_factory=Resources)
    init_containers: tuple[Container, ...] = ()
    containers: tuple[Container, ...] = ()
    # `spec.overhead` (set by the RuntimeClass admission controller): counted in the pod's requests.
    overhead: Mapping[str, int] = field(default_factory=_empty)
    # Where the pod was read from, for messages.
    source: str = ""

    @property
    def all_containers(self) -> tuple[Container, ...]:
        """Init containers (sidecars included) in order, then app containers: the kubelet's order."""
        return self.init_containers + self.containers

    @cached_property
    def has_pod_level_resources(self) -> bool:
        """`resourcehelper.IsPodLevelResourcesSet`: pod requests/limits of cpu, memory or hugepages."""
        names = set(self.resources.requests) | set(self.resources.limits)
        return any(n in (CPU, MEMORY) or n.startswith(HUGEPAGES_PREFIX) for n in names)

    @property
    def key(self) -> str:
        return self.uid or f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ReservedMemory:
    numa_node: int
    limits: Mapping[str, int] = field(default_factory=_empty)


@dataclass(frozen=True)
class NodeConfig:
    """The fields of a KubeletConfiguration that placement depends on, defaults applied."""

    cpu_manager_policy: Literal["none", "static"] = "none"
    cpu_manager_policy_options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    reserved_system_cpus: CPUSet | None = None
    kube_reserved: Mapping[str, int] = field(default_factory=_empty)
    system_reserved: Mapping[str, int] = field(default_factory=_empty)
    topology_manager_policy: Literal["none", "best-effort", "restricted", "single-numa-node"] = "none"
    topology_manager_scope: Literal["container", "pod"] = "container"
    topology_manager_policy_options: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )
    memory_manager_policy: Literal["None", "Static"] = "None"
    reserved_memory: tuple[ReservedMemory, ...] = ()
    feature_gates: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    cpu_cfs_quota: bool = True
    cpu_cfs_quota_period_us: int = 100_000
    cgroup_driver: Literal["systemd", "cgroupfs"] = "systemd"
    eviction_hard: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # `maxPods` and `podsPerCore`: the node's pods capacity (min(podsPerCore x CPUs, maxPods)).
    max_pods: int = 110
    pods_per_core: int = 0
    source: str = ""

    def option(self, name: str) -> bool:
        """Whether a CPU manager policy option is switched on (`strconv.ParseBool`: "1", "t", "true" ...)."""
        return self.cpu_manager_policy_options.get(name, "false") in GO_TRUE

    def topology_option(self, name: str) -> str | None:
        return self.topology_manager_policy_options.get(name)


@dataclass(frozen=True)
class MemoryTable:
    """One resource's row of a NUMA node in the memory manager's machine state (bytes)."""

    total: int
    system_reserved: int
    allocatable: int
    reserved: int
    free: int


@dataclass(frozen=True)
class NumaMemoryState:
    number_of_assignments: int
    memory_map: Mapping[str, MemoryTable]
    cells: tuple[int, ...]


@dataclass(frozen=True)
class MemoryBlock:
    numa_affinity: tuple[int, ...]
    type: str
    size: int


@dataclass(frozen=True)
class DeviceAllocation:
    pod_uid: str
    container: str
    resource: str
    # NUMA node id (-1: no topology) -> device ids
    devices: Mapping[int, tuple[str, ...]]

    @property
    def device_ids(self) -> frozenset[str]:
        return frozenset(d for ids in self.devices.values() for d in ids)


@dataclass(frozen=True)
class PodInfo:
    """Names for a pod UID found in the checkpoints (the checkpoints only hold UIDs)."""

    uid: str
    name: str = ""
    namespace: str = ""
    # The pod's requests as resource fit counts them (`resourcehelper.PodRequests`), canonical
    # units; None when unknown (the checkpoints do not record them).
    requests: Mapping[str, int] | None = None


@dataclass(frozen=True)
class NodeState:
    """The node's live allocations, as the kubelet's checkpoint files record them.

    `default_cpuset` None means "fresh node": admission derives it from topology and config.
    `memory` None means no memory manager state (fresh node or policy None).
    """

    cpu_policy: str = ""
    default_cpuset: CPUSet | None = None
    cpu_assignments: Mapping[str, Mapping[str, CPUSet]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    pod_cpusets: Mapping[str, CPUSet] = field(default_factory=lambda: MappingProxyType({}))
    memory_policy: str = ""
    memory: Mapping[int, NumaMemoryState] | None = None
    memory_assignments: Mapping[str, Mapping[str, tuple[MemoryBlock, ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    pod_memory: Mapping[str, tuple[MemoryBlock, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    devices: tuple[DeviceAllocation, ...] = ()
    registered_devices: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    pods: Mapping[str, PodInfo] = field(default_factory=lambda: MappingProxyType({}))
    # Problems found while reading or checking the checkpoints (the kubelet would refuse them).
    problems: tuple[str, ...] = ()
    source: str = ""

    def pod_uids(self) -> tuple[str, ...]:
        uids = set(self.cpu_assignments) | set(self.pod_cpusets) | set(self.memory_assignments)
        uids |= set(self.pod_memory) | {d.pod_uid for d in self.devices}
        return tuple(sorted(uids))

    def pod_label(self, uid: str) -> str:
        info = self.pods.get(uid)
        if info and info.name:
            return f"{info.namespace}/{info.name}" if info.namespace else info.name
        return uid


JSONValue = Any
