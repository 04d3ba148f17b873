"""The TUI commits through the same path as the CLI: a CLI commit killed mid-apply leaves an
interrupted transaction, and the TUI's commit recovers it before it writes anything."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from screen_text import screen_text
from tui_helpers import build_demo_app

from workbench.cgroups.sandbox import snapshot
from workbench.services.journal_query import history

ROOT = Path(__file__).resolve().parents[2]


def test_tui_commit_recovers_a_cli_commit_killed_mid_apply(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path)
    tree, journal = tmp_path / "cgroup", tmp_path / "journal.db"
    pristine = snapshot(tree)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    killed = subprocess.run(
        [sys.executable, "-m", "workbench", "commit", str(ROOT / "fixtures" / "pods" / "ml-trainer.yaml")]
        + ["--demo", "--cgroup-root", str(tree), "--journal", str(journal), "--apply"],
        env={**env, "WORKBENCH_FAULT": "kill-after-write:3"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr
    [(interrupted, _, _)] = history(journal)
    assert interrupted.state == "applying"
    left_behind = snapshot(tree)
    assert left_behind != pristine

    async def steps() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
            await pilot.press("a", "y")
            await pilot.pause()
            assert app.committer is not None and app.committer.pending is not None
            text = screen_text(app)
            assert "recovery: transaction 1 -> rolled_back" in text
            assert "waiting for confirmation" in text
            newest, first = (t for t, _, _ in history(journal))
            # Recovery finished transaction 1 before transaction 2 was even recorded.
            assert first.state == "rolled_back"
            assert first.reason == "interrupted while applying; rolled back by recovery"
            assert first.finished_wall is not None and first.finished_wall <= newest.created_wall
            assert newest.state == "pending_confirm" and newest.subject == "tui: db/postgres"
            # Only the TUI's pod is on disk: nothing of the killed commit's ml-trainer is left.
            now = snapshot(tree)
            assert not any("ml-trainer" in path for path in now)
            assert any("postgres" in path for path in now)
            await pilot.press("r")  # roll the TUI's commit back: the tree is as it began
            await pilot.pause()
            assert snapshot(tree) == pristine

    asyncio.run(steps())
