"""The kubelet's checkpoint files, every version, checked as the kubelet checks them at start."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kube_paths import KUBELET, TOPOLOGIES, topology

from workbench.admission.startup_state import startup_state_problems
from workbench.errors import InputError
from workbench.kube.checkpoint import load_kubelet_dir, read_kubelet_dir
from workbench.kube.checkpoint_checksums import written_checksum
from workbench.kube.checkpoint_cpu import parse_cpu_checkpoint
from workbench.kube.checkpoint_device import parse_device_checkpoint
from workbench.kube.checkpoint_memory import parse_memory_checkpoint
from workbench.kube.go_spew import GoStr, checksum_new
from workbench.services.node_report import read_node
from workbench.services.source import NodeSource
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

GI = 2**30
POSTGRES = "6f1f4e0a-3c1d-4e0b-9a57-0d0c2a6f5b01"

# kubelet-addenda §1.2: a V4 file written by Go, with its real dataChecksum.
ADDENDA_V4 = (
    '{"policyName":"static","defaultCpuSet":"0-1,6-15","entries":{"7c9e6679-7425-40de-944b-e07fc1f90ae7":'
    '{"app":"2-3","sidecar":"4-5"}},"podEntries":{"7c9e6679-7425-40de-944b-e07fc1f90ae7":{"cpuSet":"2-5"}},'
    '"checksum":0,"data":"{\\"policyName\\":\\"static\\",\\"defaultCpuSet\\":\\"0-1,6-15\\",\\"entries\\":'
    '{\\"7c9e6679-7425-40de-944b-e07fc1f90ae7\\":{\\"app\\":\\"2-3\\",\\"sidecar\\":\\"4-5\\"}},\\"podEntries\\":'
    '{\\"7c9e6679-7425-40de-944b-e07fc1f90ae7\\":{\\"cpuSet\\":\\"2-5\\"}}}","dataChecksum":3414271243}'
)


def data_checksum(data: str) -> int:
    """`checksum.New(data)` of a Go string: what `dataChecksum` holds."""
    return checksum_new(GoStr("string", data))


def test_data_checksum_matches_go() -> None:
    doc = json.loads(ADDENDA_V4)
    assert data_checksum(doc["data"]) == 3414271243
    cp = parse_cpu_checkpoint(doc)
    assert cp.version == "V4" and cp.problems == ()
    assert cp.pod_cpusets["7c9e6679-7425-40de-944b-e07fc1f90ae7"] == CPUSet.parse("2-5")
    # upstream memorymanager state_checkpoint_test.go vector (addenda §1.3)
    payload = (
        '{"policyName":"Static","machineState":{"0":{"numberOfAssignments":1,"memoryMap":{"memory":{"total":'
        '17179869184,"systemReserved":1073741824,"allocatable":16106127360,"reserved":2147483648,"free":'
        '13958643712}},"cells":[0]},"1":{"numberOfAssignments":0,"memoryMap":{"memory":{"total":17179869184,'
        '"systemReserved":0,"allocatable":17179869184,"reserved":0,"free":17179869184}},"cells":[1]}},"entries":'
        '{"7c9e6679-7425-40de-944b-e07fc1f90ae7":{"app":[{"numaAffinity":[0],"type":"memory","size":1073741824}],'
        '"sidecar":[{"numaAffinity":[0],"type":"memory","size":1073741824}]}},"podEntries":'
        '{"7c9e6679-7425-40de-944b-e07fc1f90ae7":{"memoryBlocks":[{"numaAffinity":[0],"type":"memory",'
        '"size":2147483648}]}}}'
    )
    assert data_checksum(payload) == 2915932975


def test_v4_cpu_and_v3_memory_node(tmp_path: Path) -> None:
    kd = read_kubelet_dir(KUBELET / "intel-2s-snc-v4", topology("intel-2s-snc"))
    s = kd.state
    assert (kd.cpu_version, kd.memory_version) == ("V4", "V3") and s.problems == ()
    assert str(s.default_cpuset) == "0,6-32,38-63"
    assert {k: str(v) for k, v in s.cpu_assignments[POSTGRES].items()} == {
        "pg-backup": "4,36",
        "postgres": "1-3,33-35",
    }
    assert str(s.pod_cpusets[POSTGRES]) == "1-4,33-36"
    assert s.pod_memory[POSTGRES][0].size == 16 * GI
    assert s.memory is not None and s.memory[0].memory_map["memory"].reserved == 20 * GI
    assert s.memory[0].memory_map["hugepages-1Gi"].total == 8 * GI
    assert s.pod_label(POSTGRES) == "db/postgres-0" and s.cpu_policy == "static"
    assert kd.config.topology_manager_scope == "pod"


def test_v3_cpu_and_v2_memory_node_spanning_two_numa_nodes() -> None:
    kd = read_kubelet_dir(KUBELET / "intel-2s-snc-v3", topology("intel-2s-snc"))
    assert (kd.cpu_version, kd.memory_version) == ("V3", "V2") and kd.state.problems == ()
    uid = next(iter(kd.state.pod_cpusets))
    assert topology("intel-2s-snc").numa_of(kd.state.pod_cpusets[uid]) == CPUSet([0, 1])
    assert kd.state.memory is not None and kd.state.memory[1].cells == (0, 1)
    assert kd.state.pod_label(uid) == "batch/analytics-7f9c"


def test_v2_cpu_v1_memory_and_devices() -> None:
    config, state = load_kubelet_dir(KUBELET / "gpu-node-v2", topology("gpu-node-8gpu"))
    assert state.problems == () and config.topology_manager_policy == "single-numa-node"
    [dev] = state.devices
    assert (dev.container, dev.resource, dev.device_ids) == ("trainer", "nvidia.com/gpu", frozenset({"gpu0"}))
    assert dev.devices == {0: ("gpu0",)}
    assert len(state.registered_devices["nvidia.com/gpu"]) == 8
    assert state.pod_memory == {} and state.memory_assignments[dev.pod_uid]["trainer"][0].size == 32 * GI


def test_v1_entries_keyed_by_container_id() -> None:
    kd = read_kubelet_dir(KUBELET / "dual-socket-v1", topology("kubelet-topoDualSocketHT"))
    assert kd.cpu_version == "V1" and kd.state.problems == ()
    [cid] = kd.state.cpu_assignments
    assert str(kd.state.cpu_assignments[cid][cid]) == "2,4,8,10"
    assert kd.state.pod_label(cid).startswith("container 0e3f5a1b9c7d")
    assert kd.state.memory is None and kd.state.memory_policy == "None"


def node_problems(directory: Path, machine: Topology) -> tuple[str, ...]:
    """What `workbench node` lists: the checkpoints' own problems, then what the CPU and memory
    managers would refuse at start (their `validateState`, in admission)."""
    kd = read_kubelet_dir(directory, machine)
    return (*startup_state_problems(machine, kd.config, kd.state), *kd.state.problems)


def test_broken_node_reports_what_the_kubelet_would_refuse() -> None:
    report = read_node(
        NodeSource(topology_spec=TOPOLOGIES / "intel-2s-snc.yaml", kubelet_dir=KUBELET / "broken-state")
    )
    problems = report.problems
    # validateState stops at the first finding, as the kubelet does
    assert problems[0].startswith("cpu_manager_state: pod: ")
    assert 'container: postgres cpuset: "1-3,33-35" overlaps with default cpuset' in problems[0]
    assert problems[1] == (
        "memory_manager_state: [memorymanager] the expected machine state is different from the real one"
    )
    assert len(problems) == 2
    # the data is still shown
    memory = report.kubelet.state.memory
    assert memory is not None and memory[0].memory_map["memory"].reserved == 14 * GI


def _copy(name: str, tmp_path: Path) -> Path:
    dst = tmp_path / name
    shutil.copytree(KUBELET / name, dst)
    return dst


def test_policy_mismatch_and_reserved_cpu_checks(tmp_path: Path) -> None:
    snc = topology("intel-2s-snc")
    d = _copy("intel-2s-snc-v4", tmp_path)
    cfg = (d / "config.yaml").read_text()
    (d / "config.yaml").write_text(cfg.replace('reservedSystemCPUs: "0,32"', 'reservedSystemCPUs: "0,6"'))
    assert node_problems(d, snc) == ()  # CPU 6 is in the default set as well
    (d / "config.yaml").write_text(cfg.replace('reservedSystemCPUs: "0,32"', 'reservedSystemCPUs: "0,1"'))
    assert node_problems(d, snc) == (
        'cpu_manager_state: not all reserved cpus: "0-1" are present in defaultCpuSet: "0,6-32,38-63"',
    )
    (d / "config.yaml").write_text(
        cfg.replace("cpuManagerPolicy: static\n", "cpuManagerPolicy: none\n").replace(
            "memoryManagerPolicy: Static\n", "memoryManagerPolicy: None\n"
        )
    )
    assert node_problems(d, snc) == (
        'cpu_manager_state: configured policy "none" differs from state checkpoint policy "static"',
        'memory_manager_state: [memorymanager] configured policy "None" differs from state checkpoint '
        'policy "Static"',
    )


def test_reserved_cpus_picked_by_the_policy_are_checked(tmp_path: Path) -> None:
    """Without reservedSystemCPUs the static policy picks its reserved CPUs itself (0 and its
    sibling 32 here); a default set without them is refused."""
    d = _copy("intel-2s-snc-v4", tmp_path)
    cfg = (d / "config.yaml").read_text()
    (d / "config.yaml").write_text(
        cfg.replace('reservedSystemCPUs: "0,32"', "").replace(
            "kubeReserved:\n", 'kubeReserved:\n  cpu: "2"\n'
        )
    )
    state = d / "cpu_manager_state"
    doc = json.loads(state.read_text().replace("0,6-32,38-63", "6-32,38-63"))
    doc["dataChecksum"] = written_checksum("cpu", "V4", doc)  # a file the kubelet wrote
    state.write_text(json.dumps(doc))
    found = node_problems(d, topology("intel-2s-snc"))
    assert found[0].startswith('cpu_manager_state: not all reserved cpus: "0,32" are present'), found


def test_strict_reservation_wants_reserved_cpus_out_of_the_default_set(tmp_path: Path) -> None:
    d = _copy("intel-2s-snc-v4", tmp_path)
    cfg = (d / "config.yaml").read_text()
    (d / "config.yaml").write_text(cfg + 'cpuManagerPolicyOptions:\n  strict-cpu-reservation: "true"\n')
    assert any(
        'some of strictly reserved cpus: "0,32" are present' in p
        for p in node_problems(d, topology("intel-2s-snc"))
    )


def test_memory_state_that_does_not_match_the_machine() -> None:
    snc = topology("intel-2s-snc")
    # the same machine with 64Gi on NUMA node 1 instead of 96Gi (a DIMM was pulled)
    nodes = tuple(replace(n, memory_bytes=64 * GI) if n.id == 1 else n for n in snc.numa_nodes)
    assert node_problems(KUBELET / "intel-2s-snc-v4", replace(snc, numa_nodes=nodes)) == (
        "memory_manager_state: [memorymanager] the expected machine state is different from the real one",
    )


def test_fresh_node_without_state_files(tmp_path: Path) -> None:
    d = tmp_path / "fresh"
    d.mkdir()
    shutil.copy(KUBELET / "intel-2s-snc-v4" / "config.yaml", d / "config.yaml")
    config, state = load_kubelet_dir(d, topology("intel-2s-snc"))
    assert state.default_cpuset is None and state.memory is None and state.problems == ()
    assert config.cpu_manager_policy == "static"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "checkpoint is corrupted (not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"policyName":"static","defaultCpuSet":"3-1"}', "defaultCpuSet: invalid CPU range"),
        ('{"policyName":"static","defaultCpuSet":"0-63","entries":{"p":{"c":7}}}', "expected a CPU list"),
    ],
)
def test_damaged_cpu_checkpoints_become_problems(tmp_path: Path, content: str, problem: str) -> None:
    d = _copy("intel-2s-snc-v4", tmp_path)
    (d / "cpu_manager_state").write_text(content)
    kd = read_kubelet_dir(d, topology("intel-2s-snc"))
    assert any(problem in p for p in kd.state.problems), kd.state.problems


def test_checkpoints_are_never_written() -> None:
    def digest() -> str:
        h = hashlib.sha256()
        for p in sorted(KUBELET.rglob("*")):
            if p.is_file():
                h.update(p.read_bytes())
                h.update(str(p.stat().st_mtime_ns).encode())
        return h.hexdigest()

    before = digest()
    for name in ("intel-2s-snc-v4", "intel-2s-snc-v3", "broken-state"):
        read_kubelet_dir(KUBELET / name, topology("intel-2s-snc"))
    assert digest() == before


def test_missing_dir_or_config_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        load_kubelet_dir(tmp_path / "nope")
    with pytest.raises(InputError, match="no config.yaml"):
        load_kubelet_dir(tmp_path)
    d = _copy("gpu-node-v2", tmp_path)
    (d / "pods.yaml").write_text("- a list\n")
    with pytest.raises(InputError, match="pods.yaml.*mapping of pod UID"):
        load_kubelet_dir(d)


def test_parsers_accept_partial_documents() -> None:
    mem = parse_memory_checkpoint(
        {"policyName": "Static", "machineState": {"x": {}, "0": {"memoryMap": {"memory": {"total": 1}}}}}
    )
    assert mem.machine is not None and 0 in mem.machine
    assert any("NUMA id 'x'" in p for p in mem.problems) and any("expected total" in p for p in mem.problems)
    devices: dict[str, Any] = {
        "Data": {
            "PodDeviceEntries": [
                {"PodUID": "u", "ContainerName": "c", "ResourceName": "r", "DeviceIDs": ["a"]}
            ]
        }
    }
    devices["Checksum"] = written_checksum("devices", "V1", devices)
    dev = parse_device_checkpoint(devices)
    assert dev.version == "V1" and dev.problems == ()
    # devicemanager checkpointv1.go `GetDataInLatestFormat`: a pre-topology list goes to NUMA node 0
    assert dev.allocations[0].devices == {0: ("a",)}


def test_a_device_checkpoint_with_a_bad_checksum_is_left_out_as_the_kubelet_does() -> None:
    dev = parse_device_checkpoint(
        {
            "Data": {"PodDeviceEntries": [{"PodUID": "u", "ContainerName": "c", "ResourceName": "r"}]},
            "Checksum": 7,
        }
    )
    assert dev.allocations == ()
    [problem] = [p for p in dev.problems if "corrupted" in p]
    assert "checkpoint is corrupted (Checksum 7 in the file" in problem
    assert "Device allocation info may NOT be up-to-date" in problem
