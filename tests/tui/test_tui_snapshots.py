"""SVG snapshots of every screen at 80x24 and 160x50 in two themes.

Regenerate after a deliberate change with `pytest tests/tui --snapshot-update` and review the
SVGs in `__snapshots__/` (the HTML report shows the differences when one fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import build_demo_app
from textual.pilot import Pilot
from textual.widgets import Input

SCREENS = {"node": "1", "draft": "2", "commit": "3", "journal": "4"}
SIZES = [(80, 24), (160, 50)]
THEMES = ["workbench-dark", "workbench-light"]


async def _settle(pilot: Pilot[None]) -> None:
    # Frozen cursor blink and finished workers, so each SVG is the same on every run.
    for box in pilot.app.query(Input):
        box.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(
    snap_compare: Any, tmp_path: Path, screen: str, size: tuple[int, int], theme: str
) -> None:
    app = build_demo_app(tmp_path, theme=theme)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press(SCREENS[screen])
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
