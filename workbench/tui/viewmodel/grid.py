"""The NUMA grid as lines of cells: sockets > NUMA nodes > cores (columns) > hyperthreads (rows).

lstopo's conventions: boxes for NUMA nodes, one column per core with its threads stacked, OS
(physical) CPU ids, runs of identical idle cores collapsed (`--factorize`) when a node would not
fit, and a zoom into one node. Pure layout: the widget maps each cell's role/kind to a style.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property

from workbench.record import Record, setfield
from workbench.services.ownership import Owner, OwnerKind
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.tui.viewmodel.grid_cells import Cell, Line
from workbench.tui.viewmodel.machine_view import NO_NODE, Box, MachineView, machine_view
from workbench.tui.viewmodel.owners import (
    ASCII_GLYPHS,
    ASCII_HIDDEN_GLYPH,
    ASCII_PREVIEW_GLYPH,
    GLYPHS,
    HIDDEN_GLYPH,
    PREVIEW_GLYPH,
)


class GridLayout(Record):
    lines: tuple[Line, ...]
    positions: Mapping[int, tuple[int, int]]  # cpu -> (line, x) of the cell standing for it
    width: int
    collapsed: bool

    # No __slots__: the cached properties below keep their values in the instance's __dict__.
    _fields = ("lines", "positions", "width", "collapsed")

    def __init__(
        self,
        lines: tuple[Line, ...],
        positions: Mapping[int, tuple[int, int]],
        width: int,
        collapsed: bool = False,
    ) -> None:
        setfield(self, "lines", lines)
        setfield(self, "positions", positions)
        setfield(self, "width", width)
        setfield(self, "collapsed", collapsed)

    def text(self) -> str:
        return "\n".join("".join(c.text for c in line).rstrip() for line in self.lines)

    # Computed once per layout (cached_property writes past the frozen __setattr__): a cursor
    # key on a 512-CPU node must not rescan every cell.
    @cached_property
    def anchors(self) -> tuple[tuple[int, int, int], ...]:
        return tuple(_anchors(self))

    @cached_property
    def rows(self) -> Mapping[int, tuple[tuple[int, int], ...]]:
        """line -> its selectable cells' (x, cpu), left to right."""
        out: dict[int, list[tuple[int, int]]] = {}
        for y, x, cpu in self.anchors:
            out.setdefault(y, []).append((x, cpu))
        return {y: tuple(sorted(r)) for y, r in out.items()}

    @cached_property
    def title_lines(self) -> Mapping[int, tuple[int, ...]]:
        """NUMA node -> the lines naming it in a box title."""
        out: dict[int, list[int]] = {}
        for y, line in enumerate(self.lines):
            for c in line:
                if c.role == "title" and c.node is not None:
                    out.setdefault(c.node, []).append(y)
        return {n: tuple(ys) for n, ys in out.items()}


class _Box(Record):
    lines: list[list[Cell]]
    width: int

    __slots__ = _fields = ("lines", "width")

    def __init__(self, lines: list[list[Cell]], width: int) -> None:
        setfield(self, "lines", lines)
        setfield(self, "width", width)


_BOX_UNICODE = {"tl": "┌", "tr": "┐", "bl": "└", "br": "┘", "h": "─", "v": "│"}
_BOX_ASCII = {"tl": "+", "tr": "+", "bl": "+", "br": "+", "h": "-", "v": "|"}


def _gib(size: int) -> str:
    gib = size / 2**30
    return f"{gib:.0f}G" if gib >= 10 or gib == int(gib) else f"{gib:.1f}G"


def _glyph(owner: Owner | None, preview: bool, ascii_only: bool, hidden: bool = False) -> str:
    if hidden:
        return ASCII_HIDDEN_GLYPH if ascii_only else HIDDEN_GLYPH
    if preview:
        return ASCII_PREVIEW_GLYPH if ascii_only else PREVIEW_GLYPH
    kind = owner.kind if owner else OwnerKind.SHARED
    return (ASCII_GLYPHS if ascii_only else GLYPHS)[kind]


