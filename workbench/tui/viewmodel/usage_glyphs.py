"""How the Usage screen draws a share: a bar, a sparkline, a heat glyph. Glyphs carry the level
as well as colour does, so the screen reads in monochrome (NO_COLOR) and over a plain console
(ASCII ramps when the terminal is not UTF-8)."""

from __future__ import annotations

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
