"""`workbench admit POD.yaml`: what the kubelet would decide for a pod on this node, and why."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_bundle_option, add_format_option, add_node_options, emit, node_source
from workbench.services.choices import POLICIES, SCOPES

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "admit",
        help="preview the kubelet's admission of a pod (verdict, NUMA hints, CPUs, cpu.max)",
        description=(
            "Decide what the kubelet would do with POD on this node: admit or reject (reason and "
            "message), the topology hints, each container's CPUs, memory nodes and cpu.max. "
            "Exit 0 admitted, 1 rejected, 2 bad input."
        ),
    )
    p.add_argument("pod_file", metavar="POD.yaml", help="a Pod or workload manifest; - reads stdin")
    p.add_argument("--pod", metavar="NAME", help="which pod, when the file holds several")
    add_node_options(p)
    add_bundle_option(p)
    p.add_argument("--policy", choices=POLICIES, help="what-if: override topologyManagerPolicy")
    p.add_argument("--scope", choices=SCOPES, help="what-if: override topologyManagerScope")
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import admit

    result = admit.admit_file(
        args.pod_file, node_source(args), pod_name=args.pod, policy=args.policy, scope=args.scope
    )
    emit(args.format, result, admit.admit_json, admit.admit_text)
    return 0 if result.decision.admitted else 1
