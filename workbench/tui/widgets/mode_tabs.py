"""The screen keys as tabs on the top line (`1 Node  2 Draft  3 Commit  4 Journal`), the
current one in reverse video: the footer then holds only the screen's own keys, and at 80
columns every key's label is on screen."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from workbench.tui.bindings import APP, MODES


def tabs_content(current: str, keymap: Mapping[str, str]) -> Content:
    keys = {b.id: keymap.get(b.id or "", b.key) for b in APP if b.id}
    parts = []
    for mode, label in MODES:
        key = keys.get(f"app.{mode}", "").split(",")[0]
        text = f" {key} {label} "
        parts.append(Content.styled(text, "reverse bold") if mode == current else Content(text))
    return Content("").join(parts)


class ModeTabs(Static):
    DEFAULT_CSS = """
    ModeTabs { height: 1; width: 1fr; background: $panel; color: $foreground; }
    """

    def __init__(self, current: str, keymap: Mapping[str, str]) -> None:
        super().__init__(tabs_content(current, keymap), id="mode-tabs")
