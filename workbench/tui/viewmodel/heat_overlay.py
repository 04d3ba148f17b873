"""The Node grid's heat overlay (`u`): each CPU cell's busy share over the last interval as a
level of the Usage screen's heat ramp, so the grid reads in monochrome and `--ascii` too (the
glyph carries the level; the colour only repeats it). The widget draws these marks as given."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.tui.viewmodel.grid import GridLayout
from workbench.tui.viewmodel.usage_glyphs import HEAT, HEAT_ASCII, heat, steady_level

NO_FIGURE = "?"

# A cell's CPU (a collapsed run's first CPU) -> (glyph, level 0..4 of the ramp; None: no figure).
HeatMarks = Mapping[int, tuple[str, int | None]]


def heat_marks(
    layout: GridLayout, busy: Mapping[int, float] | None, *, ascii_only: bool = False
) -> HeatMarks:
    """One mark per CPU cell of `layout`; a collapsed run shows its CPUs' mean share. `busy`
    None (no interval sampled yet) or a CPU missing from it: `?`."""
    ramp = HEAT_ASCII if ascii_only else HEAT
    out: dict[int, tuple[str, int | None]] = {}
    for line in layout.lines:
        for cell in line:
            if cell.role not in ("cpu", "run") or cell.cpu is None:
                continue
            shares = [busy[c] for c in cell.cpus if c in busy] if busy else []
            if not shares:
                out[cell.cpu] = (NO_FIGURE, None)
                continue
            glyph = heat([sum(shares) / len(shares)], ascii_only=ascii_only)
            out[cell.cpu] = (glyph, ramp.index(glyph))
    return out


def held_shares(
    held: Mapping[int, float] | None, busy: Mapping[int, float] | None
) -> dict[int, float] | None:
    """The shares the marks are drawn from: each CPU's level is kept while its busy share stays
    near it (`steady_level`, as the Usage screen's heat strips), so a CPU idling on a band's
    edge does not flip its glyph, and repaint its line, every second."""
    if busy is None:
        return None
    held = held or {}
    out: dict[int, float] = {}
    for cpu, share in busy.items():
        level = steady_level(held.get(cpu), share, len(HEAT))
        if level is not None:
            out[cpu] = level
    return out


def changed_lines(layout: GridLayout, old: HeatMarks, new: HeatMarks) -> set[int]:
    """The grid lines holding a cell whose mark changed (only those are repainted)."""
    cpus = {c for c in new.keys() | old.keys() if old.get(c) != new.get(c)}
    return {layout.positions[c][0] for c in cpus if c in layout.positions}


def heat_legend(*, ascii_only: bool = False) -> str:
    """The one-line legend of the ramp: which glyph is which busy share, and what `?` means."""
    ramp = HEAT_ASCII if ascii_only else HEAT
    n = len(ramp)
    steps = " ".join(f"{g}<{100 * (i + 1) // n}" for i, g in enumerate(ramp[:-1]))
    at_least, sep = (">=", " - ") if ascii_only else ("≥", " · ")
    # Short enough for 80 columns: the last interval's busy share, `?` before the first one.
    return (
        f"heat: {steps} {ramp[-1]}{at_least}{100 * (n - 1) // n}% busy"
        f"{sep}{NO_FIGURE} no figure yet{sep}id colour = owner"
    )


def busy_text(busy: Mapping[int, float] | None, cpu: int | None) -> str:
    """The cursor CPU's figure for the status line."""
    if cpu is None:
        return ""
    if busy is None or cpu not in busy:
        return "busy: no figure yet"
    return f"busy {busy[cpu] * 100:.0f}%"
