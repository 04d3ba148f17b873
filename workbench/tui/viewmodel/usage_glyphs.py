"""How the Usage screen draws a share: a bar, a sparkline, a heat glyph. Glyphs carry the level
as well as colour does, so the screen reads in monochrome (NO_COLOR) and over a plain console
(ASCII ramps when the terminal is not UTF-8)."""

from __future__ import annotations

import math
from collections.abc import Sequence

SPARK = "▁▂▃▄▅▆▇█"
SPARK_ASCII = "_.-=+*#@"
HEAT = "·░▒▓█"
HEAT_ASCII = ".:+#@"
GAP = " "


def bar(share: float | None, width: int, *, ascii_only: bool = False) -> str:
    """`width` cells filled to `share` (0..1), eighths in UTF-8; a gap is blank."""
    if share is None:
        return "?".ljust(width)
    share = min(1.0, max(0.0, share))
    if ascii_only:
        full = round(share * width)
        return "#" * full + "." * (width - full)
    eighths = round(share * width * 8)
    full, rest = divmod(eighths, 8)
    cells = "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest and full < width else "")
    return cells.ljust(width, "·")


def _level(share: float, ramp: str) -> str:
    return ramp[min(len(ramp) - 1, int(min(1.0, max(0.0, share)) * len(ramp)))]


def sparkline(points: Sequence[float | None], width: int, *, ascii_only: bool = False) -> str:
    """The last `width` points, oldest first; a gap is a space."""
    ramp = SPARK_ASCII if ascii_only else SPARK
    tail = list(points)[-width:]
    text = "".join(GAP if p is None else _level(p, ramp) for p in tail)
    return text.rjust(width)


def heat(busy: Sequence[float | None], *, ascii_only: bool = False) -> str:
    ramp = HEAT_ASCII if ascii_only else HEAT
    return "".join("?" if b is None else _level(b, ramp) for b in busy)


def pct(x: float | None) -> str:
    return "  -" if x is None else f"{x * 100:3.0f}%"


def steady(shown: float | None, value: float | None, step: float) -> float | None:
    """`value` at the display resolution `step`, held at `shown` while it stays within three
    quarters of a step of it: noise below what the screen can show redraws nothing, and what is
    shown is never more than that off the measured figure."""
    if value is None:
        return None
    if shown is not None and abs(value - shown) <= 0.75 * step:
        return shown
    return round(value / step) * step


def steady_level(shown: float | None, value: float | None, levels: int) -> float | None:
    """A share (0..1) for a ramp of `levels` glyphs: the middle of the glyph's band, kept while
    `value` stays within a quarter band of it (a CPU idling at a band's edge does not flicker)."""
    if value is None:
        return None
    width = 1.0 / levels
    if shown is not None and abs(value - shown) <= 0.75 * width:
        return shown
    band = min(levels - 1, max(0, math.floor(value * levels)))
    return (band + 0.5) * width
