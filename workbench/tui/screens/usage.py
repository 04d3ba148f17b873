"""Usage screen (5): one row per pool and container with a usage bar and a short history,
throttled share, CPU pressure, the NUMA split and which limit binds; a heat strip of every
CPU's busy share per NUMA node; findings. Sorted (`U` usage, `t` throttled, `P` pressure, `N`
owner; again reverses) and filtered (`/`) like k9s. Samples only while shown, at most once per
interval, and updates only the cells that changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets.data_table import ColumnKey, RowKey

from workbench.services.usage_view import (
    HISTORY_EVERY,
    UsageHistory,
    UsageRow,
    arrange,
    heat_rows,
    usage_rows,
)
from workbench.tui import bindings
from workbench.tui.screens.table_filter import TableFilter
from workbench.tui.viewmodel.usage_glyphs import HEAT, bar, heat, pct, sparkline, steady, steady_level

if TYPE_CHECKING:
    from workbench.services.usage import UsageHandle, UsageReport
    from workbench.tui.app import WorkbenchApp

# The figures first, so 80 columns show what matters; the CPU lists and NUMA split scroll in.
COLUMNS = ("owner", "use", "cores", "history", "thr", "psi", "limit", "kind", "cpus", "numa")
# The history column's header says how long one of its points is.
HEADERS = {"history": f"history {HISTORY_EVERY}s"}
BAR, SPARK = 8, 12
# Display resolution: usage in 0.05 core, shares in whole percent (what a reader takes in at
# 1 Hz); a figure moves on the screen only when it moves by that much (see `steady`).
CORE_STEP, SHARE_STEP = 0.05, 0.01
FINDINGS_EVERY = 5


class UsageScreen(TableFilter, Screen[None]):
    DEFAULT_CSS = """
    UsageScreen #usage-table { height: 1fr; }
    UsageScreen #usage-heat { height: auto; max-height: 4; padding: 0 1; }
    UsageScreen #usage-findings { height: auto; max-height: 5; padding: 0 1; color: $warning; }
    """
    FILTER_ID = "ufilter"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.USAGE)

    def __init__(self) -> None:
        super().__init__()
        self.handle: UsageHandle | None = None
        self.history = UsageHistory()
        self.rows: list[UsageRow] = []
        self.shown: dict[str, tuple[str, ...]] = {}
        self.order: list[str] = []
        self.match = ""
        self.sort = ""
        self.descending = True
        self.paused = False
        self.timer: Timer | None = None
        self.report: UsageReport | None = None
        self.problem = ""
        self.texts: dict[str, str] = {}
        self.heights: dict[str, int] = {}
        # What each row and CPU shows now (held until the figure moves by a display step).
        self.held: dict[str, tuple[float | None, float | None, float | None]] = {}
        self.held_busy: dict[int, float | None] = {}
        self.reports = 0
        self.finding_subjects: tuple[tuple[str, str], ...] = ()

    @property
    def wb(self) -> WorkbenchApp:
        # Not imported at run time: the app imports this screen (no cycle).
        return cast("WorkbenchApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("Usage · starting…", id="usage-header", classes="header")
        yield DataTable(id="usage-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="usage-heat", markup=False)
        yield Static(id="usage-findings", markup=False)
        yield Input(
            placeholder="filter by owner, kind, CPUs or limit (esc clears)", id="ufilter", classes="hidden"
        )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(HEADERS.get(name, name), key=name)
        self._open()
        self.query_one(DataTable).focus()

    def _open(self) -> None:
        from workbench.errors import InputError
        from workbench.services.source import Node
        from workbench.services.usage import start_for_face

        s, committer = self.wb.session, self.wb.committer
        node = Node(s.topology, s.config, s.state)
        try:
            label = committer.label if committer is not None else ""
            self.handle = start_for_face(
                node, tree_label=label, cgroup_root=committer.root if committer else None
            )
        except InputError as exc:
            self.problem = exc.line()
            self._header()
            return
        interval = self.handle.session.interval_s
        self.handle.session.tick()
        self._header()
        self.timer = self.set_interval(interval, self.sample, pause=False)

    def on_screen_suspend(self) -> None:
        if self.timer is not None:
            self.timer.pause()  # nothing shown: nothing sampled

    def on_screen_resume(self) -> None:
        if self.timer is not None and not self.paused:
            self.timer.resume()

    def on_unmount(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def sample(self) -> None:
        if self.handle is None:
            return
        report = self.handle.session.tick()
        if report is None:
            return
        self.report = report
        self.rows = usage_rows(report, self.history)
        self.refresh_view()

    def refresh_view(self) -> None:
        self._header()
        self._table()
        self._heat()
        findings = self.report.findings if self.report else ()
        # Findings are sustained states: their wording is redrawn when the set changes or every
        # FINDINGS_EVERY reports, not each second for a figure's last digit.
        subjects = tuple((f.kind, f.subject) for f in findings)
        self.reports += 1
        if subjects != self.finding_subjects or self.reports % FINDINGS_EVERY == 0:
            self.finding_subjects = subjects
            text = "\n".join(f"! {f.text}" for f in findings) or "no findings"
            self._update("#usage-findings", text)

    def _update(self, selector: str, text: str) -> None:
        """Repaint a text only when it changed (each repaint is bytes to the terminal), and lay
        the screen out again only when its height changed: a layout repaints the table's
        scrollbar, a thousand bytes."""
        if self.texts.get(selector) == text:
            return
        self.texts[selector] = text
        widget = self.query_one(selector, Static)
        widget.update(text, layout=False)
        widget.clear_cached_dimensions()
        height = widget.get_content_height(widget.size, self.size, widget.content_size.width)
        if self.heights.get(selector) != height:
            self.heights[selector] = height
            widget.refresh(layout=True)

    def _header(self) -> None:
        r = self.report
        where = self.handle.session.label if self.handle else "no usage source"
        state = (
            "paused"
            if self.paused
            else (f"every {self.handle.session.interval_s:g} s" if r and self.handle else "first sample…")
        )
        extra = f" · filter {self.match!r}" if self.match else ""
        extra += f" · sort {self.sort}{'↓' if self.descending else '↑'}" if self.sort else ""
        text = f"Usage · {where} · {state}{extra}"
        self._update("#usage-header", self.problem or text)

    def _hold(self, row: UsageRow) -> tuple[float | None, float | None, float | None]:
        """The row's usage, throttled share and pressure at display resolution, held while the
        measured figures stay within a step of what is shown."""
        was = self.held.get(row.key, (None, None, None))
        now = (
            steady(was[0], row.usage, CORE_STEP),
            steady(was[1], row.throttled, SHARE_STEP),
            steady(was[2], row.psi, SHARE_STEP),
        )
        self.held[row.key] = now
        return now

    def _cells(self, row: UsageRow) -> tuple[str, ...]:
        ascii_only = self.wb.ascii_only
        owner = row.owner if row.pool_row else f"  {row.owner}"
        owner = owner if len(owner) <= 26 else owner[:25] + "…"
        usage, throttled, psi = self._hold(row)
        cores = "-" if usage is None else f"{usage:.2f}/{row.capacity:g}"
        share = None if usage is None or row.capacity <= 0 else min(1.0, usage / row.capacity)
        return (
            owner, bar(share, BAR, ascii_only=ascii_only), cores,
            sparkline(row.history, SPARK, ascii_only=ascii_only), pct(throttled), pct(psi),
            row.limit, row.kind, row.cpus, row.numa,
        )  # fmt: skip

    def _table(self) -> None:
        table = self.query_one(DataTable)
        rows = arrange(self.rows, match=self.match, sort=self.sort, descending=self.descending)
        keys = [r.key for r in rows]
        if keys != self.order:
            table.clear()
            self.shown = {}
            for r in rows:
                cells = self._cells(r)
                table.add_row(*cells, key=r.key)
                self.shown[r.key] = cells
            self.order = keys
            return
        for y, r in enumerate(rows):  # the same rows in the same order: only changed cells are redrawn
            cells = self._cells(r)
            old = self.shown.get(r.key, ())
            for col, (new, was) in enumerate(zip(cells, old, strict=False)):
                if new != was:
                    _set_cell(table, r.key, COLUMNS[col], new, Coordinate(y, col))
            self.shown[r.key] = cells

    def _heat(self) -> None:
        if self.report is None:
            return
        topo = self.wb.session.topology
        lines = []
        held = self.held_busy
        for h in heat_rows(self.report, ((n.id, n.cpus) for n in topo.numa_nodes)):
            if h.cpus:
                for cpu, busy in zip(h.cpus, h.busy, strict=True):
                    held[cpu] = steady_level(held.get(cpu), busy, len(HEAT))
                shown = [held[cpu] for cpu in h.cpus]
                lines.append(f"N{h.numa} {heat(shown, ascii_only=self.wb.ascii_only)}")
        self._update("#usage-heat", "  ".join(lines))

    def action_sort(self, key: str) -> None:
        self.descending = not self.descending if self.sort == key else True
        self.sort = key
        self.refresh_view()

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.timer is not None:
            (self.timer.pause if self.paused else self.timer.resume)()
        self._header()



def _set_cell(table: DataTable[str], row: str, column: str, value: str, at: Coordinate) -> None:
    """`update_cell` repaints the whole table (every row sent to the terminal each second); this
    repaints the one cell. Falls back to `update_cell` if DataTable's internals change."""
    try:
        table._data[RowKey(row)][ColumnKey(column)] = value
        table._update_count += 1
    except (AttributeError, KeyError, TypeError):
        table.update_cell(row, column, value)
        return
    table.refresh_coordinate(at)