def _columns(
    cores: Sequence[Sequence[int]],
    owners: Mapping[int, Owner],
    preview: CPUSet,
    id_width: int,
    collapse: bool,
    ascii_only: bool,
    hidden: Mapping[int, str],
) -> list[list[Cell]]:
    """One list of cells per column (a core, or a run of identical cores), one cell per thread row."""
    threads = max((len(c) for c in cores), default=1)

    def key(core: Sequence[int]) -> tuple[object, ...]:
        return tuple((owners.get(c), c in preview, c in hidden) for c in core)

    cols: list[list[Cell]] = []
    i = 0
    while i < len(cores):
        j = i
        if collapse:
            while (
                j + 1 < len(cores)
                and key(cores[j + 1]) == key(cores[i])
                and len(cores[j + 1]) == len(cores[i])
            ):
                j += 1
        run = cores[i : j + 1]
        if len(run) >= 3:
            col = []
            for t in range(threads):
                ids = CPUSet(c[t] for c in run if t < len(c))
                first = run[0][t] if t < len(run[0]) else None
                owner = owners.get(first) if first is not None else None
                pv = first in preview if first is not None else False
                hid = first in hidden
                text = _glyph(owner, pv, ascii_only, hid) + str(ids)
                kind = owner.kind if owner else None
                col.append(Cell(text, "run", first, kind, ids, pv, hidden=hid) if ids else Cell(""))
            cols.append(col)
            i = j + 1
            continue
        for core in run:
            col = []
            for t in range(threads):
                if t < len(core):
                    cpu = core[t]
                    owner = owners.get(cpu)
                    pv = cpu in preview
                    hid = cpu in hidden
                    text = _glyph(owner, pv, ascii_only, hid) + str(cpu).rjust(id_width)
                    kind = owner.kind if owner else None
                    col.append(Cell(text, "cpu", cpu, kind, CPUSet([cpu]), pv, hidden=hid))
                else:
                    col.append(Cell(""))
            cols.append(col)
        i = j + 1
    # pad every cell of a column to the column's width
    out = []
    for col in cols:
        w = max(len(c.text) for c in col)
        out.append(
            [Cell(c.text.ljust(w), c.role, c.cpu, c.kind, c.cpus, c.preview, hidden=c.hidden) for c in col]
        )
    return out


def _box(
    title: str,
    body: list[list[Cell]],
    inner: int,
    ascii_only: bool,
    footer: str = "",
    node: int | None = None,
) -> _Box:
    b = _BOX_ASCII if ascii_only else _BOX_UNICODE
    title = f" {title} "
    inner = max(inner, len(title) + 1, len(footer) + 2)
    top_rest = max(0, inner - len(title) - 1)
    lines: list[list[Cell]] = [
        [
            Cell(b["tl"] + b["h"], "border"),
            Cell(title, "title", node=node),
            Cell(b["h"] * top_rest + b["tr"], "border"),
        ]
    ]
    for row in body:
        used = sum(len(c.text) for c in row)
        lines.append(
            [Cell(b["v"] + " ", "border"), *row, Cell(" " * max(0, inner - used - 1)), Cell(b["v"], "border")]
        )
    if footer:
        lines.append(
            [Cell(b["v"] + " ", "border"), Cell(footer.ljust(inner - 1), "dim"), Cell(b["v"], "border")]
        )
    lines.append([Cell(b["bl"] + b["h"] * inner + b["br"], "border")])
    return _Box(lines, inner + 2)


def _node_box(
    topology: Topology,
    view: MachineView,
    box: Box,
    owners: Mapping[int, Owner],
    preview: CPUSet,
    memory: Mapping[int, tuple[int, int]],
    max_width: int,
    id_width: int,
    collapse: bool,
    ascii_only: bool,
) -> _Box:
    node, cores = box.node, box.cores
    sep = " - " if ascii_only else " · "
    title = f"NUMA {node}" if node is not None else NO_NODE
    used, mem_total = memory.get(node, (0, box.memory_bytes)) if node is not None else (0, 0)
    if mem_total:
        title += f"{sep}{_gib(mem_total - used)} free/{_gib(mem_total)}"
    devices = [d.name for d in topology.devices if node is not None and d.numa == node]
    unseen = sum(1 for core in cores for c in core if c in view.hidden)
    footer = ("dev " + ",".join(devices)) if devices else ""
    if unseen:  # lstopo marks disallowed PUs; here: what the kubelet does not see
        footer = f"{footer}{sep if footer else ''}{unseen} not seen by the kubelet"
    if not cores:
        return _box(title, [[Cell("memory only", "dim")]], len("memory only") + 2, ascii_only, footer, node)
    cols = _columns(cores, owners, preview, id_width, collapse, ascii_only, view.hidden)
    threads = len(cols[0])
    # wrap columns into bands that fit max_width (box border and padding take 4 cells)
    bands: list[list[list[Cell]]] = [[]]
    used_w = 0
    for col in cols:
        w = len(col[0].text) + 1
        if bands[-1] and used_w + w > max_width - 3:
            bands.append([])
            used_w = 0
        bands[-1].append(col)
        used_w += w
    body: list[list[Cell]] = []
    inner = 0
    for band in bands:
        for t in range(threads):
            row: list[Cell] = []
            for col in band:
                row.append(col[t])
                row.append(Cell(" "))
            inner = max(inner, sum(len(c.text) for c in row) + 1)
            body.append(row)
    return _box(title, body, inner, ascii_only, footer, node)


_Entry = tuple[Topology, MachineView, Mapping[int, Owner], tuple[object, ...], GridLayout]


