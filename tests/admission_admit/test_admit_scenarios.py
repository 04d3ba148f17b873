"""End-to-end admission on the seed scenarios: verdict, kubelet message, CPUs, mems and cpu.max.

Expected CPUs are worked out by hand from the kubelet rules (kubelet-semantics §1.3, §2.4):
on intel-2s-snc CPU n and n+32 are siblings, NUMA node 0 holds cores 0-7, and the one reserved
CPU is 0.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest
from admit_nodes import (
    GI,
    ML_TRAINER,
    POSTGRES,
    POSTGRES_NO_SHARED_ROOM,
    TOO_BIG,
    classic_pod,
    comparable,
    config,
    pod,
    topology,
)

from workbench.admission.admit import admit
from workbench.kube.model import DeviceAllocation, NodeState
from workbench.topology.cpuset import CPUSet


@pytest.fixture(scope="module")
def snc():  # type: ignore[no-untyped-def]
    return topology("intel-2s-snc")


def by_name(decision):  # type: ignore[no-untyped-def]
    return {c.name: c for c in decision.containers}


def test_postgres_gets_six_exclusive_cpus_on_one_numa_node(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("restricted", "pod"), NodeState(), pod(POSTGRES))
    assert d.admitted, d.message
    assert d.reason == "" and d.message == ""
    assert d.hint is not None and d.hint.mask == frozenset({0}) and d.hint.preferred
    assert d.qos_class == "Guaranteed"
    c = by_name(d)
    pg, backup = c["postgres"], c["pg-backup"]
    assert d.pod is not None
    assert str(d.pod.cpus) == "1-4,33-36"
    assert str(pg.cpus) == "1-3,33-35"
    assert pg.isolation == "container" and pg.exclusive_cpus == 6
    assert snc.numa_of(pg.cpus) == CPUSet([0])
    # the sidecar without requests runs in the 2-CPU pod shared pool
    assert str(backup.cpus) == str(d.pod.shared_pool) == "4,36"
    assert backup.isolation == "pod" and backup.exclusive_cpus == 0
    assert backup.kind == "sidecar"
    # cpu.max: exclusive => quota off; shared => the pod-level limit; pod cgroup unbounded
    assert pg.cpu_max == "max 100000"
    assert backup.cpu_max == "800000 100000"
    assert d.pod.cpu_max == "max 100000"
    assert pg.memory_max == str(12 * GI)
    assert backup.memory_max == str(16 * GI)
    assert d.pod.memory_max == str(16 * GI)
    assert str(pg.mems) == str(backup.mems) == str(d.pod.mems) == "0"
    assert str(d.default_cpuset) == "0,5-32,37-63"
    # the state after admission records the bubble and both containers
    after = d.state_after
    assert str(after.pod_cpusets["pg-0001"]) == "1-4,33-36"
    assert str(after.cpu_assignments["pg-0001"]["postgres"]) == "1-3,33-35"
    assert after.pod_label("pg-0001") == "db/postgres"


def test_second_postgres_lands_on_the_next_numa_node(snc) -> None:  # type: ignore[no-untyped-def]
    cfg = config("restricted", "pod")
    first = admit(snc, cfg, NodeState(), pod(POSTGRES))
    second_pod = replace(pod(POSTGRES), uid="pg-0002", name="postgres-2")
    second = admit(snc, cfg, first.state_after, second_pod)
    assert second.admitted
    assert second.pod is not None and first.pod is not None
    assert second.pod.cpus.isdisjoint(first.pod.cpus)
    # NUMA 0 still has 7 free CPUs, fewer than 8, so the next single node is 1
    assert second.hint is not None and second.hint.mask == frozenset({1})
    assert snc.numa_of(second.pod.cpus) == CPUSet([1])


def test_too_big_pod_rejected_by_single_numa_node(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("single-numa-node", "pod"), NodeState(), pod(TOO_BIG), advise=False)
    assert not d.admitted
    assert d.reason == "TopologyAffinityError"
    assert d.message == (
        "Pod was rejected: Pod Scope pod with pod-level resources failed admission "
        "under pod-scope topology manager"
    )
    assert d.containers == () and d.pod is None
    assert d.state_after == NodeState()


def test_too_big_pod_classic_message_in_container_scope(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("single-numa-node", "container"), NodeState(), pod(TOO_BIG), advise=False)
    assert not d.admitted
    assert d.reason == "TopologyAffinityError"
    assert d.message == "Pod was rejected: Resources cannot be allocated with Topology locality"
    assert d.failed_container == "solver"


def test_too_big_pod_admitted_by_restricted_across_two_nodes(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("restricted", "pod"), NodeState(), pod(TOO_BIG))
    assert d.admitted, d.message
    assert d.hint is not None and d.hint.mask == frozenset({0, 1}) and d.hint.preferred
    solver = by_name(d)["solver"]
    assert len(solver.cpus) == 20
    assert snc.numa_of(solver.cpus) == CPUSet([0, 1])
    assert str(solver.mems) == "0-1"


def test_too_big_cpu_advice_names_a_smaller_request_and_a_looser_policy(snc) -> None:  # type: ignore[no-untyped-def]
    # 40Gi fits one node, 20 CPUs do not: the memory manager prefers one node, the CPU manager
    # two, so no merged hint is preferred and even `restricted` rejects it.
    too_big = pod(TOO_BIG.replace("120Gi", "40Gi"))
    assert not admit(snc, config("restricted", "pod"), NodeState(), too_big, advise=False).admitted
    d = admit(snc, config("single-numa-node", "pod"), NodeState(), too_big)
    assert not d.admitted
    text = "\n".join(d.advice)
    # NUMA node 0 has 15 free CPUs (CPU 0 is reserved); 16 fit node 1
    assert "ask for 16 CPUs instead of 20" in text
    assert "on NUMA 1" in text
    assert "topologyManagerPolicy best-effort would admit it" in text
    assert "restricted would" not in text


def test_empty_pod_shared_pool_best_effort_message(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("best-effort", "pod"), NodeState(), pod(POSTGRES_NO_SHARED_ROOM))
    assert not d.admitted
    assert d.reason == "EmptyPodSharedPoolError"
    assert d.message == (
        "Pod was rejected: pod rejected, sum of exclusive container cpu requests equals pod "
        "budget, leaving no cpus for shared containers"
    )
    assert any("raise the pod budget 8 -> 9 CPUs" in a for a in d.advice)
    assert any("give postgres 7 exclusive CPUs instead of 8" in a for a in d.advice)


def test_empty_pod_shared_pool_restricted_is_a_topology_error(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("restricted", "pod"), NodeState(), pod(POSTGRES_NO_SHARED_ROOM), advise=False)
    assert not d.admitted
    assert d.reason == "TopologyAffinityError"
    assert "pod-level resources failed admission" in d.message
    # the CPU manager offered no hint at all
    assert d.providers["cpu"]["cpu"] == ()


def test_pod_level_gate_off_runs_the_pod_in_the_node_shared_pool(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("restricted", "pod", pod_level=False), NodeState(), pod(POSTGRES))
    assert d.admitted
    assert d.pod is not None and not d.pod.cpus
    for c in d.containers:
        assert c.isolation == "host"
        assert c.cpus == d.default_cpuset == snc.all_cpus
    # no exclusive CPUs anywhere, so the pod cgroup keeps its quota
    assert d.pod.cpu_max == "800000 100000"
    assert d.advice and "feature gate PodLevelResourceManagers off" in d.advice[0]


def test_policy_none_pins_without_alignment(snc) -> None:  # type: ignore[no-untyped-def]
    # (memory manager None: upstream's Static Allocate without a hint fails for a container
    # with no memory request of its own, "failed to get the default NUMA affinity")
    d = admit(snc, config("none", "pod", memory=False), NodeState(), pod(POSTGRES))
    assert d.admitted, d.message
    assert d.hint is None and dict(d.providers) == {}
    c = by_name(d)
    # scope is ignored: container path, postgres exclusive from the node pool, no bubble
    assert c["postgres"].isolation == "container" and len(c["postgres"].cpus) == 6
    assert c["pg-backup"].isolation == "host"
    assert d.pod is not None and not d.pod.cpus


@pytest.mark.parametrize("scope", ["container", "pod"])
def test_ml_trainer_gets_cpus_on_its_gpus_node(scope: str) -> None:
    gpu = topology("gpu-node-8gpu")
    gpus = tuple(d.name for d in gpu.devices if d.resource == "nvidia.com/gpu")
    node0 = tuple(d.name for d in gpu.devices if d.resource == "nvidia.com/gpu" and d.numa == 0)
    busy = NodeState(
        devices=(DeviceAllocation("other", "train", "nvidia.com/gpu", MappingProxyType({0: node0})),),
        registered_devices=MappingProxyType({"nvidia.com/gpu": gpus}),
    )
    d = admit(gpu, config("restricted", scope), busy, pod(ML_TRAINER))
    assert d.admitted, d.message
    trainer = by_name(d)["trainer"]
    assert trainer.isolation == "container" and len(trainer.cpus) == 8
    assert gpu.numa_of(trainer.cpus) == CPUSet([1])
    assert str(trainer.mems) == "1"
    mine = [a for a in d.state_after.devices if a.pod_uid == "ml-0001"]
    assert len(mine) == 1 and set(mine[0].devices) == {1}
    # the 500m sidecar is not whole CPUs: node shared pool, quota on
    proxy = by_name(d)["istio-proxy"]
    assert proxy.isolation == "host" and proxy.cpu_max == "50000 100000"
    assert proxy.cpus == d.default_cpuset


def test_rejection_leaves_state_unchanged(snc) -> None:  # type: ignore[no-untyped-def]
    cfg = config("single-numa-node", "pod")
    placed = admit(snc, cfg, NodeState(), pod(POSTGRES)).state_after
    d = admit(snc, cfg, placed, pod(TOO_BIG), advise=False)
    assert not d.admitted
    assert d.state_after is placed
    assert comparable(d.state_after) == comparable(placed)


def test_too_many_numa_nodes_is_bad_input() -> None:
    from workbench.errors import InputError

    big = topology("big-16numa-512")
    with pytest.raises(InputError, match="more than 8 NUMA Nodes"):
        admit(big, config("restricted", "pod"), NodeState(), pod(POSTGRES))
    ok = admit(
        big,
        # (memory manager off: its 2^16-mask hint search is slow, and not what is tested here)
        config("restricted", "pod", memory=False, options={"max-allowable-numa-nodes": "16"}),
        NodeState(),
        pod(POSTGRES),
    )
    assert ok.admitted


def test_advice_names_the_running_pod_that_holds_the_node(snc) -> None:  # type: ignore[no-untyped-def]
    cfg = config("single-numa-node", "container")
    state = NodeState()
    for i in range(4):  # 10 exclusive CPUs on each NUMA node
        d = admit(snc, cfg, state, classic_pod(f"filler{i}", 10))
        assert d.admitted and d.hint is not None and d.hint.mask == frozenset({i})
        state = d.state_after
    d = admit(snc, cfg, state, classic_pod("newcomer", 8))
    assert (d.admitted, d.reason) == (False, "TopologyAffinityError")
    assert d.failed_container == "main"
    text = "\n".join(d.advice)
    # node 0 has 5 free CPUs (CPU 0 is reserved), nodes 1-3 have 6
    assert "ask for 6 CPUs instead of 8 (main 8 -> 6 CPUs): admitted on NUMA 1" in text
    assert "if prop/filler0 (holds CPUs" in text
    assert d.state_after is state


def test_full_pcpus_only_rejects_an_odd_cpu_count(snc) -> None:  # type: ignore[no-untyped-def]
    cfg = config("restricted", "container", cpu_options={"full-pcpus-only": "true"})
    d = admit(snc, cfg, NodeState(), classic_pod("odd", 3))
    assert (d.admitted, d.reason) == (False, "SMTAlignmentError")
    assert d.message == (
        "Pod was rejected: SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2"
    )
    assert any(a.startswith("ask for 2 CPUs instead of 3") for a in d.advice)


def test_release_of_a_checkpointed_pod_frees_its_bubble_and_memory() -> None:
    from pathlib import Path

    from workbench.admission.admit import release
    from workbench.kube.checkpoint import load_kubelet_dir

    kdir = Path(__file__).resolve().parents[2] / "fixtures" / "kubelet" / "intel-2s-snc-v3"
    node = topology("intel-2s-snc")
    cfg, state = load_kubelet_dir(kdir, node)
    (uid,) = state.pod_uids()
    held = state.pod_cpusets[uid]
    busy = admit(node, cfg, state, pod(POSTGRES))
    assert busy.admitted and busy.pod is not None
    assert busy.pod.cpus.isdisjoint(held)
    freed = release(node, cfg, state, uid)
    assert uid not in freed.pod_cpusets and uid not in freed.cpu_assignments
    assert uid not in freed.memory_assignments and uid not in freed.pod_memory
    assert freed.default_cpuset == node.all_cpus
    # on the emptied node the pod takes the first NUMA node again
    again = admit(node, cfg, freed, pod(POSTGRES))
    assert again.hint is not None and again.hint.mask == frozenset({0})
