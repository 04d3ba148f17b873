"""`workbench topology`: the node's packages, NUMA nodes, caches, cores and devices.

Imports only the topology layer, so `workbench topology -o json` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.cli.common import add_format_option, add_topology_options, emit_json, load_topology


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
    add_format_option(p, "text", "json", "yaml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    topo = load_topology(args)
    if args.format == "json":
        from workbench.topology.report import topology_to_json

        emit_json(topology_to_json(topo))
    elif args.format == "yaml":
        from workbench.topology.spec import spec_yaml

        sys.stdout.write(spec_yaml(topo))
    else:
        from workbench.topology.report import topology_to_text

        sys.stdout.write(topology_to_text(topo))
    return 0
