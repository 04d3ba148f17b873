"""`workbench commit POD.yaml`: the cgroup writes that give a pod its placement, as a diff, or
written with --apply (journaled first, read back after, undone on any failure)."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import (
    add_format_option,
    add_journal_option,
    add_node_options,
    add_wait_option,
    emit,
    journal_path,
    node_source,
    warn,
    write_text,
)
from workbench.services.choices import DEFAULT_PARENT, LAYOUTS

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    c: argparse.ArgumentParser = sub.add_parser(
        "commit",
        help="turn a pod's admission decision into cgroup writes: show the diff, or --apply it",
        description=(
            "Plan the cgroup v2 writes that give POD the placement the kubelet would decide, and "
            "print them as a diff (path: old -> new). Nothing is written without --apply; with it, "
            "each write is journaled first, read back after, and undone on any failure. "
            "Exit 0 planned/applied, 1 rejected or not applied, 2 bad input."
        ),
    )
    c.add_argument("pod_file", metavar="POD.yaml", help="a Pod or workload manifest; - reads stdin")
    c.add_argument("--pod", metavar="NAME", help="which pod, when the file holds several")
    add_node_options(c)
    c.add_argument(
        "--cgroup-root",
        required=True,
        metavar="DIR",
        help="the cgroup v2 root (only paths under it are written)",
    )
    c.add_argument("--layout", choices=LAYOUTS, default="standalone")
    c.add_argument(
        "--parent", default=DEFAULT_PARENT, metavar="CGROUP", help="standalone layout: parent cgroup"
    )
    c.add_argument(
        "--attach",
        action="append",
        metavar="CONTAINER=PID",
        help="standalone: move PID into the container's cgroup",
    )
    c.add_argument(
        "--container-id", action="append", metavar="NAME=ID", help="kubelet layouts: a container's runtime ID"
    )
    c.add_argument("--apply", action="store_true", help="write the plan (default: dry run)")
    c.add_argument("--force", action="store_true", help="apply even a memory.max below current usage")
    c.add_argument(
        "--confirm-within",
        metavar="DURATION",
        help="roll back unless `workbench confirm` comes in time (e.g. 2m)",
    )
    add_journal_option(c)
    add_wait_option(c)
    add_format_option(c)
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services import commit_pod as cp
    from workbench.services.commit import CgroupTarget
    from workbench.services.transactions import JournalAccess, recovery_lines

    request = cp.CommitRequest(
        pod_file=args.pod_file,
        pod_name=args.pod,
        source=node_source(args),
        target=CgroupTarget(
            Path(args.cgroup_root),
            layout=args.layout,
            parent=args.parent,
            attach=cp.parse_attach(args.attach),
            container_ids=cp.parse_pairs(args.container_id, "--container-id", "ID"),
            force=args.force,
        ),
        journal=JournalAccess(journal_path(args), wait=args.wait, report_waiting=True),
        apply=args.apply,
        confirm_within=args.confirm_within,
    )
    outcome = cp.prepare_commit(request)
    if args.format != "json":
        # The plan is on screen before anything is written (or the lock is waited for).
        write_text(cp.plan_text(outcome))
        sys.stdout.flush()
    outcome = cp.finish_commit(outcome)
    if outcome.applied is not None:
        warn(recovery_lines(outcome.applied.recovered))
    emit(args.format, outcome, cp.commit_json, cp.result_text)
    return outcome.exit_code
