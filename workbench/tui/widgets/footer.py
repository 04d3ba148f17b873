"""Textual's footer, recomposed once per burst of binding changes, its keys styled once.

Textual's `Footer` schedules a full recompose for every `bindings_updated` signal; a screen
starting up sends three (mount, resume, the first focus), so before the first paint the footer
built, styled and threw away its keys three times. The recompose reads the screen's bindings
when it runs, so one queued recompose shows the same keys as three. And each `FooterKey` was
restyled twice more as it mounted: its `compact` reactive starts True (class `-compact` added,
a restyle), then the footer's binding sets it to the footer's False (removed, a restyle). Given
the footer's value before mounting, neither happens. And a signal that changes no key (focus
moving within the screen) rebuilds nothing. Together about a fifth of the time from `App.run`
to the first frame.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class WorkbenchFooter(Footer):
    _recompose_queued = False
    _composed: tuple[object, ...] | None = None  # `_keys()` when the keys were last built

    def _keys(self) -> tuple[object, ...]:
        """Everything `Footer.compose` draws the keys from."""
        app = self.app
        return (
            self.compact,
            self.show_command_palette,
            self.combine_groups,
            tuple(
                (b.key, app.get_key_display(b), b.description, b.action, b.show, b.group, b.tooltip, on, tip)
                for _, b, on, tip in self.screen.active_bindings.values()
            ),
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed = self._keys()
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
        if not self.is_attached:
            return  # its screen went away meanwhile (as `recompose` itself checks)
        if self._composed is not None and self._keys() == self._composed:
            return  # the signal came, the keys did not change (focus moved within the screen)
        await self.recompose()
