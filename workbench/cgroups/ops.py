"""Carry out one planned Write, check it took effect, and build the Write that undoes it.

The journal drives these one step at a time (intent, `perform`, `verify`, and for rollback
`inverse` guarded by `still_ours`); the functions themselves keep no state.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.cgroups.files import (
    CPULIST_FILES,
    parse_controllers,
    parse_partition,
    parse_procs,
    parse_subtree_change,
    same_value,
    subtree_write_applied,
)
from workbench.cgroups.fs import CgroupFS
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


def read_back(fs: CgroupFS, w: Write) -> ReadBack:
    """Read the file `w` wrote (and `*.effective`) and say whether the kernel did what was asked.

    A cpuset whose effective set differs from a non-empty request is a failure even though the
    write succeeded (v2 narrows silently); so is a partition that reads back "invalid".
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
    if not same_value(w.file, value, w.value):
        return ReadBack(value, ok=False, problem=f"reads {value!r}, wrote {w.value!r}")
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
        return CPUSet.parse(live) == CPUSet.parse(w.value)
    return same_value(w.file, live, w.value)


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
    if w.file == "cgroup.subtree_control":
        enable, _ = parse_subtree_change(w.value)
        had = parse_controllers(w.before)
        added = sorted(enable - had)
        if not added:
            return None
        return Write(
            w.cgroup, w.file, " ".join(f"-{c}" for c in added), before=None, reason=f"undo: {w.reason}"
        )
    if w.file == "cgroup.procs":
        return Write(w.before, "cgroup.procs", w.value, before=w.cgroup, reason=f"undo: {w.reason}")
    return Write(w.cgroup, w.file, w.before, before=w.value, reason=f"undo: {w.reason}")
