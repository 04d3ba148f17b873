"""What every workbench screen shares: the mode tabs on top and the footer below the screen's
own widgets, the host app seen through its protocol (no import of the app, which opens the
screens), and a redraw when the session changes."""

from __future__ import annotations

import gc
from typing import ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen

from workbench.tui.host import Host
from workbench.tui.messages import SessionChanged
from workbench.tui.widgets.footer import WorkbenchFooter
from workbench.tui.widgets.mode_tabs import ModeTabs

# Full collections at most one per this many middle-generation ones (CPython's default is 10).
# What the screens keep after their first paint (decisions, grid layouts, Textual's strip
# caches) still takes a full pass 15-30 ms on a 512-CPU node; at the default one fell every
# ~70 keys on the Draft screen, and those passes were its slowest keys. Young garbage is still
# collected as often as before; only cycles that outlive two collections wait longer.
_FULL_GC_EVERY = 100


class WorkbenchScreen(Screen[None]):
    MODE: ClassVar[str] = ""

    @property
    def wb(self) -> Host:
        return cast(Host, self.app)

    def compose(self) -> ComposeResult:
        # `--ascii`: the stylesheet draws panel borders with + - | (workbench.tcss `.-ascii`).
        self.set_class(self.wb.ascii_only, "-ascii")
        # The width class (-narrow, -wide) Textual gives the screen on its first resize, given
        # now: added after mounting, it restyled all the screen's widgets before the first frame.
        breakpoints = self.HORIZONTAL_BREAKPOINTS
        if breakpoints is None:
            breakpoints = self.app.HORIZONTAL_BREAKPOINTS
        self.update_classes(_width_classes(self.app.size.width, breakpoints), update=False)
        yield ModeTabs(self.MODE, self.wb.keymap)
        yield from self.compose_body()
        yield WorkbenchFooter()
        # What a screen builds when it first shows (widgets, styles, the node's model) lives as
        # long as the app. Left in the collector's oldest generation, every full collection walks
        # it again: 140-190 ms a pass on a 512-CPU node's Draft screen, its slowest keys. Frozen
        # once painted, a full pass walks only what was made since (7-8 ms).
        self.call_after_refresh(settle_heap)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the tabs and the footer."""
        yield from ()

    def refresh_view(self) -> None:
        """Redraw everything from the session."""

    def on_session_changed(self, event: SessionChanged) -> None:
        event.stop()
        self.refresh_view()


def settle_heap() -> None:
    """Freeze what the app has built so far, then let the collector run: `workbench demo`
    starts with it off (`tui.launch.run_demo`) so that it does not walk the start-up's objects
    several times before the first frame, and the first screen drawn turns it back on."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _FULL_GC_EVERY)
    gc.enable()


def _width_classes(width: int, breakpoints: list[tuple[int, str]] | None) -> dict[str, bool]:
    """The breakpoint classes as `Screen._on_resize` sets them: the widest one `width` reaches."""
    classes = {name: False for _, name in breakpoints or []}
    for least, name in sorted(breakpoints or [], reverse=True):
        if width >= least:
            classes[name] = True
            break
    return classes
