"""`workbench tui` and bare `workbench`: the app on the live machine or the node the options
name; it starts read-only when it cannot write the cgroup tree. Textual loads only in the handler."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_bundle_option, add_node_options, node_source

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def add_ui_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--theme",
        metavar="NAME",
        help="theme by name or file name: workbench-light, light or themes/light.toml (T cycles "
        "them in the app; NO_COLOR picks workbench-mono)",
    )
    p.add_argument("--read-only", action="store_true", help="hide and refuse every write")
    p.add_argument("--ascii", action="store_true", help="draw with plain ASCII (no UTF-8 box or glyphs)")


def register(sub: Any) -> None:
    tui = sub.add_parser("tui", help="open the app (on the live machine, or the node the options name)")
    add_node_options(tui)
    add_bundle_option(tui)
    add_ui_options(tui)
    tui.add_argument(
        "--cgroup-root", metavar="DIR", help="cgroup v2 tree to commit to (default /sys/fs/cgroup)"
    )
    add_fleet_options(tui)
    tui.set_defaults(func=run)


def add_fleet_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bundles",
        nargs="+",
        metavar="DIR_OR_FILE",
        help="several capture bundles (files or directories of them): start on the Fleet screen",
    )
    p.add_argument("--pod", metavar="POD.yaml", help="with --bundles: the pod to draft (default the demo's)")


def run_fleet(args: argparse.Namespace) -> int:
    """`--bundles` (with any `--bundle`): the Fleet screen over them."""
    from pathlib import Path

    from workbench.tui.launch import run_bundles

    paths = [Path(args.bundle)] if getattr(args, "bundle", None) else []
    return run_bundles(
        paths + [Path(b) for b in args.bundles],
        pod_file=args.pod,
        theme=getattr(args, "theme", None),
        ascii_only=bool(getattr(args, "ascii", False)),
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.tui.launch import run_live

    if getattr(args, "bundles", None):
        return run_fleet(args)
    root = getattr(args, "cgroup_root", None)
    return run_live(
        node_source(args),
        cgroup_root=Path(root) if root else None,
        read_only=bool(getattr(args, "read_only", False)),
        theme=getattr(args, "theme", None),
        ascii_only=bool(getattr(args, "ascii", False)),
    )
