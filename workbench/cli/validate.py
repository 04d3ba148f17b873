"""`workbench validate FILE...`: pods (and pod templates) checked as the API server would, and
kubelet configurations as the kubelet does at start, every problem with its file and field path.
Exit 0: nothing wrong (warnings only, unless --strict); 1: problems; 2: a file could not be read."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_format_option, add_topology_options, emit, node_source, warn

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "validate",
        help="check pod manifests and kubelet configs for problems",
        description="Check pods (and workload pod templates) as the API server would, and "
        "KubeletConfiguration files as the kubelet does at start. '-' reads stdin.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files (pods, workloads, kubelet configs)")
    p.add_argument("--strict", action="store_true", help="warnings also make the exit code 1")
    add_topology_options(p)
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import validation

    result = validation.validate_files(args.files, node_source(args), strict=args.strict)
    if result.unreadable_line is not None:
        # Exit 2 always says why on stderr in one line, -o json too (the document lists all).
        warn([result.unreadable_line])
    emit(args.format, result, validation.validation_json, validation.validation_text)
    return result.exit_code
