"""What admission needs to know about pods, the kubelet's configuration and its checkpoints.

Resource amounts are plain integers in canonical units so the simulation is exact:
`cpu` in millicores, `memory` and `hugepages-<size>` in bytes, every other (extended)
resource as a whole count.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from workbench.kube.cpu_policy_options import GO_TRUE
from workbench.kube.memory_model import MemoryBlock as MemoryBlock
from workbench.kube.memory_model import MemoryTable as MemoryTable
from workbench.kube.memory_model import NumaMemoryState as NumaMemoryState
from workbench.record import EMPTY, Record, setfield
from workbench.topology.cpuset import CPUSet

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any, Literal, TypeAlias

CPU = "cpu"
MEMORY = "memory"
HUGEPAGES_PREFIX = "hugepages-"

ContainerKind: TypeAlias = "Literal['init', 'sidecar', 'app']"
QOSClass: TypeAlias = "Literal['Guaranteed', 'Burstable', 'BestEffort']"


def is_memory_resource(name: str) -> bool:
    return name == MEMORY or name.startswith(HUGEPAGES_PREFIX)


def is_native_resource(name: str) -> bool:
    return name in (CPU, MEMORY, "ephemeral-storage") or name.startswith(HUGEPAGES_PREFIX)


class Resources(Record):
    requests: Mapping[str, int]
    limits: Mapping[str, int]

    __slots__ = _fields = ("requests", "limits")

    def __init__(self, requests: Mapping[str, int] = EMPTY, limits: Mapping[str, int] = EMPTY) -> None:
        setfield(self, "requests", requests)
        setfield(self, "limits", limits)

    @property
    def is_set(self) -> bool:
        return bool(self.requests or self.limits)


_NO_RESOURCES: Resources = Resources()


class Container(Record):
    name: str
    kind: ContainerKind
    resources: Resources

    __slots__ = _fields = ("name", "kind", "resources")

    def __init__(self, name: str, kind: ContainerKind, resources: Resources = _NO_RESOURCES) -> None:
        setfield(self, "name", name)
        setfield(self, "kind", kind)
        setfield(self, "resources", resources)

    @property
    def is_init(self) -> bool:
        """Runs in the init phase (standard init containers and sidecars)."""
        return self.kind in ("init", "sidecar")

    @property
    def restartable(self) -> bool:
        """A sidecar: an init container with `restartPolicy: Always`."""
        return self.kind == "sidecar"


class PodSpec(Record):
    name: str
    namespace: str
    uid: str
    # Pod-level `spec.resources`; empty Resources when the pod does not set it.
    resources: Resources
    init_containers: tuple[Container, ...]
    containers: tuple[Container, ...]
    # `spec.overhead` (set by the RuntimeClass admission controller): counted in the pod's requests.
    overhead: Mapping[str, int]
    # Where the pod was read from, for messages.
    source: str

    _fields = ("name", "namespace", "uid", "resources", "init_containers", "containers", "overhead", "source")

    def __init__(
        self,
        name: str,
        namespace: str = "default",
        uid: str = "",
        resources: Resources = _NO_RESOURCES,
        init_containers: tuple[Container, ...] = (),
        containers: tuple[Container, ...] = (),
        overhead: Mapping[str, int] = EMPTY,
        source: str = "",
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "namespace", namespace)
        setfield(self, "uid", uid)
        setfield(self, "resources", resources)
        setfield(self, "init_containers", init_containers)
        setfield(self, "containers", containers)
        setfield(self, "overhead", overhead)
        setfield(self, "source", source)

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


class ReservedMemory(Record):
    numa_node: int
    limits: Mapping[str, int]

    __slots__ = _fields = ("numa_node", "limits")

    def __init__(self, numa_node: int, limits: Mapping[str, int] = EMPTY) -> None:
        setfield(self, "numa_node", numa_node)
        setfield(self, "limits", limits)


class NodeConfig(Record):
    """The fields of a KubeletConfiguration that placement depends on, defaults applied."""

    cpu_manager_policy: Literal["none", "static"]
    cpu_manager_policy_options: Mapping[str, str]
    reserved_system_cpus: CPUSet | None
    kube_reserved: Mapping[str, int]
    system_reserved: Mapping[str, int]
    topology_manager_policy: Literal["none", "best-effort", "restricted", "single-numa-node"]
    topology_manager_scope: Literal["container", "pod"]
    topology_manager_policy_options: Mapping[str, str]
    memory_manager_policy: Literal["None", "Static"]
    reserved_memory: tuple[ReservedMemory, ...]
    feature_gates: Mapping[str, bool]
    cpu_cfs_quota: bool
    cpu_cfs_quota_period_us: int
    cgroup_driver: Literal["systemd", "cgroupfs"]
    eviction_hard: Mapping[str, str]
    # `maxPods` and `podsPerCore`: the node's pods capacity (min(podsPerCore x CPUs, maxPods)).
    max_pods: int
    pods_per_core: int
    source: str

    __slots__ = _fields = (
        "cpu_manager_policy",
        "cpu_manager_policy_options",
        "reserved_system_cpus",
        "kube_reserved",
        "system_reserved",
        "topology_manager_policy",
        "topology_manager_scope",
        "topology_manager_policy_options",
        "memory_manager_policy",
        "reserved_memory",
        "feature_gates",
        "cpu_cfs_quota",
        "cpu_cfs_quota_period_us",
        "cgroup_driver",
        "eviction_hard",
        "max_pods",
        "pods_per_core",
        "source",
    )

    def __init__(
        self,
        cpu_manager_policy: Literal["none", "static"] = "none",
        cpu_manager_policy_options: Mapping[str, str] = EMPTY,
        reserved_system_cpus: CPUSet | None = None,
        kube_reserved: Mapping[str, int] = EMPTY,
        system_reserved: Mapping[str, int] = EMPTY,
        topology_manager_policy: Literal["none", "best-effort", "restricted", "single-numa-node"] = "none",
        topology_manager_scope: Literal["container", "pod"] = "container",
        topology_manager_policy_options: Mapping[str, str] = EMPTY,
        memory_manager_policy: Literal["None", "Static"] = "None",
        reserved_memory: tuple[ReservedMemory, ...] = (),
        feature_gates: Mapping[str, bool] = EMPTY,
        cpu_cfs_quota: bool = True,
        cpu_cfs_quota_period_us: int = 100_000,
        cgroup_driver: Literal["systemd", "cgroupfs"] = "systemd",
        eviction_hard: Mapping[str, str] = EMPTY,
        max_pods: int = 110,
        pods_per_core: int = 0,
        source: str = "",
    ) -> None:
        setfield(self, "cpu_manager_policy", cpu_manager_policy)
        setfield(self, "cpu_manager_policy_options", cpu_manager_policy_options)
        setfield(self, "reserved_system_cpus", reserved_system_cpus)
        setfield(self, "kube_reserved", kube_reserved)
        setfield(self, "system_reserved", system_reserved)
        setfield(self, "topology_manager_policy", topology_manager_policy)
        setfield(self, "topology_manager_scope", topology_manager_scope)
        setfield(self, "topology_manager_policy_options", topology_manager_policy_options)
        setfield(self, "memory_manager_policy", memory_manager_policy)
        setfield(self, "reserved_memory", reserved_memory)
        setfield(self, "feature_gates", feature_gates)
        setfield(self, "cpu_cfs_quota", cpu_cfs_quota)
        setfield(self, "cpu_cfs_quota_period_us", cpu_cfs_quota_period_us)
        setfield(self, "cgroup_driver", cgroup_driver)
        setfield(self, "eviction_hard", eviction_hard)
        setfield(self, "max_pods", max_pods)
        setfield(self, "pods_per_core", pods_per_core)
        setfield(self, "source", source)

    def option(self, name: str) -> bool:
        """Whether a CPU manager policy option is switched on (`strconv.ParseBool`: "1", "t", "true" ...)."""
        return self.cpu_manager_policy_options.get(name, "false") in GO_TRUE

    def topology_option(self, name: str) -> str | None:
        return self.topology_manager_policy_options.get(name)


class DeviceAllocation(Record):
    pod_uid: str
    container: str
    resource: str
    # NUMA node id (-1: no topology) -> device ids
    devices: Mapping[int, tuple[str, ...]]

    __slots__ = _fields = ("pod_uid", "container", "resource", "devices")

    def __init__(
        self,
        pod_uid: str,
        container: str,
        resource: str,
        devices: Mapping[int, tuple[str, ...]],
    ) -> None:
        setfield(self, "pod_uid", pod_uid)
        setfield(self, "container", container)
        setfield(self, "resource", resource)
        setfield(self, "devices", devices)

    @property
    def device_ids(self) -> frozenset[str]:
        return frozenset(d for ids in self.devices.values() for d in ids)


class PodInfo(Record):
    """Names for a pod UID found in the checkpoints (the checkpoints only hold UIDs)."""

    uid: str
    name: str
    namespace: str
    # The pod's requests as resource fit counts them (`resourcehelper.PodRequests`), canonical
    # units; None when unknown (the checkpoints do not record them).
    requests: Mapping[str, int] | None

    __slots__ = _fields = ("uid", "name", "namespace", "requests")

    def __init__(
        self,
        uid: str,
        name: str = "",
        namespace: str = "",
        requests: Mapping[str, int] | None = None,
    ) -> None:
        setfield(self, "uid", uid)
        setfield(self, "name", name)
        setfield(self, "namespace", namespace)
        setfield(self, "requests", requests)


class NodeState(Record):
    """The node's live allocations, as the kubelet's checkpoint files record them.

    `default_cpuset` None means "fresh node": admission derives it from topology and config.
    `memory` None means no memory manager state (fresh node or policy None).
    """

    cpu_policy: str
    default_cpuset: CPUSet | None
    cpu_assignments: Mapping[str, Mapping[str, CPUSet]]
    pod_cpusets: Mapping[str, CPUSet]
    memory_policy: str
    memory: Mapping[int, NumaMemoryState] | None
    memory_assignments: Mapping[str, Mapping[str, tuple[MemoryBlock, ...]]]
    pod_memory: Mapping[str, tuple[MemoryBlock, ...]]
    devices: tuple[DeviceAllocation, ...]
    registered_devices: Mapping[str, tuple[str, ...]]
    pods: Mapping[str, PodInfo]
    # Problems found while reading or checking the checkpoints (the kubelet would refuse them).
    problems: tuple[str, ...]
    source: str

    __slots__ = _fields = (
        "cpu_policy",
        "default_cpuset",
        "cpu_assignments",
        "pod_cpusets",
        "memory_policy",
        "memory",
        "memory_assignments",
        "pod_memory",
        "devices",
        "registered_devices",
        "pods",
        "problems",
        "source",
    )

    def __init__(
        self,
        cpu_policy: str = "",
        default_cpuset: CPUSet | None = None,
        cpu_assignments: Mapping[str, Mapping[str, CPUSet]] = EMPTY,
        pod_cpusets: Mapping[str, CPUSet] = EMPTY,
        memory_policy: str = "",
        memory: Mapping[int, NumaMemoryState] | None = None,
        memory_assignments: Mapping[str, Mapping[str, tuple[MemoryBlock, ...]]] = EMPTY,
        pod_memory: Mapping[str, tuple[MemoryBlock, ...]] = EMPTY,
        devices: tuple[DeviceAllocation, ...] = (),
        registered_devices: Mapping[str, tuple[str, ...]] = EMPTY,
        pods: Mapping[str, PodInfo] = EMPTY,
        problems: tuple[str, ...] = (),
        source: str = "",
    ) -> None:
        setfield(self, "cpu_policy", cpu_policy)
        setfield(self, "default_cpuset", default_cpuset)
        setfield(self, "cpu_assignments", cpu_assignments)
        setfield(self, "pod_cpusets", pod_cpusets)
        setfield(self, "memory_policy", memory_policy)
        setfield(self, "memory", memory)
        setfield(self, "memory_assignments", memory_assignments)
        setfield(self, "pod_memory", pod_memory)
        setfield(self, "devices", devices)
        setfield(self, "registered_devices", registered_devices)
        setfield(self, "pods", pods)
        setfield(self, "problems", problems)
        setfield(self, "source", source)

    def pod_uids(self) -> tuple[str, ...]:
        uids = set(self.cpu_assignments) | set(self.pod_cpusets) | set(self.memory_assignments)
        uids |= set(self.pod_memory) | {d.pod_uid for d in self.devices}
        return tuple(sorted(uids))

    def pod_label(self, uid: str) -> str:
        info = self.pods.get(uid)
        if info and info.name:
            return f"{info.namespace}/{info.name}" if info.namespace else info.name
        return uid


JSONValue: TypeAlias = "Any"
