"""The preview's text keeps the tallest height it has had, so a decision with a shorter text does
not move and resize the grid below it (a layout and repaint of the panel per key); its lines are
still the new decision's."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import cast

from screen_text import screen_text
from textual.content import Content
from tui_helpers import build_demo_app

from workbench.tui.widgets.numa_grid import NumaGrid
from workbench.tui.widgets.preview_panel import PreviewText


def test_a_shorter_decision_leaves_the_grid_where_it_was(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path)

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            text = app.screen.query_one("#preview-text", PreviewText)
            grid = app.screen.query_one("#preview-grid", NumaGrid)
            tops: list[int] = []
            shorter = 0
            for key in ("e", "e", "p", "S", "S", "p", "p", "p", "e", "S"):
                await pilot.press(key)
                await pilot.pause()
                content = cast(Content, text.content)
                natural = content.get_height(text.styles, text.size.width)  # type: ignore[arg-type]
                shorter += natural < text.size.height
                assert grid.region.y == text.region.bottom
                tops.append(grid.region.y)
                verdict = app.session.preview(advise=False).verdict.upper()
                assert verdict in screen_text(app)
            assert tops == sorted(tops)  # the grid only ever moves down (a taller text)
            assert shorter  # some decision's text was shorter than the height kept

    asyncio.run(main())
