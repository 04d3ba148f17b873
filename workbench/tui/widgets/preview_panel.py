"""The admission preview beside the draft: the verdict, hints, placement and advice as text, and
the node grid with the CPUs the draft would take."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workbench.services.ownership import Owner
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.tui.viewmodel.preview_view import preview_lines
from workbench.tui.viewmodel.session import Preview
from workbench.tui.viewmodel.shown import shown
from workbench.tui.widgets.numa_grid import NumaGrid

_TAGS = {
    "ok": "$success bold",
    "bad": "$error bold",
    "head": "bold underline",
    "dim": "dim",
    "err": "$error",
    "advice": "$accent",
}


class PreviewPanel(VerticalScroll, can_focus=True):
    def __init__(self, *, ascii_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii_only = ascii_only

    def compose(self) -> ComposeResult:
        yield Static(id="preview-text")
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
        lines = preview_lines(preview, show_timing, self.ascii_only)
        # Decisions quote the draft's names and values: each line drawn as one safe line.
        text = Content("\n").join(
            Content.styled(shown(line, 400), _TAGS[tag]) if tag else Content(shown(line, 400))
            for tag, line in lines
        )
        self.query_one("#preview-text", Static).update(text)
        grid = self.query_one("#preview-grid", NumaGrid)
        zoom = None
        if preview.decision and preview.decision.hint and preview.decision.hint.mask:
            mask = sorted(preview.decision.hint.mask)
            zoom = mask[0] if len(mask) == 1 else None
        grid.zoom = zoom
        grid.show(topology, owners, preview=cpus, memory=memory)
