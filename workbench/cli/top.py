"""`workbench top`: live CPU, throttling and NUMA memory per exclusive container, pod shared pool
and node pool, as text or JSON (presentation only: the figures come from services.usage)."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.common import add_bundle_option, add_format_option, add_node_options, emit, node_source

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    t: argparse.ArgumentParser = sub.add_parser(
        "top",
        help="live usage, throttling and NUMA memory per owner (exclusive, pod shared, node pool)",
        description=(
            "Sample the cgroups of every pod (standalone, kubelet systemd and cgroupfs layouts) and "
            "/proc/stat, and show per owner of CPUs: capacity, usage, headroom, throttled share, "
            "CPU pressure, which limit binds, memory per NUMA node, and findings. Only reads. "
            "--once takes two samples --interval apart and prints one report."
        ),
    )
    add_node_options(t)
    add_bundle_option(t)
    t.add_argument("--cgroup-root", metavar="DIR", help="cgroup v2 root to read (default /sys/fs/cgroup; "
                   "with --demo and none: the demo's own sandbox with a synthetic load)")  # fmt: skip
    t.add_argument("--proc-root", metavar="DIR", help="a directory holding stat (default /proc)")
    t.add_argument(
        "--parent", default="workbench.slice", metavar="CGROUP", help="standalone layout: parent cgroup"
    )
    t.add_argument("--once", action="store_true", help="two samples --interval apart, one report")
    t.add_argument(
        "--interval", type=float, default=1.0, metavar="S", help="seconds between samples (default 1)"
    )
    t.add_argument(
        "--count", type=int, default=0, metavar="N", help="stop after N reports (default: run until ^C)"
    )
    t.add_argument("--tasks", action="store_true", help="name the tasks behind foreign work (scans /proc)")
    add_format_option(t)
    t.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services.usage import UsageRequest, open_usage, top_once
    from workbench.services.usage_render import usage_json, usage_text

    request = UsageRequest(
        node_source(args),
        cgroup_root=Path(args.cgroup_root) if args.cgroup_root else None,
        proc_root=Path(args.proc_root) if args.proc_root else None,
        interval_s=args.interval,
        parent=args.parent,
        tasks=args.tasks,
    )
    if request.source.bundle is not None:
        from workbench.services.bundle_replay import replay_reports

        # A capture replays its samples: one report per interval (the first with --once).
        for replayed in replay_reports(request)[: 1 if args.once else args.count or None]:
            emit(args.format, replayed, usage_json, lambda r: usage_text(r) + "\n")
        return 0
    if args.once:
        emit(args.format, top_once(request), usage_json, usage_text)
        return 0
    import time

    shown = 0
    with open_usage(request) as session:
        session.tick()
        while not args.count or shown < args.count:
            time.sleep(request.interval_s)
            report = session.tick()
            if report is None:
                continue
            if args.format == "json":
                import json

                sys.stdout.write(json.dumps(usage_json(report)) + "\n")
            else:
                if sys.stdout.isatty():
                    sys.stdout.write("\x1b[H\x1b[2J")
                sys.stdout.write(usage_text(report) + "\n")
            sys.stdout.flush()
            shown += 1
    return 0
