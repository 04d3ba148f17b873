"""Cursor navigation on a laid-out NUMA grid: which cell shows a CPU, and where hjkl / the
arrows land (reading order across lines, nearest cell in the same box column up and down)."""

from __future__ import annotations

from typing import Literal

from workbench.tui.viewmodel.grid import GridLayout
from workbench.tui.viewmodel.grid_cells import Cell

Direction = Literal["left", "right", "up", "down"]


def cell_at(layout: GridLayout, cpu: int) -> Cell | None:
    pos = layout.positions.get(cpu)
    if pos is None:
        return None
    y, x = pos
    at = 0
    for cell in layout.lines[y]:
        if at == x:
            return cell
        at += len(cell.text)
    return None


def move(layout: GridLayout, cpu: int | None, direction: Direction) -> int | None:
    """The CPU the cursor lands on moving from `cpu` (hjkl / arrows)."""
    rows = layout.rows
    if not rows:
        return None
    ys = sorted(rows)
    if cpu is None or cpu not in layout.positions:
        return rows[ys[0]][0][1]
    y, x = layout.positions[cpu]
    if direction in ("left", "right"):
        same = rows[y]
        xs = [ax for ax, _ in same]
        i = xs.index(x) if x in xs else 0
        j = i - 1 if direction == "left" else i + 1
        if 0 <= j < len(same):
            return same[j][1]
        # wrap to the neighbouring line's end/start, as reading order
        k = ys.index(y) + (-1 if direction == "left" else 1)
        if 0 <= k < len(ys):
            row = rows[ys[k]]
            return row[-1][1] if direction == "left" else row[0][1]
        return cpu
    # prefer a line in the same box column: nearest line with a cell near x
    candidates = [ay for ay in ys if (ay < y if direction == "up" else ay > y)]
    candidates.sort(key=lambda ay: abs(ay - y))
    for ay in candidates:
        best = min(rows[ay], key=lambda r: abs(r[0] - x))
        if abs(best[0] - x) <= 8:
            return best[1]
    if candidates:
        return min(rows[candidates[0]], key=lambda r: abs(r[0] - x))[1]
    return cpu
