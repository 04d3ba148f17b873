"""`workbench validate` and `workbench node` as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from kube_paths import KUBELET, PODS, TOPOLOGIES

from workbench.cli.main import main
from workbench.kube.checkpoint_checksums import written_checksum


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_clean_files(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(PODS / n) for n in ("postgres.yaml", "deployment.yaml", "burstable.yaml")]
    code, out, _ = run(["validate", *files, str(KUBELET / "gpu-node-v2" / "config.yaml")], capsys)
    assert code == 0 and out.strip() == "ok: 4 file(s), no problems"


def test_validate_prints_every_problem_with_file_and_field(capsys: pytest.CaptureFixture[str]) -> None:
    bad = str(PODS / "invalid" / "many-problems.yaml")
    code, out, _ = run(["validate", bad], capsys)
    lines = out.splitlines()
    assert code == 1
    assert f'{bad}: spec.containers[5].name: Duplicate value: "typo" (also spec.containers[0])' in lines
    assert lines[-1] == "8 error(s), 0 warning(s)"
    assert all(line.startswith(bad + ": spec.") for line in lines[:-1])


def test_validate_kubelet_config_against_a_machine(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(PODS / "invalid" / "kubelet-refuses.yaml")
    code, out, _ = run(["validate", cfg, "--topology", str(TOPOLOGIES / "intel-2s-snc.yaml")], capsys)
    assert code == 1
    assert "static policy options full-pcpus-only and distribute-cpus-across-cores can not be used" in out
    assert "incompatible with CPUManager align-by-socket" in out
    assert 'the total amount "512Mi" of type "memory" is not equal to the value "1124Mi"' in out


def test_warnings_pass_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    multi = str(PODS / "multi.yaml")
    code, out, _ = run(["validate", multi], capsys)
    assert code == 0 and "warning: 1500m is not a whole number of CPUs" in out
    assert run(["validate", "--strict", multi], capsys)[0] == 1


def test_validate_json_and_unreadable_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(["validate", "-o", "json", str(PODS / "invalid" / "many-problems.yaml")], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["errors"] == 8 and doc["problems"][0]["field"] == "spec.containers[0].resource"
    code, out, err = run(
        ["validate", str(PODS / "invalid" / "python-object.yaml"), str(tmp_path / "missing")], capsys
    )
    assert code == 2
    assert "unsupported YAML tag" in err and "missing: no such file" in err and "Traceback" not in err
    empty = tmp_path / "svc.yaml"
    empty.write_text("kind: Service\nmetadata: {name: s}\n")
    code, out, _ = run(["validate", str(empty)], capsys)
    assert code == 1 and "nothing to check" in out


def test_node_shows_live_allocations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "node",
            "--kubelet-dir",
            str(KUBELET / "gpu-node-v2"),
            "--topology",
            str(TOPOLOGIES / "gpu-node-8gpu.yaml"),
        ],
        capsys,
    )
    assert code == 0
    assert "Checkpoints  cpu V2, memory V1" in out
    assert "Shared pool  0,6-48,54-95" in out
    trainer = next(line for line in out.splitlines() if line.strip().startswith("trainer"))
    assert "2-5,50-53" in trainer and "NUMA 0" in trainer and "exclusive" in trainer and "32Gi@0" in trainer
    assert "nvidia.com/gpu: gpu0" in out.split(trainer, 1)[1].splitlines()[1]
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Problems     none" in out


def test_node_json_and_problems_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "node",
            "--kubelet-dir",
            str(KUBELET / "intel-2s-snc-v4"),
            "-o",
            "json",
            "--topology",
            str(TOPOLOGIES / "intel-2s-snc.yaml"),
        ],
        capsys,
    )
    doc = json.loads(out)
    assert code == 0 and doc["checkpoints"]["cpu_version"] == "V4"
    postgres = next(p for p in doc["pods"] if p["name"] == "postgres-0")
    assert postgres["pod_cpuset"] == "1-4,33-36" and postgres["pod_numa"] == "0"
    assert {c["name"]: c["cpuset"] for c in postgres["containers"]} == {
        "pg-backup": "4,36",
        "postgres": "1-3,33-35",
    }
    assert doc["memory"][0] == {
        "numa": 0,
        "resource": "memory",
        "total": 96 * 2**30,
        "system_reserved": 2**30,
        "allocatable": 85 * 2**30,
        "reserved": 20 * 2**30,
        "free": 65 * 2**30,
        "cells": [0],
        "assignments": 2,
    }
    code, out, _ = run(
        [
            "node",
            "--kubelet-dir",
            str(KUBELET / "broken-state"),
            "--topology",
            str(TOPOLOGIES / "intel-2s-snc.yaml"),
        ],
        capsys,
    )
    assert code == 1 and "✗ cpu_manager_state: pod" in out


def test_node_with_a_config_the_kubelet_refuses(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = tmp_path / "node"
    d.mkdir()
    (d / "config.yaml").write_text("kind: KubeletConfiguration\ncpuManagerPolicy: static\n")
    code, out, err = run(
        ["node", "--kubelet-dir", str(d), "--topology", str(TOPOLOGIES / "intel-2s-snc.yaml")], capsys
    )
    assert code == 2 and out == ""
    assert "requires systemreserved.cpu + kubereserved.cpu to be greater than zero" in err


def test_node_checks_the_reserved_cpus_the_policy_would_pick(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # No reservedSystemCPUs: the static policy reserves CPU 0 itself (kubeReserved cpu: 1), so a
    # checkpoint that moved CPU 0 out of the default set is refused at start.
    d = tmp_path / "node"
    shutil.copytree(KUBELET / "dual-socket-v1", d)
    state = json.loads((d / "cpu_manager_state").read_text())
    state.update(defaultCpuSet="1,3,5-7,9,11", entries={"c0ffee": "0,2,4,8,10"})
    state["checksum"] = written_checksum("cpu", "V1", state)  # as the kubelet would have written it
    (d / "cpu_manager_state").write_text(json.dumps(state))
    topo = str(TOPOLOGIES / "kubelet-topoDualSocketHT.yaml")
    code, out, _ = run(["node", "--kubelet-dir", str(d), "--topology", topo], capsys)
    assert code == 1
    assert (
        '✗ cpu_manager_state: not all reserved cpus: "0" are present in defaultCpuSet: "1,3,5-7,9,11"' in out
    )
    code, out, _ = run(["node", "--kubelet-dir", str(KUBELET / "dual-socket-v1"), "--topology", topo], capsys)
    assert code == 0


def test_a_capture_with_its_topology_opens_anywhere(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["node", "--kubelet-dir", str(KUBELET / "gpu-node-v2"), "-o", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["topology"] == "gpu-node-8gpu" and doc["problems"] == []
    assert doc["pods"][0]["containers"][1]["numa"] == "0"
