"""Properties of the memory and device managers over random nodes and pods.

- memory tables never go negative and free + reserved stays equal to allocatable;
- a container's blocks stay on the hinted NUMA nodes when that hint can hold the request;
- no device is handed to two pods; admitting pods and then removing them restores the node.
"""

from __future__ import annotations

from types import MappingProxyType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.admission.device_manager import DeviceManager
from workbench.admission.errors import AdmissionError
from workbench.admission.memory_manager import MemoryManager
from workbench.kube.model import Container, NodeConfig, NodeState, PodSpec, ReservedMemory, Resources
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Device, NumaNode, Topology

MIB = 1 << 20
PAGE = 2 * MIB


@st.composite
def nodes(draw: st.DrawFn) -> Topology:
    n = draw(st.integers(1, 4))
    numa = tuple(
        NumaNode(
            i, CPUSet(), draw(st.integers(2, 12)) * 1024 * MIB,
            MappingProxyType({PAGE: draw(st.sampled_from([0, 256, 512]))}),
        )
        for i in range(n)
    )
    devices = tuple(
        Device(f"gpu{j}", numa=draw(st.one_of(st.none(), st.integers(0, n - 1))), resource="example.com/gpu")
        for j in range(draw(st.integers(0, 6)))
    )
    return Topology(name="random", cpus=(), numa_nodes=numa, devices=devices)


def container(draw: st.DrawFn, name: str, kind: str) -> Container:
    mem = draw(st.integers(1, 16)) * 256 * MIB
    amounts = {"cpu": 1000, "memory": mem}
    if draw(st.booleans()):
        amounts["hugepages-2Mi"] = draw(st.integers(1, 64)) * PAGE
    if draw(st.booleans()):
        amounts["example.com/gpu"] = draw(st.integers(1, 2))
    res = MappingProxyType(amounts)
    return Container(name, kind, Resources(res, res))  # type: ignore[arg-type]


@st.composite
def pods(draw: st.DrawFn) -> list[PodSpec]:
    out = []
    for p in range(draw(st.integers(1, 4))):
        init = tuple(
            container(draw, f"i{k}", draw(st.sampled_from(["init", "sidecar"])))
            for k in range(draw(st.integers(0, 2)))
        )
        apps = tuple(container(draw, f"c{k}", "app") for k in range(draw(st.integers(1, 3))))
        out.append(PodSpec(name=f"pod{p}", uid=f"pod{p}", init_containers=init, containers=apps))
    return out


CONFIG = NodeConfig(
    memory_manager_policy="Static",
    reserved_memory=(ReservedMemory(0, MappingProxyType({"memory": 512 * MIB})),),
)


def _tables_ok(mgr: MemoryManager) -> None:
    for node in mgr.machine.values():
        for table in node.memory_map.values():
            assert table.free >= 0 and table.reserved >= 0
            assert table.free + table.reserved == table.allocatable


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes(), pods(), st.data())
def test_admit_then_remove_restores_memory_and_devices(
    topo: Topology, workload: list[PodSpec], data: st.DataObject
) -> None:
    mem = MemoryManager(topo, CONFIG, NodeState())
    dev = DeviceManager(topo, NodeState())
    initial_machine = mem.export(NodeState()).memory
    admitted: list[PodSpec] = []
    for pod in workload:
        try:
            for c in pod.all_containers:
                mem_hints = (mem.container_hints(pod, c) or {}).get("memory")
                hint = data.draw(st.sampled_from([None, *mem_hints])) if mem_hints else None
                mem.allocate(pod, c, hint)
                blocks = mem.container_blocks(pod, c)
                if hint is not None and hint.mask is not None and blocks and mem_hints:
                    # a hint the manager offered always holds the request when it was made
                    assert {n for b in blocks for n in b.numa_affinity} >= set(hint.mask)
                dev.allocate(pod, c, hint)
                _tables_ok(mem)
        except AdmissionError:
            mem.remove_pod(pod.key)
            dev.remove_pod(pod.key)
            continue
        admitted.append(pod)
    # no device is held by two different pods
    owners: dict[str, str] = {}
    for (uid, _, _), ids in dev.entries.items():
        for d in ids:
            assert owners.setdefault(d, uid) == uid
    for pod in data.draw(st.permutations(admitted)):
        mem.remove_pod(pod.key)
        dev.remove_pod(pod.key)
    assert mem.export(NodeState()).memory == initial_machine
    assert mem.export(NodeState()).memory_assignments == {}
    assert dev.export(NodeState()).devices == ()
