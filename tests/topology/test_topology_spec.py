"""Topology spec YAML: strict validation with file and field in every error, lossless round trip."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from topology_fixture_paths import TOPOLOGY_SPECS, spec_names

from workbench.errors import InputError
from workbench.topology import CPUSet, dump_spec, load_spec, save_spec

GI = 2**30


def base() -> dict[str, Any]:
    return {
        "name": "dual-socket-ht",
        "cpus": [
            {"id": 0, "socket": 0, "numa": 0, "core": 0},
            {"id": 2, "socket": 0, "numa": 0, "core": 0},
            {"id": 1, "socket": 1, "numa": 1, "core": 1},
            {"id": 3, "socket": 1, "numa": 1, "core": 1},
        ],
        "numa_nodes": [
            {"id": 0, "memory": "64Gi", "hugepages": {"1Gi": 4, "2Mi": 512}, "distances": {0: 10, 1: 21}},
            {"id": 1, "memory": "64Gi", "distances": {0: 21, 1: 10}},
        ],
        "devices": [{"name": "gpu0", "kind": "gpu", "numa": 0, "resource": "nvidia.com/gpu"}],
    }


def error_of(doc: Any, tmp_path: Path) -> InputError:
    path = tmp_path / "node.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as err:
        load_spec(path)
    assert err.value.source == str(path)
    return err.value


def test_design_example_loads() -> None:
    t = load_spec(base())
    assert t.name == "dual-socket-ht"
    assert t.cpus_by_core == {0: CPUSet([0, 2]), 1: CPUSet([1, 3])}
    assert t.node_by_id[0].memory_bytes == 64 * GI
    assert dict(t.node_by_id[0].hugepages) == {2 * 2**20: 512, GI: 4}
    assert t.distance(0, 1) == 21
    assert t.devices[0].resource == "nvidia.com/gpu"
    assert t.cpus_by_numa[1] == CPUSet([1, 3])


def test_file_name_is_the_default_name(tmp_path: Path) -> None:
    doc = base()
    del doc["name"]
    path = tmp_path / "my-node.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert load_spec(path).name == "my-node"


def test_duplicate_cpu_id(tmp_path: Path) -> None:
    doc = base()
    doc["cpus"].append({"id": 2, "socket": 0, "numa": 0, "core": 5})
    err = error_of(doc, tmp_path)
    assert err.field == "cpus[4].id" and "duplicate CPU id 2" in err.problem


def test_cpu_without_core(tmp_path: Path) -> None:
    doc = base()
    del doc["cpus"][1]["core"]
    err = error_of(doc, tmp_path)
    assert err.field == "cpus[1].core" and err.problem == "missing"


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    doc = base()
    doc["cpus"][0]["sokcet"] = 0
    err = error_of(doc, tmp_path)
    assert err.field == "cpus[0].sokcet"
    assert "did you mean 'socket'" in err.fix


def test_unknown_top_level_key(tmp_path: Path) -> None:
    doc = base()
    doc["numa_node"] = []
    err = error_of(doc, tmp_path)
    assert err.field == "numa_node" and "numa_nodes" in err.fix


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["cpus"][0].update(id="zero"), "cpus[0].id"),
        (lambda d: d["cpus"][0].update(socket=True), "cpus[0].socket"),
        (lambda d: d["cpus"][0].update(numa=-1), "cpus[0].numa"),
        (lambda d: d["cpus"][0].update(online="yes"), "cpus[0].online"),
        (lambda d: d["numa_nodes"][0].update(memory="lots"), "numa_nodes[0].memory"),
        (lambda d: d["numa_nodes"][0].update(hugepages={"1Gi": "four"}), "numa_nodes[0].hugepages.1Gi"),
        (lambda d: d["numa_nodes"][0].update(distances={0: 0}), "numa_nodes[0].distances.0"),
        (lambda d: d["devices"][0].update(numa=7), "devices[0].numa"),
        (lambda d: d.update(cpus={"id": 0}), "cpus"),
        (lambda d: d.update(devices=[{"kind": "gpu"}]), "devices[0].name"),
    ],
)
def test_bad_types_name_the_field(tmp_path: Path, mutate: Any, field: str) -> None:
    doc = base()
    mutate(doc)
    assert error_of(doc, tmp_path).field == field


def test_cpu_in_unlisted_numa_node(tmp_path: Path) -> None:
    doc = base()
    doc["cpus"][0]["numa"] = 5
    doc["cpus"][1]["numa"] = 5
    err = error_of(doc, tmp_path)
    assert "NUMA node 5" in err.problem and err.field == "numa_nodes"


def test_one_core_id_in_two_sockets_is_rejected(tmp_path: Path) -> None:
    doc = base()
    doc["cpus"][2]["core"] = 0
    err = error_of(doc, tmp_path)
    assert err.field == "cpus[2].core" and "socket" in err.problem


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cpus: [\n")
    with pytest.raises(InputError) as err:
        load_spec(bad)
    assert "not valid YAML" in err.value.problem and err.value.source == str(bad)
    with pytest.raises(InputError) as err:
        load_spec(tmp_path / "absent.yaml")
    assert err.value.problem == "no such file"


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['true']\ncpus: []\n")
    with pytest.raises(InputError):
        load_spec(evil)


def test_missing_distances_default_to_10_and_20_and_say_so() -> None:
    doc = base()
    for n in doc["numa_nodes"]:
        del n["distances"]
    t = load_spec(doc)
    assert t.distance(0, 0) == 10 and t.distance(0, 1) == 20
    assert any("assumed 10 local, 20 remote" in n for n in t.notes)


def test_without_numa_nodes_section_nodes_come_from_cpus() -> None:
    doc = base()
    del doc["numa_nodes"]
    del doc["devices"]
    t = load_spec(doc)
    assert t.numa_ids == (0, 1) and t.node_by_id[1].memory_bytes == 0


def test_offline_rows_need_only_an_id() -> None:
    doc = base()
    doc["cpus"].append({"id": 9, "online": False})
    t = load_spec(doc)
    assert t.offline_cpus == CPUSet([9]) and 9 not in t.all_cpus


def test_memory_only_node() -> None:
    doc = base()
    doc["numa_nodes"].append({"id": 4, "memory": "16Gi"})
    doc["numa_nodes"][0]["distances"][4] = 30
    t = load_spec(doc)
    assert t.node_by_id[4].cpus == CPUSet() and t.cpu_numa_ids == (0, 1)


@pytest.mark.parametrize("name", spec_names())
def test_round_trip_of_every_fixture(tmp_path: Path, name: str) -> None:
    t = load_spec(TOPOLOGY_SPECS / f"{name}.yaml")
    assert load_spec(dump_spec(t)) == t
    out = tmp_path / "again.yaml"
    save_spec(t, out)
    assert load_spec(out) == t


def test_saved_spec_has_one_row_per_cpu_line(tmp_path: Path) -> None:
    out = tmp_path / "n.yaml"
    save_spec(load_spec(base()), out)
    text = out.read_text()
    assert "- {id: 0, socket: 0, numa: 0, core: 0}" in text
    assert "memory: 64Gi" in text


# ---- machine-view fields --------------------------------------------------------------------


def unknown_packages() -> dict[str, Any]:
    """Two POWER-like packages with physical_package_id -1 and a CPU in no NUMA node."""
    return {
        "name": "unknown-packages",
        "cpus": [
            {"id": 0, "socket": -1, "package": 0, "numa": 0, "core": 0},
            {"id": 1, "socket": -1, "package": 0, "numa": 0, "core": 0},
            {"id": 2, "socket": -1, "package": 1, "numa": 0, "core": 1},
            {"id": 3, "socket": -1, "package": 1, "numa": 0, "core": 1},
            {"id": 4, "socket": 2, "numa": None, "core": 2},
            {"id": 5, "online": False},
        ],
        "numa_nodes": [{"id": 0, "memory": "8Gi"}],
    }


def test_machine_fields_describe_what_the_kubelet_sees_otherwise() -> None:
    t = load_spec(unknown_packages())
    m = t.machine
    assert m is not None
    assert m.cpus_by_package == {0: CPUSet([0, 1]), 1: CPUSet([2, 3]), 2: CPUSet([4])}
    assert m.nodeless_cpus == CPUSet([4])
    # the kubelet: CPU 4 is in no node, so it is not seen; -1 is one socket
    assert t.all_cpus == CPUSet.parse("0-3")
    assert t.cpus_by_socket == {-1: CPUSet.parse("0-3")}
    assert "GetNodesInfo" in m.kubelet.left_out[4]


def test_core_id_shared_across_unknown_packages_merges_kubelet_cores() -> None:
    doc = unknown_packages()
    for row in doc["cpus"][:4]:
        row["core_id"] = 7
    t = load_spec(doc)
    assert t.machine is not None and len(t.machine.cpus_by_core) == 3
    assert t.cpus_by_core[0] == CPUSet.parse("0-3")  # cadvisor getCoresInfo: same core_id and socket


def test_core_id_null_means_no_core_id_file() -> None:
    doc = unknown_packages()
    doc["cpus"][0]["core_id"] = None
    t = load_spec(doc)
    assert 0 not in t.all_cpus and "core_id" in t.machine.kubelet.left_out[0]  # type: ignore[union-attr]


def test_unknown_socket_needs_a_package(tmp_path: Path) -> None:
    doc = unknown_packages()
    del doc["cpus"][0]["package"]
    err = error_of(doc, tmp_path)
    assert err.field == "cpus[0].package" and "package: N" in err.fix


def test_socket_below_minus_one_is_rejected(tmp_path: Path) -> None:
    doc = base()
    doc["cpus"][0]["socket"] = -2
    assert error_of(doc, tmp_path).field == "cpus[0].socket"


def test_sysfs_section_no_node_directory() -> None:
    doc = base()
    del doc["numa_nodes"], doc["devices"]
    for row in doc["cpus"]:
        row["numa"] = 0
    doc["numa_nodes"] = [{"id": 0, "memory": "8Gi"}]
    doc["sysfs"] = {"node_directory": False}
    t = load_spec(doc)
    # cadvisor's getCPUTopology: one NUMA node per package, without memory
    assert t.numa_ids == (0, 1) and all(n.memory_bytes == 0 for n in t.numa_nodes)
    assert t.machine is not None and t.machine.node_by_id[0].memory_bytes == 8 * GI


def test_sysfs_section_rejects_unknown_keys(tmp_path: Path) -> None:
    doc = base()
    doc["sysfs"] = {"node_dir": False}
    err = error_of(doc, tmp_path)
    assert err.field == "sysfs.node_dir" and "node_directory" in err.fix


def test_s390_books_and_drawers_round_trip(sysfs_trees: Mapping[str, Path], tmp_path: Path) -> None:
    from workbench.topology import read_sysfs

    t = read_sysfs(sysfs_trees["20s390-2g6s4c"])
    out = tmp_path / "s390.yaml"
    save_spec(t, out)
    text = out.read_text()
    assert "socket: -1" in text and "book: 7" in text and "node_directory: false" in text
    again = load_spec(out)
    assert again == t
    assert again.machine == t.machine


def test_the_example_in_the_fixtures_readme_loads() -> None:
    text = (TOPOLOGY_SPECS / "README.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    t = load_spec(yaml.safe_load(example))
    assert t.cpus_by_socket == {-1: CPUSet([0, 4])}
    assert t.machine is not None and t.machine.nodeless_cpus == CPUSet([8])
