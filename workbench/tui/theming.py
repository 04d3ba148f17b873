"""Turn validated theme data into Textual themes; pick the one to start with."""

from __future__ import annotations

from textual.color import Color, ColorParseError
from textual.theme import Theme

from workbench.tui.viewmodel.themes import DEFAULT_OWNER_COLORS, ThemeSpec, load_themes, theme_dirs

DEFAULT_THEME = "workbench-dark"
MONO_THEME = "workbench-mono"


def to_textual(spec: ThemeSpec) -> Theme:
    """Raises ValueError when Textual cannot read one of the colours."""
    for key, value in [*spec.colors.items(), *spec.all_variables().items()]:
        if value.startswith("ansi_"):
            continue
        try:
            Color.parse(value)
        except ColorParseError:
            raise ValueError(f"{spec.source}: {key}: {value!r} is not a colour Textual can use") from None
    c = spec.colors
    return Theme(
        name=spec.name,
        primary=c["primary"],
        secondary=c.get("secondary"),
        accent=c.get("accent"),
        foreground=c.get("foreground"),
        background=c.get("background"),
        surface=c.get("surface"),
        panel=c.get("panel"),
        boost=c.get("boost"),
        warning=c.get("warning"),
        error=c.get("error"),
        success=c.get("success"),
        dark=spec.dark,
        ansi=spec.ansi,
        variables=spec.all_variables(),
    )


def fallback_mono() -> Theme:
    """Used when no monochrome theme file is found but NO_COLOR asks for one."""
    return Theme(
        name=MONO_THEME,
        primary="ansi_blue",
        foreground="ansi_default",
        background="ansi_default",
        surface="ansi_default",
        panel="ansi_default",
        boost="ansi_default",
        ansi=True,
        variables={f"owner-{k}": "ansi_default" for k in DEFAULT_OWNER_COLORS},
    )


def fallback_dark() -> Theme:
    """The default theme when `themes/` is not installed beside the package (a plain wheel)."""
    return Theme(
        name=DEFAULT_THEME,
        primary="#5fafff",
        secondary="#af87ff",
        accent="#ffaf5f",
        foreground="#e4e4e4",
        background="#1c1c1c",
        surface="#262626",
        panel="#303030",
        warning="#ffd75f",
        error="#ff5f87",
        success="#5fd7af",
        dark=True,
        variables={f"owner-{k}": v for k, v in DEFAULT_OWNER_COLORS.items()},
    )


def load_app_themes() -> tuple[list[Theme], list[str]]:
    specs, problems = load_themes(theme_dirs())
    themes: list[Theme] = []
    for spec in specs:
        try:
            themes.append(to_textual(spec))
        except ValueError as exc:
            problems.append(str(exc))
    if not any(t.name == MONO_THEME for t in themes):
        themes.append(fallback_mono())
    if not any(t.name == DEFAULT_THEME for t in themes):
        themes.insert(0, fallback_dark())
    return themes, problems
