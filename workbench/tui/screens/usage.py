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

from workbench.services.usage_view import UsageHistory, UsageRow, arrange, heat_rows, usage_rows
from workbench.tui import bindings
from workbench.tui.screens.table_filter import TableFilter
from workbench.tui.viewmodel.usage_glyphs import bar, heat, pct, sparkline

if TYPE_CHECKING:
    from workbench.services.usage import UsageHandle, UsageReport
    from workbench.tui.app import WorkbenchApp

# The figures first, so 80 columns show what matters; the CPU lists and NUMA split scroll in.
COLUMNS = ("owner", "use", "cores", "history", "thr", "psi", "limit", "kind", "cpus", "numa")
BAR, SPARK = 8, 12
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
            table.add_column(name, key=name)
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
        """Repaint a line of text only when it changed (each repaint is bytes to the terminal)."""
        if self.texts.get(selector) != text:
            self.texts[selector] = text
            self.query_one(selector, Static).update(text)

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

    def _cells(self, row: UsageRow) -> tuple[str, ...]:
        ascii_only = self.wb.ascii_only
        owner = row.owner if row.pool_row else f"  {row.owner}"
        owner = owner if len(owner) <= 26 else owner[:25] + "…"
        cores = "-" if row.usage is None else f"{row.usage:.2f}/{row.capacity:g}"
        return (
            owner, bar(row.share, BAR, ascii_only=ascii_only), cores,
            sparkline(row.history, SPARK, ascii_only=ascii_only), pct(row.throttled), pct(row.psi),
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
        for h in heat_rows(self.report, ((n.id, n.cpus) for n in topo.numa_nodes)):
            if h.cpus:
                lines.append(f"N{h.numa} {heat(h.busy, ascii_only=self.wb.ascii_only)}")
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
