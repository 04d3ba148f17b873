"""The k9s-like filter of a table screen (Usage, Fleet): `/` shows the filter box, typing
narrows the rows, Enter keeps the filter and returns to the table, Escape clears it."""

from __future__ import annotations

from typing import ClassVar

from textual.widget import Widget
from textual.widgets import Input


class TableFilter:
    """Mixed into a Screen that has a table (`TABLE`: a DataTable unless said otherwise), an
    Input with id `FILTER_ID` and `refresh_view()`; `match` holds the filter text."""

    FILTER_ID: ClassVar[str]
    TABLE: ClassVar[str] = "DataTable"
    match: str

    def refresh_view(self) -> None:
        raise NotImplementedError

    def _filter_box(self) -> Input:
        box: Input = self.query_one(f"#{self.FILTER_ID}", Input)  # type: ignore[attr-defined]
        return box

    def _filtered_table(self) -> Widget:
        table: Widget = self.query_one(self.TABLE)  # type: ignore[attr-defined]
        return table

    def action_filter(self) -> None:
        box = self._filter_box()
        box.remove_class("hidden")
        box.focus()

    def action_clear(self) -> None:
        box = self._filter_box()
        box.value, self.match = "", ""
        box.add_class("hidden")
        self._filtered_table().focus()
        self.refresh_view()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.match = event.value
        self.refresh_view()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.add_class("hidden")
        self._filtered_table().focus()
