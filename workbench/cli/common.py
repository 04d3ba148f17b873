"""Options and loaders shared by the subcommands: where the node comes from, output format."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError

if TYPE_CHECKING:
    # Only for annotations: importing the models costs start-up time every command would pay.
    from workbench.kube.model import NodeConfig, NodeState
    from workbench.topology.model import Topology

# A captured node directory may carry the machine it came from, so it opens anywhere.
CAPTURED_TOPOLOGY = "topology.yaml"


def add_format_option(parser: argparse.ArgumentParser, *choices: str) -> None:
    allowed = choices or ("text", "json")
    parser.add_argument(
        "-o",
        "--format",
        choices=allowed,
        default="text",
        help="output format (default text; json prints one document for scripts)",
    )


def add_topology_options(parser: argparse.ArgumentParser) -> None:
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--sysfs-root", metavar="DIR", help="read sysfs under DIR (DIR/sys/devices/system/...)")
    src.add_argument("--topology", metavar="FILE", help="read a topology spec YAML")
    src.add_argument("--demo", action="store_true", help="use the built-in demo node")


def add_node_options(parser: argparse.ArgumentParser) -> None:
    add_topology_options(parser)
    kub = parser.add_mutually_exclusive_group()
    kub.add_argument(
        "--kubelet-dir",
        metavar="DIR",
        help="captured node: DIR holds config.yaml, cpu_manager_state, memory_manager_state",
    )
    kub.add_argument("--kubelet-config", metavar="FILE", help="a KubeletConfiguration YAML")


def topology_given(args: argparse.Namespace) -> bool:
    return bool(
        getattr(args, "topology", None) or getattr(args, "sysfs_root", None) or getattr(args, "demo", False)
    )


def load_topology(args: argparse.Namespace) -> Topology:
    from workbench import topology

    kdir = getattr(args, "kubelet_dir", None)
    if kdir and not topology_given(args) and (Path(kdir) / CAPTURED_TOPOLOGY).is_file():
        return topology.load_spec(Path(kdir) / CAPTURED_TOPOLOGY)
    if getattr(args, "topology", None):
        return topology.load_spec(Path(args.topology))
    if getattr(args, "demo", False):
        return topology.demo_topology()
    root = getattr(args, "sysfs_root", None) or "/"
    return topology.read_sysfs(Path(root))


@dataclass(frozen=True)
class Node:
    topology: Topology
    config: NodeConfig
    state: NodeState


def load_node(args: argparse.Namespace) -> Node:
    """Topology + kubelet config + live allocations, from whatever the options name."""
    from workbench.kube import checkpoint, config
    from workbench.kube.model import NodeState

    topo = load_topology(args)
    kdir = getattr(args, "kubelet_dir", None)
    kfile = getattr(args, "kubelet_config", None)
    if kdir:
        cfg, state = checkpoint.load_kubelet_dir(Path(kdir), topo)
    elif kfile:
        cfg, state = config.load_kubelet_config(Path(kfile), topo), NodeState()
    else:
        cfg, state = config.demo_config(), NodeState()
    return Node(topo, cfg, state)


def emit_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def require_file(path: str, what: str) -> Path:
    p = Path(path)
    if path != "-" and not p.is_file():
        raise InputError("no such file", source=path, fix=f"give the path of {what}")
    return p
