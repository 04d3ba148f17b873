"""How cgroup values compare, and what value undoes a write.

The kernel does not echo what it was given: memory values come back rounded up to the page
size, `cpu.max` given one number keeps its period, cpulists come back canonical, and
`cgroup.subtree_control` reads as the set of enabled controllers rather than the `+x -y` edit
that was written. Read-back checks and compare-before-undo therefore compare normal forms.
"""

from __future__ import annotations

from workbench.topology.cpuset import CPUSet, CPUSetError

PAGE = 4096
LIST_FILES = ("cpuset.cpus", "cpuset.mems", "cpuset.cpus.exclusive")
MEMORY_FILES = ("memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max")


def _controllers(text: str) -> frozenset[str]:
    return frozenset(t for t in text.split() if t)


def normalise(file: str, value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if file in LIST_FILES:
        try:
            return str(CPUSet.parse(text))
        except CPUSetError:
            return text
    if file in MEMORY_FILES and text.isdigit():
        n = int(text)
        return str(-(-n // PAGE) * PAGE)
    if file == "cpu.max":
        parts = text.split()
        return " ".join(parts)
    if file in ("cgroup.subtree_control", "cgroup.controllers", "cgroup.procs", "cgroup.threads"):
        return " ".join(sorted(text.split()))
    return text


def expected_after(file: str, before: str | None, value: str) -> str:
    """The normal form the file should read as after writing `value` over `before`."""
    if file == "cgroup.subtree_control":
        enabled = set(_controllers(before or ""))
        for token in value.split():
            if token.startswith("+"):
                enabled.add(token[1:])
            elif token.startswith("-"):
                enabled.discard(token[1:])
        return " ".join(sorted(enabled))
    if file == "cpu.max":
        parts = value.split()
        if len(parts) == 1 and before:
            # One number changes only the quota; the period stays.
            old = before.split()
            return " ".join([parts[0], *old[1:2]])
    if file == "cgroup.procs":
        pids = set((before or "").split())
        pids.update(value.split())
        return " ".join(sorted(pids))
    return normalise(file, value) or ""


def same(file: str, a: str | None, b: str | None) -> bool:
    return normalise(file, a) == normalise(file, b)


def undo_value(file: str, before: str | None, value: str) -> str | None:
    """What to write to take the file back to `before`; None when there is nothing to write."""
    if before is None:
        return None
    if file == "cgroup.subtree_control":
        had = _controllers(before)
        tokens = []
        for token in value.split():
            name = token[1:]
            if token.startswith("+") and name not in had:
                tokens.append(f"-{name}")
            elif token.startswith("-") and name in had:
                tokens.append(f"+{name}")
        # Disable in reverse order of enabling: a child-side user of one may depend on the other.
        return " ".join(reversed(tokens)) or None
    return before
