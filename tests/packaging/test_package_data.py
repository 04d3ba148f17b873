"""What the app reads at run time is package data, found through importlib.resources: the
shipped themes, the demo node and the scenario manifests. The wheel itself is checked by
`tests/smoke/wheel_smoke.sh` (run by `.ci/run`); these tests hold the checkout to the same
layout, and the user's theme folder to its rules (a broken file is reported, never fatal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.services.demo_pods import scenario_files
from workbench.tui.viewmodel.themes import builtin_theme_dir, load_themes, theme_dirs, user_theme_dir

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workbench"
SHIPPED = {
    "workbench-dark",
    "workbench-light",
    "workbench-high-contrast",
    "workbench-colour-blind",
    "workbench-mono",
}


@pytest.fixture
def user_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user theme folder in $XDG_CONFIG_HOME, and no $WORKBENCH_THEMES."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("WORKBENCH_THEMES", raising=False)
    d = tmp_path / "config" / "workbench" / "themes"
    d.mkdir(parents=True)
    return d


def test_the_checkout_folders_people_edit_are_the_shipped_package_data() -> None:
    """`themes/` and `fixtures/pods/` are links into `workbench/data/`, so what is edited there
    is what the wheel carries (a copy would drift)."""
    assert (ROOT / "themes").resolve() == (PACKAGE / "data" / "themes").resolve()
    assert (ROOT / "fixtures" / "pods").resolve() == (PACKAGE / "data" / "pods").resolve()


def test_shipped_themes_come_from_the_package() -> None:
    d = builtin_theme_dir()
    assert Path(str(d)).resolve() == (PACKAGE / "data" / "themes").resolve()
    themes, problems = load_themes([d])
    assert problems == []
    assert {t.name for t in themes} == SHIPPED


def test_themes_are_looked_for_only_in_the_package_the_user_folder_and_the_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No folder beside the package (a top-level `site-packages/themes` could be anyone's)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("WORKBENCH_THEMES", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert [str(d) for d in theme_dirs()] == [
        str(builtin_theme_dir()),
        str(tmp_path / "cfg" / "workbench" / "themes"),
        str(tmp_path / "a"),
        str(tmp_path / "b"),
    ]
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_theme_dir() == tmp_path / "home" / ".config" / "workbench" / "themes"


def test_a_user_theme_adds_to_and_overrides_the_shipped_ones(user_themes: Path) -> None:
    from workbench.tui.theming import load_app_themes

    dark = (PACKAGE / "data" / "themes" / "dark.toml").read_text(encoding="utf-8")
    assert 'primary = "#5fafff"' in dark
    (user_themes / "my-dark.toml").write_text(dark.replace('primary = "#5fafff"', 'primary = "#ff0000"'))
    (user_themes / "mine.yaml").write_text(
        "name: mine\ndark: false\ncolors: {primary: '#00ff00'}\nowners: {shared: '#111', reserved: '#222',"
        " bubble: '#333', pod-shared: '#444', exclusive: '#555', preview: '#666'}\n"
    )
    themes, problems = load_app_themes()
    assert problems == []
    by_name = {t.name: t for t in themes}
    assert set(by_name) == SHIPPED | {"mine"}
    assert by_name["workbench-dark"].primary == "#ff0000"
    assert by_name["mine"].dark is False


def test_a_broken_user_theme_is_reported_and_the_shipped_one_stays(user_themes: Path) -> None:
    """A user's copy of a shipped theme that Textual cannot use, one that does not parse, and
    a dangling link: each one line naming the file; every shipped theme still there."""
    from workbench.tui.theming import load_app_themes

    dark = (PACKAGE / "data" / "themes" / "dark.toml").read_text(encoding="utf-8")
    (user_themes / "a-dark.toml").write_text(dark.replace('primary = "#5fafff"', 'primary = "rgb(1,2,3,4)"'))
    (user_themes / "b-mono.toml").write_text(dark.replace('"#5fafff"', '"ansi_nonsense"'))
    (user_themes / "c.toml").write_text('name = "c"\n[colors\n')
    (user_themes / "d.toml").symlink_to(user_themes / "nowhere.toml")
    themes, problems = load_app_themes()
    by_name = {t.name: t for t in themes}
    assert set(by_name) == SHIPPED
    assert by_name["workbench-dark"].primary == "#5fafff"
    assert len(problems) == 4, problems
    assert "a-dark.toml" in problems[0] and "rgb(1,2,3,4)" in problems[0]
    assert "b-mono.toml" in problems[1] and "ansi_nonsense" in problems[1]
    assert "c.toml" in problems[2] and "not valid TOML" in problems[2]
    assert "d.toml" in problems[3] and "cannot read" in problems[3]


def test_the_app_starts_with_a_broken_user_theme_and_says_so(user_themes: Path, tmp_path: Path) -> None:
    from workbench.services.demo import DemoSandbox
    from workbench.tui.launch import demo_app
    from workbench.tui.viewmodel.session import demo_session

    (user_themes / "broken.toml").write_text('name = "broken"\n')
    session = demo_session(seed=False)
    app = demo_app(session, DemoSandbox(tmp_path / "cg", tmp_path / "j.db"), read_only=True, theme=None)
    assert app.theme == "workbench-dark"
    assert any("broken.toml" in n and "primary" in n for n in app.session.notices)


def test_the_open_dialog_offers_the_shipped_manifests() -> None:
    """The Draft screen's Open dialog lists `workbench/data/pods/*.yaml`, not the tests'
    bad-input examples in its `invalid/` folder."""
    files = scenario_files()
    assert [p.name for p in files] == sorted(p.name for p in (PACKAGE / "data" / "pods").glob("*.yaml"))
    assert len(files) >= 7 and all(p.is_file() for p in files)
    assert not any("invalid" in p.parts for p in files)


def test_pyproject_ships_every_runtime_data_file() -> None:
    """Each file the loaders read is matched by a package-data pattern (the wheel smoke test
    proves it for a real wheel; this catches a forgotten pattern without building one)."""
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "workbench"
    ]
    shipped = {p.resolve() for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}
    data = PACKAGE / "data"
    wanted = [
        *scenario_files(),
        *(p for p in (data / "themes").iterdir() if p.suffix in (".toml", ".yaml", ".yml")),
        *(data / "topologies").glob("*.yaml"),
        *PACKAGE.glob("tui/**/*.tcss"),
    ]
    assert len(wanted) >= 14
    missing = [str(p.relative_to(PACKAGE)) for p in wanted if p.resolve() not in shipped]
    assert missing == [], "not package data in pyproject.toml"
    assert not any("invalid" in p.parts for p in shipped)
