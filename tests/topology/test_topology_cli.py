"""`workbench topology`: text that fits 80 columns, JSON for scripts, a spec YAML that loads back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml
from topology_fixture_paths import TOPOLOGY_SPECS, spec_names

from workbench.cli.main import main
from workbench.topology import load_spec


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["topology", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--demo", "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {
        "name", "sockets", "cores", "numa_nodes", "cpus", "offline_cpus", "l3_groups", "devices", "notes",
        "groups", "kubelet_view",
    }  # fmt: skip
    assert doc["sockets"] == [{"id": 0, "cpus": "0-15,32-47"}, {"id": 1, "cpus": "16-31,48-63"}]
    node0 = doc["numa_nodes"][0]
    assert node0["cpus"] == "0-7,32-39"
    assert node0["memory_bytes"] == 96 * 2**30
    assert node0["distances"] == {"0": 10, "1": 11, "2": 21, "3": 21}
    assert node0["hugepages"] == {str(2 * 2**20): 1024, str(2**30): 8}
    assert doc["cores"][0] == {"id": 0, "socket": 0, "cpus": "0,32"}
    assert doc["cpus"][32] == {"id": 32, "core": 0, "socket": 0, "numa": 0, "die": 0, "l3": 0}
    assert doc["offline_cpus"] == ""
    assert doc["l3_groups"] == [{"id": 0, "cpus": "0-15,32-47"}, {"id": 1, "cpus": "16-31,48-63"}]
    assert doc["groups"] == []
    view = doc["kubelet_view"]
    assert view["sockets"] == doc["sockets"] and view["cpus"] == "0-63"
    assert view["left_out"] == [] and view["differences"] == []
    assert (view["num_cpus"], view["num_cores"], view["num_sockets"]) == (64, 32, 2)


def test_json_of_a_machine_the_kubelet_sees_partly(
    capsys: pytest.CaptureFixture[str], sysfs_trees: Mapping[str, Path]
) -> None:
    code, out, _ = run(capsys, "--sysfs-root", str(sysfs_trees["offline-cpu0-node0"]), "-o", "json")
    assert code == 0
    doc = json.loads(out)
    # the machine: every online CPU, both packages; the node-less CPUs have numa null
    assert len(doc["cpus"]) == 17 and len(doc["sockets"]) == 2
    assert [c["id"] for c in doc["cpus"] if c["numa"] is None] == list(range(4, 21, 2))
    view = doc["kubelet_view"]
    assert view["cpus"] == "5,7,9,11,13,15,17,19"
    assert view["sockets"] == [{"id": 1, "cpus": "5,7,9,11,13,15,17,19"}]
    assert [entry["cpus"] for entry in view["left_out"]] == ["4,6,8,10,12,14,16,18,20"]
    assert "GetNodesInfo" in view["left_out"][0]["reason"]
    assert view["num_sockets"] == 2


def test_json_of_unknown_package_ids(
    capsys: pytest.CaptureFixture[str], sysfs_trees: Mapping[str, Path]
) -> None:
    code, out, _ = run(capsys, "--sysfs-root", str(sysfs_trees["20s390-2g6s4c"]), "-o", "json")
    doc = json.loads(out)
    assert len(doc["sockets"]) == 8
    assert [g["kind"] for g in doc["groups"]] == ["drawer"] * 2 + ["book"] * 4
    assert doc["kubelet_view"]["sockets"] == [{"id": -1, "cpus": "0-19"}]
    assert {d["kind"] for d in doc["kubelet_view"]["differences"]} == {"socket", "core", "numa"}


@pytest.mark.parametrize("name", spec_names())
def test_text_fits_80_columns(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = run(capsys, "--topology", str(TOPOLOGY_SPECS / f"{name}.yaml"))
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    topo = load_spec(TOPOLOGY_SPECS / f"{name}.yaml")
    if len(topo.cpus) <= 64:
        # every PU is shown, in its core
        for core, cpus in topo.cpus_by_core.items():
            assert f"Core {core}: {','.join(map(str, cpus))}" in out
    else:
        assert " x Core (" in out or " cores x " in out
    if len(topo.numa_nodes) > 1:
        assert "NUMA distances:" in out


def test_text_shows_offline_cpus_devices_and_notes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = yaml.safe_load((TOPOLOGY_SPECS / "gpu-node-8gpu.yaml").read_text())
    doc["cpus"].append({"id": 200, "online": False})
    doc["notes"] = ["hand-edited for this test"]
    path = tmp_path / "n.yaml"
    path.write_text(yaml.safe_dump(doc))
    _, out, _ = run(capsys, "--topology", str(path))
    assert "Offline CPUs: 200" in out
    assert "gpu7 (gpu, nvidia.com/gpu, 0000:88:00.0): NUMA 1" in out
    assert "hand-edited for this test" in out


def test_yaml_output_is_a_spec_that_loads_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--topology", str(TOPOLOGY_SPECS / "amd-epyc-2s-nps4.yaml"), "-o", "yaml")
    assert code == 0
    path = tmp_path / "again.yaml"
    path.write_text(out)
    assert load_spec(path) == load_spec(TOPOLOGY_SPECS / "amd-epyc-2s-nps4.yaml")


def test_sysfs_root(capsys: pytest.CaptureFixture[str], sysfs_trees: Mapping[str, Path]) -> None:
    code, out, _ = run(capsys, "--sysfs-root", str(sysfs_trees["48amd64-4pa2n6c-sparse"]), "-o", "json")
    assert code == 0
    assert [n["id"] for n in json.loads(out)["numa_nodes"]] == [0, 1, 2, 33, 34, 45, 72, 73]


@pytest.mark.parametrize(
    "args",
    [["--topology", "/nonexistent/node.yaml"], ["--sysfs-root", "/nonexistent"]],
)
def test_bad_source_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run(capsys, *args, "-o", "json")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "/nonexistent" in err


def test_invalid_spec_names_file_and_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("cpus:\n- {id: 0, socket: 0, numa: 0}\n")
    code, _, err = run(capsys, "--topology", str(path))
    assert code == 2
    assert f"{path}: cpus[0].core: missing" in err


def test_live_machine_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/sys/devices/system/cpu").is_dir():
        pytest.skip("no sysfs on this machine")
    code, out, _ = run(capsys, "-o", "json")
    assert code == 0
    assert json.loads(out)["cpus"]


def test_json_command_stays_lean() -> None:
    code = (
        "import sys; from workbench.cli.main import main; rc = main(['topology', '--demo', '-o', 'json']);"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or "
        "m.startswith('workbench.admission') or m.startswith('workbench.tui'));"
        "print(heavy, file=sys.stderr); sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stderr.strip() == "[]"
    assert json.loads(proc.stdout)["name"] == "intel-2s-snc"


def test_text_of_every_real_machine_fits_80_columns(
    capsys: pytest.CaptureFixture[str], sysfs_trees: Mapping[str, Path]
) -> None:
    for name in sysfs_trees:
        code, out, _ = run(capsys, "--sysfs-root", str(sysfs_trees[name]))
        assert code == 0
        assert max(len(line) for line in out.splitlines()) <= 80, name


def test_text_shows_the_machine_and_marks_what_the_kubelet_reads_otherwise(
    capsys: pytest.CaptureFixture[str], sysfs_trees: Mapping[str, Path]
) -> None:
    _, out, _ = run(capsys, "--sysfs-root", str(sysfs_trees["offline-cpu0-node0"]))
    assert out.startswith("Machine offline-cpu0-node0: 17 CPUs, 17 cores, 2 packages, 1 NUMA node")
    assert "  Package 0 + No NUMA node + L3 0 [k1]: CPUs 4,6,8,10,12,14,16,18,20" in out
    assert "Kubelet view (what admission uses): 8 of 17 CPUs" in out
    assert "  [k1] CPUs 4,6,8,10,12,14,16,18,20: the kubelet does not see these CPUs" in out
    # 64 packages of one core each collapse to one line per NUMA node
    _, out, _ = run(capsys, "--sysfs-root", str(sysfs_trees["256ppc-8n8s4t"]))
    assert out.count("    8 x Package + L3 [k1,2] of 1 core x 4 PUs: CPUs ") == 8
    assert len(out.splitlines()) < 40
    _, out, _ = run(capsys, "--sysfs-root", str(sysfs_trees["20s390-2g6s4c"]))
    assert "    Drawer 4: CPUs 0-12\n      Book 0: CPUs 0-2,10-12\n        Package 0 [k1,2]: CPUs 0-2" in out
