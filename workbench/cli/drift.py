"""`workbench drift`: the kubelet's checkpoint and our journal against the live cgroups."""

from __future__ import annotations

import argparse

from workbench.cli.common import (
    add_bundle_option,
    add_format_option,
    add_journal_option,
    add_node_options,
    emit,
    journal_path,
    node_source,
)
from workbench.services.choices import KUBELET_DRIVERS

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    d = sub.add_parser(
        "drift",
        help="compare the kubelet's checkpoint and our journal with the live cgroups (exit 1 if drift)",
    )
    add_node_options(d)
    add_bundle_option(d)
    d.add_argument("--cgroup-root", metavar="DIR", help="the cgroup tree (a bundle brings its own)")
    d.add_argument("--layout", choices=KUBELET_DRIVERS, default="systemd", help="the kubelet's cgroup driver")
    add_journal_option(d)
    add_format_option(d)
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services import drift

    report = drift.check_drift(
        Path(args.cgroup_root) if args.cgroup_root else None,
        node_source(args),
        driver=args.layout,
        journal_path=journal_path(args),
    )
    emit(args.format, report, drift.drift_json, drift.drift_text)
    return report.exit_code
