"""Every theme starts, on every terminal: NO_COLOR, the monochrome theme by name, the `T` key
cycling through every theme, theme files named as the folder shows them, and a start that fails
is a non-zero exit with one line, not a traceback or a silent 0."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from screen_text import screen_text
from textual.app import App
from textual.pilot import Pilot
from tui_helpers import build_demo_app

from workbench.tui.app import WorkbenchApp

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def test_no_color_screenshot_starts_and_draws_the_node(tmp_path: Path) -> None:
    shot = tmp_path / "x.svg"
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "demo", "--screenshot", str(shot)],
        capture_output=True,
        text=True,
        env=_env(NO_COLOR="1"),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Error in stylesheet" not in done.stderr
    assert "Socket" in shot.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("asked", "chosen"),
    [
        ("light", "workbench-light"),
        ("themes/light.toml", "workbench-light"),
        ("monochrome", "workbench-mono"),
        ("monochrome.toml", "workbench-mono"),
        ("workbench-mono", "workbench-mono"),
        ("high-contrast", "workbench-high-contrast"),
    ],
)
def test_theme_is_found_by_its_name_or_its_file_name(tmp_path: Path, asked: str, chosen: str) -> None:
    app = build_demo_app(tmp_path, theme=asked)
    assert app.theme == chosen
    assert not any("not found" in n for n in app.session.notices)


def test_an_unknown_theme_is_a_notice_and_the_default(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path, theme="no-such-theme")
    assert app.theme == "workbench-dark"
    assert any("'no-such-theme' not found" in n for n in app.session.notices)


def test_the_theme_key_reaches_every_theme_and_each_one_draws(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path, theme="workbench-dark")
    seen: list[str] = []

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for _ in app.workbench_themes:
                await pilot.press("T")
                await pilot.pause()
                seen.append(app.theme)
                assert app.is_running
                assert "Socket 0" in screen_text(app), app.theme

    asyncio.run(main())
    assert sorted(seen) == sorted(app.workbench_themes)
    assert "workbench-mono" in seen


def test_a_user_ansi_theme_without_textual_ansi_variables_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A theme file with `ansi = true` need not know Textual's `$ansi-background`."""
    themes = tmp_path / "themes"
    themes.mkdir()
    mono = (ROOT / "workbench" / "data" / "themes" / "monochrome.toml").read_text(encoding="utf-8")
    body = mono.split("[variables]")[0].replace('"workbench-mono"', '"my-ansi"')
    (themes / "mine.toml").write_text(body, encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_THEMES", str(themes))
    app = build_demo_app(tmp_path, theme="my-ansi")

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("2")  # the draft screen: Textual's inputs and their cursors
        await pilot.pause()
        assert "Pod budget" in screen_text(app)

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await steps(pilot)

    asyncio.run(main())
    assert app.theme == "my-ansi" and app.session.notices == []


def _broken_css(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WorkbenchApp, "CSS", "Screen { background: $no-such-variable; }")


def test_a_screenshot_that_cannot_start_exits_1_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.tui.launch import run_demo

    _broken_css(monkeypatch)
    rc = run_demo(read_only=False, theme=None, ascii_only=False, screenshot=tmp_path / "x.svg")
    err = capsys.readouterr().err
    assert rc == 1
    # Textual's own account of the stylesheet error may come first; then one line of ours.
    last = err.strip().splitlines()[-1]
    assert last.startswith("workbench demo: the app could not start") and "no-such-variable" in last
    assert "Traceback" not in err
    assert not (tmp_path / "x.svg").exists()


def test_the_app_that_cannot_start_exits_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.tui.launch import run_demo

    _broken_css(monkeypatch)
    # The same run as in a terminal, without one (Textual's headless driver).
    monkeypatch.setattr(WorkbenchApp, "run", lambda self: App.run(self, headless=True))
    rc = run_demo(read_only=False, theme=None, ascii_only=False, screenshot=None)
    assert rc != 0


def test_the_screenshot_is_drawn_in_the_theme_asked_for(tmp_path: Path) -> None:
    from workbench.tui.launch import run_demo

    backgrounds = {"light": "#fafafa", "workbench-dark": "#1c1c1c"}  # from the theme files
    for theme, background in backgrounds.items():
        shot = tmp_path / f"{theme}.svg"
        assert run_demo(read_only=False, theme=theme, ascii_only=False, screenshot=shot) == 0
        svg = shot.read_text(encoding="utf-8")
        # Backgrounds are drawn as rects filled with the colour (text colours are CSS `fill:`).
        assert svg.count(f'fill="{background}"') > 50, theme
        others = [svg.count(f'fill="{o}"') for t, o in backgrounds.items() if t != theme]
        assert all(n < 10 for n in others), (theme, others)  # not the other theme's screen
