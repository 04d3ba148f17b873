"""Turn validated theme data into Textual themes; pick the one to start with."""

from __future__ import annotations

from pathlib import PurePath

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from workbench.record import Record, setfield
from workbench.tui.viewmodel.themes import THEME_SUFFIXES, ThemeSpec, load_themes, theme_dirs

DEFAULT_THEME = "workbench-dark"
MONO_THEME = "workbench-mono"


def _ansi_defaults(dark: bool) -> dict[str, str]:
    """The variables Textual's own widgets read in an ANSI theme (`$ansi-background` for
    buttons, toasts, tooltips...) that its colour system does not generate: Textual's built-in
    ANSI themes define them, so a theme file with `ansi = true` starts from theirs."""
    base = BUILTIN_THEMES["ansi-dark" if dark else "ansi-light"]
    return dict(base.variables)


def theme_variables(spec: ThemeSpec) -> dict[str, str]:
    """Every variable the Textual theme carries: the ANSI defaults, then the file's own."""
    return {**(_ansi_defaults(spec.dark) if spec.ansi else {}), **spec.all_variables()}


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
        variables=theme_variables(spec),
    )


class AppThemes(Record):
    themes: list[Theme]
    problems: list[str]
    # Other names a theme answers to: its file's name (`light` for light.toml, as the README
    # and the theme folder show them) besides the `name` inside the file.
    aliases: dict[str, str]

    __slots__ = _fields = ("themes", "problems", "aliases")

    def __init__(self, themes: list[Theme], problems: list[str], aliases: dict[str, str]) -> None:
        setfield(self, "themes", themes)
        setfield(self, "problems", problems)
        setfield(self, "aliases", aliases)

    def resolve(self, wanted: str) -> str | None:
        """The theme `wanted` names: its name, its file's name, or a path to its file."""
        names = {t.name for t in self.themes}
        if wanted in names:
            return wanted
        stem = PurePath(wanted).name
        for suffix in THEME_SUFFIXES:
            stem = stem.removesuffix(suffix)
        for candidate in (self.aliases.get(stem), f"workbench-{stem}"):
            if candidate in names:
                return candidate
        return None


def load_app_themes() -> tuple[list[Theme], list[str]]:
    """The shipped themes (package data, so a wheel has them all) and the user's, as Textual
    themes, with a problem line for each file that cannot be used."""
    loaded = load_theme_set()
    return loaded.themes, loaded.problems


def load_theme_set() -> AppThemes:
    """`load_app_themes` with the other names each theme answers to."""
    specs, problems = load_themes(theme_dirs(), check=to_textual)
    aliases = {PurePath(spec.source).stem: spec.name for spec in specs if spec.source}
    return AppThemes([to_textual(spec) for spec in specs], problems, aliases)
