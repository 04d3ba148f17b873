"""`workbench demo` / `workbench tui` and bare `workbench`: open the Textual app.

Textual is imported only inside the handlers, so every other command starts without it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.common import add_node_options

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp


def _add_ui_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--theme", metavar="NAME", help="theme name (see themes/; NO_COLOR picks workbench-mono)")
    p.add_argument("--read-only", action="store_true", help="hide and refuse every write")
    p.add_argument("--ascii", action="store_true", help="draw with plain ASCII (no UTF-8 box or glyphs)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser(
        "demo",
        help="open the app on the built-in demo node (pods placed, sandbox cgroup tree in a temp dir)",
        description="Open the TUI on the built-in 2-socket SNC demo node with a few pods already "
        "placed and a sandbox cgroup tree in a temporary directory; nothing on this machine changes.",
    )
    _add_ui_options(demo)
    demo.add_argument(
        "--screenshot",
        metavar="FILE.svg",
        help="save an SVG of the node screen (120x36, headless) and exit, e.g. for a README",
    )
    demo.set_defaults(func=run_demo)
    tui = sub.add_parser("tui", help="open the app (on the live machine, or the node the options name)")
    add_node_options(tui)
    _add_ui_options(tui)
    tui.add_argument(
        "--cgroup-root", metavar="DIR", help="cgroup v2 tree to commit to (default /sys/fs/cgroup)"
    )
    tui.set_defaults(func=run_live)


def _ascii(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "ascii", False))


def run_demo(args: argparse.Namespace) -> int:
    from workbench.cgroups.sandbox import init_sandbox
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.viewmodel.commit import Committer
    from workbench.tui.viewmodel.session import adopt_seeds, decide_seeds, demo_session, seed_demo

    session = demo_session(seed=False)
    with tempfile.TemporaryDirectory(prefix="workbench-demo-") as tmp:
        root = Path(tmp) / "cgroup"
        init_sandbox(root, session.topology)
        committer = None
        if args.read_only:
            session.read_only, session.read_only_reason = True, "--read-only"
        else:
            # The demo's confirm window lives in the app; no watchdog outlives a demo's temp dir.
            committer = Committer(root, Path(tmp) / "journal.db", arm_timer=False, label="demo sandbox")
        session.source = "built-in demo node"
        if args.screenshot:
            seed_demo(session)
            app = WorkbenchApp(session, theme=args.theme, ascii_only=_ascii(args), committer=committer)
            return _screenshot(app, Path(args.screenshot))
        app = WorkbenchApp(
            session,
            theme=args.theme,
            ascii_only=_ascii(args),
            committer=committer,
            after_first_paint=lambda s: partial(adopt_seeds, s, decide_seeds(s.topology, s.config, s.state)),
        )
        app.run()
    return 0


def _screenshot(app: WorkbenchApp, target: Path) -> int:
    import asyncio

    async def shoot() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.save_screenshot(filename=target.name, path=str(target.parent.resolve()))

    target.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(shoot())
    print(target)
    return 0


def _can_write(root: Path) -> bool:
    return os.access(root, os.W_OK) and os.access(root / "cgroup.procs", os.W_OK)


def run_live(args: argparse.Namespace) -> int:
    from workbench.cli.common import load_node
    from workbench.journal.paths import default_journal_path
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.viewmodel.commit import Committer
    from workbench.tui.viewmodel.session import Session

    node = load_node(args)
    session = Session(node.topology, node.config, node.state, source=node.topology.name)
    cg = getattr(args, "cgroup_root", None) or "/sys/fs/cgroup"
    committer = None
    if getattr(args, "read_only", False):
        session.read_only, session.read_only_reason = True, "--read-only"
    elif not _can_write(Path(cg)):
        session.read_only = True
        session.read_only_reason = f"no permission to write cgroups under {cg}"
    else:
        committer = Committer(Path(cg), default_journal_path())
    app = WorkbenchApp(
        session,
        theme=getattr(args, "theme", None),
        ascii_only=_ascii(args),
        committer=committer,
    )
    app.run()
    return 0