class LayoutCache:
    """The last few layouts `layout_grid` built, by what they were built from (the topology and
    machine view by identity, the rest by value). The Draft screen shows the same few decisions
    again as the policy or scope goes back and forth, and the preview's scrollbar coming and
    going moves the grid's width between two values: a layout of a 512-CPU node is 7-14 ms."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._entries: list[_Entry] = []

    def get(
        self,
        topology: Topology,
        view: MachineView,
        owners: Mapping[int, Owner],
        values: tuple[object, ...],
        build: Callable[[], GridLayout],
    ) -> GridLayout:
        for t, v, o, vals, layout in reversed(self._entries):
            # Owners by value too: a new kubelet config is a new ownership view, mostly equal.
            if t is topology and v is view and vals == values and (o is owners or o == owners):
                return layout
        layout = build()
        self._entries.append((topology, view, owners, values, layout))
        del self._entries[: -self._size]
        return layout


def layout_grid(
    topology: Topology,
    owners: Mapping[int, Owner],
    width: int,
    *,
    preview: CPUSet | None = None,
    memory: Mapping[int, tuple[int, int]] | None = None,
    zoom: int | None = None,
    collapse: bool | None = None,
    ascii_only: bool = False,
    max_lines: int | None = None,
    view: MachineView | None = None,
    cache: LayoutCache | None = None,
) -> GridLayout:
    """Lay the node out in `width` columns.

    `collapse=None` collapses runs of identical cores only when the full picture would need more
    than `max_lines` lines (or, with no limit, more than three bands per node). With `cache`, a
    layout built before from the same inputs is returned again (the same object).
    """
    preview = preview or CPUSet()
    memory = memory or {}
    view = view or machine_view(topology)
    id_width = len(str(max((c.id for c in view.machine.cpus), default=0)))
    width = max(width, 24)

    def build(do_collapse: bool) -> GridLayout:
        if cache is None:
            return lay_out(do_collapse)
        values = (preview, tuple(sorted(memory.items())), zoom, ascii_only, width, do_collapse)
        return cache.get(topology, view, owners, values, lambda: lay_out(do_collapse))

    def lay_out(do_collapse: bool) -> GridLayout:
        lines: list[Line] = []
        for band in view.bands:
            shown = [b for b in band.boxes if zoom is None or b.node == zoom]
            if not shown:
                continue
            header = band.title
            if zoom is not None:
                header += f"{' - ' if ascii_only else ' · '}zoomed on NUMA {zoom}"
            lines.append((Cell(header, "title"),))
            args = (owners, preview, memory, width, id_width, do_collapse, ascii_only)
            boxes = [_node_box(topology, view, b, *args) for b in shown]
            rows: list[list[_Box]] = [[]]
            row_w = 0
            for box in boxes:
                if rows[-1] and row_w + box.width + 1 > width:
                    rows.append([])
                    row_w = 0
                rows[-1].append(box)
                row_w += box.width + 1
            for row in rows:
                height = max(len(b.lines) for b in row)
                for y in range(height):
                    cells: list[Cell] = []
                    for b in row:
                        part = b.lines[y] if y < len(b.lines) else [Cell(" " * b.width)]
                        cells.extend(part)
                        cells.append(Cell(" "))
                    lines.append(tuple(cells))
        positions: dict[int, tuple[int, int]] = {}
        for y, line in enumerate(lines):
            x = 0
            for cell in line:
                if cell.role in ("cpu", "run"):
                    for cpu in cell.cpus:
                        positions.setdefault(cpu, (y, x))
                x += len(cell.text)
        return GridLayout(tuple(lines), positions, width, do_collapse)

    if collapse is not None:
        return build(collapse)
    full = build(False)
    if max_lines is not None and len(full.lines) <= max_lines:
        return full
    if max_lines is None:
        return full
    collapsed = build(True)
    return collapsed if len(collapsed.lines) < len(full.lines) else full


def _anchors(layout: GridLayout) -> list[tuple[int, int, int]]:
    """(line, x, cpu) of every selectable cell; a run is one stop, its first CPU."""
    out = []
    for y, line in enumerate(layout.lines):
        x = 0
        for cell in line:
            if cell.role in ("cpu", "run") and cell.cpu is not None:
                out.append((y, x, cell.cpu))
            x += len(cell.text)
    return out


def distance_rows(topology: Topology) -> list[list[str]]:
    """The NUMA distance matrix as text rows, header first (lstopo's `--distances`)."""
    ids = topology.numa_ids
    rows = [["", *(str(i) for i in ids)]]
    for a in ids:
        rows.append([str(a), *(str(topology.distance(a, b) or "-") for b in ids)])
    return rows


def visible_kinds(lines: Sequence[Line]) -> set[OwnerKind]:
    return {c.kind for line in lines for c in line if c.kind is not None}
