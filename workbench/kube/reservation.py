"""What the kubelet keeps for the system: the static policy's reserved CPU count and the memory
Node Allocatable reserves.

Sources: kubernetes `pkg/kubelet/cm/cpumanager/cpu_manager.go` (`NewManager`: the reserved CPU
quantity is kubeReserved + systemReserved cpu, rounded up, or the size of reservedSystemCPUs)
and `pkg/kubelet/cm/node_container_manager_linux.go` / `memorymanager` (`getSystemReservedMemory`
is compared with kubeReserved + systemReserved + evictionHard `memory.available`).
"""

from __future__ import annotations

from workbench.kube.eviction import MEMORY_AVAILABLE, eviction_memory
from workbench.kube.model import CPU, MEMORY, NodeConfig, is_memory_resource
from workbench.topology.model import Topology


def reserved_cpu_count(cfg: NodeConfig) -> int:
    """CPUs the static policy reserves: size of `reservedSystemCPUs`, else
    ceil(kubeReserved.cpu + systemReserved.cpu) (500m reserves a whole CPU)."""
    if cfg.reserved_system_cpus:
        return len(cfg.reserved_system_cpus)
    milli = cfg.kube_reserved.get(CPU, 0) + cfg.system_reserved.get(CPU, 0)
    return -(-milli // 1000)


def hard_eviction_memory(cfg: NodeConfig, topology: Topology | None) -> int | None:
    """Bytes the hard `memory.available` threshold keeps back (0 when it cannot be read: the
    config check reports that; None: a percentage and no topology to take it of)."""
    try:
        return eviction_memory(cfg.eviction_hard.get(MEMORY_AVAILABLE), topology)
    except ValueError:
        return 0


def reserved_memory_expected(cfg: NodeConfig, topology: Topology | None) -> dict[str, int] | None:
    """Node Allocatable reservation per memory type: kube + system reserved + hard eviction
    (None: a percentage threshold and no topology to take it of)."""
    out: dict[str, int] = {}
    for res in (cfg.kube_reserved, cfg.system_reserved):
        for name, value in res.items():
            if is_memory_resource(name):
                out[name] = out.get(name, 0) + value
    eviction = hard_eviction_memory(cfg, topology)
    if eviction is None:
        return None
    if eviction:
        out[MEMORY] = out.get(MEMORY, 0) + eviction
    return out
