"""Pilot tests of each flow, asserting on state and on the text a user sees."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from screen_text import screen_text
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import build_demo_app

from workbench.cgroups.sandbox import snapshot
from workbench.tui.app import WorkbenchApp
from workbench.tui.viewmodel.scenarios import scenario_pod
from workbench.tui.widgets.draft_editor import DraftEditor, FieldInput

Steps = Callable[[WorkbenchApp, Pilot[None]], Awaitable[None]]


@pytest.fixture(autouse=True, params=["colour", "NO_COLOR"])
def terminal(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every flow twice: on a colour terminal, and with NO_COLOR set (the monochrome theme and
    Textual's no-colour filter), as a user with NO_COLOR exported would start it."""
    if request.param == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return str(request.param)


def run(app: WorkbenchApp, steps: Steps, size: tuple[int, int] = (80, 24)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await steps(app, pilot)

    asyncio.run(main())


def app_wants_mono() -> bool:
    return "NO_COLOR" in os.environ


def field(app: WorkbenchApp, path: str) -> FieldInput:
    box = app.screen.query_one(DraftEditor).field(path)
    assert box is not None, path
    return box


async def set_field(app: WorkbenchApp, pilot: Pilot[None], path: str, value: str) -> None:
    box = field(app, path)
    box.focus()
    box.value = value
    await pilot.pause()


def test_node_screen_grid_cursor_zoom_legend_and_pods(tmp_path: Path) -> None:
    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        text = screen_text(app)
        assert "Socket 0" in text and "Socket 1" in text and "NUMA 3" in text
        assert "× 0" in text  # reserved CPU 0 with its glyph
        assert "CPU 0 · reserved" in text
        await pilot.press("l", "l")
        assert "CPU 2 ·" in screen_text(app)
        await pilot.press("j")
        assert "CPU 34 ·" in screen_text(app)
        await pilot.press("z")
        text = screen_text(app)
        assert "zoomed on NUMA 0" in text and "NUMA 1" not in text
        await pilot.press("z", "L")
        assert "exclusive container" in screen_text(app)
        await pilot.press("n")  # first pod: cursor jumps to it, status names it
        text = screen_text(app)
        assert "shop/web" in text or "analytics/batch" in text or "shop/cache" in text
        assert app.screen.query_one("#grid").highlight  # type: ignore[attr-defined]
        await pilot.press("i")  # at 80 columns: pods, distances and devices instead of the grid
        text = screen_text(app)
        assert "NUMA distances" in text and "Socket 0" not in text
        await pilot.press("i")
        assert "Socket 0" in screen_text(app)

    run(build_demo_app(tmp_path), steps)


def test_wide_layout_shows_pods_distances_and_legend(tmp_path: Path) -> None:
    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        text = screen_text(app)
        for needle in (
            "Pods",
            "shop/web",
            "NUMA distances",
            "10 11 21 21",
            "Legend",
            "pod shared pool",
            "NUMA 0: nic0",
        ):
            assert needle in text, needle

    run(build_demo_app(tmp_path), steps, size=(160, 50))


def test_draft_flow_reject_fix_invalid_field_containers_and_policy_flip(tmp_path: Path) -> None:
    """One session, as a trainer would run it (one app start keeps the suite fast)."""
    app = build_demo_app(tmp_path)
    app.session.load_pod(scenario_pod("empty-shared-pool"))

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        await pilot.press("2")
        await pilot.pause()
        # 1. rejected: every CPU and byte of the budget is exclusive, the sidecar gets nothing
        assert "REJECTED" in screen_text(app)
        decision = app.session.preview(advise=False).decision
        assert decision is not None and not decision.admitted
        await app.workers.wait_for_complete()  # the what-if advice runs in a worker
        await pilot.pause()
        assert "working out" not in screen_text(app)
        # 2. fixed: the app container gives one CPU and 1Gi back to the pod shared pool
        i = [c.name for c in app.session.draft.containers].index("app")
        await set_field(app, pilot, f"c{i}.cpu", "3")
        await set_field(app, pilot, f"c{i}.cpu_limit", "3")
        assert "REJECTED" in screen_text(app)  # memory still leaves the sidecar nothing
        await set_field(app, pilot, f"c{i}.memory", "3Gi")
        await set_field(app, pilot, f"c{i}.memory_limit", "3Gi")
        text = screen_text(app)
        assert "ADMITTED" in text and "REJECTED" not in text
        decision = app.session.preview().decision
        assert decision is not None and decision.admitted
        assert {c.isolation for c in decision.containers} == {"container", "pod"}
        assert "◆" in text  # the placement is drawn on the grid in the preview pattern
        # 3. invalid input is marked on the field, with the reason
        await set_field(app, pilot, "pod.cpu", "lots")
        box = field(app, "pod.cpu")
        assert box.has_class("-invalid")
        text = screen_text(app)
        assert "INVALID DRAFT" in text and "not a valid quantity" in text
        await set_field(app, pilot, "pod.cpu", "4")
        assert not box.has_class("-invalid") and "ADMITTED" in screen_text(app)
        # 4. add a sidecar, then remove it again (command keys work once out of the field)
        before = len(app.session.draft.containers)
        await pilot.press("escape", "s")
        await pilot.pause()
        assert len(app.session.draft.containers) == before + 1
        assert app.session.draft.containers[-1].kind == "sidecar"
        await pilot.press("escape", "x")
        await pilot.pause()
        assert len(app.session.draft.containers) == before
        # 5. the pod too big for one NUMA node: restricted admits, single-numa-node rejects
        app.load_scenario("too-big-for-one-numa")
        await pilot.pause()
        verdicts = {}
        for _ in range(4):  # every policy once, re-decided at once
            decision = app.session.preview().decision
            assert decision is not None
            verdicts[app.session.config.topology_manager_policy] = decision.admitted
            assert ("ADMITTED" if decision.admitted else "REJECTED") in screen_text(app)
            await pilot.press("p")
            await pilot.pause()
        assert verdicts["single-numa-node"] is False
        assert verdicts["restricted"] is True

    run(app, steps, size=(160, 50))


def test_commit_is_dry_run_until_confirmed_then_confirm_and_roll_back(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path)
    tree = tmp_path / "cgroup"

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        before = snapshot(tree)
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert "DRY RUN" in text and "writes" in text
        assert snapshot(tree) == before  # planning wrote nothing
        await pilot.press("a")
        await pilot.pause()
        assert "Apply" in screen_text(app) and "y = yes" in screen_text(app)
        await pilot.press("n")  # declining writes nothing
        await pilot.pause()
        assert snapshot(tree) == before
        await pilot.press("a", "y")
        await pilot.pause()
        after = snapshot(tree)
        assert after != before
        decision = app.session.preview().decision
        assert decision is not None and decision.pod is not None
        on_disk = {v.strip() for v in after.values()}
        assert str(decision.pod.cpus) in on_disk  # the pod's cpuset is on disk, read back
        text = screen_text(app)
        assert "waiting for confirmation" in text and "read back" in text
        await pilot.press("y")  # confirm
        await pilot.pause()
        assert app.committer is not None and app.committer.pending is None
        assert "db/postgres" in app.session.placed
        await pilot.press("4")
        await pilot.pause()
        assert "confirmed" in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert "rolled_back" in screen_text(app)
        assert snapshot(tree) != after

    run(app, steps, size=(120, 40))


def test_unconfirmed_commit_rolls_back_by_itself(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path, confirm_seconds=0.5)
    tree = tmp_path / "cgroup"

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("a", "y")
        await pilot.pause()
        assert app.committer is not None
        assert len(app.committer.history()) == 1  # applied (its window may already be closing)
        # The journal's timer (a watchdog process) rolls it back; the screen sees it happen.
        for _ in range(150):
            if app.committer.pending is None:
                break
            await pilot.pause(0.2)
        assert app.committer.pending is None
        assert "transaction 1: rolled_back (not confirmed in time" in screen_text(app)
        txn = app.committer.history()[0][0]
        assert txn.state == "rolled_back" and txn.reason.startswith("not confirmed in time")
        assert "db/postgres" not in app.session.placed
        assert tree.exists()

    run(app, steps, size=(120, 40))


def test_the_confirm_window_does_not_need_the_app(tmp_path: Path) -> None:
    """Apply, then quit at once: the change still rolls back when its window closes."""
    from workbench.cgroups.sandbox import snapshot as tree_state
    from workbench.services.journal_query import history

    app = build_demo_app(tmp_path, confirm_seconds=1.0)
    tree = tmp_path / "cgroup"
    before = tree_state(tree)

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("a", "y")
        await pilot.pause()
        assert app.committer is not None and app.committer.pending is not None
        await pilot.press("q")

    run(app, steps, size=(120, 40))
    assert tree_state(tree) != before  # applied, and nobody confirmed it
    for _ in range(150):
        txn = history(tmp_path / "journal.db")[0][0]
        if txn.state == "rolled_back":
            break
        time.sleep(0.2)
    assert txn.state == "rolled_back" and txn.reason.startswith("not confirmed in time")
    assert tree_state(tree) == before


def test_read_only_hides_and_refuses_every_write(tmp_path: Path) -> None:
    """`--read-only` reaches the app as the flag; the app drops every write path itself."""
    tree = tmp_path / "cgroup"

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        assert app.session.read_only and app.session.read_only_reason == "--read-only"
        assert "READ-ONLY (--read-only)" in screen_text(app)
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert "READ-ONLY" in text and "Apply" not in text
        await pilot.press("a", "y")
        await pilot.pause()
        assert app.committer is None
        await pilot.press("4")
        await pilot.pause()
        assert "Roll back" not in screen_text(app)

    app = build_demo_app(tmp_path, read_only=True)
    before = snapshot(tree)
    run(app, steps)
    assert snapshot(tree) == before  # nothing written to the tree
    assert not (tmp_path / "journal.db").exists()  # and no journal


def test_a_tree_that_refuses_writes_opens_read_only_with_the_reason(tmp_path: Path) -> None:
    """No --read-only, but the cgroup root is no cgroup v2 tree: the app decides read-only."""
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.viewmodel.commit import Committer
    from workbench.tui.viewmodel.session import demo_session

    plain = tmp_path / "not-a-cgroup"
    plain.mkdir()
    (plain / "cgroup.procs").write_text("")
    app = WorkbenchApp(demo_session(), committer=Committer(plain, tmp_path / "j.db"), keymap_paths=[])

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        assert app.session.read_only and app.committer is None
        assert "not" in app.session.read_only_reason and str(plain) in app.session.read_only_reason
        assert "READ-ONLY" in screen_text(app)
        await pilot.press("3")
        await pilot.pause()
        assert "Apply" not in screen_text(app)

    run(app, steps, size=(160, 50))
    assert sorted(p.name for p in plain.iterdir()) == ["cgroup.procs"]
    assert not (tmp_path / "j.db").exists()


def test_help_lists_every_binding_with_its_id(tmp_path: Path) -> None:
    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for bid in ("app.quit", "grid.zoom", "node.filter", "app.palette"):
            assert bid in text
        await pilot.press("escape")
        await pilot.pause()
        assert "app.quit" not in screen_text(app)

    run(build_demo_app(tmp_path), steps, size=(120, 60))


def test_filter_highlights_matching_pods(tmp_path: Path) -> None:
    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash")
        await pilot.press(*"cache")
        await pilot.pause()
        grid = app.screen.query_one("#grid")
        owners = app.session.owners()
        cache = {c for c, o in owners.items() if o.label == "shop/cache"}
        assert set(grid.highlight) == cache  # type: ignore[attr-defined]
        assert "shop/web" not in screen_text(app)
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert not grid.highlight  # type: ignore[attr-defined]

    run(build_demo_app(tmp_path), steps, size=(160, 50))


def test_theme_switch_and_quit(tmp_path: Path) -> None:
    # NO_COLOR (when this suite runs under it) starts the monochrome theme instead.
    first = "workbench-mono" if app_wants_mono() else "workbench-dark"

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        assert app.theme == first
        await pilot.press("T")
        assert app.theme != first and app.theme.startswith("workbench-")
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    run(build_demo_app(tmp_path), steps)


def test_no_color_picks_the_monochrome_theme(tmp_path: Path, terminal: str) -> None:
    app = build_demo_app(tmp_path)
    assert app.theme == ("workbench-mono" if terminal == "NO_COLOR" else "workbench-dark")
    assert app.no_color is (terminal == "NO_COLOR")


def test_keymap_file_remaps_a_binding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app finds the user's keymap itself ($XDG_CONFIG_HOME/workbench/keymap.toml)."""
    config = tmp_path / "config"
    (config / "workbench").mkdir(parents=True)
    (config / "workbench" / "keymap.toml").write_text('[keymap]\n"grid.zoom" = "Z"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    app = build_demo_app(tmp_path, user_keymap=True)

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        assert app.session.notices == []  # the file was read without a problem
        await pilot.press("z")
        assert "zoomed" not in screen_text(app)
        await pilot.press("Z")
        assert "zoomed on NUMA" in screen_text(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert any(row[:2] == ("Z", "grid.zoom") for row in app.binding_rows())

    run(app, steps)


def test_open_a_scenario_and_save_the_draft_as_yaml(tmp_path: Path) -> None:
    target = tmp_path / "saved.yaml"

    async def steps(app: WorkbenchApp, pilot: Pilot[None]) -> None:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("O")
        await pilot.pause()
        assert "scenario: ml-trainer" in screen_text(app)
        await pilot.press("down", "enter")  # the second entry: ml-trainer
        await pilot.pause()
        assert app.session.draft.name == "ml-trainer"
        assert "ml-trainer" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        box = app.screen.query_one("#path", Input)
        box.value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        from workbench.kube.pod import load_pod

        saved = load_pod(target)
        assert saved.name == "ml-trainer" and [c.name for c in saved.init_containers] == ["mesh-proxy"]
        assert saved.resources == app.session.preview().result.pod.resources  # type: ignore[union-attr]

    run(build_demo_app(tmp_path), steps, size=(120, 40))
