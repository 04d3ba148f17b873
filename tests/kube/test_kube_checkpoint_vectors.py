"""Checkpoint checksums verified the kubelet's way, against the kubelet's own test vectors
(`data/checkpoint_vectors.yaml`, each entry citing its upstream test case)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.errors import InputError
from workbench.kube.checkpoint import read_kubelet_dir
from workbench.kube.checkpoint_cpu import parse_cpu_checkpoint
from workbench.kube.checkpoint_device import parse_device_checkpoint
from workbench.kube.checkpoint_memory import parse_memory_checkpoint
from workbench.kube.go_spew import GoInt, GoMap, GoPtr, GoSlice, GoStr, GoStruct, spew_sprintf

VECTORS = yaml.safe_load((Path(__file__).parent / "data" / "checkpoint_vectors.yaml").read_text())
CPU = VECTORS["cpu_manager_state"]
MEMORY = VECTORS["memory_manager_state"]
DEVICES = VECTORS["device-plugins/kubelet_internal_checkpoint"]


def _name(case: dict[str, Any]) -> str:
    return str(case["upstream"]).split(": ", 1)[1] if "upstream" in case else str(case["source"])[:40]


@pytest.mark.parametrize("case", CPU, ids=_name)
def test_cpu_checkpoint_vectors(case: dict[str, Any]) -> None:
    cp = parse_cpu_checkpoint(json.loads(case["content"]))
    assert cp.checksum is not None
    assert (cp.version, cp.checksum.ok) == (case["version"], not case["corrupt"])
    expect = case.get("expect", {})
    if "policy" in expect:
        assert cp.policy == expect["policy"]
    if "default" in expect:
        assert str(cp.default_cpuset) == expect["default"]
    assert {uid: str(cs) for uid, cs in cp.pod_cpusets.items()} == expect.get("pods", {})


@pytest.mark.parametrize("case", MEMORY, ids=_name)
def test_memory_checkpoint_vectors(case: dict[str, Any]) -> None:
    mc = parse_memory_checkpoint(json.loads(case["content"]))
    assert mc.checksum is not None
    assert (mc.version, mc.checksum.ok) == (case["version"], not case["corrupt"])
    expect = case.get("expect", {})
    if "policy" in expect:
        assert mc.policy == expect["policy"]
    if "reserved" in expect:
        assert mc.machine is not None and mc.machine[0].memory_map["memory"].reserved == expect["reserved"]
    if "pods" in expect:
        assert {uid: sum(b.size for b in bs) for uid, bs in mc.pod_blocks.items()} == expect["pods"]


@pytest.mark.parametrize("case", DEVICES, ids=_name)
def test_device_checkpoints_a_kubelet_wrote_verify(case: dict[str, Any]) -> None:
    dc = parse_device_checkpoint(json.loads(case["content"]))
    assert dc.version == case["version"] and dc.problems == ()
    assert dc.registered["nvidia.com/gpu"]


def _node(tmp_path: Path, file: str, content: str) -> Path:
    d = tmp_path / "node"
    d.mkdir()
    (d / "config.yaml").write_text("kind: KubeletConfiguration\n")
    (d / file).write_text(content)
    return d


CORRUPT = [
    (file, c) for file in ("cpu_manager_state", "memory_manager_state") for c in VECTORS[file] if c["corrupt"]
]


@pytest.mark.parametrize(("file", "case"), CORRUPT, ids=[f"{f}: {_name(c)}" for f, c in CORRUPT])
def test_a_corrupt_checksum_is_the_kubelets_refusal(tmp_path: Path, file: str, case: dict[str, Any]) -> None:
    d = _node(tmp_path, file, case["content"])
    manager = "CPU manager" if file == "cpu_manager_state" else "memory manager"
    with pytest.raises(InputError) as err:
        read_kubelet_dir(d)
    assert err.value.problem.startswith("could not restore state from checkpoint: ")
    assert "checkpoint is corrupted, please drain this node and delete the " in err.value.problem
    assert f'{manager} checkpoint file "{d / file}" before restarting Kubelet' in err.value.problem


def test_cli_refuses_a_corrupt_checkpoint_in_one_line_exit_2(tmp_path: Path) -> None:
    [case] = [c for c in CPU if _name(c) == "Fail to restore checkpoint with invalid checksum"]
    d = _node(tmp_path, "cpu_manager_state", case["content"])
    run = subprocess.run(
        [sys.executable, "-m", "workbench", "node", "--kubelet-dir", str(d), "--demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and run.stdout == ""
    [line] = run.stderr.splitlines()
    assert (
        "could not restore state from checkpoint: could not load v4 checkpoint: checkpoint is corrupted"
        in line
    )


def test_spew_prints_what_go_prints() -> None:
    """The formatter's rules on one value of every kind (go-spew `format.go`): types in
    parentheses except on map keys, map values and slice elements; `<*>` for inner pointers."""
    value = GoPtr(
        "state.T",
        GoStruct(
            "state.T",
            [
                ("Name", GoStr("string", "a b")),
                ("Nums", GoSlice("[]int", [GoInt("int", 2), GoInt("int", 1)])),
                ("None", GoSlice("[]int", None)),
                (
                    "M",
                    GoMap(
                        "map[string]*state.U",
                        [
                            (GoStr("string", "z"), GoPtr("state.U", None)),
                            (
                                GoStr("string", "y"),
                                GoPtr("state.U", GoStruct("state.U", [("X", GoInt("uint64", 7))])),
                            ),
                        ],
                    ),
                ),
            ],
        ),
    )
    assert spew_sprintf(value) == (
        "(*state.T){Name:(string)a b Nums:([]int)[2 1] None:([]int)<nil> "
        "M:(map[string]*state.U)map[y:<*>{X:(uint64)7} z:<nil>]}"
    )
