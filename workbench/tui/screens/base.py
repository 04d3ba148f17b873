"""What every workbench screen shares: the mode tabs on top and the footer below the screen's
own widgets, the host app seen through its protocol (no import of the app, which opens the
screens), and a redraw when the session changes."""

from __future__ import annotations

import gc
from typing import ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from workbench.tui.host import Host
from workbench.tui.messages import SessionChanged
from workbench.tui.widgets.mode_tabs import ModeTabs

# Full collections at most one per this many middle-generation ones (CPython's default is 10).
# What the screens keep after their first paint (decisions, grid layouts, Textual's strip
# caches) still takes a full pass 15-30 ms on a 512-CPU node; at the default one fell every
# ~70 keys on the Draft screen, and those passes were its slowest keys. Young garbage is still
# collected as often as before; only cycles that outlive two collections wait longer.
_FULL_GC_EVERY = 100


def _settle_gc() -> None:
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _FULL_GC_EVERY)


class WorkbenchScreen(Screen[None]):
    MODE: ClassVar[str] = ""

    @property
    def wb(self) -> Host:
        return cast(Host, self.app)

    def compose(self) -> ComposeResult:
        # `--ascii`: the stylesheet draws panel borders with + - | (workbench.tcss `.-ascii`).
        self.set_class(self.wb.ascii_only, "-ascii")
        yield ModeTabs(self.MODE, self.wb.keymap)
        yield from self.compose_body()
        yield Footer()
        # What a screen builds when it first shows (widgets, styles, the node's model) lives as
        # long as the app. Left in the collector's oldest generation, every full collection walks
        # it again: 140-190 ms a pass on a 512-CPU node's Draft screen, its slowest keys. Frozen
        # once painted, a full pass walks only what was made since (7-8 ms).
        self.call_after_refresh(_settle_gc)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the tabs and the footer."""
        yield from ()

    def refresh_view(self) -> None:
        """Redraw everything from the session."""

    def on_session_changed(self, event: SessionChanged) -> None:
        event.stop()
        self.refresh_view()
