"""A table of text cells drawn one widget per column, for a screen whose figures change every
second (Usage). Textual writes a repainted region from the left edge of the widget it lies in
(its compositor does not crop a line's start), so in a DataTable one changed figure resends its
whole row up to that figure; here a changed cell sends only itself. Rows are diffed by position,
so a new sort or filter repaints only the cells whose text differs.

Keys: up/down/page up/page down/home/end move the row cursor; left/right scroll the columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class CellColumn(Widget):
    DEFAULT_CSS = "CellColumn { height: 1fr; }"

    def __init__(self, table: CellTable, index: int) -> None:
        super().__init__()
        self.table = table
        self.index = index

    def render_line(self, y: int) -> Strip:
        t = self.table
        width = self.size.width
        if y == 0:
            text, style = t.headers[self.index], t.style_of("celltable--header")
        else:
            row = t.top + y - 1
            if row >= len(t.rows):
                return Strip.blank(width, t.style_of("celltable--odd"))
            text, style = t.rows[row][self.index], t.row_style(row)
        pad = max(0, width - 2 - cell_len(text))
        return Strip([Segment(f" {text}{' ' * pad} ", style)]).crop(0, width)

    def on_click(self, event: events.Click) -> None:
        if event.y > 0:
            self.table.move_cursor(self.table.top + event.y - 1)

    def refresh_lines(self, lines: Sequence[int], *, texts_only: bool = False) -> None:
        """Repaint these lines. With `texts_only` (the texts changed, not the row's style) the
        last cell, always the padding blank, is left out: a region that ends where the next
        column starts makes Textual send a cursor move to it as well (8 bytes per cell)."""
        width = self.size.width - (1 if texts_only else 0)
        for y in lines:
            self.refresh(Region(0, y, width, 1))


class CellTable(ScrollableContainer, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "celltable--header",
        "celltable--cursor",
        "celltable--even",
        "celltable--odd",
    }
    DEFAULT_CSS = """
    CellTable {
        layout: horizontal; overflow-x: auto; overflow-y: hidden; height: 1fr;
        background: $surface; color: $foreground;
        & > .celltable--header { text-style: bold; background: $panel; color: $foreground; }
        & > .celltable--even { background: $surface-lighten-1 50%; }
        &:dark > .celltable--even { background: $surface-darken-1 40%; }
        & > .celltable--cursor {
            background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .celltable--cursor {
            background: $block-cursor-background; color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor(-1000000000)", "First", show=False),
        Binding("end", "cursor(1000000000)", "Last", show=False),
    ]

    def __init__(self, headers: Sequence[str], widths: Sequence[int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.headers = tuple(headers)
        self.widths = [max(w, cell_len(h)) for w, h in zip(widths, headers, strict=True)]
        self.rows: list[tuple[str, ...]] = []
        self.keys: list[str] = []
        self.cursor = 0
        self.top = 0  # first row shown
        self.columns = [CellColumn(self, i) for i in range(len(self.headers))]

    def compose(self) -> list[Widget]:
        for column, width in zip(self.columns, self.widths, strict=True):
            column.styles.width = width + 2
        return list(self.columns)

    def style_of(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def row_style(self, row: int) -> Style:
        if row == self.cursor:
            return self.style_of("celltable--cursor")
        return self.style_of("celltable--even" if row % 2 else "celltable--odd")

    @property
    def shown(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.columns[0].size.height - 1) if self.columns else 1

    def row(self, index: int) -> tuple[str, ...]:
        return self.rows[index]

    def set_rows(self, rows: Sequence[tuple[str, ...]], keys: Sequence[str]) -> None:
        """Show `rows` (one text per column) in this order; only the cells whose text changed
        are repainted. The cursor stays on the row it was on when that row is still here."""
        key = self.keys[self.cursor] if self.cursor < len(self.keys) else None
        old = self.rows
        self.rows, self.keys = [tuple(r) for r in rows], list(keys)
        self._widen()
        cursor = self.keys.index(key) if key in self.keys else self.cursor
        if self._place(cursor):
            return  # scrolled: everything was repainted
        lines: list[list[int]] = [[] for _ in self.columns]
        for row in range(self.top, min(self.top + self.shown, max(len(old), len(self.rows)))):
            new = self.rows[row] if row < len(self.rows) else None
            was = old[row] if row < len(old) else None
            for col in range(len(self.columns)):
                if (new[col] if new else None) != (was[col] if was else None):
                    lines[col].append(row - self.top + 1)
        for column, ys in zip(self.columns, lines, strict=True):
            column.refresh_lines(ys, texts_only=True)

    def _widen(self) -> None:
        """A column grows to its widest text (a layout: only when a longer text first shows)."""
        for col, column in enumerate(self.columns):
            widest = max((cell_len(r[col]) for r in self.rows), default=0)
            if widest > self.widths[col]:
                self.widths[col] = widest
                column.styles.width = widest + 2

    def _place(self, cursor: int) -> bool:
        """Move the cursor to `cursor` (clamped) and scroll it into view; True if the view
        scrolled (all repainted), else the two rows whose highlight moved are repainted."""
        cursor = max(0, min(cursor, len(self.rows) - 1)) if self.rows else 0
        before, self.cursor = self.cursor, cursor
        top = min(self.top, cursor)
        top = max(top, cursor - self.shown + 1, 0)
        top = min(top, max(0, len(self.rows) - self.shown))
        if top != self.top:
            self.top = top
            for column in self.columns:
                column.refresh()
            return True
        if before != cursor:
            for column in self.columns:
                column.refresh_lines([r - top + 1 for r in (before, cursor) if top <= r < top + self.shown])
        return False

    def move_cursor(self, row: int) -> None:
        self._place(row)

    def action_cursor(self, delta: int) -> None:
        self._place(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._place(self.cursor + direction * self.shown)

    def on_resize(self) -> None:
        self._place(self.cursor)
