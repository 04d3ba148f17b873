"""Quantities as the API server reads and prints them.

The tables are transcribed from upstream
`staging/src/k8s.io/apimachinery/pkg/api/resource/quantity_test.go` (kubernetes/kubernetes):
each row names the Go test it comes from.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.quantity import Quantity, format_bytes, format_cpu, parse_bytes, parse_quantity

F = Fraction


def _nanos(amount: Fraction) -> int:
    """The amount as the whole nano-units a Quantity holds (every amount here is one)."""
    scaled = amount * 10**9
    assert scaled.denominator == 1, amount
    return int(scaled)


# TestQuantityParse: input -> (exact amount, format)
PARSE_TABLE = [
    ("0", F(0), "DecimalSI"),
    ("0n", F(0), "DecimalSI"),
    ("0u", F(0), "DecimalSI"),
    ("0m", F(0), "DecimalSI"),
    ("0Ki", F(0), "BinarySI"),
    ("0k", F(0), "DecimalSI"),
    ("0Mi", F(0), "BinarySI"),
    ("0Gi", F(0), "BinarySI"),
    ("0T", F(0), "DecimalSI"),
    ("1", F(1), "DecimalSI"),
    ("1Ki", F(1024), "BinarySI"),
    ("8Ki", F(8 * 1024), "BinarySI"),
    ("7Mi", F(7 * 2**20), "BinarySI"),
    ("6Gi", F(6 * 2**30), "BinarySI"),
    ("5Ti", F(5 * 2**40), "BinarySI"),
    ("4Pi", F(4 * 2**50), "BinarySI"),
    ("3Ei", F(3 * 2**60), "BinarySI"),
    ("100Ti", F(100 * 2**40), "BinarySI"),
    ("5n", F(5, 10**9), "DecimalSI"),
    ("4u", F(4, 10**6), "DecimalSI"),
    ("3m", F(3, 1000), "DecimalSI"),
    ("8k", F(8000), "DecimalSI"),
    ("50k", F(50000), "DecimalSI"),
    ("7M", F(7 * 10**6), "DecimalSI"),
    ("6G", F(6 * 10**9), "DecimalSI"),
    ("300T", F(3 * 10**14), "DecimalSI"),
    ("2P", F(2 * 10**15), "DecimalSI"),
    ("1E", F(10**18), "DecimalSI"),
    ("1E-3", F(1, 1000), "DecimalExponent"),
    ("1e3", F(1000), "DecimalExponent"),
    ("1E6", F(10**6), "DecimalExponent"),
    ("1e14", F(10**14), "DecimalExponent"),
    ("100.035k", F(100035), "DecimalSI"),
    ("0.001", F(1, 1000), "DecimalSI"),
    ("0.0005k", F(1, 2), "DecimalSI"),
    ("0.5", F(1, 2), "DecimalSI"),
    ("0.50000", F(1, 2), "DecimalSI"),
    ("0.5e-2", F(5, 1000), "DecimalExponent"),
    ("10.035M", F(10035000), "DecimalSI"),
    ("1.2e3", F(1200), "DecimalExponent"),
    ("1.3E+6", F(1300000), "DecimalExponent"),
    ("1.53E12", F(153 * 10**10), "DecimalExponent"),
    ("7.123456M", F(7123456), "DecimalSI"),
    ("6.987654321G", F(6987654321), "DecimalSI"),
    ("1.01E", F(101 * 10**16), "DecimalSI"),
    # Things that saturate/round
    ("3.001n", F(4, 10**9), "DecimalSI"),
    ("1.1E-9", F(2, 10**9), "DecimalExponent"),
    ("0.0000000001", F(1, 10**9), "DecimalSI"),
    ("0.5e-9", F(1, 10**9), "DecimalExponent"),
    ("0.9n", F(1, 10**9), "DecimalSI"),
    ("0.00000012345", F(124, 10**9), "DecimalSI"),
    ("9Ei", F(2**63 - 1), "BinarySI"),
    ("9223372036854775807Ki", F(2**63 - 1), "BinarySI"),
    ("12E", F(12 * 10**18), "DecimalSI"),
    # fractional binary
    ("100.035Ki", F(10243584, 100), "BinarySI"),
    ("0.5Mi", F(2**19), "BinarySI"),
    ("0.05Gi", F(536870912, 10), "BinarySI"),
    # Things written by trolls
    ("0.000000000001Ki", F(2, 10**9), "DecimalSI"),
    (".001", F(1, 1000), "DecimalSI"),
    (".0001k", F(1, 10), "DecimalSI"),
    ("1.", F(1), "DecimalSI"),
    ("1.G", F(10**9), "DecimalSI"),
]


@pytest.mark.parametrize(("text", "amount", "fmt"), PARSE_TABLE)
def test_parse_matches_upstream_table(text: str, amount: Fraction, fmt: str) -> None:
    q = parse_quantity(text)
    assert (q.nanos, q.format) == (_nanos(amount), fmt)
    # TestQuantityParse also checks the negative and explicit "+" spelling of every row.
    neg = parse_quantity("-" + text)
    assert (neg.nanos, neg.format) == (-_nanos(amount), fmt)
    assert parse_quantity("+" + text) == q


# TestQuantityParse "invalid" list, plus spellings people actually try.
@pytest.mark.parametrize(
    "text",
    [
        "1.1.M",
        "1+1.0M",
        "0.1mi",
        "0.1am",
        "aoeu",
        ".5i",
        "1i",
        "-3.01i",
        "-3.01e-",
        "1e4294967297",
        " 1",
        "1 ",
        "",
        "1K",
        "1e",
        "2 cpus",
        "1gb",
        "1GB",
    ],
)
def test_invalid_quantities_raise_a_clear_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a valid quantity"):
        parse_quantity(text)


# TestQuantityString: (amount, format) -> canonical text
STRING_TABLE = [
    (F(2**30), "BinarySI", "1Gi"),
    (F(300 * 2**20), "BinarySI", "300Mi"),
    (F(6 * 1024), "BinarySI", "6Ki"),
    (F(1001 * 2**30), "BinarySI", "1001Gi"),
    (F(2**40), "BinarySI", "1Ti"),
    (F(5), "BinarySI", "5"),
    (F(1, 2), "BinarySI", "500m"),
    (F(10**9), "DecimalSI", "1G"),
    (F(1, 1000), "DecimalSI", "1m"),
    (F(80, 1000), "DecimalSI", "80m"),
    (F(108, 100), "DecimalSI", "1080m"),
    (F(300 * 10**6), "DecimalSI", "300M"),
    (F(10**12), "DecimalSI", "1T"),
    (F(10**18), "DecimalSI", "1E"),
    (F(10**21), "DecimalSI", "1e21"),
    (F(5 * 10**21), "DecimalSI", "5e21"),
    (F(10**70), "BinarySI", "10e69"),
    (F(2 * 10**70), "BinarySI", "20e69"),
    (F(1234567 * 10**6), "DecimalSI", "1234567M"),
    (F(1234567, 1000), "BinarySI", "1234567m"),
    (F(3000), "DecimalSI", "3k"),
    (F(1025), "BinarySI", "1025"),
    (F(0), "DecimalSI", "0"),
    (F(0), "BinarySI", "0"),
    (F(10**9), "DecimalExponent", "1e9"),
    (F(1, 1000), "DecimalExponent", "1e-3"),
    (F(1, 10**9), "DecimalExponent", "1e-9"),
    (F(80, 1000), "DecimalExponent", "80e-3"),
    (F(300 * 10**6), "DecimalExponent", "300e6"),
    (F(0), "DecimalExponent", "0"),
    (F(1, 10**9), "DecimalSI", "1n"),
    (F(1080, 10**9), "DecimalSI", "1080n"),
    (F(1080, 10**6), "DecimalSI", "1080u"),
    (F(2000), "BinarySI", "2000"),  # TestBinarySIZeroExponentString
    (F(2**70), "BinarySI", "1180591620717411303424"),  # TestBinarySIPastEiArithmeticRoundTrip
]


@pytest.mark.parametrize(("amount", "fmt", "text"), STRING_TABLE)
def test_canonical_string_matches_upstream_table(amount: Fraction, fmt: str, text: str) -> None:
    q = Quantity(_nanos(amount), fmt)  # type: ignore[arg-type]
    assert str(q) == text
    assert parse_quantity(text) == q
    if amount:
        assert str(-q) == "-" + text


# TestQuantityParseEmit
@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1Ki", "1Ki"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
        # what operators type in pod specs
        ("1.5", "1500m"),
        ("0.5", "500m"),
        ("1536Mi", "1536Mi"),
        ("1.5Gi", "1536Mi"),
        ("2000m", "2"),
    ],
)
def test_parse_then_print_gives_the_api_servers_form(text: str, canonical: str) -> None:
    assert str(parse_quantity(text)) == canonical
    assert str(parse_quantity("-" + text)) == "-" + canonical


def test_yaml_numbers_are_read_through_their_decimal_text() -> None:
    assert parse_quantity(2).milli_value() == 2000
    assert parse_quantity(0.5).milli_value() == 500
    assert parse_quantity(1e-3).milli_value() == 1
    with pytest.raises(ValueError):
        parse_quantity(True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        parse_quantity(float("nan"))


def test_kubelet_helpers_round_up_like_scaled_value() -> None:
    assert parse_quantity("1.5Gi").value() == 1610612736
    assert parse_quantity("1500m").value() == 2
    assert parse_quantity("100m").value() == 1  # 100m bytes of memory is one byte
    assert parse_quantity("1n").milli_value() == 1
    assert parse_quantity("-1500m").value() == -1
    assert parse_quantity("2").is_whole() and not parse_quantity("2500m").is_whole()


def test_a_quantity_hashes_as_its_rational_amount() -> None:
    """Sets and dicts of quantities iterate as they did when the amount was a Fraction."""
    for text in ("0", "1", "-1", "1500m", "-3n", "1.5Gi", "1e400", "-7e-9", "12E"):
        q = parse_quantity(text)
        assert hash(q) == hash(Fraction(q.nanos, 10**9)), text
    assert hash(parse_quantity("2")) == hash(2)


def test_arithmetic_is_exact_and_keeps_the_format() -> None:
    total = parse_quantity("0.1") + parse_quantity("0.2")
    assert total == parse_quantity("300m") and str(total) == "300m"
    assert str(parse_quantity("0") + parse_quantity("1Gi")) == "1Gi"  # zero takes the other's suffix
    assert str(parse_quantity("1Gi") - parse_quantity("512Mi")) == "512Mi"
    assert parse_quantity("10000T") > parse_quantity("100Gi")  # TestQuantityCmp


def test_format_helpers() -> None:
    assert format_cpu(1500) == "1500m" and format_cpu(2000) == "2" and format_cpu(0) == "0"
    assert format_bytes(1610612736) == "1536Mi" and format_bytes(12 * 2**30) == "12Gi"


def test_parse_bytes_accepts_whole_sizes_only() -> None:
    assert parse_bytes("64Gi") == 64 * 2**30
    assert parse_bytes("16G") == 16 * 10**9
    assert parse_bytes("1.5Gi") == 1610612736
    assert parse_bytes(4096) == 4096
    for bad in ("-1Gi", "0.5", "lots", -3):
        with pytest.raises(ValueError):
            parse_bytes(bad)


# ---- properties -----------------------------------------------------------------------
_formats = st.sampled_from(["DecimalSI", "BinarySI", "DecimalExponent"])
# Parsed BinarySI amounts are capped at 2^63-1, so the property holds within int64 range.
_nano_amounts = st.builds(
    lambda n, scale: Fraction(n, 10**scale), st.integers(-(10**18), 10**18), st.integers(0, 9)
)


@given(_nano_amounts, _formats)
def test_parse_of_format_is_identity(amount: Fraction, fmt: str) -> None:
    q = Quantity(_nanos(amount), fmt)  # type: ignore[arg-type]
    back = parse_quantity(str(q))
    assert back == q
    # printing is stable: the canonical form of the reparsed value is the same text
    assert str(back) == str(q) or back.format != q.format


@given(_nano_amounts, _nano_amounts, _formats, _formats)
def test_ordering_agrees_with_the_value(a: Fraction, b: Fraction, fa: str, fb: str) -> None:
    qa = parse_quantity(str(Quantity(_nanos(a), fa)))  # type: ignore[arg-type]
    qb = parse_quantity(str(Quantity(_nanos(b), fb)))  # type: ignore[arg-type]
    assert (qa < qb) == (a < b) and (qa == qb) == (a == b)
    assert (qa.milli_value() <= qb.milli_value()) or a > b


_suffixes = st.sampled_from(
    ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "E-2", "e+1"]
)


@given(st.integers(0, 10**6), st.integers(0, 999), _suffixes, st.sampled_from(["", "-", "+"]))
def test_any_well_formed_spelling_round_trips(whole: int, frac: int, suffix: str, sign: str) -> None:
    q = parse_quantity(f"{sign}{whole}.{frac:03d}{suffix}")
    assert parse_quantity(str(q)) == q
    assert q.milli_value() == -((-Fraction(q.nanos, 10**9) * 1000).__floor__())


@given(st.text(max_size=12))
def test_arbitrary_text_parses_or_raises_value_error(text: str) -> None:
    try:
        q = parse_quantity(text)
    except ValueError:
        return
    assert parse_quantity(str(q)) == q
