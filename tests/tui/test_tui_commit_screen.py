"""The Commit screen's own logic against a fake commit backend (nothing written, no journal):
which keys it offers in which state, what it says when the backend refuses or fails, and that a
confirmed commit joins the node."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from fake_backend import FakeCommitter
from screen_text import screen_text
from textual.pilot import Pilot

from workbench.cgroups.sandbox import init_sandbox, snapshot
from workbench.tui.app import WorkbenchApp
from workbench.tui.backend import CommitBackend
from workbench.tui.viewmodel.session import demo_session


def app_with(tmp_path: Path, **fake: str) -> tuple[WorkbenchApp, FakeCommitter]:
    session = demo_session()
    session.show_timing = False
    init_sandbox(tmp_path / "cg", session.topology)
    backend = FakeCommitter(tmp_path / "cg", **fake)  # type: ignore[arg-type]
    committer: CommitBackend = backend  # the fake is a CommitBackend (mypy checks it here)
    return WorkbenchApp(session, committer=committer, keymap_paths=[]), backend


def run(app: WorkbenchApp, steps: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
            await steps(pilot)

    asyncio.run(main())


def test_apply_confirm_and_the_node_takes_the_pod(tmp_path: Path) -> None:
    app, fake = app_with(tmp_path)
    before = snapshot(tmp_path / "cg")

    async def steps(pilot: Pilot[None]) -> None:
        text = screen_text(app)
        assert "DRY RUN" in text and "a Apply…" in text and "y Confirm" not in text
        await pilot.press("a", "y")
        await pilot.pause()
        text = screen_text(app)
        assert "waiting for confirmation" in text and "recovered nothing" in text
        assert "y Confirm" in text and "r Roll back" in text and "a Apply…" not in text
        await pilot.press("y")
        await pilot.pause()
        assert "transaction 1 confirmed" in screen_text(app)

    run(app, steps)
    assert [c for c in fake.calls if not c.startswith("plan")] == ["apply tui: db/postgres", "confirm 1"]
    assert "db/postgres" in app.session.placed
    assert snapshot(tmp_path / "cg") == before  # the fake wrote nothing; planning neither


def test_a_failed_apply_is_said_and_nothing_is_pending(tmp_path: Path) -> None:
    app, fake = app_with(tmp_path, fail_apply="transaction 7 not applied: disk full")

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("a", "y")
        await pilot.pause()
        text = screen_text(app)
        assert "apply failed: transaction 7 not applied: disk full" in text
        assert "a Apply…" in text and "y Confirm" not in text

    run(app, steps)
    assert fake.pending is None and "db/postgres" not in app.session.placed


def test_a_window_closed_elsewhere_is_seen_by_the_countdown(tmp_path: Path) -> None:
    app, fake = app_with(tmp_path)

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("a", "y")
        await pilot.pause()
        fake.outcome = "transaction 1: rolled_back (not confirmed in time)"
        for _ in range(50):  # the countdown ticks once a second
            if fake.pending is None:
                break
            await pilot.pause(0.1)
        await pilot.pause()
        assert "transaction 1: rolled_back (not confirmed in time)" in screen_text(app)

    run(app, steps)
    assert "db/postgres" not in app.session.placed


def test_a_backend_that_refuses_writes_makes_the_app_read_only(tmp_path: Path) -> None:
    app, fake = app_with(tmp_path, refuse="not a cgroup v2 tree")

    async def steps(pilot: Pilot[None]) -> None:
        text = screen_text(app)
        assert "READ-ONLY" in text and "Apply" not in text
        await pilot.press("a", "y")
        await pilot.pause()

    run(app, steps)
    assert app.committer is None and app.session.read_only_reason == "not a cgroup v2 tree"
    assert not any(c.startswith("apply") for c in fake.calls)
