"""Memory manager with pod-level resources (KEP-5526 `AllocatePod`, `validatePodScopeResources`).

Upstream has no memory-manager AllocatePod table in the index; these cases follow
memorymanager/policy_static.go (post-1.36) directly, one rule per test.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from workbench.admission import Hint
from workbench.admission.errors import EMPTY_POD_SHARED_POOL_ERROR, AdmissionError
from workbench.admission.gates import POD_LEVEL_RESOURCE_MANAGERS
from workbench.admission.memory_manager import MemoryManager
from workbench.kube.model import (
    Container,
    MemoryBlock,
    NodeConfig,
    NodeState,
    PodSpec,
    ReservedMemory,
    Resources,
)
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import NumaNode, Topology

GIB = 1 << 30
MIB = 1 << 20
TOPO = Topology(
    name="two-nodes",
    cpus=(),
    numa_nodes=(NumaNode(0, CPUSet(), 8 * GIB), NumaNode(1, CPUSet(), 8 * GIB)),
)


def _config(gate_on: bool = True) -> NodeConfig:
    return NodeConfig(
        memory_manager_policy="Static",
        reserved_memory=(ReservedMemory(0, MappingProxyType({"memory": 512 * MIB})),),
        feature_gates=MappingProxyType({POD_LEVEL_RESOURCE_MANAGERS: gate_on}),
    )


def _res(cpu: int, mem: int, limit_mem: int | None = None) -> Resources:
    return Resources(
        MappingProxyType({"cpu": cpu, "memory": mem}),
        MappingProxyType({"cpu": cpu, "memory": mem if limit_mem is None else limit_mem}),
    )


def _pod(
    total: int, *containers: Container, init: tuple[Container, ...] = (), limit: int | None = None
) -> PodSpec:
    return PodSpec(name="p", uid="p", resources=_res(4000, total, limit), init_containers=init,
                   containers=containers)


def _excl(name: str, mem: int, kind: str = "app") -> Container:
    return Container(name, kind, _res(1000, mem))  # type: ignore[arg-type]


def _shared(name: str, kind: str = "app") -> Container:
    return Container(name, kind)  # type: ignore[arg-type]


def _mgr(gate_on: bool = True) -> MemoryManager:
    return MemoryManager(TOPO, _config(gate_on), NodeState())


def test_pod_hints_come_from_the_pod_budget() -> None:
    pod = _pod(4 * GIB, _excl("c1", GIB), _shared("c2"))
    hints = _mgr().pod_hints(pod)
    assert hints == {
        "memory": [Hint(frozenset({0}), True), Hint(frozenset({1}), True), Hint(frozenset({0, 1}), False)]
    }


def test_allocate_pod_splits_the_bubble_into_exclusive_and_shared_blocks() -> None:
    mgr = _mgr()
    pod = _pod(4 * GIB, _excl("c1", GIB), _shared("c2"))
    mgr.allocate_pod(pod, Hint(frozenset({1}), True))
    assert mgr.pod_blocks(pod) == (MemoryBlock((1,), "memory", 4 * GIB),)
    assert mgr.container_blocks(pod, pod.containers[0]) == (MemoryBlock((1,), "memory", GIB),)
    assert mgr.container_blocks(pod, pod.containers[1]) == (MemoryBlock((1,), "memory", 3 * GIB),)
    assert mgr.container_mems(pod, pod.containers[1]) == CPUSet({1})
    node1 = mgr.export(NodeState()).memory[1]  # type: ignore[index]
    # Only the pod block is charged to the machine state.
    assert node1.number_of_assignments == 1
    assert node1.memory_map["memory"].reserved == 4 * GIB


def test_sidecar_memory_leaves_the_shared_pool_and_a_shared_init_container_gets_the_rest() -> None:
    mgr = _mgr()
    pod = _pod(
        6 * GIB, _excl("app", 2 * GIB), _shared("helper"),
        init=(_excl("sidecar", GIB, "sidecar"), _shared("setup", "init"), _shared("log", "sidecar")),
    )
    mgr.allocate_pod(pod, Hint(frozenset({0}), True))
    blocks = {c.name: mgr.container_blocks(pod, c) for c in pod.all_containers}
    assert blocks["sidecar"] == (MemoryBlock((0,), "memory", GIB),)
    assert blocks["setup"] == (MemoryBlock((0,), "memory", 5 * GIB),)  # pod total - sidecars
    assert blocks["app"] == (MemoryBlock((0,), "memory", 2 * GIB),)
    assert blocks["helper"] == blocks["log"] == (MemoryBlock((0,), "memory", 3 * GIB),)


@pytest.mark.parametrize(
    ("pod", "message"),
    [
        (
            _pod(2 * GIB, _excl("c1", GIB), _excl("c2", GIB), _shared("c3")),
            "pod rejected, sum of exclusive container memory requests equals pod budget, "
            "leaving no memory for shared containers",
        ),
        (
            _pod(
                4 * GIB, _shared("app"),
                init=(_excl("side", 3 * GIB, "sidecar"), _excl("init", 2 * GIB, "init")),
            ),
            f"pod rejected, largest exclusive init container requests {2 * GIB} of memory, "
            f"but only {GIB} available",
        ),
        (
            _pod(
                2 * GIB, _excl("app", GIB),
                init=(_excl("side", 2 * GIB, "sidecar"), _shared("init", "init")),
            ),
            "pod rejected, pod has shared init containers but no memory available for them",
        ),
    ],
)
def test_empty_pod_shared_pool_is_rejected(pod: PodSpec, message: str) -> None:
    mgr = _mgr()
    assert mgr.validate_pod_scope(pod) == message
    # The hint provider offers nothing, so restricted/single-numa-node reject before AllocatePod.
    assert mgr.pod_hints(pod) == {"memory": []}
    with pytest.raises(AdmissionError) as err:
        mgr.allocate_pod(pod, Hint(frozenset({0}), True))
    assert (err.value.reason, err.value.message) == (EMPTY_POD_SHARED_POOL_ERROR, message)
    assert mgr.pod_blocks(pod) == ()


def test_gate_off_leaves_pod_level_pods_alone() -> None:
    mgr = _mgr(gate_on=False)
    pod = _pod(4 * GIB, _excl("c1", GIB))
    assert mgr.pod_hints(pod) is None
    assert mgr.container_hints(pod, pod.containers[0]) is None
    mgr.allocate(pod, pod.containers[0], Hint(frozenset({0}), True))
    assert mgr.container_blocks(pod, pod.containers[0]) == ()


def test_non_guaranteed_pod_budget_pins_nothing() -> None:
    mgr = _mgr()
    pod = _pod(2 * GIB, _excl("c1", GIB), limit=4 * GIB)
    assert mgr.pod_hints(pod) is None
    mgr.allocate_pod(pod, Hint(frozenset({0}), True))
    assert mgr.pod_blocks(pod) == ()


def test_removing_a_pod_level_pod_restores_the_machine() -> None:
    mgr = _mgr()
    before = mgr.export(NodeState()).memory
    pod = _pod(10 * GIB, _excl("c1", GIB), _shared("c2"))
    mgr.allocate_pod(pod, Hint(frozenset({0, 1}), True))
    after = mgr.export(NodeState())
    assert after.pod_memory["p"] == (MemoryBlock((0, 1), "memory", 10 * GIB),)
    assert after.memory[0].cells == (0, 1)  # type: ignore[index]
    mgr.remove_pod("p")
    assert mgr.export(NodeState()).memory == before
    assert mgr.export(NodeState()).pod_memory == {}


def test_a_hint_too_small_for_the_pod_is_extended() -> None:
    mgr = _mgr()
    pod = _pod(10 * GIB, _shared("c"))
    mgr.allocate_pod(pod, Hint(frozenset({1}), False))
    assert mgr.pod_blocks(pod) == (MemoryBlock((0, 1), "memory", 10 * GIB),)
