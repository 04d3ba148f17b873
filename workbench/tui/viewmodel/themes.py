"""Themes as data files (TOML or YAML), validated before the app sees them.

A theme is Textual's base colours plus one colour per CPU owner kind (app-specific theme
variables `owner-<kind>`). A broken file becomes a problem line for the app to report; it never
stops the app starting.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError
from workbench.record import EMPTY, Record, setfield

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

OWNER_KEYS = ("shared", "reserved", "bubble", "pod-shared", "exclusive", "preview")
COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
_TOP_KEYS = {"name", "dark", "ansi", "colors", "owners", "variables"}
_COLOR = re.compile(
    r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}"
    r"|rgba?\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*(,\s*[0-9.]+\s*)?\)"
    r"|ansi_[a-z_]+)$"
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
THEME_SUFFIXES = (".toml", ".yaml", ".yml")

DEFAULT_OWNER_COLORS: Mapping[str, str] = MappingProxyType(
    {
        "shared": "#8a8a8a",
        "reserved": "#ffd75f",
        "bubble": "#5f87af",
        "pod-shared": "#87afff",
        "exclusive": "#5fd7ff",
        "preview": "#ff87d7",
    }
)


class ThemeSpec(Record):
    name: str
    dark: bool
    colors: Mapping[str, str]
    owners: Mapping[str, str]
    variables: Mapping[str, str]
    ansi: bool
    source: str

    __slots__ = _fields = ("name", "dark", "colors", "owners", "variables", "ansi", "source")

    def __init__(
        self,
        name: str,
        dark: bool,
        colors: Mapping[str, str],
        owners: Mapping[str, str],
        variables: Mapping[str, str] = EMPTY,
        ansi: bool = False,
        source: str = "",
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "dark", dark)
        setfield(self, "colors", colors)
        setfield(self, "owners", owners)
        setfield(self, "variables", variables)
        setfield(self, "ansi", ansi)
        setfield(self, "source", source)

    def all_variables(self) -> dict[str, str]:
        out = dict(self.variables)
        out.update({f"owner-{k}": v for k, v in self.owners.items()})
        return out


def _read(path: Traversable) -> Any:
    from workbench.inputs import read_document

    return read_document(path)[0]


def _colour_table(data: Any, where: str, src: str, allowed: Iterable[str] | None) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("must be a table of colours", source=src, field=where)
    out: dict[str, str] = {}
    allowed_set = set(allowed) if allowed is not None else None
    for key, value in data.items():
        if allowed_set is not None and key not in allowed_set:
            raise InputError(
                f"unknown key {key!r}",
                source=src,
                field=f"{where}.{key}",
                fix=f"use one of {sorted(allowed_set)}",
            )
        if not isinstance(value, str) or not _COLOR.match(value.strip()):
            raise InputError(
                f"{value!r} is not a colour",
                source=src,
                field=f"{where}.{key}",
                fix="write #rrggbb, rgb(r,g,b) or ansi_<name>",
            )
        out[str(key)] = value.strip()
    return out


def parse_theme(data: Any, source: str = "") -> ThemeSpec:
    """Validate one theme document; raises InputError naming the file and field."""
    if not isinstance(data, dict):
        raise InputError("a theme must be a table", source=source)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError(
            f"unknown key {sorted(unknown)[0]!r}", source=source, fix=f"keys are {sorted(_TOP_KEYS)}"
        )
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            "missing or invalid name", source=source, field="name", fix="lower-case words with '-'"
        )
    for flag in ("dark", "ansi"):
        if flag in data and not isinstance(data[flag], bool):
            raise InputError("must be true or false", source=source, field=flag)
    colors = _colour_table(data.get("colors"), "colors", source, COLOR_KEYS)
    if "primary" not in colors:
        raise InputError("a theme needs a primary colour", source=source, field="colors.primary")
    owners = _colour_table(data.get("owners"), "owners", source, OWNER_KEYS)
    missing = [k for k in OWNER_KEYS if k not in owners]
    if missing:
        raise InputError(
            f"no colour for owner kind {missing[0]!r}", source=source, field=f"owners.{missing[0]}"
        )
    variables = _colour_table(data.get("variables"), "variables", source, None)
    return ThemeSpec(
        name=name,
        dark=bool(data.get("dark", True)),
        colors=MappingProxyType(colors),
        owners=MappingProxyType(owners),
        variables=MappingProxyType(variables),
        ansi=bool(data.get("ansi", False)),
        source=source,
    )


def load_theme_file(path: Traversable) -> ThemeSpec:
    try:
        data = _read(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from None
    except Exception as exc:
        if not _parse_error(exc):
            raise
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kind = "TOML" if path.name.endswith(".toml") else "YAML"
        raise InputError(f"not valid {kind}: {first}", source=str(path)) from None
    return parse_theme(data, str(path))


def _parse_error(exc: Exception) -> bool:
    """A TOML or YAML syntax error. YAML is imported only when a YAML theme is read (the shipped
    themes are TOML: no YAML parser at start), so a YAML error implies the module is loaded."""
    if isinstance(exc, tomllib.TOMLDecodeError):
        return True
    yaml = sys.modules.get("yaml")
    return yaml is not None and isinstance(exc, yaml.YAMLError)


def builtin_theme_dir() -> Traversable:
    """The themes shipped in the package (`workbench/data/themes/`; the checkout's top-level
    `themes/` is a link to it). An installed wheel has them as files beside this module; only
    a zipped package needs importlib.resources (whose import costs the start-up ~15 ms)."""
    here = Path(__file__).resolve().parents[2] / "data" / "themes"
    if here.is_dir():
        return here
    from importlib import resources

    return resources.files("workbench").joinpath("data", "themes")


def user_theme_dir() -> Path:
    """`$XDG_CONFIG_HOME/workbench/themes` (`~/.config/workbench/themes` when unset)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "workbench" / "themes"


def theme_dirs() -> list[Traversable]:
    """The built-in themes, then the user's, then each directory of $WORKBENCH_THEMES (a
    path list); a later file with the same theme name wins."""
    dirs: list[Traversable] = [builtin_theme_dir(), user_theme_dir()]
    extra = os.environ.get("WORKBENCH_THEMES")
    if extra:
        dirs.extend(Path(p) for p in extra.split(os.pathsep) if p)
    return dirs


def _theme_files(d: Traversable) -> list[Traversable]:
    """Theme files of one directory; a missing directory has none. Raises OSError when the
    directory cannot be listed."""
    if not d.is_dir():
        return []
    return sorted((p for p in d.iterdir() if p.name.endswith(THEME_SUFFIXES)), key=lambda p: p.name)


def load_themes(
    dirs: Iterable[Traversable], check: Callable[[ThemeSpec], object] | None = None
) -> tuple[list[ThemeSpec], list[str]]:
    """Every valid theme in `dirs` (later files override earlier ones by name) and one problem
    line for each broken file or unreadable directory. `check` (raising ValueError) is a
    further test a theme must pass before it replaces one of the same name, so a user's broken
    copy of a shipped theme leaves the shipped one in place."""
    themes: dict[str, ThemeSpec] = {}
    problems: list[str] = []
    for d in dirs:
        try:
            files = _theme_files(d)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            problems.append(InputError(f"cannot list theme folder: {reason}", source=str(d)).line())
            continue
        for path in files:
            try:
                spec = load_theme_file(path)
                if check is not None:
                    check(spec)
            except InputError as exc:
                problems.append(exc.line())
                continue
            except ValueError as exc:
                problems.append(str(exc))
                continue
            themes[spec.name] = spec
    return list(themes.values()), problems
