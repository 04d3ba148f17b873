"""`?`: every key binding with its id (for keymap.toml) and the grid legend."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.tui import bindings
from workbench.tui.widgets.legend import Legend


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.HELP)
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _, _ in self.rows), default=4) + 2
        idw = max((len(i) for _, i, _ in self.rows), default=4) + 2
        lines = [f"{'key'.ljust(width)}{'binding id'.ljust(idw)}what it does"]
        lines += [f"{k.ljust(width)}{i.ljust(idw)}{d}" for k, i, d in self.rows]
        with VerticalScroll():
            yield Static('[b]Keys[/b]  (remap in ~/.config/workbench/keymap.toml: \\[keymap] id = "key")')
            yield Static("\n".join(lines), markup=False)
            yield Static("\n[b]Legend[/b]  (CPU ids are OS ids, as cpusets and the kubelet use)")
            yield Legend()
