"""What a cgroup v2 interface file reads back as: the one normaliser of cgroup values.

The kernel does not echo what it is given, so every comparison of a written value with a value
read back (the plan leaving out writes that change nothing, the read-back check after a write,
the journal's compare-before-undo, drift) goes through the normal forms defined here:

- memory limits (`memory.max`, `.high`, `.low`, `.min`, `.swap.max`): the write goes through
  `page_counter_memparse()` (mm/page_counter.c), which parses with `memparse()`
  (lib/cmdline.c: `simple_strtoull(s, &end, 0)`, so 0x.. and 0.. prefixes, then an optional
  K/M/G/T/P/E suffix, powers of 1024) and keeps `min(bytes / PAGE_SIZE, PAGE_COUNTER_MAX)`
  whole pages: rounded DOWN. The read side (`seq_puts_memcg_tunable()`, mm/memcontrol.c, used
  by `memory_max_show()` and its siblings) prints `pages * PAGE_SIZE`, or "max" for
  PAGE_COUNTER_MAX. So 60000000 reads back as 59998208 (`memory_max_write()` ->
  `page_counter_memparse(buf, "max", &max)`), and a limit of PAGE_COUNTER_MAX pages or more
  reads back as "max". (cgroup-v2.rst's "rounded up" is not what the code does.)
- cpusets (`cpuset.cpus`, `.mems`, `.exclusive` and their effective sets): printed with `%*pbl`
  (`cpuset_common_seq_show()`, kernel/cgroup/cpuset.c): the canonical list "0-3,8".
- `cpu.max`: `cpu_max_write()` -> `cpu_period_quota_parse()` (kernel/sched/core.c) reads
  "$MAX [$PERIOD]"; one value keeps the current period; `cpu_max_show()` prints "$MAX $PERIOD".
- `cgroup.subtree_control` is written as edits ("+cpu -io", the last token of a name wins:
  `cgroup_subtree_control_write()`) and reads as the set of enabled controllers;
  `cgroup.procs` is written one PID at a time and reads as the set of member PIDs.
- anything else: the text without surrounding whitespace.

A value that does not parse is kept as its stripped text, so it compares equal only to itself.
"""

from __future__ import annotations

import os

from workbench.topology.cpuset import CPUSet, CPUSetError


def _page_size() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 4096


PAGE_SIZE = _page_size()
# include/linux/page_counter.h, 64-bit: LONG_MAX / PAGE_SIZE pages mean "max".
PAGE_COUNTER_MAX = ((1 << 63) - 1) // PAGE_SIZE
U64_MAX = (1 << 64) - 1
DEFAULT_CPU_PERIOD = 100_000
UNLIMITED = "max"

MEMORY_LIMIT_FILES = frozenset({"memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max"})
CPULIST_FILES = frozenset(
    {
        "cpuset.cpus",
        "cpuset.cpus.effective",
        "cpuset.mems",
        "cpuset.mems.effective",
        "cpuset.cpus.exclusive",
        "cpuset.cpus.exclusive.effective",
        "cpuset.cpus.isolated",
    }
)
SET_FILES = frozenset({"cgroup.subtree_control", "cgroup.controllers", "cgroup.procs", "cgroup.threads"})
_HEX = "0123456789abcdefABCDEF"
_SUFFIX_SHIFT = {"k": 10, "m": 20, "g": 30, "t": 40, "p": 50, "e": 60}


def memparse(text: str) -> int | None:
    """lib/cmdline.c `memparse()` on the whole string: bytes, or None when it does not parse.

    `simple_strtoull(s, &end, 0)` takes a 0x/0X prefix as hex and a leading 0 as octal, then
    one K/M/G/T/P/E suffix may follow (`page_counter_memparse` wants nothing after it). The
    kernel's strtoull has no overflow check; values beyond u64 are refused here instead.
    """
    s = text.strip()
    if s[:2].lower() == "0x" and len(s) > 2 and s[2] in _HEX:
        base, start, allowed = 16, 2, _HEX
    elif s.startswith("0"):
        base, start, allowed = 8, 0, "01234567"
    else:
        base, start, allowed = 10, 0, "0123456789"
    end = start
    while end < len(s) and s[end] in allowed:
        end += 1
    rest = s[end:]
    if end == start or len(rest) > 1 or (rest and rest.lower() not in _SUFFIX_SHIFT):
        return None
    value = int(s[start:end], base) << (_SUFFIX_SHIFT[rest.lower()] if rest else 0)
    return value if value <= U64_MAX else None


def memory_pages(text: str) -> int | None:
    """`page_counter_memparse(buf, "max", &nr_pages)`: whole pages, rounded down; None = EINVAL."""
    if text.strip() == UNLIMITED:
        return PAGE_COUNTER_MAX
    nbytes = memparse(text)
    return None if nbytes is None else min(nbytes // PAGE_SIZE, PAGE_COUNTER_MAX)


def memory_readback(text: str) -> str | None:
    """What a memory limit file reads as after `text` was written (`seq_puts_memcg_tunable`)."""
    pages = memory_pages(text)
    if pages is None:
        return None
    return UNLIMITED if pages == PAGE_COUNTER_MAX else str(pages * PAGE_SIZE)


def _cpu_max(text: str, period_from: str | None) -> str | None:
    parts = text.split()
    if not 1 <= len(parts) <= 2:
        return None
    period = parts[1] if len(parts) == 2 else None
    if period is None and period_from:
        old = period_from.split()
        period = old[1] if len(old) == 2 else None
    period = period or str(DEFAULT_CPU_PERIOD)
    if not period.isdigit() or (parts[0] != UNLIMITED and not parts[0].isdigit()):
        return None
    return f"{parts[0] if parts[0] == UNLIMITED else int(parts[0])} {int(period)}"


def normalise(file: str, value: str | None) -> str | None:
    """The normal form of `value` as `file` reads it (None stays None: the file is missing)."""
    if value is None:
        return None
    text = value.strip()
    if file in MEMORY_LIMIT_FILES:
        shown = memory_readback(text)
        return text if shown is None else shown
    if file in CPULIST_FILES:
        try:
            return str(CPUSet.parse(text))
        except CPUSetError:
            return text
    if file == "cpu.max":
        return _cpu_max(text, None) or text
    if file in SET_FILES:
        return " ".join(sorted(set(text.split())))
    return text


def expected_after(file: str, before: str | None, value: str) -> str:
    """The normal form `file` should read as after writing `value` over `before` (its content)."""
    if file == "cgroup.subtree_control":
        enabled = set((before or "").split())
        for token in value.split():
            if token.startswith("+"):
                enabled.add(token[1:])
            elif token.startswith("-"):
                enabled.discard(token[1:])
        return " ".join(sorted(enabled))
    if file == "cpu.max":
        return _cpu_max(value.strip(), before) or value.strip()
    if file in ("cgroup.procs", "cgroup.threads"):
        return " ".join(sorted(set((before or "").split()) | set(value.split())))
    return normalise(file, value) or ""


def same(file: str, a: str | None, b: str | None) -> bool:
    """Whether two values read from `file` mean the same to the kernel (None: missing)."""
    return normalise(file, a) == normalise(file, b)


def holds(file: str, live: str | None, value: str) -> bool:
    """Whether writing `value` over `live` would change nothing (the plan leaves it out)."""
    if live is None:
        return False
    return normalise(file, live) == expected_after(file, live, value)
