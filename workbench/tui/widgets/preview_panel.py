"""The admission preview beside the draft: the verdict, hints, placement and advice as text, and
the node grid with the CPUs the draft would take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

from workbench.services.ownership import Owner
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.tui.viewmodel.preview_view import preview_lines
from workbench.tui.viewmodel.session import Preview
from workbench.tui.viewmodel.shown import shown
from workbench.tui.widgets.numa_grid import NumaGrid

if TYPE_CHECKING:
    from textual.css.styles import RulesMap

_TAGS = {
    "ok": "$success bold",
    "bad": "$error bold",
    "head": "bold underline",
    "dim": "dim",
    "err": "$error",
    "advice": "$accent",
}


def set_content(widget: Static, content: str | Content, *, fixed_height: bool = False) -> None:
    """`widget.update(content)` unless it already shows it: an update lays the screen out again,
    which `fixed_height` (a one-line header or status whose CSS height is fixed) spares."""
    if widget.content != content:
        widget.update(content, layout=not fixed_height)


class PreviewText(Static):
    """The preview's text, keeping the tallest height it has had at its width: most decisions
    change the text by a line or two, and each change of its height moved and resized the grid
    below it (a layout of the grid, often a scrollbar toggled, and a repaint of the panel: the
    slowest Draft keys). A shorter text leaves blank lines instead; a new width starts afresh."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._floor = (0, 0)  # (width, tallest height at that width)

    def show(self, content: Content) -> None:
        """Update to `content`; without a layout when it fits the kept height (nothing moves)."""
        if self.content == content:
            return
        width, tallest = self._floor
        fits = (
            tallest > 0
            and width == self.content_size.width
            # Measured as Textual measures a Static (`Widget.get_content_height`).
            and content.get_height(cast("RulesMap", self.styles), width) <= tallest
        )
        self.update(content, layout=not fits)

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if changed:
            width, tallest = self._floor
            if size.width != width and tallest:
                # Measured again (the next layout) without the old width's floor.
                self._floor = (size.width, 0)
                self.styles.min_height = None
            elif size.width != width or size.height > tallest:
                self._floor = (size.width, size.height)
                self.styles.min_height = size.height
        return changed


class PreviewPanel(VerticalScroll, can_focus=True):
    def __init__(self, *, ascii_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii_only = ascii_only
        # The text of the last few previews (the same decision comes back when a key is undone).
        self._texts: dict[tuple[int, bool], tuple[Preview, Content]] = {}
        self._drawn: tuple[object, ...] | None = None

    # The arrows scroll at once: an animated scroll repaints for many frames after each key.
    def action_scroll_up(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_up(animate=False)

    def action_scroll_down(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_down(animate=False)

    def compose(self) -> ComposeResult:
        yield PreviewText(id="preview-text")
        grid = NumaGrid(id="preview-grid", ascii_only=self.ascii_only)
        grid.can_focus = False
        yield grid

    def show(
        self,
        preview: Preview,
        *,
        show_timing: bool,
        topology: Topology,
        owners: Mapping[int, Owner],
        cpus: CPUSet,
        memory: dict[int, tuple[int, int]],
    ) -> None:
        self.query_one("#preview-text", PreviewText).show(self._text(preview, show_timing))
        grid = self.query_one("#preview-grid", NumaGrid)
        zoom = None
        if preview.decision and preview.decision.hint and preview.decision.hint.mask:
            mask = sorted(preview.decision.hint.mask)
            zoom = mask[0] if len(mask) == 1 else None
        drawn = (topology, owners, cpus, memory, zoom)
        if drawn != self._drawn:  # a grid layout of a 512-CPU node takes a frame or two
            self._drawn = drawn
            grid.zoom = zoom
            grid.show(topology, owners, preview=cpus, memory=memory)

    def _text(self, preview: Preview, show_timing: bool) -> Content:
        key = (id(preview), show_timing)
        known = self._texts.get(key)
        if known is not None and known[0] is preview:
            return known[1]
        lines = preview_lines(preview, show_timing, self.ascii_only)
        # Decisions quote the draft's names and values: each line drawn as one safe line.
        text = Content("\n").join(
            Content.styled(shown(line, 400), _TAGS[tag]) if tag else Content(shown(line, 400))
            for tag, line in lines
        )
        if len(self._texts) >= 32:
            self._texts.pop(next(iter(self._texts)))
        self._texts[key] = (preview, text)
        return text
