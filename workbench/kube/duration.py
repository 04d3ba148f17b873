"""Go's `time.ParseDuration`, the one duration parser of the workbench.

Follows Go's `src/time/format.go` (`ParseDuration`, `leadingInt`, `leadingFraction`, `quote`):
integer arithmetic on nanoseconds with the same overflow checks, so a value Go refuses (an
overflow such as `cpuCFSQuotaPeriod: "<400 nines>s"`, a missing or unknown unit) is refused here
with Go's wording, as one `ValueError` line, never an `OverflowError` from float arithmetic.
"""

from __future__ import annotations

NANOSECOND = 1
MICROSECOND = 1000 * NANOSECOND
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_UNITS = {
    "ns": NANOSECOND,
    "us": MICROSECOND,
    "µs": MICROSECOND,  # U+00B5 micro sign
    "μs": MICROSECOND,  # U+03BC Greek mu
    "ms": MILLISECOND,
    "s": SECOND,
    "m": MINUTE,
    "h": HOUR,
}
_LIMIT = 1 << 63
# Quoting the whole of a 400-character value would bury the message; Go quotes all of it.
_QUOTE_MAX = 40


def go_quote(text: str) -> str:
    """`time.quote`: double quotes, `\\"` and `\\\\` escaped, other bytes outside ASCII as `\\xNN`."""
    out = ['"']
    for ch in text:
        if ch < " " or ord(ch) >= 0x80:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    out.append('"')
    return "".join(out)


def _shown(text: str) -> str:
    if len(text) <= _QUOTE_MAX:
        return go_quote(text)
    return f"{go_quote(text[:12] + '...' + text[-6:])} ({len(text)} characters)"


def _invalid(orig: str) -> ValueError:
    return ValueError(f"time: invalid duration {_shown(orig)}")


def _leading_int(s: str) -> tuple[int, str] | None:
    """`leadingInt`: the leading digits as an integer, None when it overflows 1<<63."""
    x = 0
    i = 0
    while i < len(s) and "0" <= s[i] <= "9":
        if x > _LIMIT // 10:
            return None
        x = x * 10 + ord(s[i]) - 48
        if x > _LIMIT:
            return None
        i += 1
    return x, s[i:]


def _leading_fraction(s: str) -> tuple[int, int, str]:
    """`leadingFraction`: digits after the point, stopping (not failing) once precision runs out."""
    x, scale, i, overflow = 0, 1, 0, False
    while i < len(s) and "0" <= s[i] <= "9":
        if not overflow:
            if x > (_LIMIT - 1) // 10:
                overflow = True
            else:
                y = x * 10 + ord(s[i]) - 48
                if y > _LIMIT:
                    overflow = True
                else:
                    x, scale = y, scale * 10
        i += 1
    return x, scale, s[i:]


def _component(s: str, orig: str) -> tuple[int, str]:
    """One `[0-9]*(\\.[0-9]*)?unit` run: its nanoseconds and the rest of the text."""
    if not (s[0] == "." or "0" <= s[0] <= "9"):
        raise _invalid(orig)
    before = len(s)
    lead = _leading_int(s)
    if lead is None:
        raise _invalid(orig)
    v, s = lead
    pre = len(s) != before
    f, scale, post = 0, 1, False
    if s.startswith("."):
        s = s[1:]
        before = len(s)
        f, scale, s = _leading_fraction(s)
        post = len(s) != before
    if not pre and not post:
        raise _invalid(orig)
    i = 0
    while i < len(s) and not (s[i] == "." or "0" <= s[i] <= "9"):
        i += 1
    if i == 0:
        raise ValueError(f"time: missing unit in duration {_shown(orig)}")
    unit_text, s = s[:i], s[i:]
    unit = _UNITS.get(unit_text)
    if unit is None:
        raise ValueError(f"time: unknown unit {go_quote(unit_text[:_QUOTE_MAX])} in duration {_shown(orig)}")
    if v > _LIMIT // unit:
        raise _invalid(orig)
    v *= unit
    if f > 0:
        # Go uses float64 here ("to be nanosecond accurate for fractions of hours").
        v += int(float(f) * (float(unit) / float(scale)))
        if v > _LIMIT:
            raise _invalid(orig)
    return v, s


def parse_duration_ns(text: str) -> int:
    """Nanoseconds of a Go duration (`100ms`, `1m30s`, `-1.5h`), or ValueError in Go's words."""
    orig = text
    s = text
    neg = False
    if s[:1] in ("-", "+"):
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if s == "":
        raise _invalid(orig)
    total = 0
    while s:
        v, s = _component(s, orig)
        total += v
        if total > _LIMIT:
            raise _invalid(orig)
    if neg:
        return -total
    if total > _LIMIT - 1:
        raise _invalid(orig)
    return total
