"""Single rules of the memory and device managers that the upstream tables do not pin down."""

from __future__ import annotations

from types import MappingProxyType

from workbench.admission import Hint
from workbench.admission.device_manager import DeviceManager
from workbench.admission.errors import AdmissionError
from workbench.admission.memory_manager import MemoryManager
from workbench.kube.model import (
    Container,
    DeviceAllocation,
    NodeConfig,
    NodeState,
    PodSpec,
    ReservedMemory,
    Resources,
)
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Device, NumaNode, Topology

GIB = 1 << 30
GPU = "nvidia.com/gpu"


def _res(**amounts: int) -> Resources:
    values = MappingProxyType({k.replace("_", "-"): v for k, v in amounts.items()})
    return Resources(values, values)


def _topology(*gpus: int | None) -> Topology:
    devices = tuple(Device(f"gpu{i}", numa=numa, resource=GPU) for i, numa in enumerate(gpus))
    nodes = (NumaNode(0, CPUSet(), 16 * GIB), NumaNode(1, CPUSet(), 16 * GIB))
    return Topology(name="t", cpus=(), numa_nodes=nodes, devices=devices)


def test_pod_memory_total_is_the_larger_of_init_peak_and_long_running_sum() -> None:
    cfg = NodeConfig(memory_manager_policy="Static",
                     reserved_memory=(ReservedMemory(0, MappingProxyType({"memory": GIB})),))
    mgr = MemoryManager(_topology(), cfg, NodeState())
    pod = PodSpec(
        name="p",
        init_containers=(
            Container("side", "sidecar", _res(cpu=1000, memory=GIB)),
            Container("big-init", "init", _res(cpu=1000, memory=6 * GIB)),
        ),
        containers=(Container("a", "app", _res(cpu=1000, memory=2 * GIB)),),
    )
    # init phase: sidecar 1Gi + init 6Gi = 7Gi; long-running: app 2Gi + sidecar 1Gi = 3Gi
    assert mgr.pod_requests(pod) == {"memory": 7 * GIB}


def test_memory_policy_none_gives_no_hints_and_pins_nothing() -> None:
    mgr = MemoryManager(_topology(), NodeConfig(), NodeState())
    pod = PodSpec(name="p", containers=(Container("a", "app", _res(cpu=1000, memory=GIB)),))
    assert mgr.container_hints(pod, pod.containers[0]) is None
    mgr.allocate(pod, pod.containers[0], Hint(frozenset({0}), True))
    assert mgr.container_mems(pod, pod.containers[0]) is None
    assert mgr.export(NodeState()).memory_policy == "None"


def test_devices_in_use_are_not_offered_and_gpu_node_is_preferred() -> None:
    state = NodeState(devices=(DeviceAllocation("other", "c", GPU, MappingProxyType({1: ("gpu1",)})),))
    mgr = DeviceManager(_topology(0, 1, 1), state)
    pod = PodSpec(name="p", uid="p", containers=(Container("train", "app", Resources(
        MappingProxyType({GPU: 2}), MappingProxyType({GPU: 2}))),))
    hints = mgr.container_hints(pod, pod.containers[0])
    # node 1 has the capacity for two GPUs (preferred) but only one free: only {0,1} remains
    assert hints == {GPU: [Hint(frozenset({0, 1}), False)]}
    mgr.allocate(pod, pod.containers[0], Hint(frozenset({0, 1}), False))
    assert sorted(mgr.container_devices(pod, pod.containers[0])[GPU]) == ["gpu0", "gpu2"]


def test_devices_without_numa_give_no_preference() -> None:
    mgr = DeviceManager(_topology(None, None), NodeState())
    pod = PodSpec(name="p", containers=(Container("a", "app", Resources(
        MappingProxyType({GPU: 1}), MappingProxyType({GPU: 1}))),))
    assert mgr.container_hints(pod, pod.containers[0]) == {GPU: None}


def test_init_container_devices_are_reused_by_the_app_container() -> None:
    mgr = DeviceManager(_topology(0, 0, 1), NodeState())
    one = Resources(MappingProxyType({GPU: 1}), MappingProxyType({GPU: 1}))
    pod = PodSpec(name="p", uid="p", init_containers=(Container("init", "init", one),),
                  containers=(Container("app", "app", one),))
    mgr.allocate(pod, pod.init_containers[0], Hint(frozenset({1}), True))
    mgr.allocate(pod, pod.containers[0], Hint(frozenset({0}), True))
    assert mgr.container_devices(pod, pod.init_containers[0]) == {GPU: ("gpu2",)}
    assert mgr.container_devices(pod, pod.containers[0]) == {GPU: ("gpu2",)}  # reused, not a new GPU


def test_not_enough_devices_is_the_kubelet_error() -> None:
    mgr = DeviceManager(_topology(0), NodeState())
    two = Resources(MappingProxyType({GPU: 2}), MappingProxyType({GPU: 2}))
    pod = PodSpec(name="p", containers=(Container("a", "app", two),))
    assert mgr.container_hints(pod, pod.containers[0]) == {GPU: []}
    try:
        mgr.allocate(pod, pod.containers[0], None)
    except AdmissionError as err:
        assert err.message == f"requested number of devices unavailable for {GPU}. Requested: 2, Available: 1"
    else:  # pragma: no cover - the allocation must fail
        raise AssertionError("allocation of 2 GPUs out of 1 succeeded")


def test_checkpoint_policy_must_match_the_configured_policy() -> None:
    cfg = NodeConfig(memory_manager_policy="Static",
                     reserved_memory=(ReservedMemory(0, MappingProxyType({"memory": GIB})),))
    mgr = MemoryManager(_topology(), cfg, NodeState(memory_policy="None"))
    assert mgr.validate_state() == (
        '[memorymanager] configured policy "Static" differs from state checkpoint policy "None"'
    )
