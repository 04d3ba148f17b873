"""Shared by the journal tests and their subprocess driver: a small sandbox and a 5-step plan.

The plan touches an existing cgroup and one it creates, so undo has to restore values, disable
controllers and remove a directory: every kind of step the journal knows.
"""

from __future__ import annotations

from pathlib import Path

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.kernel import Kernel
from workbench.cgroups.sandbox import init_sandbox
from workbench.cgroups.write import Write
from workbench.topology.cpuset import CPUSet

BOOT_ID = "11111111-2222-3333-4444-555555555555"


def make_sandbox(root: Path) -> CgroupFS:
    init_sandbox(root, cpus=CPUSet.parse("0-7"), mems=CPUSet.parse("0-1"))
    kernel = Kernel(root)
    kernel.write("", "cgroup.subtree_control", "+cpuset +cpu +memory")
    kernel.mkdir("existing")
    return CgroupFS(root)


def plan(fs: CgroupFS) -> list[Write]:
    return [
        Write(
            "existing",
            "cgroup.subtree_control",
            "+cpuset +cpu +memory",
            before=fs.read("existing", "cgroup.subtree_control"),
            reason="controllers for the pod",
        ),
        Write("existing/pod", "", "", action="mkdir", reason="pod cgroup"),
        Write("existing/pod", "cpuset.cpus", "0-3", before=None, reason="pod cpus"),
        Write("existing", "cpu.max", "400000 100000", before=fs.read("existing", "cpu.max"), reason="quota"),
        Write("existing/pod", "memory.max", "1073741824", before=None, reason="pod memory"),
    ]


# Kernel writes (fs.write calls) in the plan, and undo operations of a full rollback.
PLAN_STEPS = 5
PLAN_WRITES = 4
UNDO_OPS = 5


def plan_twice(fs: CgroupFS) -> list[Write]:
    """One file written twice, as the planner does for a cpuset that must move: grown to
    old | new parent-first, then shrunk to new (the second `before` is the first write's value)."""
    return [
        Write("existing", "cpuset.cpus", "0-5", before=fs.read("existing", "cpuset.cpus"), reason="grow"),
        Write("existing", "cpuset.cpus", "4-5", before="0-5", reason="shrink"),
    ]
