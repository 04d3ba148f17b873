"""`workbench node --kubelet-dir DIR`: a captured node's live allocations from its checkpoint
files (the machine comes from --topology/--sysfs-root/--demo, else from DIR/topology.yaml if the
capture has one, else from this machine's sysfs): the default CPU set, each pod's bubble and
per-container CPU sets, per-NUMA memory tables, devices, and what the kubelet would object to at
start. Exit 1 when the checkpoints have problems."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_bundle_option, add_format_option, add_topology_options, emit, node_source

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    n = sub.add_parser(
        "node",
        help="show a captured node's live allocations (kubelet checkpoints)",
        description="Read config.yaml, cpu_manager_state, memory_manager_state (and the device "
        "checkpoint) from a kubelet directory and show what is allocated where.",
    )
    n.add_argument("--kubelet-dir", metavar="DIR", help="e.g. a copy of /var/lib/kubelet (or give --bundle)")
    add_topology_options(n)
    add_bundle_option(n)
    add_format_option(n)
    n.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import node_report

    report = node_report.read_node(node_source(args))
    emit(args.format, report, node_report.node_json, node_report.node_text)
    return 1 if report.problems else 0
