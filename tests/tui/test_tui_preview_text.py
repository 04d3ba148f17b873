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


def test_the_grid_scrollbar_follows_the_decision_without_a_second_layout(tmp_path: Path) -> None:
    # The preview grid sets its scrollbars with its new size (numa_grid._relayout): they must be
    # what Textual would decide, on every key, as the grid switches zoomed / whole node.
    app = build_demo_app(tmp_path)

    async def main() -> None:
        async with app.run_test(size=(120, 24)) as pilot:
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            grid = app.screen.query_one("#preview-grid", NumaGrid)
            shown: set[bool] = set()
            for key in ("p", "S", "S", "p", "p", "p", "e", "p", "S", "e"):
                await pilot.press(key)
                await pilot.pause()
                needed = grid.virtual_size.height > grid.container_size.height
                assert grid.show_vertical_scrollbar == needed, key
                assert not grid.show_horizontal_scrollbar
                if needed:
                    assert grid.vertical_scrollbar.window_virtual_size == grid.virtual_size.height
                shown.add(needed)
            assert shown == {True, False}  # the scrollbar came and went

    asyncio.run(main())
