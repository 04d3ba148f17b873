"""`workbench demo`: the app on the built-in demo node (pods placed, a sandbox cgroup tree in a
temporary directory; nothing on this machine changes). Textual loads only in the handler."""

from __future__ import annotations

import argparse

from workbench.cli.tui import add_fleet_options, add_ui_options, run_fleet

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="open the app on the built-in demo node (pods placed, sandbox cgroup tree in a temp dir)",
        description="Open the TUI on the built-in 2-socket SNC demo node with a few pods already "
        "placed and a sandbox cgroup tree in a temporary directory; nothing on this machine changes.",
    )
    add_ui_options(demo)
    demo.add_argument(
        "--screenshot",
        metavar="FILE.svg",
        help="save an SVG of the node screen (120x36, headless) and exit, e.g. for a README",
    )
    demo.add_argument(
        "--bundle",
        metavar="FILE",
        help="open a capture bundle instead (read-only), e.g. one of fixtures/bundles/",
    )
    add_fleet_options(demo)
    demo.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.tui.launch import run_demo, run_live

    if args.bundles:
        return run_fleet(args)
    if args.bundle:
        from workbench.cli.common import node_source

        return run_live(
            node_source(args), cgroup_root=None, read_only=True, theme=args.theme, ascii_only=args.ascii
        )

    return run_demo(
        read_only=args.read_only,
        theme=args.theme,
        ascii_only=args.ascii,
        screenshot=Path(args.screenshot) if args.screenshot else None,
    )
