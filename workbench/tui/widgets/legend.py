"""The legend: every owner kind's glyph, colour and meaning (htop users keep asking)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from workbench.services.ownership import DESCRIPTIONS, OwnerKind
from workbench.tui.viewmodel.owners import (
    ASCII_GLYPHS,
    ASCII_HIDDEN_GLYPH,
    ASCII_PREVIEW_GLYPH,
    GLYPHS,
    HIDDEN_GLYPH,
    PREVIEW_GLYPH,
)


def legend_content(compact: bool = False, ascii_only: bool = False) -> Content:
    glyphs, preview = (ASCII_GLYPHS, ASCII_PREVIEW_GLYPH) if ascii_only else (GLYPHS, PREVIEW_GLYPH)
    parts: list[str] = []
    for kind in OwnerKind:
        parts.append(f"[$owner-{kind.value} bold]{glyphs[kind]}[/] {DESCRIPTIONS[kind]}")
    parts.append(f"[$owner-preview bold]{preview}[/] draft would take")
    parts.append(f"[italic]{ASCII_HIDDEN_GLYPH if ascii_only else HIDDEN_GLYPH}[/] not seen by the kubelet")
    parts.append("[reverse]n[/] cursor  [underline]n[/] related")
    return Content.from_markup(("  " if compact else "\n").join(parts))


class Legend(Static):
    DEFAULT_CSS = """
    Legend { height: auto; padding: 0 1; }
    """

    def __init__(
        self,
        compact: bool = False,
        *,
        ascii_only: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(legend_content(compact, ascii_only), id=id, classes=classes)
