"""Journal screen: every transaction with its writes, state, operator and time; roll back the
selected one; conflicts and void entries explained in words."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static

from workbench.errors import InputError
from workbench.services.journal_explain import txn_detail, txn_row
from workbench.services.journal_query import History
from workbench.tui import bindings
from workbench.tui.screens.base import WorkbenchScreen


class JournalScreen(WorkbenchScreen):
    MODE = "journal"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.JOURNAL)

    def __init__(self) -> None:
        super().__init__()
        self.history: list[History] = []
        self.match = ""

    def compose_body(self) -> ComposeResult:
        yield Static(id="journal-header", classes="header")
        yield DataTable(id="journal-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="journal-detail"):
            yield Static(id="journal-text", markup=False)
        yield Input(
            placeholder="filter by state, operator or pod (esc clears)", id="jfilter", classes="hidden"
        )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("txn", "time", "state", "operator", "writes", "subject")
        self.refresh_view()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rollback" and (self.wb.session.read_only or self.wb.committer is None):
            return False
        return True

    def refresh_view(self) -> None:
        c = self.wb.committer
        self.history = c.history() if c else []
        where = f"{c.label} journal" if c else "no journal (read-only session)"
        self.query_one("#journal-header", Static).update(f"Journal · {where}")
        table = self.query_one(DataTable)
        table.clear()
        for txn, steps, _ in self.history:
            row = txn_row(txn, steps)
            if self.match and not any(self.match.lower() in x.lower() for x in row):
                continue
            table.add_row(*row, key=str(txn.id))
        self._detail()

    def _selected(self) -> History | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        for item in self.history:
            if str(item[0].id) == key:
                return item
        return None

    def _detail(self) -> None:
        sel = self._selected()
        text = txn_detail(*sel) if sel else "No transactions yet: commit a draft (2, then c) to make one."
        self.query_one("#journal-text", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    def action_rollback(self) -> None:
        c = self.wb.committer
        sel = self._selected()
        if not self.wb.write_allowed() or c is None or sel is None:
            return
        try:
            msg = c.rollback(sel[0].id)
        except InputError as exc:
            msg = exc.line()
        self.notify(msg, timeout=5)
        self.refresh_view()

    def action_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_reload(self) -> None:
        self.refresh_view()

    def action_filter(self) -> None:
        box = self.query_one("#jfilter", Input)
        box.remove_class("hidden")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.match = event.value.strip()
        self.refresh_view()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_clear(self) -> None:
        box = self.query_one("#jfilter", Input)
        box.value = ""
        box.add_class("hidden")
        self.match = ""
        self.refresh_view()
        self.query_one(DataTable).focus()
