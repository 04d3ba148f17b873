"""`workbench topology`: the node's packages, NUMA nodes, caches, cores and devices."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import (
    add_bundle_option,
    add_format_option,
    add_topology_options,
    emit_json,
    node_source,
    write_text,
)

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "topology",
        help="show the node's CPU/NUMA topology (lstopo-like text, JSON, or a topology spec)",
        description=(
            "Show packages, NUMA nodes (memory, hugepages), L3 groups, cores and their CPUs, the "
            "NUMA distance matrix, offline CPUs and PCI devices. Without a source, reads this "
            "machine's /sys. -o yaml prints a topology spec that --topology accepts."
        ),
    )
    add_topology_options(p)
    add_bundle_option(p)
    add_format_option(p, "text", "json", "yaml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import topology_view as view
    from workbench.services.source import load_topology

    topo = load_topology(node_source(args))
    if args.format == "json":
        emit_json(view.topology_json(topo))
    elif args.format == "yaml":
        sys.stdout.write(view.topology_yaml(topo))
    else:
        write_text(view.topology_text(topo))
    return 0
