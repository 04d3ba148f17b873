"""Which tasks are the foreign work on a pool's CPUs: on demand only (`top --tasks`), never per tick.

From `/proc/<pid>/task/<tid>/stat`: field 39 (`processor`, the CPU the task last ran on) and
fields 14-15 (`utime`, `stime`, in USER_HZ ticks; proc(5)). A task counts when it last ran on an
exclusive or pod-shared pool's CPUs, used CPU time since the previous scan (or is running, on
the first scan) and is not in one of the cgroups that own the pool (`/proc/<pid>/cgroup`, the
cgroup v2 line `0::/path`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workbench.usage.model import EXCLUSIVE_KINDS, Plan, PoolSpec


@dataclass(frozen=True)
class TaskStat:
    pid: int
    tid: int
    comm: str
    state: str
    cpu: int  # field 39
    ticks: int  # utime + stime


@dataclass(frozen=True)
class Task:
    pid: int
    tid: int
    comm: str
    cpu: int
    pool: str  # the pool's key
    cgroup: str  # as /proc/<pid>/cgroup names it


def parse_task_stat(pid: int, tid: int, text: str) -> TaskStat | None:
    head, sep, rest = text.rpartition(")")
    if not sep:
        return None
    fields = rest.split()
    # rest starts at field 3 (state); field N is fields[N - 3]
    if len(fields) < 37:
        return None
    comm = head.partition("(")[2]
    return TaskStat(pid, tid, comm, fields[0], int(fields[36]), int(fields[11]) + int(fields[12]))


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def scan_tasks(proc_root: Path) -> dict[int, TaskStat]:
    """Every task (thread) of every process under `proc_root`, by TID."""
    out: dict[int, TaskStat] = {}
    root = str(proc_root)
    try:
        pids = [int(n) for n in os.listdir(root) if n.isdigit()]
    except OSError:
        return out
    for pid in pids:
        try:
            tids = [int(n) for n in os.listdir(f"{root}/{pid}/task") if n.isdigit()]
        except OSError:
            continue
        for tid in tids:
            text = _read(f"{root}/{pid}/task/{tid}/stat")
            st = parse_task_stat(pid, tid, text) if text else None
            if st is not None:
                out[tid] = st
    return out


def _cgroup_of(proc_root: Path, pid: int) -> str:
    text = _read(f"{proc_root}/{pid}/cgroup") or ""
    for line in text.splitlines():
        if line.startswith("0::"):
            return line[3:]
    return ""


def foreign_tasks(
    plan: Plan, prev: Mapping[int, TaskStat], cur: Mapping[int, TaskStat], proc_root: Path | None = None
) -> tuple[Task, ...]:
    """The tasks that ran on an exclusive or pod-shared pool's CPUs from outside its cgroups."""
    owner: dict[int, PoolSpec] = {}
    for pool in plan.pools:
        if pool.kind in (*EXCLUSIVE_KINDS, "pod_shared"):
            for cpu in pool.cpus:
                owner[cpu] = pool
    out = []
    for tid, st in cur.items():
        held = owner.get(st.cpu)
        if held is None:
            continue
        before = prev.get(tid)
        active = st.ticks > before.ticks if before is not None else st.state == "R"
        if not active:
            continue
        cgroup = _cgroup_of(proc_root, st.pid) if proc_root is not None else ""
        if any(cgroup == "/" + m or cgroup.endswith("/" + m) for m in held.members):
            continue
        out.append(Task(st.pid, tid, st.comm, st.cpu, held.key, cgroup))
    return tuple(sorted(out, key=lambda t: (t.cpu, t.pid, t.tid)))
