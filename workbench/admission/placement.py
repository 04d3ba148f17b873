"""Where every container of an admitted pod landed, read back from the managers.

Each container's cpuset (its own entry, or the node shared pool), cpuset.mems, isolation level
and cgroup values; the pod bubble, its shared pool and the pod cgroup's values.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.admission.decision import ContainerPlacement, PodPlacement
from workbench.admission.quota import container_cpu_max, container_memory_max, pod_cpu_max, pod_memory_max
from workbench.admission.topology_admit import Managers, Trace
from workbench.kube.model import NodeConfig, NodeState, PodInfo, PodSpec
from workbench.record import replace
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology


def memory_nodes(topology: Topology) -> CPUSet:
    """NUMA nodes that hold memory: what cpuset.mems is when nothing pins memory."""
    with_mem = [n.id for n in topology.numa_nodes if n.memory_bytes > 0]
    return CPUSet(with_mem) if with_mem else CPUSet(topology.numa_ids)


def node_shared_pool(topology: Topology, config: NodeConfig, managers: Managers) -> CPUSet:
    if config.cpu_manager_policy != "static":
        return topology.all_cpus
    default: CPUSet = managers.cpu.default_cpuset
    return default


def placements(
    topology: Topology, config: NodeConfig, managers: Managers, pod: PodSpec, trace: Trace, qos: str
) -> tuple[tuple[ContainerPlacement, ...], PodPlacement]:
    cpu, mem = managers.cpu, managers.memory
    shared = node_shared_pool(topology, config, managers)
    all_mems = memory_nodes(topology)
    out: list[ContainerPlacement] = []
    for c in pod.all_containers:
        iso = cpu.isolation(pod, c)
        cpus = cpu.container_cpus(pod, c)
        if cpus is None:
            cpus = shared
        mems = mem.container_mems(pod, c)
        blocks = tuple(mem.container_blocks(pod, c) or ())
        hints, hint = trace.per_container.get(c.name, (MappingProxyType({}), None))
        out.append(
            ContainerPlacement(
                name=c.name,
                kind=c.kind,
                cpus=cpus,
                mems=mems if mems else all_mems,
                isolation=iso,
                cpu_max=container_cpu_max(config, pod, c, iso),
                memory_max=container_memory_max(config, pod, c),
                # an exclusive container's own entry is exactly its guaranteed CPUs
                exclusive_cpus=len(cpus) if iso == "container" else 0,
                memory_blocks=blocks,
                hint=hint,
                providers=hints,
            )
        )
    bubble = cpu.pod_cpus(pod)
    shared_pool = CPUSet()
    if bubble:
        exclusive = CPUSet().union(*(p.cpus for p in out if p.isolation == "container" and p.kind != "init"))
        shared_pool = bubble.difference(exclusive)
    pod_blocks = tuple(mem.pod_blocks(pod) or ())
    pod_mems = CPUSet(n for b in pod_blocks for n in b.numa_affinity) if pod_blocks else all_mems
    placement = PodPlacement(
        cpus=bubble or CPUSet(),
        shared_pool=shared_pool,
        mems=pod_mems,
        cpu_max=pod_cpu_max(config, pod, (p.isolation for p in out), qos=qos),
        memory_max=pod_memory_max(config, pod, qos=qos),
        memory_blocks=pod_blocks,
    )
    return tuple(out), placement


def record_pod(state: NodeState, pod: PodSpec, requests: Mapping[str, int]) -> NodeState:
    """The state with the admitted pod known by name, and by the requests resource fit counts."""
    pods = dict(state.pods)
    pods[pod.key] = PodInfo(pod.key, pod.name, pod.namespace, MappingProxyType(dict(requests)))
    return replace(state, pods=MappingProxyType(pods))
