"""The committed topology specs are what their names promise; the kubelet's test topologies are
CPU for CPU the CPUDetails literals of kubernetes/kubernetes (transcribed below)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from topology_fixture_paths import TOPOLOGY_SPECS

from workbench.topology import CPUSet, Topology, demo_topology, load_spec

GI = 2**30

# cpu -> (CoreID, SocketID, NUMANodeID), from pkg/kubelet/cm/cpumanager/policy_test.go.
UPSTREAM = {
    # policy_test.go topoSingleSocketHT
    "topoSingleSocketHT": {
        0: (0, 0, 0), 1: (1, 0, 0), 2: (2, 0, 0), 3: (3, 0, 0),
        4: (0, 0, 0), 5: (1, 0, 0), 6: (2, 0, 0), 7: (3, 0, 0),
    },
    # policy_test.go topoDualSocketHT
    "topoDualSocketHT": {
        0: (0, 0, 0), 1: (1, 1, 1), 2: (2, 0, 0), 3: (3, 1, 1), 4: (4, 0, 0), 5: (5, 1, 1),
        6: (0, 0, 0), 7: (1, 1, 1), 8: (2, 0, 0), 9: (3, 1, 1), 10: (4, 0, 0), 11: (5, 1, 1),
    },
    # policy_test.go topoDualSocketNoHT
    "topoDualSocketNoHT": {
        0: (0, 0, 0), 1: (1, 0, 0), 2: (2, 0, 0), 3: (3, 0, 0),
        4: (4, 1, 1), 5: (5, 1, 1), 6: (6, 1, 1), 7: (7, 1, 1),
    },
}  # fmt: skip

# cpu_assignment_test.go topoDualSocketMultiNumaPerSocketHT (dual Xeon Gold 6230, lscpu excerpt in
# the test): NUMA node0 0-9,40-49; node1 10-19,50-59; node2 20-29,60-69; node3 30-39,70-79;
# CPU c and c+40 share core c; sockets 0-19,40-59 and 20-39,60-79.
MULTI_NUMA_NODES = {0: "0-9,40-49", 1: "10-19,50-59", 2: "20-29,60-69", 3: "30-39,70-79"}
MULTI_NUMA_SOCKETS = {0: "0-19,40-59", 1: "20-39,60-79"}


def spec(name: str) -> Topology:
    return load_spec(TOPOLOGY_SPECS / f"{name}.yaml")


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_kubelet_topology_matches_upstream_cpudetails(name: str) -> None:
    t = spec(f"kubelet-{name}")
    got = {c.id: (c.core, c.socket, c.numa) for c in t.cpus}
    assert got == UPSTREAM[name]


def test_kubelet_multi_numa_per_socket() -> None:
    t = spec("kubelet-topoDualSocketMultiNumaPerSocketHT")
    assert len(t.cpus) == 80 and len(t.core_ids) == 40
    assert {n: str(c) for n, c in t.cpus_by_numa.items()} == MULTI_NUMA_NODES
    assert {s: str(c) for s, c in t.cpus_by_socket.items()} == MULTI_NUMA_SOCKETS
    for c in range(40):
        assert t.siblings(c) == CPUSet([c, c + 40])
        assert t.cpu_by_id[c].core == c


def test_kubelet_topologies_say_what_was_not_upstream() -> None:
    for name in UPSTREAM:
        t = spec(f"kubelet-{name}")
        assert all(c.l3 == 0 for c in t.cpus)  # UncoreCacheID unset in the Go literal
        assert any("not in the upstream test" in n for n in t.notes)
        assert all(n.memory_bytes == 64 * GI for n in t.numa_nodes)


def test_laptop() -> None:
    t = spec("laptop-4c-smt")
    assert (len(t.cpus), len(t.core_ids), t.cpus_per_core, t.numa_ids) == (8, 4, 2, (0,))


def test_server_1s_32c() -> None:
    t = spec("server-1s-32c-smt")
    assert (len(t.cpus), len(t.core_ids), len(t.socket_ids)) == (64, 32, 1)


def test_intel_snc() -> None:
    t = spec("intel-2s-snc")
    assert (len(t.cpus), len(t.socket_ids), len(t.numa_ids), t.cpus_per_core) == (64, 2, 4, 2)
    assert t.distance(0, 0) == 10 and t.distance(0, 1) == 11 and t.distance(0, 2) == 21
    assert t.sockets_of_numa([0, 1]) == {0}
    assert t.node_by_id[0].hugepages.get(GI) == 8 and t.node_by_id[1].hugepages.get(GI) is None
    assert all(n.memory_bytes == 96 * GI for n in t.numa_nodes)


def test_epyc_nps4() -> None:
    t = spec("amd-epyc-2s-nps4")
    assert (len(t.cpus), len(t.numa_ids), len(t.l3_ids)) == (128, 8, 16)
    for s in t.socket_ids:
        assert len({t.cpu_by_id[c].l3 for c in t.cpus_by_socket[s]}) == 8
    # each L3 (CCX) sits inside one NUMA node
    assert all(len(t.numa_of(cpus)) == 1 for cpus in t.cpus_by_l3.values())


def test_arm_no_smt() -> None:
    t = spec("arm-server-nosmt")
    assert t.machine is not None and not t.machine.cpus_by_l3
    # No L3: the kubelet's getUncoreCacheID falls back to the socket id.
    assert (len(t.cpus), t.cpus_per_core, t.l3_ids) == (80, 1, (0,))


def test_gpu_node() -> None:
    t = spec("gpu-node-8gpu")
    gpus = [d for d in t.devices if d.kind == "gpu"]
    assert len(gpus) == 8 and {d.resource for d in gpus} == {"nvidia.com/gpu"}
    assert {d.numa for d in gpus} == set(t.numa_ids)
    assert any(d.kind == "nic" for d in t.devices)


def test_big_16_numa() -> None:
    t = spec("big-16numa-512")
    assert (len(t.cpus), len(t.numa_ids)) == (512, 16)


def test_demo_is_the_intel_snc_fixture() -> None:
    assert demo_topology() == spec("intel-2s-snc")


def test_package_copy_of_demo_is_identical_to_fixture() -> None:
    packaged = Path(__file__).resolve().parents[2] / "workbench/data/topologies/intel-2s-snc.yaml"
    fixture = TOPOLOGY_SPECS / "intel-2s-snc.yaml"
    assert yaml.safe_load(packaged.read_text()) == yaml.safe_load(fixture.read_text())
