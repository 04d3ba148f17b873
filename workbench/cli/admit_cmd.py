"""`workbench admit POD.yaml`: what the kubelet would decide for a pod on this node, and why."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from workbench.cli.common import add_format_option, add_node_options, emit_json, load_node, require_file

POLICIES = ("none", "best-effort", "restricted", "single-numa-node")
SCOPES = ("container", "pod")


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
    p.add_argument("--policy", choices=POLICIES, help="what-if: override topologyManagerPolicy")
    p.add_argument("--scope", choices=SCOPES, help="what-if: override topologyManagerScope")
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.admission.admit import admit
    from workbench.admission.report import decision_to_json, decision_to_text
    from workbench.kube.pod import load_pod

    require_file(args.pod_file, "a pod manifest")
    pod = load_pod(args.pod_file, args.pod)
    node = load_node(args)
    config = node.config
    if args.policy:
        config = replace(config, topology_manager_policy=args.policy)
    if args.scope:
        config = replace(config, topology_manager_scope=args.scope)
    decision = admit(node.topology, config, node.state, pod)
    if args.format == "json":
        emit_json(decision_to_json(decision))
    else:
        sys.stdout.write(decision_to_text(decision, node.topology))
    return 0 if decision.admitted else 1
