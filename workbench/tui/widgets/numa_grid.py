"""The NUMA grid: one widget drawing its own lines (Textual's Line API), so a node with hundreds
of CPUs costs one widget, not hundreds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.services.ownership import Owner, OwnerKind
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.tui import bindings
from workbench.tui.viewmodel.grid import GridLayout, LayoutCache, layout_grid
from workbench.tui.viewmodel.grid_cells import Cell
from workbench.tui.viewmodel.grid_nav import Direction, move
from workbench.tui.viewmodel.heat_overlay import HeatMarks, changed_lines
from workbench.tui.viewmodel.machine_view import MachineView, machine_view

_STRIPS_KEPT = 8  # layouts whose strips are kept (LayoutCache keeps 16 layouts)


class NumaGrid(ScrollView, can_focus=True):
    """Sockets > NUMA nodes > cores > hyperthreads, each CPU with its owner's glyph and colour."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings.GRID)

    COMPONENT_CLASSES = {
        "numa-grid--shared",
        "numa-grid--reserved",
        "numa-grid--bubble",
        "numa-grid--pod-shared",
        "numa-grid--exclusive",
        "numa-grid--preview",
        "numa-grid--border",
        "numa-grid--title",
        "numa-grid--dim",
        "numa-grid--cursor",
        "numa-grid--related",
        "numa-grid--hidden",
        *(f"numa-grid--heat-{n}" for n in range(5)),
        "numa-grid--heat-none",
    }

    DEFAULT_CSS = """
    NumaGrid { background: $surface; padding: 0 0; }
    NumaGrid > .numa-grid--shared { color: $owner-shared; }
    NumaGrid > .numa-grid--reserved { color: $owner-reserved; }
    NumaGrid > .numa-grid--bubble { color: $owner-bubble; }
    NumaGrid > .numa-grid--pod-shared { color: $owner-pod-shared; }
    NumaGrid > .numa-grid--exclusive { color: $owner-exclusive; text-style: bold; }
    NumaGrid > .numa-grid--preview { color: $owner-preview; text-style: bold; }
    NumaGrid > .numa-grid--border { color: $foreground-muted; }
    NumaGrid > .numa-grid--title { color: $foreground; text-style: bold; }
    NumaGrid > .numa-grid--dim { color: $foreground-muted; }
    NumaGrid > .numa-grid--cursor { text-style: reverse bold; }
    NumaGrid > .numa-grid--related { text-style: underline; }
    NumaGrid > .numa-grid--hidden { color: $foreground-muted; text-style: italic; }
    NumaGrid > .numa-grid--heat-0 { color: $foreground-muted; }
    NumaGrid > .numa-grid--heat-1 { color: $success; }
    NumaGrid > .numa-grid--heat-2 { color: $warning; }
    NumaGrid > .numa-grid--heat-3 { color: $warning; text-style: bold; }
    NumaGrid > .numa-grid--heat-4 { color: $error; text-style: bold; }
    NumaGrid > .numa-grid--heat-none { color: $foreground-muted; }
    """

    class CursorMoved(Message):
        def __init__(self, grid: NumaGrid, cpu: int | None) -> None:
            super().__init__()
            self.grid = grid
            self.cpu = cpu

    class Relaid(Message):
        """A new layout (resize, zoom, collapse): per-cell marks (the heat overlay) are
        stale."""

    def __init__(
        self,
        *,
        ascii_only: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.topology: Topology | None = None
        self.owners: Mapping[int, Owner] = {}
        self.preview: CPUSet = CPUSet()
        self.memory: dict[int, tuple[int, int]] = {}
        self.highlight: CPUSet = CPUSet()  # CPUs of the selected pod / filter match
        self.cursor: int | None = None
        self.zoom: int | None = None
        self.collapse: bool | None = None
        self.ascii_only = ascii_only  # `--ascii`: + - | boxes and ASCII glyphs (lstopo's rule)
        self.grid_layout: GridLayout | None = None
        self.machine_view: MachineView | None = None  # of `topology`, kept while it is the same
        self.heat: HeatMarks | None = None  # the heat overlay (`u`): cell's CPU -> glyph, level
        self._strips: dict[int, Strip] = {}
        # The strips of the layouts shown before, with the marks they were drawn with: the
        # Draft screen goes back to a decision it showed a few keys ago.
        self._saved_strips: dict[int, tuple[GridLayout, tuple[object, ...], dict[int, Strip]]] = {}
        self._styles: dict[tuple[object, ...], Style] = {}
        self._related: CPUSet = CPUSet()
        self._related_nodes: CPUSet = CPUSet()
        self._pod_cpus: dict[str, CPUSet] = {}
        self._layouts = LayoutCache()

    # ---- data ----------------------------------------------------------------------------
    def show(
        self,
        topology: Topology,
        owners: Mapping[int, Owner],
        *,
        preview: CPUSet | None = None,
        memory: dict[int, tuple[int, int]] | None = None,
    ) -> None:
        if self.machine_view is None or topology is not self.topology:
            self.machine_view = machine_view(topology)
        self.topology = topology
        self.owners = owners
        by_pod: dict[str, list[int]] = {}
        for cpu, owner in owners.items():
            if owner.pod:
                by_pod.setdefault(owner.pod, []).append(cpu)
        self._pod_cpus = {pod: CPUSet(cpus) for pod, cpus in by_pod.items()}
        self.preview = preview or CPUSet()
        self.memory = memory or {}
        self._relayout()

    def set_highlight(self, cpus: CPUSet) -> None:
        if cpus == self.highlight:
            return
        before = self._marked()
        self.highlight = cpus
        self._update_related()
        self._repaint_changed(before)

    def set_heat(self, marks: HeatMarks | None) -> None:
        """Show (or, with None, hide) the heat overlay; repaints only the lines whose glyphs
        changed."""
        if marks is None or self.heat is None or self.grid_layout is None:
            self.heat = marks
            self._invalidate()
            return
        lines = changed_lines(self.grid_layout, self.heat, marks)
        self.heat = marks
        self._repaint(lines)

    def _relayout(self) -> None:
        if self.topology is None:
            return
        width = self.scrollable_content_region.width or self.size.width or 80
        height = self.scrollable_content_region.height or self.size.height or None
        layout = layout_grid(
            self.topology,
            self.owners,
            width,
            preview=self.preview,
            memory=self.memory,
            zoom=self.zoom,
            collapse=self.collapse,
            ascii_only=self.ascii_only,
            max_lines=height,
            view=self.machine_view,
            cache=self._layouts,
        )
        if layout is self.grid_layout:
            # Drawn from the same inputs (a resize that leaves the layout as it was, the same
            # decision shown again): its lines and their cached strips stand.
            return
        old = self.grid_layout
        if old is not None:
            self._saved_strips[id(old)] = (old, self._strip_marks(), self._strips)
            while len(self._saved_strips) > _STRIPS_KEPT:
                self._saved_strips.pop(next(iter(self._saved_strips)))
        self.grid_layout = layout
        if self.cursor is None or self.cursor not in self.grid_layout.positions:
            self.cursor = move(self.grid_layout, None, "right")
        virtual_size = Size(self.grid_layout.width, len(self.grid_layout.lines))
        if self.styles.scrollbar_gutter == "stable" and self.container_size:
            # The width does not depend on the scrollbar, the region stays: no screen layout,
            # the scrollbars updated now (a layout only if one comes or goes; Textual decides
            # that after a layout, then lays the screen out again).
            self.set_reactive(NumaGrid.virtual_size, virtual_size)
            self._scroll_update(virtual_size)
        else:
            self.virtual_size = virtual_size
        self._update_related()
        saved = self._saved_strips.pop(id(layout), None)
        if saved is not None and saved[0] is layout and saved[1] == self._strip_marks():
            self._strips = saved[2]
        else:
            self._strips = {}
        self.refresh()
        if self.heat is not None:
            self.post_message(self.Relaid())

    def _update_related(self) -> None:
        if self.topology is not None and self.cursor is not None and self.cursor in self.topology.cpu_by_id:
            # Its thread siblings and every CPU of its pod (admission's `related_cpus`, from
            # lookups made once per `show`).
            owner = self.owners.get(self.cursor)
            pod = self._pod_cpus.get(owner.pod, CPUSet()) if owner and owner.pod else CPUSet()
            self._related = self.topology.siblings(self.cursor) | pod
        elif self.machine_view is not None and self.cursor is not None:
            # A CPU the kubelet cannot see: its thread siblings as the machine has them.
            m = self.machine_view.machine
            found = m.cpu_by_id.get(self.cursor)
            self._related = m.cpus_by_core[found.core] if found else CPUSet()
        else:
            self._related = CPUSet()
        self._related_nodes = CPUSet()
        if self.topology is not None:
            owner = self.owners.get(self.cursor) if self.cursor is not None else None
            pod_related = self._related if owner is not None and owner.pod else CPUSet()
            self._related_nodes = self.topology.numa_of(pod_related | self.highlight)

    def _invalidate(self) -> None:
        self._strips.clear()
        self._styles.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        # A theme change restyles the component classes: the cached strips hold the old styles.
        super().notify_style_update()
        self._strips.clear()
        self._saved_strips.clear()
        self._styles.clear()

    def _strip_marks(self) -> tuple[object, ...]:
        """What a layout's strips are drawn with besides the layout: the cursor and its marks, the
        heat, the base style and the width."""
        return (*self._marked(), self.heat, self.rich_style, self.scrollable_content_region.width)

    def _marked(self) -> tuple[int | None, CPUSet, CPUSet]:
        return self.cursor, self._related | self.highlight, self._related_nodes

    def _repaint_changed(self, before: tuple[int | None, CPUSet, CPUSet]) -> None:
        """Repaint only the lines the cursor / related / highlight change touched (two lines for
        a cursor step, not the whole grid)."""
        layout = self.grid_layout
        if layout is None:
            return
        cursor, marked, nodes = before
        cpus = set(marked.as_frozenset() ^ (self._related | self.highlight).as_frozenset())
        cpus.update(c for c in (cursor, self.cursor) if c is not None)
        lines = {layout.positions[c][0] for c in cpus if c in layout.positions}
        for node in nodes.as_frozenset() ^ self._related_nodes.as_frozenset():
            lines.update(layout.title_lines.get(node, ()))
        self._repaint(lines)

    def _repaint(self, lines: set[int]) -> None:
        for y in lines:
            self._strips.pop(y, None)
            self.refresh_line(y)

    def on_resize(self) -> None:
        self._relayout()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Lay the grid out for its new size within the screen layout that resized it (Textual
        # 8.2's hook, called before that layout is painted): waiting for the Resize event drew
        # the old grid first and laid the screen out and painted again a frame later; the event
        # then finds the layout made (`_relayout` returns early).
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if changed:
            self._relayout()
        return changed

    # ---- actions ---------------------------------------------------------------------------
    def action_move(self, direction: Direction) -> None:
        if self.grid_layout is None:
            return
        new = move(self.grid_layout, self.cursor, direction)
        if new is None or new == self.cursor:
            return
        before = self._marked()
        self.cursor = new
        self._update_related()
        self._repaint_changed(before)
        y, x = self.grid_layout.positions[new]
        self.scroll_to_region_if_needed(y, x)
        self.post_message(self.CursorMoved(self, new))

    def scroll_to_region_if_needed(self, y: int, x: int) -> None:
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if y < top:
            self.scroll_to(y=max(0, y - 1), animate=False)
        elif y >= top + height:
            self.scroll_to(y=y - height + 2, animate=False)

    def action_zoom(self) -> None:
        if self.topology is None:
            return
        if self.zoom is None and self.cursor is not None and self.machine_view is not None:
            self.zoom = self.machine_view.machine.cpu_by_id[self.cursor].numa
        else:
            self.zoom = None
        self.scroll_to(y=0, animate=False)
        self._relayout()

    def action_collapse(self) -> None:
        self.collapse = True if self.collapse is None else (not self.collapse)
        self._relayout()

    def on_click(self, event: events.Click) -> None:
        """The mouse works too (never needed): a click puts the cursor on that CPU."""
        cpu = self._cpu_at(event.y + self.scroll_offset.y, event.x + self.scroll_offset.x)
        if cpu is not None:
            self.move_cursor_to(cpu)
            self.post_message(self.CursorMoved(self, cpu))

    def _cpu_at(self, y: int, x: int) -> int | None:
        if self.grid_layout is None or not 0 <= y < len(self.grid_layout.lines):
            return None
        at = 0
        for cell in self.grid_layout.lines[y]:
            if at <= x < at + len(cell.text) and cell.cpu is not None:
                return cell.cpu
            at += len(cell.text)
        return None

    def move_cursor_to(self, cpu: int) -> None:
        before = self._marked()
        self.cursor = cpu
        self._update_related()
        self._repaint_changed(before)

    # ---- drawing ---------------------------------------------------------------------------
    def _component(self, *names: str) -> Style:
        """The sum of component styles, looked up once per combination (a repaint of a big
        node's lines asks for the same few hundred times)."""
        style = self._styles.get(names)
        if style is None:
            style = Style()
            for name in names:
                if name:
                    style += self.get_component_rich_style(f"numa-grid--{name}")
            self._styles[names] = style
        return style

    def _marks_of(self, cell: Cell) -> str:
        if self.cursor is not None and self.cursor in cell.cpus:
            return "cursor"
        if not cell.cpus.isdisjoint(self._related) or not cell.cpus.isdisjoint(self.highlight):
            return "related"
        return ""

    def _owner_class(self, cell: Cell) -> str:
        if cell.hidden:
            return "hidden"
        if cell.preview:
            return "preview"
        return (cell.kind or OwnerKind.SHARED).value

    def _segments(self, cell: Cell, base: Style) -> list[Segment]:
        if cell.role == "title" and cell.node is not None and cell.node in self._related_nodes:
            # The NUMA nodes of the selected CPU's pod (or of the filtered pods) stand out too.
            return [Segment(cell.text, base + self._component("title", "cursor"))]
        if cell.role in ("border", "title", "dim"):
            return [Segment(cell.text, base + self._component(cell.role))]
        if cell.role not in ("cpu", "run"):
            return [Segment(cell.text, base)]
        owner, marks = self._owner_class(cell), self._marks_of(cell)
        mark = self.heat.get(cell.cpu) if self.heat is not None and cell.cpu is not None else None
        if mark is None:
            return [Segment(cell.text, base + self._component(owner, marks))]
        # Heat on: the glyph is the busy level (in the heat colour); the CPU id keeps the
        # owner's colour, and the cursor / related marks cover both.
        glyph, level = mark
        heat = "heat-none" if level is None else f"heat-{level}"
        return [
            Segment(glyph, base + self._component(heat, marks)),
            Segment(cell.text[len(glyph) :], base + self._component(owner, marks)),
        ]

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        strip = self._strips.get(index)
        if strip is None:
            if self.grid_layout is None or index >= len(self.grid_layout.lines):
                strip = Strip.blank(width, self.rich_style)
            else:
                base = self.rich_style
                segments = [seg for c in self.grid_layout.lines[index] for seg in self._segments(c, base)]
                strip = Strip(segments).extend_cell_length(max(width, self.grid_layout.width), base)
            self._strips[index] = strip
        return strip.crop(self.scroll_offset.x, self.scroll_offset.x + width)
