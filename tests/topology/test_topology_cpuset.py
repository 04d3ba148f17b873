"""CPUSet: the Linux list syntax (`0-3,8-11`) and sysfs hex masks, parsed and printed exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.topology import CPUSet, CPUSetError


@given(st.frozensets(st.integers(0, 2000), max_size=200))
def test_format_then_parse_is_identity(ids: frozenset[int]) -> None:
    s = CPUSet(ids)
    assert CPUSet.parse(str(s)) == s
    assert set(s) == ids


@given(st.frozensets(st.integers(0, 600), max_size=100))
def test_printed_form_is_canonical(ids: frozenset[int]) -> None:
    text = str(CPUSet(ids))
    # ranges never touch or overlap, so there is exactly one way to print a set
    bounds = [tuple(int(x) for x in part.split("-")) for part in text.split(",")] if text else []
    for a, b in zip(bounds, bounds[1:], strict=False):
        assert a[-1] + 1 < b[0]
    assert all(len(b) == 1 or b[0] < b[1] for b in bounds)


@given(st.frozensets(st.integers(0, 300), max_size=80))
def test_hex_mask_agrees_with_list(ids: frozenset[int]) -> None:
    value = sum(1 << i for i in ids)
    words = max(1, (max(ids, default=0) + 32) // 32)
    mask = ",".join(f"{(value >> (32 * w)) & 0xFFFFFFFF:08x}" for w in reversed(range(words)))
    assert CPUSet.from_hex_mask(mask) == CPUSet(ids)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", []),
        ("0", [0]),
        ("0-3,8-11", [0, 1, 2, 3, 8, 9, 10, 11]),
        (" 1 , 3-4\n", [1, 3, 4]),
        ("0-1\n\x00", [0, 1]),
        ("5,3,4", [3, 4, 5]),
    ],
)
def test_parse_examples(text: str, ids: list[int]) -> None:
    assert CPUSet.parse(text).sorted() == tuple(ids)


@pytest.mark.parametrize(
    ("mask", "ids"),
    [
        ("00000000,00000003", [0, 1]),
        ("0000000c\n", [2, 3]),
        ("00000001,00000000", [32]),
        ("0\x00", []),
        ("ff", list(range(8))),
    ],
)
def test_hex_mask_examples(mask: str, ids: list[int]) -> None:
    assert CPUSet.from_hex_mask(mask).sorted() == tuple(ids)


@pytest.mark.parametrize("text", ["a", "1-", "3-1", "1,,2", "-1", "1-2-3", "0x3"])
def test_parse_rejects_bad_lists(text: str) -> None:
    with pytest.raises(CPUSetError):
        CPUSet.parse(text)


def test_mask_rejects_non_hex() -> None:
    with pytest.raises(CPUSetError):
        CPUSet.from_hex_mask("zz,00000001")


def test_negative_ids_are_rejected() -> None:
    with pytest.raises(CPUSetError):
        CPUSet([-1])


def test_algebra_prints_canonically() -> None:
    a, b = CPUSet.parse("0-7"), CPUSet.parse("4-11")
    assert str(a & b) == "4-7"
    assert str(a | b) == "0-11"
    assert str(a - b) == "0-3"
    assert CPUSet.parse("1-2") <= a


# ---- hostile lists: bounded by the kernel's NR_CPUS before anything is expanded ---------------
@pytest.mark.parametrize("text", ["0-99999999999", "0-200000000", "8192", "0-8192", "1" * 400])
def test_ids_beyond_nr_cpus_are_refused_before_expanding(text: str) -> None:
    with pytest.raises(CPUSetError, match="out of range"):
        CPUSet.parse(text)


def test_the_largest_list_and_overlapping_repeats_stay_cheap() -> None:
    assert len(CPUSet.parse("0-8191")) == 8192
    # 100000 copies of the whole range: merged as ranges, not expanded 100000 times.
    assert CPUSet.parse(",".join(["0-8191"] * 100_000)) == CPUSet(range(8192))
    assert str(CPUSet.parse("0-3", limit=4)) == "0-3"
    with pytest.raises(CPUSetError, match="below 4"):
        CPUSet.parse("0-4", limit=4)


@pytest.mark.parametrize("text", ["1_0", "\u0663", "+1", "0x1", "1-", "-1"])
def test_only_ascii_digits_are_cpu_ids(text: str) -> None:
    with pytest.raises(CPUSetError):
        CPUSet.parse(text)
