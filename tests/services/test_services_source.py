"""Where a node comes from: one value (`NodeSource`) for every face, loaded in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.services.source import NodeSource, load_node, load_topology

ROOT = Path(__file__).resolve().parents[2]
V4 = ROOT / "fixtures" / "kubelet" / "intel-2s-snc-v4"
GPU_SPEC = ROOT / "fixtures" / "topologies" / "gpu-node-8gpu.yaml"


def test_a_capture_opens_on_its_own_machine_unless_another_is_named() -> None:
    assert load_topology(NodeSource(kubelet_dir=V4)).name == "intel-2s-snc"
    named = load_topology(NodeSource(kubelet_dir=V4, topology_spec=GPU_SPEC))
    assert named.name != "intel-2s-snc"
    assert named.name == load_topology(NodeSource(topology_spec=GPU_SPEC)).name


def test_kubelet_dir_config_or_the_demo_kubelet() -> None:
    captured = load_node(NodeSource(kubelet_dir=V4))
    assert captured.state.pod_uids() and captured.config.memory_manager_policy == "Static"
    config_only = load_node(NodeSource(demo=True, kubelet_config=V4 / "config.yaml"))
    assert config_only.state.pod_uids() == () and config_only.config == captured.config
    demo = load_node(NodeSource(demo=True))
    assert demo.config.topology_manager_policy == "restricted" and demo.state.pod_uids() == ()


def test_a_missing_source_is_one_input_error() -> None:
    with pytest.raises(InputError):
        load_node(NodeSource(kubelet_dir=ROOT / "no-such-capture"))
