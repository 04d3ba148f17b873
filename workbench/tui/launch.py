"""Opening the app: on the demo node with its sandbox, or on the node a source names. The app
itself decides whether it may write (`WorkbenchApp(read_only=...)`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.services.source import NodeSource

if TYPE_CHECKING:
    from workbench.services.demo import DemoSandbox
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.viewmodel.session import Session

LIVE_CGROUP_ROOT = Path("/sys/fs/cgroup")


def demo_app(
    session: Session,
    sandbox: DemoSandbox,
    *,
    read_only: bool = False,
    theme: str | None = None,
    ascii_only: bool = False,
    keymap_paths: Iterable[Path] | None = None,
    confirm_seconds: float | None = None,
    seed_after_paint: bool = False,
) -> WorkbenchApp:
    """The app as `workbench demo` opens it, committing into `sandbox`."""
    from workbench.services.demo import decide_seeds
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.viewmodel.commit import CONFIRM_SECONDS, Committer
    from workbench.tui.viewmodel.session import adopt_seeds

    committer = Committer(
        sandbox.cgroup_root,
        sandbox.journal_path,
        confirm_seconds=CONFIRM_SECONDS if confirm_seconds is None else confirm_seconds,
        label=sandbox.label,
    )
    session.source = "built-in demo node"
    return WorkbenchApp(
        session,
        theme=theme,
        ascii_only=ascii_only,
        keymap_paths=keymap_paths,
        committer=committer,
        read_only=read_only,
        after_first_paint=(
            (lambda s: partial(adopt_seeds, s, decide_seeds(s.topology, s.config, s.state)))
            if seed_after_paint
            else None
        ),
    )


def run_demo(*, read_only: bool, theme: str | None, ascii_only: bool, screenshot: Path | None) -> int:
    import gc

    from workbench.services.demo import demo_sandbox
    from workbench.tui.viewmodel.session import demo_session, seed_demo

    # No cyclic collection until the first screen is drawn (`screens.base.settle_heap` turns it
    # back on): almost nothing the start-up allocates (Textual, the stylesheet, the widgets, the
    # node) is garbage, yet the collector walked it ~140 times, once in full (60-70 ms of a
    # 0.4-0.6 s first paint on a loaded machine; a bare Textual app stays under a full pass).
    gc.disable()
    try:
        session = demo_session(seed=False)
        with demo_sandbox(session.topology) as box:
            if screenshot is not None:
                seed_demo(session)
                app = demo_app(session, box, read_only=read_only, theme=theme, ascii_only=ascii_only)
                return _screenshot(app, screenshot)
            app = demo_app(
                session, box, read_only=read_only, theme=theme, ascii_only=ascii_only, seed_after_paint=True
            )
            app.run()
    finally:
        gc.enable()  # also when no screen was drawn (the app failed to start)
    return exit_code(app)


def _screenshot(app: WorkbenchApp, target: Path) -> int:
    import asyncio

    async def shoot() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.save_screenshot(filename=target.name, path=str(target.parent.resolve()))

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(shoot())
    except Exception as exc:  # whatever stopped the app: one line, not a traceback
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = lines[0] if lines else type(exc).__name__
        print(f"workbench demo: the app could not start: {reason}", file=sys.stderr)
        target.unlink(missing_ok=True)  # a picture of a broken start is no screenshot
        return 1
    if app.return_code:
        target.unlink(missing_ok=True)
        return app.return_code
    print(target)
    return 0


def run_live(
    source: NodeSource,
    *,
    cgroup_root: Path | None,
    read_only: bool,
    theme: str | None,
    ascii_only: bool,
) -> int:
    """The node `source` names (this machine by default), committing to `cgroup_root`."""
    app = live_app(source, cgroup_root=cgroup_root, read_only=read_only, theme=theme, ascii_only=ascii_only)
    app.run()
    return exit_code(app)


def exit_code(app: WorkbenchApp) -> int:
    """Textual prints why the app could not start (a stylesheet error, an exception in a
    handler) and sets a return code; the shell must see that failure, not 0."""
    return app.return_code or 0


def live_app(
    source: NodeSource,
    *,
    cgroup_root: Path | None = None,
    read_only: bool = False,
    theme: str | None = None,
    ascii_only: bool = False,
) -> WorkbenchApp:
    """The app on the node `source` names; a bundle opens read-only with no tree to write."""
    from workbench.errors import InputError
    from workbench.services.source import load_node, read_only_reason
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.viewmodel.commit import Committer
    from workbench.tui.viewmodel.session import Session

    offline = read_only_reason(source)
    if offline and cgroup_root is not None:
        raise InputError("a bundle is opened read-only", fix="drop --cgroup-root")
    node = load_node(source)
    session = Session(node.topology, node.config, node.state, source=node.topology.name)
    committer = None if offline else Committer(cgroup_root or LIVE_CGROUP_ROOT)
    app = WorkbenchApp(
        session, theme=theme, ascii_only=ascii_only, committer=committer, read_only=read_only or bool(offline)
    )
    if offline:
        session.read_only_reason = offline
    return app


def fleet_app(
    paths: Iterable[Path],
    *,
    pod_file: str | None = None,
    theme: str | None = None,
    ascii_only: bool = False,
) -> WorkbenchApp:
    """The app on several bundles, starting on the Fleet screen; the draft holds `pod_file`'s
    pod (default: the demo's PostgreSQL scenario), the pod whose verdict the fleet shows."""
    from workbench.errors import InputError
    from workbench.services.demo_pods import scenario_pod
    from workbench.services.fleet_view import open_fleet
    from workbench.services.pods import load_pod_file
    from workbench.tui.fleet_app import FleetApp, node_session
    from workbench.tui.viewmodel.session import Session

    pod = load_pod_file(pod_file) if pod_file else scenario_pod("postgres")
    nodes = open_fleet(paths)
    first = next((n for n in nodes if n.node is not None), None)
    if first is None:
        raise InputError("no bundle could be read", source=nodes[0].error, fix="capture the nodes again")
    assert first.node is not None
    blank = Session(first.node.topology, first.node.config, first.node.state)
    blank.load_pod(pod)
    return FleetApp(node_session(first, blank), nodes, theme=theme, ascii_only=ascii_only)


def run_bundles(paths: list[Path], *, pod_file: str | None, theme: str | None, ascii_only: bool) -> int:
    """`--bundles`: one bundle opens as `--bundle` does, several on the Fleet screen."""
    from workbench.services.fleet_nodes import bundle_files

    found = bundle_files(paths)
    if len(found) == 1:
        app = live_app(NodeSource(bundle=found[0]), read_only=True, theme=theme, ascii_only=ascii_only)
        if pod_file:
            from workbench.services.pods import load_pod_file

            app.session.load_pod(load_pod_file(pod_file))
    else:
        app = fleet_app(found, pod_file=pod_file, theme=theme, ascii_only=ascii_only)
    app.run()
    return exit_code(app)
