"""Parse and compare the cgroup v2 interface files the tool reads and writes.

Every parser takes the raw text of one file (trailing newline tolerated) and raises
`InputError` naming the file when the text is not what the kernel writes. How a value as
written compares with the value read back is `workbench.cgroups.normalise`'s one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.cgroups.normalise import DEFAULT_CPU_PERIOD, UNLIMITED, memparse
from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet, CPUSetError

DEFAULT_CPU_MAX = "max 100000"
DEFAULT_CPU_WEIGHT = 100


def parse_cpulist(text: str, file: str = "cpuset.cpus") -> CPUSet:
    """`cpuset.cpus[.effective]`, `cpuset.mems[.effective]`: Linux list syntax, "" = empty."""
    try:
        return CPUSet.parse(text)
    except CPUSetError as e:
        raise InputError(str(e), source=file) from None


@dataclass(frozen=True)
class CPUMax:
    """`cpu.max`: quota in µs per period (None = "max", no limit)."""

    quota: int | None
    period: int = DEFAULT_CPU_PERIOD

    def __str__(self) -> str:
        return f"{UNLIMITED if self.quota is None else self.quota} {self.period}"

    @property
    def cpus(self) -> float | None:
        """The limit in CPUs (quota / period), None when unlimited."""
        return None if self.quota is None else self.quota / self.period


def parse_cpu_max(text: str, *, current_period: int = DEFAULT_CPU_PERIOD) -> CPUMax:
    """`cpu.max`: "$MAX $PERIOD" or "$MAX" (a single value keeps the current period)."""
    parts = text.split()
    if not 1 <= len(parts) <= 2:
        raise InputError(f"expected '$MAX $PERIOD', got {text!r}", source="cpu.max")
    try:
        quota = None if parts[0] == UNLIMITED else int(parts[0])
        period = int(parts[1]) if len(parts) == 2 else current_period
    except ValueError:
        raise InputError(f"expected '$MAX $PERIOD', got {text!r}", source="cpu.max") from None
    if (quota is not None and quota <= 0) or period <= 0:
        raise InputError(f"quota and period must be positive, got {text!r}", source="cpu.max")
    return CPUMax(quota, period)


def parse_cpu_weight(text: str) -> int:
    """`cpu.weight`: 1..10000."""
    try:
        value = int(text.strip())
    except ValueError:
        raise InputError(f"expected an integer, got {text!r}", source="cpu.weight") from None
    if not 1 <= value <= 10000:
        raise InputError(f"weight {value} is outside 1..10000", source="cpu.weight")
    return value


def parse_memory(text: str, file: str = "memory.max") -> int | None:
    """`memory.max` and friends, `memory.current`: bytes, or None for "max".

    Writes also accept what the kernel's `memparse` does (K..E suffixes, powers of 1024).
    """
    value = text.strip()
    if value == UNLIMITED:
        return None
    n = memparse(value)
    if n is None:
        raise InputError(f"expected bytes or 'max', got {text!r}", source=file)
    return n


def _keyed(text: str, file: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        try:
            out[key] = int(value.strip())
        except ValueError:
            raise InputError(f"expected 'key value', got {line!r}", source=file) from None
    return out


def parse_cpu_stat(text: str) -> dict[str, int]:
    """`cpu.stat`: flat keyed. Throttling keys exist only while the cpu controller is enabled."""
    return _keyed(text, "cpu.stat")


def parse_memory_stat(text: str) -> dict[str, int]:
    """`memory.stat`: flat keyed; parse by key, new keys appear anywhere."""
    return _keyed(text, "memory.stat")


def parse_flat_keyed(text: str, file: str) -> dict[str, int]:
    """Any flat-keyed file (`cgroup.events`, `memory.events`)."""
    return _keyed(text, file)


def parse_procs(text: str) -> tuple[int, ...]:
    """`cgroup.procs` / `cgroup.threads`: one PID per line."""
    try:
        return tuple(int(line) for line in text.split())
    except ValueError:
        raise InputError(f"expected one PID per line, got {text!r}", source="cgroup.procs") from None


def parse_controllers(text: str) -> frozenset[str]:
    """`cgroup.controllers` and `cgroup.subtree_control`: space-separated controller names."""
    return frozenset(text.split())


@dataclass(frozen=True)
class Partition:
    """`cpuset.cpus.partition`: "member", "root", "isolated", possibly "... invalid (reason)"."""

    kind: str
    valid: bool = True
    reason: str = ""

    def __str__(self) -> str:
        if self.valid:
            return self.kind
        return f"{self.kind} invalid ({self.reason})" if self.reason else f"{self.kind} invalid"


def parse_partition(text: str) -> Partition:
    value = text.strip()
    kind, _, rest = value.partition(" ")
    if kind not in ("member", "root", "isolated"):
        raise InputError(f"unknown partition state {text!r}", source="cpuset.cpus.partition")
    if not rest:
        return Partition(kind)
    rest = rest.strip()
    if not rest.startswith("invalid"):
        raise InputError(f"unknown partition state {text!r}", source="cpuset.cpus.partition")
    reason = rest[len("invalid") :].strip()
    if reason.startswith("(") and reason.endswith(")"):
        reason = reason[1:-1]
    return Partition(kind, valid=False, reason=reason)


def parse_subtree_change(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """A write to `cgroup.subtree_control` ("+cpu -io"): (enable, disable); the last token wins."""
    state: dict[str, bool] = {}
    for token in text.split():
        if len(token) < 2 or token[0] not in "+-":
            raise InputError(f"expected '+name' or '-name', got {token!r}", source="cgroup.subtree_control")
        state[token[1:]] = token[0] == "+"
    return (
        frozenset(k for k, on in state.items() if on),
        frozenset(k for k, on in state.items() if not on),
    )


def subtree_write_applied(written: str, readback: str) -> bool:
    """Whether a `cgroup.subtree_control` write ("+cpu -io") shows in the file read back."""
    enable, disable = parse_subtree_change(written)
    now = parse_controllers(readback)
    return enable <= now and not (disable & now)


def describe(file: str, value: str | None) -> str:
    """A value for a diff line: `(none)` for a missing file, `""` for empty."""
    if value is None:
        return "(none)"
    text = value.strip()
    return text.replace("\n", ",") if text else '""'
