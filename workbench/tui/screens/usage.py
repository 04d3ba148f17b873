"""Usage screen (5): one row per pool and container with a usage bar and a short history,
throttled share, CPU pressure, the NUMA split and which limit binds; a heat strip of every
CPU's busy share per NUMA node; findings. Sorted (`U` usage, `t` throttled, `P` pressure, `N`
owner; again reverses) and filtered (`/`) like k9s. Samples only while shown, at most once per
interval, and updates only the cells that changed."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from workbench.services.usage_view import (
    HISTORY_EVERY,
    SHARES_OVER,
    UsageHistory,
    UsageRow,
    arrange,
    heat_rows,
    usage_rows,
)
from workbench.tui import bindings
from workbench.tui.screens.table_filter import TableFilter
from workbench.tui.viewmodel.usage_glyphs import HEAT, bar, heat, pct, sparkline, steady, steady_level
from workbench.tui.widgets.cell_table import CellTable
from workbench.tui.widgets.footer import WorkbenchFooter

if TYPE_CHECKING:
    from workbench.services.usage import UsageHandle, UsageReport
    from workbench.tui.app import WorkbenchApp

# The figures first, so 80 columns show what matters; the CPU lists and NUMA split scroll in.
# The bar and its cores, and throttled and pressure, share a cell: a changed cell costs its own
# escape codes and cursor moves, so figures that move together are drawn together.
COLUMNS = ("owner", "use", "history", "thr", "limit", "kind", "cpus", "numa")
BAR, SPARK = 8, 12
# The history column's header says how long one of its points is.
HEADERS = {"use": "use", "history": f"history {HISTORY_EVERY}s", "thr": " thr   psi"}
# Starting widths (a column grows to its widest text); the figures' are their widest already.
WIDTHS = (26, BAR + 9, SPARK, 10, 10, 4, 4, 4)
# Display resolution (a figure moves on the screen only when it moves by about that much, see
# `steady`, so noise below it repaints nothing): usage to a 32nd of the row's capacity (a
# quarter of a bar cell) in steps of 0.05, 0.1, 0.2, 0.5 or 1 core, but to a fifth of itself
# when small (an idle container reads 0.05, not 0.0); shares in whole percent below 10%, in 5%
# above (pressure of 40 or 42% reads the same; throttled or not is what 0 vs 1% says).
CORE_STEPS = (0.05, 0.1, 0.2, 0.5, 1.0)
CORE_RESOLUTION = 32
FINE_SHARE, SHARE_STEP, FINE_BELOW = 0.01, 0.05, 0.1
FINDINGS_EVERY = 30  # reports between redraws of the findings' figures (the header says so)
MAX_FINDINGS = 8


class UsageScreen(TableFilter, Screen[None]):
    DEFAULT_CSS = """
    UsageScreen #usage-table { height: 1fr; }
    UsageScreen #usage-heat {
        layout: grid; grid-size: 3; grid-gutter: 0 2; grid-rows: auto;
        height: auto; max-height: 4; padding: 0 1;
    }
    UsageScreen #usage-heat Static { height: auto; }
    UsageScreen #usage-findings { height: auto; max-height: 5; padding: 0 1; overflow: hidden hidden; }
    UsageScreen #usage-findings Static { height: auto; color: $warning; }
    """
    FILTER_ID = "ufilter"
    TABLE = "#usage-table"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.USAGE)

    def __init__(self) -> None:
        super().__init__()
        self.handle: UsageHandle | None = None
        self.history = UsageHistory()
        self.rows: list[UsageRow] = []
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
        yield CellTable([HEADERS.get(c, c) for c in COLUMNS], WIDTHS, id="usage-table")
        # One strip per NUMA node: a CPU whose glyph changed repaints its node's strip only.
        with Grid(id="usage-heat"):
            for node in self.wb.session.topology.numa_nodes:
                if node.cpus:
                    yield Static(id=f"usage-heat-{node.id}", markup=False)
        # One text per finding: a finding whose figure changed repaints only itself.
        with VerticalScroll(id="usage-findings", can_focus=False):
            for i in range(MAX_FINDINGS):
                yield Static(id=f"usage-finding-{i}", markup=False)
        yield Input(
            placeholder="filter by owner, kind, CPUs or limit (esc clears)", id="ufilter", classes="hidden"
        )
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self._open()
        self.query_one(CellTable).focus()

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
        self.rows = usage_rows(report, self.history, collapse=True)
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
            texts = [f"! {f.text}" for f in findings[:MAX_FINDINGS]] or ["no findings"]
            for i in range(MAX_FINDINGS):
                self._update(f"#usage-finding-{i}", texts[i] if i < len(texts) else "")

    def _update(self, selector: str, text: str) -> None:
        """Repaint a text only when it changed (each repaint is bytes to the terminal), and lay
        the screen out again only when its height changed: a layout repaints the table's
        scrollbar, a thousand bytes."""
        if self.texts.get(selector) == text:
            return
        self.texts[selector] = text
        widget = self.query_one(selector, Static)
        if widget.display != bool(text):
            widget.display = bool(text)  # an empty text takes no line
        widget.update(text, layout=False)
        widget.clear_cached_dimensions()
        height = widget.get_content_height(widget.size, self.size, widget.content_size.width)
        if self.heights.get(selector) != height:
            self.heights[selector] = height
            widget.refresh(layout=True)

    def _header(self) -> None:
        r = self.report
        where = self.handle.session.label if self.handle else "no usage source"
        state = "paused" if self.paused else (self._cadence() if r and self.handle else "first sample…")
        extra = f" · filter {self.match!r}" if self.match else ""
        extra += f" · sort {self.sort}{'↓' if self.descending else '↑'}" if self.sort else ""
        text = f"Usage · {where} · {state}{extra}"
        self._update("#usage-header", self.problem or text)

    def _hold(self, row: UsageRow) -> UsageRow:
        """The row with its usage, throttled share and pressure at display resolution, held
        while the measured figures stay within a step of what is shown (so a sort by them does
        not reorder rows on noise either)."""
        was = self.held.get(row.key, (None, None, None))
        now = (
            steady(was[0], row.usage, core_step(row.capacity, row.usage)),
            steady(was[1], row.throttled, share_step(row.throttled)),
            steady(was[2], row.psi, share_step(row.psi)),
        )
        self.held[row.key] = now
        return replace(row, usage=now[0], throttled=now[1], psi=now[2])

    def _cadence(self) -> str:
        interval = self.handle.session.interval_s if self.handle else 1.0
        shares, findings = interval * SHARES_OVER, interval * FINDINGS_EVERY
        return f"every {interval:g} s · thr/psi {shares:g} s · findings {findings:g} s"

    def _cells(self, row: UsageRow) -> tuple[str, ...]:
        ascii_only = self.wb.ascii_only
        owner = row.owner if row.pool_row else f"  {row.owner}"
        owner = owner if len(owner) <= 26 else owner[:25] + "…"
        usage, throttled, psi = row.usage, row.throttled, row.psi
        step = core_step(row.capacity, usage)
        cores = "-" if usage is None else f"{usage:.{2 if step < 0.1 else 1}f}/{row.capacity:g}"
        share = None if usage is None or row.capacity <= 0 else min(1.0, usage / row.capacity)
        return (
            owner, f"{bar(share, BAR, ascii_only=ascii_only)} {cores}",
            sparkline(row.history, SPARK, ascii_only=ascii_only), f"{pct(throttled):>4}  {pct(psi):>4}",
            row.limit, row.kind, row.cpus, row.numa,
        )  # fmt: skip

    def _table(self) -> None:
        held = [self._hold(r) for r in self.rows]
        rows = arrange(held, match=self.match, sort=self.sort, descending=self.descending)
        # The table repaints only the cells whose text changed.
        self.query_one(CellTable).set_rows([self._cells(r) for r in rows], [r.key for r in rows])

    def _heat(self) -> None:
        if self.report is None:
            return
        topo = self.wb.session.topology
        lines: list[tuple[int, str]] = []
        held = self.held_busy
        for h in heat_rows(self.report, ((n.id, n.cpus) for n in topo.numa_nodes)):
            if h.cpus:
                for cpu, busy in zip(h.cpus, h.busy, strict=True):
                    held[cpu] = steady_level(held.get(cpu), busy, len(HEAT))
                shown = [held[cpu] for cpu in h.cpus]
                lines.append((h.numa, f"N{h.numa} {heat(shown, ascii_only=self.wb.ascii_only)}"))
        for node, text in lines:
            self._update(f"#usage-heat-{node}", text)

    def on_resize(self) -> None:
        """As many NUMA strips side by side as fit the width."""
        strips = [len(n.cpus) + 3 + len(str(n.id)) for n in self.wb.session.topology.numa_nodes if n.cpus]
        fit = (self.size.width - 2 + 2) // (max(strips, default=1) + 2)
        self.query_one("#usage-heat").styles.grid_size_columns = max(1, min(len(strips), fit))

    def action_sort(self, key: str) -> None:
        self.descending = not self.descending if self.sort == key else True
        self.sort = key
        self.refresh_view()

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.timer is not None:
            (self.timer.pause if self.paused else self.timer.resume)()
        self._header()


def core_step(capacity: float, usage: float | None = None) -> float:
    """The display step of a row's usage: the first of CORE_STEPS at least a CORE_RESOLUTION-th
    of its capacity, or at least a fifth of the usage when that is finer."""
    want = capacity / CORE_RESOLUTION
    if usage is not None:
        want = min(want, usage / 5)
    return next((s for s in CORE_STEPS if s >= want), CORE_STEPS[-1])


def share_step(share: float | None) -> float:
    return FINE_SHARE if share is None or share < FINE_BELOW else SHARE_STEP
