"""`workbench sandbox init DIR`: a directory the tool treats as a cgroup v2 root (no root needed)."""

from __future__ import annotations

import argparse

from workbench.cli.common import node_source, write_text

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    s = sub.add_parser("sandbox", help="a directory the tool treats as a cgroup v2 root (no root needed)")
    ssub = s.add_subparsers(dest="sandbox_command", metavar="COMMAND", required=True)
    si = ssub.add_parser("init", help="make DIR a sandbox cgroup v2 root for a node topology")
    si.add_argument("dir", metavar="DIR")
    src = si.add_mutually_exclusive_group()
    src.add_argument("--topology", metavar="FILE", help="a topology spec YAML (default: the demo node)")
    src.add_argument("--demo", action="store_true", help="the built-in demo node")
    si.add_argument(
        "--memory-below-current", choices=("ebusy", "oom"), default="ebusy", help="how the model answers"
    )
    si.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services import sandbox

    box = sandbox.init_sandbox(
        Path(args.dir), node_source(args), memory_below_current=args.memory_below_current
    )
    write_text(sandbox.sandbox_text(box))
    return 0
