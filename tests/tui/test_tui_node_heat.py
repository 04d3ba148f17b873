"""The Node grid's heat overlay (`u`): each CPU's busy share as a glyph of the heat ramp (and a
colour), a legend line, `?` before the first interval; sampled only while it is shown. The
figures come from scripted /proc/stat counters (tests/usage/usage_kit.py), so they are exact."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from textual.pilot import Pilot
from tui_helpers import build_demo_app

from workbench.services import usage_heat
from workbench.tui.viewmodel.grid_nav import cell_at
from workbench.tui.viewmodel.usage_glyphs import HEAT, HEAT_ASCII
from workbench.tui.widgets.numa_grid import NumaGrid

sys.path.append(str(Path(__file__).resolve().parents[1] / "usage"))  # usage_kit: the counter writers
from usage_kit import proc_stat  # noqa: E402


def share_of(cpu: int) -> float:
    """The scripted busy share of each CPU: every level of the ramp, CPU after CPU."""
    return (cpu % 5) * 0.2 + 0.1


class Script:
    """/proc/stat for the demo node's CPUs; the last CPU is never listed (no figure)."""

    def __init__(self, proc: Path, cpus: list[int]) -> None:
        self.proc, self.cpus, self.step = proc, cpus[:-1], 0
        self.missing = cpus[-1]
        self.write()

    def write(self) -> None:
        n = self.step
        ticks = {
            c: (1000 + n * round(100 * share_of(c)), 1000 + n * round(100 * (1 - share_of(c))))
            for c in self.cpus
        }
        proc_stat(self.proc, ticks)

    def advance(self) -> None:
        self.step += 1
        self.write()


@pytest.fixture
def scripted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The feed the Node screen opens reads the scripted counters, every `interval` seconds."""
    opened: dict[str, Any] = {"interval": 3600.0, "ticks": 0}
    real = usage_heat.start_busy_feed

    def start(node: Any, *, tree_label: str, cgroup_root: Path | None, **_: Any) -> usage_heat.BusyFeed:
        feed = real(node, tree_label="", cgroup_root=cgroup_root, proc_root=tmp_path / "proc",
                    interval_s=opened["interval"])  # fmt: skip
        tick = feed.tick

        def counted() -> Any:
            opened["ticks"] += 1
            return tick()

        feed.tick = counted  # type: ignore[method-assign]
        opened["feed"] = feed
        return feed

    monkeypatch.setattr(usage_heat, "start_busy_feed", start)
    yield opened


def _app(tmp_path: Path, **kw: Any) -> Any:
    return build_demo_app(tmp_path, **kw)


async def _heat_on(pilot: Pilot[None], script: Script) -> None:
    """`u`, then one scripted interval later the screen's sample (its timer's callback)."""
    await pilot.press("u")
    await pilot.app.workers.wait_for_complete()  # the feed opens in a thread
    await pilot.pause()
    script.advance()
    pilot.app.screen.sample_heat()
    await pilot.pause()


def _line(text: str, needle: str) -> str:
    return next((line for line in text.splitlines() if needle in line), "")


def _expected(grid: NumaGrid, cpu: int, ramp: str) -> str:
    assert grid.grid_layout is not None
    cell = cell_at(grid.grid_layout, cpu)
    assert cell is not None
    return ramp[int(share_of(cpu) * len(ramp))] + cell.text[1:]


def test_u_shows_each_cpus_busy_level_and_u_again_hides_it(tmp_path: Path, scripted: dict[str, Any]) -> None:
    app = _app(tmp_path)
    script = Script(tmp_path / "proc", app.session.topology.all_cpus.sorted())

    async def run() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            grid = app.screen.query_one(NumaGrid)
            owners_view = screen_text(app)
            await pilot.press("u")
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = screen_text(app)
            assert "heat: ·<20 ░<40 ▒<60 ▓<80 █≥80% busy · ? no figure yet" in text
            assert "busy: no figure yet" in text  # the CPU under the cursor, before an interval
            assert grid.grid_layout is not None
            first = cell_at(grid.grid_layout, script.cpus[0])
            assert first is not None and "?" + first.text[1:] in text

            script.advance()
            app.screen.sample_heat()
            await pilot.pause()
            text = screen_text(app)
            for cpu in script.cpus[:10]:
                assert _expected(grid, cpu, HEAT) in text, cpu
            missing = cell_at(grid.grid_layout, script.missing)
            assert missing is not None and "?" + missing.text[1:] in text  # never read: no figure
            cursor = grid.cursor
            assert cursor is not None
            assert f"busy {round(100 * share_of(cursor))}%" in text

            await pilot.press("u")
            await pilot.pause()
            text = screen_text(app)
            assert "heat:" not in text and "busy" not in text
            assert text == owners_view  # the owners' grid, as before the overlay

    asyncio.run(run())


def test_sampling_runs_only_while_the_overlay_is_shown(tmp_path: Path, scripted: dict[str, Any]) -> None:
    scripted["interval"] = 0.1
    app = _app(tmp_path)
    script = Script(tmp_path / "proc", app.session.topology.all_cpus.sorted())

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.pause(0.3)
            assert scripted["ticks"] == 0 and "feed" not in scripted  # nothing opened before `u`
            await pilot.press("u")
            for _ in range(50):
                script.advance()
                await pilot.pause(0.1)
                if scripted["ticks"] >= 3:
                    break
            assert scripted["ticks"] >= 3
            await pilot.press("u")
            await pilot.pause()
            seen = scripted["ticks"]
            await pilot.pause(0.5)
            assert scripted["ticks"] == seen, "sampled with the overlay off"
            await pilot.press("u", "2")  # on again, then another screen: paused too
            await pilot.pause()
            seen = scripted["ticks"]
            await pilot.pause(0.5)
            assert scripted["ticks"] <= seen + 1, "sampled while the Node screen was hidden"
            await pilot.press("1")
            for _ in range(50):
                if scripted["ticks"] > seen + 1:
                    break
                await pilot.pause(0.1)
            assert scripted["ticks"] > seen + 1  # shown again: sampling again

    asyncio.run(run())


@pytest.mark.parametrize("look", ["NO_COLOR", "ascii"])
def test_ramp_reads_without_colour(
    tmp_path: Path, scripted: dict[str, Any], monkeypatch: pytest.MonkeyPatch, look: str
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    if look == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    app = _app(tmp_path, ascii_only=look == "ascii")
    script = Script(tmp_path / "proc", app.session.topology.all_cpus.sorted())
    ramp = HEAT_ASCII if look == "ascii" else HEAT

    async def run() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            if look == "NO_COLOR":
                assert app.no_color
            await _heat_on(pilot, script)
            grid = app.screen.query_one(NumaGrid)
            text = screen_text(app)
            for cpu in script.cpus[:10]:  # every level, as a glyph: no colour needed
                assert _expected(grid, cpu, ramp) in text, cpu
            assert f"heat: {ramp[0]}<20" in text
            if look == "ascii":  # the marks and their legend line, as --ascii promises
                assert grid.heat is not None and all(g.isascii() for g, _ in grid.heat.values())
                assert _line(text, "heat: ").isascii()

    asyncio.run(run())


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_heat_overlay_snapshot(
    snap_compare: Any, tmp_path: Path, scripted: dict[str, Any], size: tuple[int, int]
) -> None:
    app = _app(tmp_path)
    script = Script(tmp_path / "proc", app.session.topology.all_cpus.sorted())

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await _heat_on(pilot, script)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
