"""The Usage screen (5) on the demo node at 80x24 and 160x50: rows with bars and history, which
limit binds, the heat strip, findings; `/` filters, `U` sorts; nothing is sampled while hidden."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from workbench.cgroups.sandbox import init_sandbox
from workbench.services.demo import DemoSandbox

pytest.importorskip("textual")


def _text(app: Any) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def _run(
    tmp_path: Path, size: tuple[int, int], body: Callable[[Any, Any], Coroutine[Any, Any, None]]
) -> None:
    from workbench.tui.launch import demo_app
    from workbench.tui.viewmodel.session import demo_session

    session = demo_session()
    session.show_timing = False
    box = DemoSandbox(tmp_path / "cgroup", tmp_path / "journal.db")
    init_sandbox(box.cgroup_root, session.topology)
    app = demo_app(session, box, keymap_paths=[])

    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.press("5")
            for _ in range(100):  # one interval (more on a loaded machine): the first report
                if getattr(app.screen, "report", None) is not None:
                    break
                await pilot.pause(0.1)
            await pilot.pause()
            await body(app, pilot)

    asyncio.run(go())


def _line(text: str, needle: str) -> str:
    return next((line for line in text.splitlines() if needle in line), "")


def test_usage_screen_at_80x24(tmp_path: Path) -> None:
    async def body(app: Any, pilot: Any) -> None:
        text = _text(app)
        assert "Usage · demo node, synthetic load · every 1 s" in text
        backup = _line(text, "db/postgres backup")
        assert "█" in backup and "/2" in backup, backup  # a bar and cores of the 2-CPU pool
        assert "shared pool 11,43 is throttled" in text
        assert len(text.splitlines()) <= 24 and max(len(x) for x in text.splitlines()) <= 80

    _run(tmp_path, (80, 24), body)


def test_usage_screen_at_160x50_says_which_limit_binds(tmp_path: Path) -> None:
    async def body(app: Any, pilot: Any) -> None:
        text = _text(app)
        assert "capped by CFS quota" in _line(text, "db/postgres backup")
        assert "capped by cpuset width" in _line(text, "ml/ml-trainer mesh-proxy")
        heat = next(line.strip() for line in text.splitlines() if line.strip().startswith("N0 "))
        assert "N3 " in heat and set(heat) & set("·░▒▓█"), heat  # the heat strip, a glyph per CPU
        assert "N1! " in _line(text, "analytics/batch worker")  # memory off the planned node
        for kind in ("is saturated", "foreign work on CPUs", "uses 0.", "is throttled"):
            assert kind in text, kind

    _run(tmp_path, (160, 50), body)


def test_filter_sort_and_no_sampling_while_hidden(tmp_path: Path) -> None:
    async def body(app: Any, pilot: Any) -> None:
        await pilot.press("slash", *"mesh", "enter")
        await pilot.pause()
        rows = [line for line in _text(app).splitlines() if "/" in line and "·" in line or "█" in line]
        assert any("mesh-proxy" in r for r in rows) and not any("postgres" in r for r in rows)
        await pilot.press("escape", "U")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#usage-table")
        first = table.row(0)[0]
        assert "ml-trainer" in first or "mesh-proxy" in first, first  # the fullest row first
        await pilot.press("1")
        seen = screen.report
        await pilot.pause(2.2)
        assert screen.report is seen, "sampled while the screen was hidden"
        await pilot.press("5")
        for _ in range(50):
            if screen.report is not seen:
                break
            await pilot.pause(0.1)
        assert screen.report is not seen

    _run(tmp_path, (120, 40), body)


def _recorders(app: Any) -> tuple[list[Any], list[str]]:
    """What the screen's widgets ask to repaint, and what would be written to the terminal."""
    from textual._compositor import CompositorUpdate

    calls: list[Any] = []
    for widget in app.screen.query("*"):

        def refresh(*regions: Any, _w: Any = widget, _orig: Any = widget.refresh, **kw: Any) -> Any:
            calls.append((_w, regions, kw))
            return _orig(*regions, **kw)

        widget.refresh = refresh
    written: list[str] = []
    display = app._display

    def record(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            written.append(renderable.render_segments(app.console))
        display(screen, renderable)

    app._display = record
    return calls, written


def test_a_tick_that_changes_no_shown_figure_repaints_nothing_and_a_changed_one_only_its_cell(
    tmp_path: Path,
) -> None:
    async def body(app: Any, pilot: Any) -> None:
        screen = app.screen
        await pilot.press("space")  # paused: only the ticks below happen
        await pilot.pause()
        before = _text(app)
        calls, written = _recorders(app)
        # Measurement noise below what the screen shows (a hundredth of a core, a fifth of a
        # percent) on every row: nothing is asked to repaint and nothing is written.
        screen.rows = [
            replace(
                r,
                usage=None if r.usage is None else r.usage + 0.01,
                psi=None if r.psi is None else min(1.0, r.psi + 0.002),
            )
            for r in screen.rows
        ]
        screen.refresh_view()
        await pilot.pause()
        assert calls == [] and "".join(written) == "", (calls, written)
        assert _text(app) == before
        # One figure that moved by more than its step: only its cell is repainted and sent.
        i = next(i for i, r in enumerate(screen.rows) if r.owner == "shop/web nginx")
        row = screen.rows[i]
        figure, usage = ("0.25/2", 0.25) if row.usage > 1 else ("1.8/2", 1.8)
        screen.rows[i] = replace(row, usage=usage)
        screen.refresh_view()
        await pilot.pause()
        assert [type(w).__name__ for w, _, _ in calls] == ["CellColumn"], calls
        (column, regions, kw) = calls[0]
        assert column.index == 1 and [r.height for r in regions] == [1] and not kw
        sent = "".join(written)
        new = _line(_text(app), "shop/web nginx")
        assert figure in new and new != _line(before, "shop/web nginx")
        assert figure in sent and "nginx" not in sent, sent
        assert len(sent.encode()) < 120, sent  # one cell, not the row
        assert len(re.findall(r"\x1b\[\d+;\d+H", sent)) == 1, sent  # no move to the next column
        changed = [a for a, b in zip(_text(app).splitlines(), before.splitlines(), strict=True) if a != b]
        assert changed == [new]

    _run(tmp_path, (80, 24), body)
