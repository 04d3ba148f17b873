"""Textual's footer, recomposed once per burst of binding changes, its keys styled once.

Textual's `Footer` schedules a full recompose for every `bindings_updated` signal; a screen
starting up sends three (mount, resume, the first focus), so before the first paint the footer
built, styled and threw away its keys three times. The recompose reads the screen's bindings
when it runs, so one queued recompose shows the same keys as three. And each `FooterKey` was
restyled twice more as it mounted: its `compact` reactive starts True (class `-compact` added,
a restyle), then the footer's binding sets it to the footer's False (removed, a restyle). Given
the footer's value before mounting, neither happens. Together about a fifth of the time from
`App.run` to the first frame.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class WorkbenchFooter(Footer):
    _recompose_queued = False

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Already what the footer's data binding would set: no watcher, no restyle.
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_queued:
            self._recompose_queued = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        # Cleared first: a change arriving while the keys are rebuilt queues another pass.
        self._recompose_queued = False
        await self.recompose()
