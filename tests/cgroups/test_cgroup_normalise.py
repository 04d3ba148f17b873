"""The one cgroup value normaliser: what a file reads back as, by the kernel's own rules."""

from __future__ import annotations

import pytest

from workbench.cgroups.normalise import (
    PAGE_COUNTER_MAX,
    PAGE_SIZE,
    expected_after,
    holds,
    memparse,
    normalise,
    same,
)

pytestmark = pytest.mark.skipif(PAGE_SIZE != 4096, reason="the cases are written for 4 KiB pages")


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [
        # lib/cmdline.c memparse: simple_strtoull base 0, then one K/M/G/T/P/E suffix
        ("60000000", 60000000),
        ("100M", 100 << 20),
        ("1g", 1 << 30),
        ("1E", 1 << 60),
        ("0x10", 16),
        ("0xe", 14),  # the e is a hex digit, not the exa suffix
        ("010", 8),  # a leading 0 is octal
        ("0", 0),
        ("08", None),  # octal stops at 8, and "8" is no suffix: EINVAL
        ("12x", None),
        ("-1", None),
        ("", None),
        ("1KK", None),
        (str(1 << 64), None),
    ],
)
def test_memparse_is_the_kernels(text: str, nbytes: int | None) -> None:
    assert memparse(text) == nbytes


@pytest.mark.parametrize(
    ("written", "reads"),
    [
        # page_counter_memparse keeps bytes / PAGE_SIZE pages (rounded DOWN),
        # seq_puts_memcg_tunable prints pages * PAGE_SIZE
        ("60000000", "59998208"),
        ("100000000", "99999744"),
        ("5000", "4096"),
        ("4095", "0"),
        ("1000000", "999424"),
        ("1G", str(1 << 30)),
        ("max", "max"),
        (" max\n", "max"),
        # PAGE_COUNTER_MAX pages or more read back as "max"
        (str(PAGE_COUNTER_MAX * PAGE_SIZE), "max"),
        (str(PAGE_COUNTER_MAX * PAGE_SIZE - PAGE_SIZE), str(PAGE_COUNTER_MAX * PAGE_SIZE - PAGE_SIZE)),
        ("lots", "lots"),  # unparsable: only equal to itself
    ],
)
def test_memory_limits_round_down_to_a_page(written: str, reads: str) -> None:
    for file in ("memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max"):
        assert normalise(file, written) == reads


def test_values_within_a_page_are_not_the_same_unless_they_round_alike() -> None:
    assert same("memory.max", "60000000", "59998208")
    assert same("memory.max", "4096", "8191")
    assert not same("memory.max", "8191", "8192")
    assert not same("memory.max", "1000000", "1003520")
    assert not same("memory.max", "max", "1000000")


def test_other_files_read_back_in_canonical_form() -> None:
    assert normalise("cpuset.cpus", "0,1,2,3\n") == "0-3"
    assert normalise("cpuset.mems", " 1,0 ") == "0-1"
    assert normalise("cpuset.cpus", "not a list") == "not a list"
    assert normalise("cpu.max", "max") == "max 100000"
    assert not same("cpu.max", "max 50000", "max 100000")
    assert normalise("cgroup.subtree_control", "memory cpu") == "cpu memory"
    assert normalise("cpu.weight", " 100\n") == "100"
    assert normalise("cpu.weight", None) is None
    assert not same("cpu.weight", None, "100")


def test_what_a_write_leaves_depends_on_what_was_there() -> None:
    # cpu_period_quota_parse: one value keeps the current period
    assert expected_after("cpu.max", "50000 200000", "max") == "max 200000"
    assert expected_after("cpu.max", None, "400000 100000") == "400000 100000"
    # cgroup_subtree_control_write applies edits; the file shows the enabled set
    assert expected_after("cgroup.subtree_control", "io", "+cpu +memory -io") == "cpu memory"
    assert expected_after("cgroup.procs", "1 2", "3") == "1 2 3"
    assert expected_after("memory.max", "max", "60000000") == "59998208"


def test_the_plan_leaves_out_writes_that_change_nothing() -> None:
    assert holds("memory.max", "59998208", "60000000")
    assert not holds("memory.max", "max", "60000000")
    assert holds("cpu.max", "max 100000", "max")
    assert holds("cpuset.cpus", "0-3", "0,1,2,3")
    assert not holds("cpuset.cpus", None, "")
