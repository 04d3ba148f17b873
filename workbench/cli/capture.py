"""`workbench capture OUT.tar.gz`: one file with everything the workbench reads from a node
(sysfs topology files, kubelet config and checkpoints, the cgroup tree with counter samples,
/proc/stat samples, host facts, a manifest with sha256), for `--bundle` anywhere else."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_format_option, add_node_options, emit, node_source

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "capture",
        help="capture the node into one bundle file (open it elsewhere with --bundle)",
        description=(
            "Write OUT (a .tar.gz) holding what the workbench reads from the node the options name: "
            "the sysfs topology files, the kubelet's config and checkpoint files, the cgroup tree's "
            "settings and N samples of its counters, /proc/stat samples, kernel release, boot id, "
            "hostname, time, and a manifest with each file's source path and sha256. No "
            "environment, command lines or process names (unless --with-processes)."
        ),
    )
    p.add_argument("out", metavar="OUT.tar.gz", help="the bundle to write")
    add_node_options(p)
    p.add_argument(
        "--cgroup-root",
        metavar="DIR",
        help="cgroup v2 tree to capture (default: /sys/fs/cgroup on this machine)",
    )
    p.add_argument(
        "--proc-root", metavar="DIR", help="directory holding stat (default: /proc on this machine)"
    )
    p.add_argument("--samples", type=int, default=3, metavar="N", help="counter samples to take (default 3)")
    p.add_argument(
        "--interval", type=float, default=1.0, metavar="S", help="seconds between samples (default 1)"
    )
    p.add_argument(
        "--with-processes", action="store_true", help="also keep each cgroup's PIDs and process names"
    )
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services import bundle_capture as bc

    result = bc.capture(
        bc.CaptureRequest(
            out=Path(args.out),
            source=node_source(args),
            cgroup_root=Path(args.cgroup_root) if args.cgroup_root else None,
            proc_root=Path(args.proc_root) if args.proc_root else None,
            samples=args.samples,
            interval=args.interval,
            with_processes=args.with_processes,
        )
    )
    emit(args.format, result, bc.captured_json, bc.captured_text)
    return 0
