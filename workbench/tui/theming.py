"""Turn validated theme data into Textual themes; pick the one to start with."""

from __future__ import annotations

from textual.color import Color, ColorParseError
from textual.theme import Theme

from workbench.tui.viewmodel.themes import ThemeSpec, load_themes, theme_dirs

DEFAULT_THEME = "workbench-dark"
MONO_THEME = "workbench-mono"


def to_textual(spec: ThemeSpec) -> Theme:
    """Raises ValueError when Textual cannot read one of the colours."""
    for key, value in [*spec.colors.items(), *spec.all_variables().items()]:
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


def load_app_themes() -> tuple[list[Theme], list[str]]:
    """The shipped themes (package data, so a wheel has them all) and the user's, as Textual
    themes, with a problem line for each file that cannot be used."""
    specs, problems = load_themes(theme_dirs(), check=to_textual)
    return [to_textual(spec) for spec in specs], problems
