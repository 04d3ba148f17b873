"""Kubernetes resource quantities, read and printed exactly as the API server does.

Mirrors `k8s.io/apimachinery/pkg/api/resource` (`ParseQuantity`, `CanonicalizeBytes`):
decimal SI suffixes (`n u m k M G T P E`), binary suffixes (`Ki` .. `Ei`), decimal exponents
(`1e3`, `1.5E-3`), a leading sign, fractions, rounding up to nano precision, and the canonical
form the API server prints back (`1.5` -> `1500m`, `1024Mi` -> `1Gi`). Values are exact: an
int count of nano-units (what upstream rounds every parsed amount up to), never floats. Not
`fractions.Fraction`: importing it (with `decimal`) was ~2 ms of every `admit`.

Lives below every layer because both topology specs (`memory: 64Gi`) and pods use it.
"""

from __future__ import annotations

import sys
from functools import lru_cache, total_ordering

from workbench.record import Record, setfield

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Literal, TypeAlias

Format: TypeAlias = "Literal['DecimalSI', 'BinarySI', 'DecimalExponent']"

_BINARY_EXP = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_EXP = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL_EXP.items()}
_BINARY_SUFFIX = {0: "", **{v // 10: k for k, v in _BINARY_EXP.items()}}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_MAX_INT32 = 2**31 - 1
# BinarySI amounts are capped at the largest int64 when parsed (`maxAllowed` upstream).
_MAX_ALLOWED = 2**63 - 1
_NANO = 10**9
_NANO_PER_MILLI = 10**6
_NANO_INVERSE = pow(_NANO, -1, sys.hash_info.modulus)
_INFINITY = float("inf")
# Go keeps a decimal exponent of up to 2^31 as a cheap scale; expanding that into an exact
# integer is not feasible here, so larger magnitudes are refused (no resource is 10^1000).
_MAX_DECIMAL_EXPONENT = 1000

_HINT = "write e.g. 500m, 2, 1.5Gi or 64Mi"


def _format_error(text: str, reason: str) -> ValueError:
    return ValueError(f"{text!r} is not a valid quantity: {reason} ({_HINT})")


def _split(text: str) -> tuple[bool, str, str, str]:
    """`parseQuantityString`: sign, integer digits, fraction digits and the raw suffix."""
    positive = True
    pos = 0
    end = len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise _format_error(
            text, "quantities must match '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    return positive, num, denom, text[suffix_start:]


def _interpret(text: str, suffix: str) -> tuple[int, int, Format]:
    """`suffixHandler.interpret`: (base, exponent, format) of a suffix."""
    if suffix in _DECIMAL_EXP:
        return 10, _DECIMAL_EXP[suffix], "DecimalSI"
    if suffix in _BINARY_EXP:
        return 2, _BINARY_EXP[suffix], "BinarySI"
    if len(suffix) > 1 and suffix[0] in "eE":
        body = suffix[1:]
        digits = body[1:] if body[:1] in ("+", "-") else body
        if digits and all(c in _DIGITS for c in digits):
            exp = int(body)
            if -_MAX_INT32 <= exp <= _MAX_INT32:
                return 10, exp, "DecimalExponent"
    raise _format_error(text, f"unable to parse quantity's suffix {suffix!r}")


def _ceil_div(num: int, den: int) -> int:
    return -(-num // den)


def _rational_hash(nanos: int) -> int:
    """`hash(Fraction(nanos, 10**9))` (Python's hash of the rational, which a whole amount shares
    with its int), computed without `fractions`: sets and dicts of quantities iterate as before."""
    found = hash(hash(abs(nanos)) * _NANO_INVERSE)
    found = found if nanos >= 0 else -found
    return -2 if found == -1 else found


@total_ordering
class Quantity(Record):
    """An exact resource amount, in whole nano-units, plus the format the API server would print it in.

    Every parsed amount is a whole number of nano-units (`ParseQuantity` rounds up to them), so an
    int holds it exactly; equality, hashing and ordering use the amount only (`Quantity.Cmp`), so
    `1Gi == 1024Mi`.
    """

    nanos: int
    format: Format

    __slots__ = _fields = ("nanos", "format")

    def __init__(self, nanos: int, format: Format = "DecimalSI") -> None:
        setfield(self, "nanos", nanos)
        setfield(self, "format", format)

    # ---- construction -------------------------------------------------------------
    @classmethod
    def of(cls, value: int, format: Format = "DecimalSI") -> Quantity:
        """`value` whole units."""
        return cls(value * _NANO, format)

    @classmethod
    def from_milli(cls, milli: int) -> Quantity:
        return cls(milli * _NANO_PER_MILLI, "DecimalSI")

    @classmethod
    def from_bytes(cls, size: int) -> Quantity:
        return cls(size * _NANO, "BinarySI")

    # ---- derived values -----------------------------------------------------------
    def value(self) -> int:
        """Whole units, rounded up (`Quantity.Value`): 1500m -> 2, 100m memory -> 1 byte."""
        return _ceil_div(self.nanos, _NANO)

    def milli_value(self) -> int:
        """Thousandths, rounded up (`Quantity.MilliValue`): 0.5 -> 500, 1n -> 1."""
        return _ceil_div(self.nanos, _NANO_PER_MILLI)

    def is_whole(self) -> bool:
        """A whole number of units (the kubelet's `value*1000 == milliValue` for CPUs)."""
        return self.nanos % _NANO == 0

    def is_zero(self) -> bool:
        return self.nanos == 0

    def sign(self) -> int:
        return (self.nanos > 0) - (self.nanos < 0)

    # ---- arithmetic ---------------------------------------------------------------
    def __add__(self, other: Quantity) -> Quantity:
        fmt = other.format if self.nanos == 0 else self.format
        return Quantity(self.nanos + other.nanos, fmt)

    def __sub__(self, other: Quantity) -> Quantity:
        fmt = other.format if self.nanos == 0 else self.format
        return Quantity(self.nanos - other.nanos, fmt)

    def __neg__(self) -> Quantity:
        return Quantity(-self.nanos, self.format)

    def __mul__(self, factor: int) -> Quantity:
        return Quantity(self.nanos * factor, self.format)

    # ---- comparison ---------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self.nanos == other.nanos
        return NotImplemented

    def __lt__(self, other: Quantity) -> bool:
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return _rational_hash(self.nanos)

    # ---- printing -----------------------------------------------------------------
    def __str__(self) -> str:
        return self.canonical()

    def __repr__(self) -> str:
        return f"Quantity({self.canonical()!r})"

    def canonical(self) -> str:
        """The string the API server prints back (`Quantity.String`)."""
        if self.nanos == 0:
            return "0"
        sign = "-" if self.nanos < 0 else ""
        mag = abs(self.nanos)
        fmt = self.format
        if fmt == "BinarySI":
            if mag < 1024 * _NANO or mag % _NANO:
                # Small or fractional binary amounts print in decimal so nothing is rounded.
                fmt = "DecimalSI"
            else:
                n = mag // _NANO
                exp = 0
                while n % 1024 == 0:
                    n //= 1024
                    exp += 1
                if exp in _BINARY_SUFFIX:
                    return f"{sign}{n}{_BINARY_SUFFIX[exp]}"
                # Past `Ei` there is no binary suffix: exact decimal in exponent notation.
                fmt = "DecimalExponent"
        mantissa, exp = _decimal_parts(mag)
        if fmt == "DecimalSI" and exp in _DECIMAL_SUFFIX:
            return f"{sign}{mantissa}{_DECIMAL_SUFFIX[exp]}"
        return f"{sign}{mantissa}" + (f"e{exp}" if exp else "")


def _decimal_parts(nanos: int) -> tuple[int, int]:
    """`AsCanonicalBytes`: mantissa and an exponent that is a multiple of three."""
    num, exp = nanos, -9
    while num % 10 == 0:
        num //= 10
        exp += 1
    while exp % 3:
        num *= 10
        exp -= 1
    return num, exp


def parse_quantity(text: str | int | float) -> Quantity:
    """Read a quantity as `resource.ParseQuantity` does; raises ValueError naming the problem.

    Integers (YAML `cpu: 2`) and floats (`cpu: 0.5`) are read through their shortest decimal
    text, as the API server sees JSON numbers.
    """
    if isinstance(text, bool):
        raise _format_error(str(text).lower(), "a boolean is not a quantity")
    if isinstance(text, int):
        text = str(text)
    elif isinstance(text, float):
        if not -_INFINITY < text < _INFINITY:  # NaN compares false too
            raise _format_error(repr(text), "not a finite number")
        text = repr(text)
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a valid quantity: expected a string or number ({_HINT})")
    return _parse_text(text)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Quantity:
    # Cached: a manifest repeats a handful of quantities (and a Quantity is immutable), so a
    # pod of thousands of containers parses each distinct text once. A ValueError is not cached.
    if text == "":
        raise _format_error(text, "empty")
    positive, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(text, suffix)
    digits = int(num + denom)
    if base == 10:
        exponent -= len(denom)
        if digits == 0:
            nanos = 0
        elif exponent > _MAX_DECIMAL_EXPONENT:
            raise _format_error(text, "too large for this tool (more than 10^1000)")
        elif exponent < -(_MAX_DECIMAL_EXPONENT + len(str(digits))):
            nanos = 1  # rounds up to the smallest representable amount
        elif exponent >= -9:
            nanos = digits * 10 ** (exponent + 9)
        else:
            # Rounded up to a whole nano-unit, as `ParseQuantity` does (the magnitude: the sign
            # comes after).
            nanos = _ceil_div(digits, 10 ** (-9 - exponent))
    else:
        nanos = _ceil_div(digits * 2**exponent * _NANO, 10 ** len(denom))
    if not positive:
        nanos = -nanos
    if fmt == "BinarySI":
        if abs(nanos) > _MAX_ALLOWED * _NANO:
            nanos = _MAX_ALLOWED * _NANO if nanos > 0 else -_MAX_ALLOWED * _NANO
        if 0 < abs(nanos) < _NANO:
            fmt = "DecimalSI"
    return Quantity(nanos, fmt)


def format_quantity(q: Quantity) -> str:
    return q.canonical()


def format_cpu(milli: int) -> str:
    """Canonical text of a CPU amount in millicores: 1500 -> `1500m`, 2000 -> `2`."""
    return Quantity.from_milli(milli).canonical()


def format_bytes(size: int) -> str:
    """Canonical text of a memory amount in bytes, binary where exact: 1610612736 -> `1536Mi`."""
    return Quantity.from_bytes(size).canonical()


def parse_bytes(text: str | int) -> int:
    """Whole bytes of a memory quantity such as `64Gi`, `16G`, `1.5Gi` or `1073741824`."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"negative size {text}")
        return text
    q = parse_quantity(str(text).strip())
    if q.sign() < 0:
        raise ValueError(f"negative size {text!r}")
    if not q.is_whole():
        raise ValueError(f"{text!r} is not a whole number of bytes")
    return q.value()
