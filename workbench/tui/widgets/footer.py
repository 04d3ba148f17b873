"""Textual's footer, recomposed once per burst of binding changes.

Textual's `Footer` schedules a full recompose for every `bindings_updated` signal; a screen
starting up sends three (mount, resume, the first focus), so before the first paint the footer
built, styled and threw away its keys three times (each key restyled twice more as its `compact`
reactive settles): about a fifth of the time from `App.run` to the first frame. The recompose
reads the screen's bindings when it runs, so one queued recompose shows the same keys as three.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class WorkbenchFooter(Footer):
    _recompose_queued = False

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
