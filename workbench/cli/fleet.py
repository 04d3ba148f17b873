"""`workbench fleet admit POD.yaml --bundles DIR_OR_FILES...`: the kubelet's verdict for a pod on
every captured node (each with its own kubelet config and allocations), and which node keeps
the most room on one NUMA node. Exit 0 some node admits it, 1 none does, 2 bad input."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_format_option, emit, warn

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    fleet = sub.add_parser(
        "fleet", help="what-if over many captured nodes (capture bundles): which would admit a pod"
    )
    actions = fleet.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)
    p: argparse.ArgumentParser = actions.add_parser(
        "admit",
        help="which captured nodes would admit a pod, and which keeps the most room",
        description="For each bundle (`workbench capture`): the kubelet's verdict for POD with that "
        "node's kubelet configuration and current allocations, the NUMA nodes it would take, the "
        "reason when rejected, and the room left on its roomiest NUMA node.",
    )
    p.add_argument("pod_file", metavar="POD.yaml", help="a Pod or workload manifest; - reads stdin")
    p.add_argument("--pod", metavar="NAME", help="which pod, when the file holds several")
    p.add_argument(
        "--bundles",
        nargs="+",
        required=True,
        metavar="DIR_OR_FILE",
        help="bundle files or directories of them",
    )
    add_format_option(p)
    p.set_defaults(func=run_admit)
    t: argparse.ArgumentParser = actions.add_parser(
        "top",
        help="pools across captured nodes, most throttled first",
        description="Every pool (exclusive container, pod shared pool, node shared pool) of every "
        "bundle over its capture's span (first sample to last), sorted by throttled share.",
    )
    t.add_argument(
        "--bundles",
        nargs="+",
        required=True,
        metavar="DIR_OR_FILE",
        help="bundle files or directories of them",
    )
    add_format_option(t)
    t.set_defaults(func=run_top)


def run_admit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services import fleet

    result = fleet.fleet_admit(args.pod_file, [Path(b) for b in args.bundles], pod_name=args.pod)
    emit(args.format, result, fleet.fleet_json, fleet.fleet_text)
    warn(result.errors)
    return result.exit_code


def run_top(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services import fleet_top

    result = fleet_top.fleet_top([Path(b) for b in args.bundles])
    emit(args.format, result, fleet_top.fleet_top_json, fleet_top.fleet_top_text)
    warn(result.errors)
    return result.exit_code
