"""Use case "load a node": where the machine and the kubelet's view of it come from.

A `NodeSource` is a plain value naming the source; `load_node` turns it into topology + kubelet
configuration + live allocations. The faces build a source from their options and never look
inside, so another kind of source (a capture bundle) is one more field here and one more branch
in `load_topology`/`load_node`, and no handler or screen changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Annotations only: the models load when a node is loaded, not when a parser is built.
    from workbench.kube.model import NodeConfig, NodeState
    from workbench.topology.model import Topology

# A captured node directory may carry the machine it came from, so it opens anywhere.
CAPTURED_TOPOLOGY = "topology.yaml"


@dataclass(frozen=True)
class NodeSource:
    """The machine: a sysfs tree, a topology spec, the demo, or (none given) this machine's /sys.
    The kubelet: a captured kubelet directory, a KubeletConfiguration, or (none) the demo kubelet."""

    sysfs_root: Path | None = None
    topology_spec: Path | None = None
    demo: bool = False
    kubelet_dir: Path | None = None
    kubelet_config: Path | None = None

    @property
    def machine_given(self) -> bool:
        """Whether the machine was named explicitly (else a capture's own or the live one)."""
        return bool(self.sysfs_root or self.topology_spec or self.demo)


@dataclass(frozen=True)
class Node:
    topology: Topology
    config: NodeConfig
    state: NodeState


def load_topology(source: NodeSource) -> Topology:
    """The machine the source names; a kubelet capture's own `topology.yaml` when none is."""
    from workbench import topology

    kdir = source.kubelet_dir
    if kdir is not None and not source.machine_given and (kdir / CAPTURED_TOPOLOGY).is_file():
        return topology.load_spec(kdir / CAPTURED_TOPOLOGY)
    if source.topology_spec is not None:
        return topology.load_spec(source.topology_spec)
    if source.demo:
        return topology.demo_topology()
    return topology.read_sysfs(source.sysfs_root or Path("/"))


def load_node(source: NodeSource) -> Node:
    """Topology + kubelet config + live allocations, from whatever the source names."""
    from workbench.kube import config
    from workbench.kube.model import NodeState

    topo = load_topology(source)
    if source.kubelet_dir is not None:
        from workbench.kube import checkpoint  # only a captured node has checkpoints to read

        cfg, state = checkpoint.load_kubelet_dir(source.kubelet_dir, topo)
    elif source.kubelet_config is not None:
        cfg, state = config.load_kubelet_config(source.kubelet_config, topo), NodeState()
    else:
        cfg, state = config.demo_config(), NodeState()
    return Node(topo, cfg, state)
