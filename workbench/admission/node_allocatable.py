"""The node's capacity and allocatable, as the kubelet reports them in the Node status.

Follows the kubelet's `nodestatus.MachineInfo` setter and `GetNodeAllocatableReservation`
(`pkg/kubelet/cm/node_container_manager_linux.go`, `hardEvictionReservation`):

- capacity: `cpu` = the CPUs the kubelet sees (cadvisor's NumCores) in millicores, `memory` =
  the machine's memory, `hugepages-<size>` = the pre-allocated pages, `pods` = `maxPods` (or
  `podsPerCore` x CPUs when that is smaller), every device-plugin resource = its devices;
- reservation = kubeReserved + systemReserved + the hard eviction thresholds (`memory.available`
  for memory, `nodefs.available` for ephemeral-storage), for the resources cadvisor reports;
- allocatable = capacity - reservation (never below 0), then memory minus every hugepage byte,
  and device-plugin resources = their healthy devices.

`ephemeral-storage` needs the root filesystem's size, which a topology does not carry: it is
left out (and said so), and resource fit does not check it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.admission.memory_state import hugepage_resource
from workbench.kube.model import CPU, HUGEPAGES_PREFIX, MEMORY, NodeConfig
from workbench.kube.reservation import hard_eviction_memory
from workbench.record import EMPTY, Record, setfield
from workbench.topology.model import Topology

PODS = "pods"
EPHEMERAL_STORAGE = "ephemeral-storage"


def _empty() -> Mapping[str, int]:
    return MappingProxyType({})


class NodeAllocatable(Record):
    """Capacity, what is reserved out of it and why, and the allocatable the kubelet reports."""

    capacity: Mapping[str, int]
    kube_reserved: Mapping[str, int]
    system_reserved: Mapping[str, int]
    eviction: Mapping[str, int]
    # memory only: the hugepage bytes taken out of allocatable memory
    hugepages: int
    allocatable: Mapping[str, int]
    # resources whose capacity this tool cannot know, so fit leaves them unchecked
    unknown: tuple[str, ...]

    __slots__ = _fields = (
        "capacity",
        "kube_reserved",
        "system_reserved",
        "eviction",
        "hugepages",
        "allocatable",
        "unknown",
    )

    def __init__(
        self,
        capacity: Mapping[str, int],
        kube_reserved: Mapping[str, int] = EMPTY,
        system_reserved: Mapping[str, int] = EMPTY,
        eviction: Mapping[str, int] = EMPTY,
        hugepages: int = 0,
        allocatable: Mapping[str, int] = EMPTY,
        unknown: tuple[str, ...] = (EPHEMERAL_STORAGE,),
    ) -> None:
        setfield(self, "capacity", capacity)
        setfield(self, "kube_reserved", kube_reserved)
        setfield(self, "system_reserved", system_reserved)
        setfield(self, "eviction", eviction)
        setfield(self, "hugepages", hugepages)
        setfield(self, "allocatable", allocatable)
        setfield(self, "unknown", unknown)

    def reserved(self, resource: str) -> int:
        return (
            self.kube_reserved.get(resource, 0)
            + self.system_reserved.get(resource, 0)
            + self.eviction.get(resource, 0)
        )


def _capacity(topology: Topology, config: NodeConfig) -> dict[str, int]:
    cpus = len(topology.cpus)
    out = {CPU: cpus * 1000, MEMORY: sum(n.memory_bytes for n in topology.numa_nodes)}
    for node in topology.numa_nodes:
        for size, pages in node.hugepages.items():
            name = hugepage_resource(size)
            out[name] = out.get(name, 0) + size * pages
    pods = config.max_pods
    if config.pods_per_core > 0:
        pods = min(cpus * config.pods_per_core, config.max_pods)
    out[PODS] = pods
    return out


def node_allocatable(
    topology: Topology,
    config: NodeConfig,
    devices: tuple[Mapping[str, int], Mapping[str, int]] = (_empty(), _empty()),
) -> NodeAllocatable:
    """`devices`: the device manager's (capacity, allocatable) per device-plugin resource."""
    capacity = _capacity(topology, config)
    machine = set(capacity) - {PODS}  # what cadvisor reports, and so what can be reserved
    kube = {k: v for k, v in config.kube_reserved.items() if k in machine}
    system = {k: v for k, v in config.system_reserved.items() if k in machine}
    evict_memory = hard_eviction_memory(config, topology) or 0
    eviction = {MEMORY: evict_memory} if evict_memory > 0 else {}
    allocatable: dict[str, int] = {}
    for name, value in capacity.items():
        reserved = kube.get(name, 0) + system.get(name, 0) + eviction.get(name, 0)
        allocatable[name] = max(0, value - reserved)
    dev_capacity, dev_allocatable = devices
    capacity.update(dev_capacity)
    allocatable.update(dev_allocatable)
    hugepages = sum(v for k, v in capacity.items() if k.startswith(HUGEPAGES_PREFIX))
    allocatable[MEMORY] = max(0, allocatable[MEMORY] - hugepages)
    return NodeAllocatable(
        capacity=MappingProxyType(capacity),
        kube_reserved=MappingProxyType(kube),
        system_reserved=MappingProxyType(system),
        eviction=MappingProxyType(eviction),
        hugepages=hugepages,
        allocatable=MappingProxyType(allocatable),
    )
