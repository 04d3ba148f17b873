"""Themes and keymaps are data: validated, and a broken file is reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.tui.viewmodel.keymap import load_keymap, parse_keymap
from workbench.tui.viewmodel.themes import OWNER_KEYS, load_themes, parse_theme, theme_dirs

REPO_THEMES = Path(__file__).resolve().parents[2] / "themes"


def test_shipped_themes_are_valid_and_cover_the_required_set() -> None:
    themes, problems = load_themes([REPO_THEMES])
    assert problems == []
    names = {t.name for t in themes}
    assert {
        "workbench-dark",
        "workbench-light",
        "workbench-high-contrast",
        "workbench-colour-blind",
        "workbench-mono",
    } <= names
    for t in themes:
        assert set(t.owners) == set(OWNER_KEYS)
        assert set(t.all_variables()) >= {f"owner-{k}" for k in OWNER_KEYS}


def test_colour_blind_theme_has_distinct_owner_colours() -> None:
    themes, _ = load_themes([REPO_THEMES])
    cb = next(t for t in themes if t.name == "workbench-colour-blind")
    kinds = ["reserved", "bubble", "pod-shared", "exclusive", "preview"]
    assert len({cb.owners[k] for k in kinds}) == len(kinds)


def test_broken_theme_file_is_reported_and_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "ok.toml").write_text(
        (REPO_THEMES / "dark.toml").read_text().replace("workbench-dark", "mine")
    )
    (tmp_path / "bad.toml").write_text('name = "bad"\n[colors]\nprimary = "not-a-colour"\n')
    (tmp_path / "junk.yaml").write_text("name: [unclosed\n")
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["mine"]
    assert len(problems) == 2
    assert any("bad.toml: colors.primary" in p and "not a colour" in p for p in problems)
    assert any("junk.yaml" in p and "not valid YAML" in p for p in problems)


def test_theme_missing_an_owner_colour_names_the_field() -> None:
    with pytest.raises(InputError) as err:
        parse_theme({"name": "x", "colors": {"primary": "#fff"}, "owners": {"shared": "#000"}}, "x.toml")
    assert err.value.field == "owners.reserved"


def test_user_theme_dir_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert tmp_path / "workbench" / "themes" in theme_dirs()


def test_keymap_applies_known_ids_and_reports_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text('[keymap]\n"grid.zoom" = "Z"\n"nope.thing" = "x"\n"app.quit" = 5\n')
    keymap, problems = load_keymap(["grid.zoom", "app.quit"], [path])
    assert keymap == {"grid.zoom": "Z"}
    assert len(problems) == 2 and "unknown binding id" in problems[0]


def test_keymap_yaml_and_unreadable(tmp_path: Path) -> None:
    assert parse_keymap({"app.quit": "ctrl+q"}, ["app.quit"]) == ({"app.quit": "ctrl+q"}, [])
    bad = tmp_path / "keymap.toml"
    bad.write_text("[keymap\n")
    keymap, problems = load_keymap(["app.quit"], [bad])
    assert keymap == {} and "cannot read keymap" in problems[0]
