"""Fleet screen (the app opened on several bundles): one row per captured node with the verdict
of the pod in the Draft screen, the NUMA nodes it would take, the room left on the roomiest
NUMA node and the most pressed pool of the bundle's samples. Sorted (`V` verdict, `R` room,
`t` pressure, `N` name; again reverses) and filtered (`/`); Enter opens the node read-only in
the other screens, `F` comes back. The rows and their text are `services.fleet_view`'s."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Input, Static

from workbench.services.fleet_view import COLUMNS, FleetRow, arrange, cells, detail, fleet_rows
from workbench.tui import bindings
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.screens.table_filter import TableFilter

if TYPE_CHECKING:
    from workbench.tui.fleet_app import FleetApp


class FleetScreen(TableFilter, WorkbenchScreen):
    MODE = "fleet"
    DEFAULT_CSS = """
    FleetScreen #fleet-table { height: 1fr; }
    FleetScreen #fleet-header { height: auto; padding: 0 1; }
    FleetScreen #fleet-detail { height: auto; max-height: 4; padding: 0 1; }
    """
    FILTER_ID = "ffilter"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.FLEET)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FleetRow] = []
        self.shown: list[FleetRow] = []
        self.match = ""
        self.sort = ""
        self.descending = True
        self._decided_for: object = None

    @property
    def fleet(self) -> FleetApp:
        # Not imported at run time: the app opens this screen (no cycle).
        return cast("FleetApp", self.app)

    def compose_body(self) -> ComposeResult:
        yield Static("Fleet", id="fleet-header", markup=False)
        yield DataTable(id="fleet-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="fleet-detail", markup=False)
        yield Input(placeholder="filter by node, verdict, reason or pool (esc clears)", id="ffilter",
                    classes="hidden")  # fmt: skip

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.refresh_view()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_view()  # the draft may have changed on another screen

    def _decide(self) -> None:
        from workbench.tui.viewmodel.draft import to_podspec

        draft = self.fleet.session.draft
        if draft is self._decided_for:
            return
        self._decided_for = draft
        self.rows = fleet_rows(self.fleet.fleet_nodes, to_podspec(draft).pod)

    def refresh_view(self) -> None:
        self._decide()
        self.shown = arrange(self.rows, match=self.match, sort=self.sort, descending=self.descending)
        table = self.query_one(DataTable)
        table.clear()
        for r in self.shown:
            table.add_row(*cells(r), key=r.key)
        self._header()
        self._detail()

    def _detail(self) -> None:
        row = self.selected()
        self.query_one("#fleet-detail", Static).update(detail(row) if row else "no node matches")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    def _header(self) -> None:
        from workbench.tui.viewmodel.draft import to_podspec

        pod = to_podspec(self.fleet.session.draft).pod
        what = f"pod {pod.namespace}/{pod.name}" if pod is not None else "no valid pod in the draft"
        admit = sum(1 for r in self.rows if r.status == "admit")
        text = f"Fleet · {len(self.rows)} nodes · {what}: {admit} admit · Enter opens, F returns"
        if self.match:
            text += f" · filter {self.match!r}"
        if self.sort:
            text += f" · sort {self.sort}{'↓' if self.descending else '↑'}"
        self.query_one("#fleet-header", Static).update(text)

    def selected(self) -> FleetRow | None:
        table = self.query_one(DataTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def action_open(self) -> None:
        row = self.selected()
        if row is not None:
            self.fleet.open_fleet_node(Path(row.key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # Enter on the table: the same as the binding
        self.action_open()

    def action_sort(self, key: str) -> None:
        self.descending = not self.descending if self.sort == key else True
        self.sort = key
        self.refresh_view()

