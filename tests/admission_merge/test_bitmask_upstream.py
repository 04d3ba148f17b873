"""NUMA masks: cases from kubernetes/kubernetes topologymanager/bitmask/bitmask_test.go."""

from __future__ import annotations

import pytest

from workbench.admission.bitmask import (
    count,
    ids_of,
    is_narrower_than,
    iterate_bitmasks,
    iterate_masks,
    mask_of,
    mask_string,
)

# TestNewEmptyiBitMask, TestNewBitMask: bits -> String()
NEW_BITMASK = [([], "00"), ([0], "01"), ([1], "10"), ([0, 1], "11")]
# TestAnd: masks -> String() of their AND
AND = [
    ([[0, 1], [0, 1]], "11"),
    ([[0, 1], [1]], "10"),
    ([[0], [0, 1]], "01"),
    ([[0, 1], [0, 1], [1]], "10"),
    ([[0], [0], [1], [0, 1]], "00"),
    ([[0, 1, 2, 3], [1, 2, 3], [2, 3], [3]], "1000"),
]
# TestIsNarrowerThan
NARROWER = [([0], [0, 1], True), ([0, 1], [0], False), ([0], [1], True), ([1], [0], False)]
# TestCount, TestGetBits
COUNT = [([], 0), ([0], 1), ([0, 1], 2)]


@pytest.mark.parametrize(("bits", "text"), NEW_BITMASK)
def test_new_bitmask_string(bits: list[int], text: str) -> None:
    assert mask_string(mask_of(bits)) == text


@pytest.mark.parametrize(("masks", "text"), AND)
def test_and(masks: list[list[int]], text: str) -> None:
    result = mask_of(masks[0])
    for m in masks:
        result &= mask_of(m)
    assert mask_string(result) == text


def test_fill_string_is_64_ones() -> None:
    # TestFill
    assert mask_string((1 << 64) - 1) == "1" * 64


@pytest.mark.parametrize(("first", "second", "narrower"), NARROWER)
def test_is_narrower_than(first: list[int], second: list[int], narrower: bool) -> None:
    assert is_narrower_than(mask_of(first), mask_of(second)) is narrower


@pytest.mark.parametrize(("bits", "n"), COUNT)
def test_count_and_get_bits(bits: list[int], n: int) -> None:
    assert count(mask_of(bits)) == n
    assert ids_of(mask_of(bits)) == frozenset(bits)


@pytest.mark.parametrize("numbits", [1, 2, 4, 8, 16])
def test_iterate_bitmasks_count(numbits: int) -> None:
    # TestIterateBitMasks: every non-empty subset exactly once
    masks = list(iterate_bitmasks(list(range(numbits))))
    assert len(masks) == (1 << numbits) - 1
    assert len(set(masks)) == len(masks)


def test_iterate_bitmasks_order_is_by_size_then_lexicographic() -> None:
    order = [sorted(m) for m in iterate_masks([0, 1, 2])]
    assert order == [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]
    # The kubelet recurses over the list as given, so the order follows the list, not the ids.
    assert [sorted(ids_of(m)) for m in iterate_bitmasks([2, 0])] == [[2], [0], [0, 2]]


def test_out_of_range_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="range 0-63"):
        mask_of([64])
