"""The memory per NUMA node the TUI draws is the memory manager's, the same as `workbench node
-o json` prints: for every captured node in fixtures/kubelet and for the demo node with each
pod of fixtures/pods placed (its state written out as a kubelet directory)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from workbench.cli.main import main
from workbench.kube.config import DEMO_CONFIG_YAML
from workbench.kube.model import MemoryBlock, NodeState
from workbench.kube.pod import load_pods
from workbench.services.source import NodeSource, load_node
from workbench.topology.spec import spec_yaml
from workbench.tui.viewmodel.scenarios import scenario_pod
from workbench.tui.viewmodel.session import Session, demo_session

ROOT = Path(__file__).resolve().parents[2]
KUBELET_DIRS = sorted(p for p in (ROOT / "fixtures" / "kubelet").iterdir() if p.is_dir())
POD_FILES = sorted((ROOT / "fixtures" / "pods").glob("*.yaml"))
GI = 2**30


def node_json(kubelet_dir: Path) -> dict[str, Any]:
    """`workbench node --kubelet-dir DIR -o json`, through the CLI's own entry point."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["node", "--kubelet-dir", str(kubelet_dir), "-o", "json"])
    assert code in (0, 1)  # 1: the checkpoints have problems; the document is still printed
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def cli_memory(doc: dict[str, Any]) -> dict[int, tuple[int, int]]:
    return {r["numa"]: (r["reserved"], r["total"]) for r in doc["memory"] if r["resource"] == "memory"}


def assert_same(session: Session, doc: dict[str, Any]) -> None:
    tui = session.numa_memory()
    cli = cli_memory(doc)
    for numa, (used, total) in tui.items():
        # A NUMA node the memory manager has no table for holds nothing.
        assert (used, total) == cli.get(numa, (0, total)), numa
    assert set(cli) <= set(tui)


@pytest.mark.parametrize("kdir", KUBELET_DIRS, ids=lambda p: p.name)
def test_captured_nodes_show_the_checkpoint_memory(kdir: Path) -> None:
    node = load_node(NodeSource(kubelet_dir=kdir))  # what `workbench tui --kubelet-dir` opens
    assert_same(Session(node.topology, node.config, node.state), node_json(kdir))


def _blocks(blocks: tuple[MemoryBlock, ...]) -> list[dict[str, Any]]:
    return [{"numaAffinity": list(b.numa_affinity), "type": b.type, "size": b.size} for b in blocks]


def write_kubelet_dir(directory: Path, session: Session) -> Path:
    """The session's node as the kubelet would leave it on disk: config, a V2 memory manager
    checkpoint of its state, and the machine."""
    state: NodeState = session.state
    assert state.memory is not None
    machine = {
        str(n): {
            "numberOfAssignments": m.number_of_assignments,
            "memoryMap": {
                res: {
                    "total": t.total,
                    "systemReserved": t.system_reserved,
                    "allocatable": t.allocatable,
                    "reserved": t.reserved,
                    "free": t.free,
                }
                for res, t in m.memory_map.items()
            },
            "cells": list(m.cells),
        }
        for n, m in state.memory.items()
    }
    checkpoint = {
        "policyName": "Static",
        "machineState": machine,
        "entries": {
            uid: {name: _blocks(blocks) for name, blocks in per.items()}
            for uid, per in state.memory_assignments.items()
        },
        "podEntries": {uid: {"memoryBlocks": _blocks(b)} for uid, b in state.pod_memory.items()},
        "checksum": 0,
    }
    directory.mkdir()
    (directory / "config.yaml").write_text(DEMO_CONFIG_YAML)
    (directory / "topology.yaml").write_text(spec_yaml(session.topology))
    (directory / "memory_manager_state").write_text(json.dumps(checkpoint))
    return directory


PLACED = [(f.name, i) for f in POD_FILES for i in range(len(load_pods(f)))]


@pytest.mark.parametrize("name, index", PLACED, ids=[f"{n}[{i}]" for n, i in PLACED])
def test_demo_with_each_fixture_pod_placed(tmp_path: Path, name: str, index: int) -> None:
    session = demo_session()
    pod = load_pods(ROOT / "fixtures" / "pods" / name)[index].pod
    session.place(pod)  # admitted or not, the node must read the same in both faces
    assert_same(session, node_json(write_kubelet_dir(tmp_path / "kubelet", session)))


def test_a_block_across_two_nodes_fills_one_node_then_the_next(tmp_path: Path) -> None:
    """The defect: 120Gi on NUMA 1+2 once showed 60/60 GiB; the memory manager holds 94/26."""
    session = demo_session()
    decision = session.place(scenario_pod("too-big-for-one-numa"))
    assert decision.admitted
    used = {n: u for n, (u, _) in session.numa_memory().items()}
    assert (used[1], used[2]) == (94 * GI, 26 * GI)
    assert_same(session, node_json(write_kubelet_dir(tmp_path / "kubelet", session)))
