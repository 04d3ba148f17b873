"""SVG snapshots at 80x24 and 160x50: every screen in the dark and light themes, and the Node
and Draft screens in every other theme, with NO_COLOR set and with `--ascii`.

Regenerate after a deliberate change with `pytest tests/tui --snapshot-update` and review the
SVGs in `__snapshots__/` (the HTML report shows the differences when one fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import build_demo_app

from workbench.tui.widgets.numa_grid import NumaGrid

SCREENS = {"node": "1", "draft": "2", "commit": "3", "journal": "4"}
SIZES = [(80, 24), (160, 50)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
THEMES = ["workbench-dark", "workbench-light"]
# Every other way the app can look: the remaining themes, NO_COLOR and --ascii.
LOOKS = ["workbench-high-contrast", "workbench-colour-blind", "workbench-mono", "NO_COLOR", "ascii"]


async def _settle(pilot: Pilot[None]) -> None:
    # Frozen cursor blink and finished workers, so each SVG is the same on every run.
    for box in pilot.app.query(Input):
        box.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _shoot(snap_compare: Any, app: Any, screen: str, size: tuple[int, int], ascii_only: bool) -> bool:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press(SCREENS[screen])
        await _settle(pilot)
        if ascii_only:  # what --ascii promises: no box-drawing character, an ASCII grid
            text = screen_text(pilot.app)
            assert not set(text) & set("┌┐└┘─│╭╮╰╯×░▒█◆"), text
            for grid in pilot.app.screen.query(NumaGrid):
                assert grid.grid_layout is not None and grid.grid_layout.text().isascii()

    return bool(snap_compare(app, terminal_size=size, run_before=run_before))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(
    snap_compare: Any, tmp_path: Path, screen: str, size: tuple[int, int], theme: str
) -> None:
    assert _shoot(snap_compare, build_demo_app(tmp_path, theme=theme), screen, size, False)


@pytest.mark.parametrize("look", LOOKS)
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("screen", ["node", "draft"])
def test_every_look_snapshot(
    snap_compare: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    screen: str,
    size: tuple[int, int],
    look: str,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    if look == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    theme = look if look.startswith("workbench-") else None
    app = build_demo_app(tmp_path, theme=theme, ascii_only=look == "ascii")
    if look == "NO_COLOR":
        assert app.theme == "workbench-mono" and app.no_color
    assert _shoot(snap_compare, app, screen, size, look == "ascii")
