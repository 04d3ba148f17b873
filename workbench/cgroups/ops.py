"""Carry out one planned Write, check it took effect, and build the Write that undoes it.

The journal drives these one step at a time (intent, `perform`, `verify`, and for rollback
`inverse` guarded by `still_ours`); the functions themselves keep no state.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.cgroups.files import (
    parse_controllers,
    parse_partition,
    parse_procs,
    subtree_write_applied,
)
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.normalise import CPULIST_FILES, expected_after, normalise
from workbench.cgroups.write import Write
from workbench.topology.cpuset import CPUSet


def perform(fs: CgroupFS, w: Write) -> None:
    """Do `w` on the tree: mkdir, rmdir or a single write. OSError carries the kernel's errno."""
    if w.action == "mkdir":
        fs.mkdir(w.cgroup)
    elif w.action == "rmdir":
        fs.rmdir(w.cgroup)
    else:
        fs.write(w.cgroup, w.file, w.value)


@dataclass(frozen=True)
class ReadBack:
    """What the tree shows after a write: the file, its effective set when it has one, verdict."""

    value: str | None
    effective: str | None = None
    ok: bool = True
    problem: str = ""


def read_back(fs: CgroupFS, w: Write, before: str | None = None) -> ReadBack:
    """Read the file `w` wrote (and `*.effective`) and say whether the kernel did what was asked.

    The value must read back as `normalise.expected_after(file, before, value)` (the kernel's
    rounding: 60000000 written to memory.max reads 59998208); `before` is the file's content
    just before the write (default `w.before`). A cpuset whose effective set differs from a
    non-empty request is a failure even though the write succeeded (v2 narrows silently); so
    is a partition that reads back "invalid". This is the one read-back verdict: the journal
    records it and does not judge again.
    """
    if w.action in ("mkdir", "rmdir"):
        present = fs.exists(w.cgroup)
        want = w.action == "mkdir"
        problem = "" if present == want else f"{fs.display(w.cgroup)} {'missing' if want else 'still there'}"
        return ReadBack("dir" if present else None, ok=not problem, problem=problem)
    value = fs.read(w.cgroup, w.file)
    if value is None:
        return ReadBack(None, ok=False, problem=f"{fs.display(w.cgroup, w.file)} is gone")
    if w.file == "cgroup.subtree_control":
        ok = subtree_write_applied(w.value, value)
        return ReadBack(value, ok=ok, problem="" if ok else f"controllers now {value!r}, wanted {w.value!r}")
    if w.file == "cgroup.procs":
        ok = int(w.value) in parse_procs(value)
        return ReadBack(value, ok=ok, problem="" if ok else f"PID {w.value} is not in {fs.display(w.cgroup)}")
    if w.file == "cpuset.cpus.partition":
        part = parse_partition(value)
        ok = part.valid and part.kind == w.value.strip()
        return ReadBack(value, ok=ok, problem="" if ok else f"partition reads {value!r}")
    expected = expected_after(w.file, w.before if before is None else before, w.value)
    if normalise(w.file, value) != expected:
        return ReadBack(value, ok=False, problem=f"reads {value!r}, wrote {w.value!r}, want {expected!r}")
    if w.file in ("cpuset.cpus", "cpuset.mems"):
        effective = fs.read(w.cgroup, w.file + ".effective")
        wanted = CPUSet.parse(w.value)
        if wanted and effective is not None and CPUSet.parse(effective) != wanted:
            return ReadBack(
                value,
                effective,
                ok=False,
                problem=f"{w.file}.effective is {effective or '(empty)'}, not {wanted}: "
                "the parent lacks some",
            )
        return ReadBack(value, effective)
    return ReadBack(value)


def still_ours(fs: CgroupFS, w: Write) -> bool:
    """Whether the live tree still shows what `w` did (compare before undo; False = conflict).

    cpusets compare as sets, memory within a page, `cgroup.procs` as "the PID is still there",
    `cgroup.subtree_control` as "the controllers it enabled are still enabled".
    """
    if w.action == "mkdir":
        return fs.exists(w.cgroup)
    if w.action == "rmdir":
        return not fs.exists(w.cgroup)
    live = fs.read(w.cgroup, w.file)
    if live is None:
        return False
    if w.file == "cgroup.procs":
        return int(w.value) in parse_procs(live)
    if w.file == "cgroup.subtree_control":
        return subtree_write_applied(w.value, live)
    if w.file in CPULIST_FILES:
        return normalise(w.file, live) == normalise(w.file, w.value)
    return normalise(w.file, live) == expected_after(w.file, w.before, w.value)


def inverse(w: Write) -> Write | None:
    """The Write that undoes `w`, or None when there is nothing to undo by itself.

    - mkdir -> rmdir of the same cgroup;
    - a file that did not exist before (`before` None: in a cgroup or controller the plan
      created) -> None: removing the cgroup / disabling the controller undoes it;
    - `cgroup.subtree_control` "+a +b" -> "-a -b" for those not enabled before (None if all were);
    - `cgroup.procs` -> the PID written back to the cgroup it came from (`before`; None unknown);
    - any other file -> its `before` value.
    """
    if w.action == "mkdir":
        return Write(w.cgroup, "", "", action="rmdir", before="dir", reason=f"undo: {w.reason or 'mkdir'}")
    if w.action == "rmdir" or w.before is None:
        return None
    if w.file == "cgroup.procs":
        return Write(w.before, "cgroup.procs", w.value, before=w.cgroup, reason=f"undo: {w.reason}")
    back = undo_value(w.file, w.before, w.value)
    if back is None:
        return None
    before = None if w.file == "cgroup.subtree_control" else w.value
    return Write(w.cgroup, w.file, back, before=before, reason=f"undo: {w.reason}")


def undo_value(file: str, before: str | None, value: str) -> str | None:
    """What to write to take `file` back to `before` after `value` was written over it; None
    when there is nothing to write (`before` None: the file goes with its cgroup or controller).

    `cgroup.subtree_control`: the inverse edit of the controllers the write changed, disabled in
    reverse order of enabling (a child-side user of one may depend on the other).
    """
    if before is None:
        return None
    if file != "cgroup.subtree_control":
        return before
    had = parse_controllers(before)
    tokens = []
    for token in value.split():
        name = token[1:]
        if token.startswith("+") and name not in had:
            tokens.append(f"-{name}")
        elif token.startswith("-") and name in had:
            tokens.append(f"+{name}")
    return " ".join(reversed(tokens)) or None
