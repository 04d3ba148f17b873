"""A directory-backed model of the cgroup v2 kernel rules the tool depends on.

The state lives in the files themselves (one directory per cgroup, one file per interface
file, as in cgroupfs), so another process sees exactly the tree the model keeps: crash tests
SIGKILL a writer and inspect or recover the tree from outside. `CgroupFS` routes its writes
here when its root holds the sandbox marker; tests may also call a `Kernel` directly.

Rules modelled (cgroup-v2.rst, kernel/cgroup/{cgroup,cpuset}.c; notes/cgroups-journal.md §1),
checked against a real 6.1 kernel by tests/cgroups/test_cgroup_model_fidelity.py:
- mkdir creates the core files and the files of every controller the parent enables in its
  `cgroup.subtree_control`; `cgroup.controllers` = the parent's `subtree_control`.
  Defaults: cpuset.cpus/mems "" (effective = the parent's effective), cpuset.cpus.partition
  "member", cpu.max "max 100000", cpu.weight 100, memory.max "max", memory.current 0.
  A missing parent ENOENT, an existing name EEXIST.
- `cgroup.subtree_control`: "+x -y" tokens, all or nothing; unknown name or bad token EINVAL;
  enabling a controller missing from `cgroup.controllers` ENOENT; disabling one a child still
  enables EBUSY. Children's files appear and disappear with it. No internal processes: a
  non-root cgroup with tasks of its own cannot enable a domain controller (memory, io) for its
  children (EBUSY); threaded ones (cpuset, cpu, pids) it can, as long as it has no populated
  child and no domain controller enabled.
- cpuset (v2): a CPU beyond the machine's last ERANGE, other CPUs or nodes it lacks EINVAL;
  otherwise always accepted: effective = request ∩ parent's effective, or the parent's whole
  effective set when the request is empty or nothing of it can be granted (silent
  inheritance); effective sets are recomputed down the subtree after every change. With
  `cpuset_rules: strict` in the marker the v1 subset rules apply as well (request outside the
  parent's effective EACCES; shrinking below a child's request EBUSY; a task into a cpuset with
  empty cpus or mems ENOSPC), which tests use to prove the planner's ordering.
- `cpu.max` "$MAX [$PERIOD]" (quota ≥ 1000 µs, period 1000..1000000 µs, one value keeps the
  period) else EINVAL; `cpu.weight` 1..10000 else ERANGE, not a number EINVAL.
- memory limits are stored in whole pages, rounded down (the kernel's page_counter_memparse;
  the documentation's "may round up" is not what 6.1 does). `memory.max` below
  `memory.current`: EBUSY by default (as runc/crun refuse it); with
  `memory_max_below_current: oom` the write succeeds and the cgroup's processes are OOM-killed
  (cgroup.procs emptied, memory.current 0, memory.events oom_kill + 1), as v2 does.
- `cgroup.procs`: one PID per write (0 = the writer), moves it out of any other cgroup of the
  tree; a non-root cgroup that enables a domain controller for its children (or has populated
  children next to threaded ones) refuses it with EBUSY.
- read-only files (`*.effective`, `cgroup.controllers`, `*.stat`, `memory.current`...) EINVAL
  (what root gets: the open succeeds, the write has no handler); missing files ENOENT; rmdir of
  a cgroup with children or processes EBUSY.
- Fault injection, read from `.workbench-faults` in the sandbox root (one rule per line) and
  from the environment variable WORKBENCH_CGROUP_FAULTS (rules separated by commas):
  `errno-at-write:N:ERRNO` fails this Kernel object's Nth write attempt (1-based) with ERRNO
  (a name such as EIO or a number) before anything changes; `errno-on:CGROUP/FILE:ERRNO` fails
  every write to that file.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.cgroups import beneath
from workbench.cgroups.faults import Fault, parse_faults
from workbench.cgroups.kernel_tree import KernelTree, fail
from workbench.cgroups.model_files import (
    ALL_CONTROLLERS,
    DOMAIN_CONTROLLERS,
    FAULTS_ENV,
    FAULTS_FILE,
    READ_ONLY,
    SANDBOX_MARKER,
)
from workbench.cgroups.normalise import memory_readback
from workbench.topology.cpuset import CPUSet, CPUSetError


class Kernel(KernelTree):
    """The kernel model over a sandbox directory: every write the way the kernel would take it."""

    # ---- writes --------------------------------------------------------------------------
    def _faults(self) -> list[Fault]:
        text = os.environ.get(FAULTS_ENV, "")
        return parse_faults(text + "\n" + (beneath.read_text(self._base, [], FAULTS_FILE) or ""))

    def write(self, cgroup: str, file: str, value: str) -> None:
        """Apply one write the way the kernel would; OSError with the kernel's errno on refusal."""
        with self._operation():
            self._write(cgroup, file, value)

    def _write(self, cgroup: str, file: str, value: str) -> None:
        self.write_attempts += 1
        path = self._dir(cgroup) / file
        target = f"{cgroup}/{file}" if cgroup else file
        for fault in self._faults():
            if fault.at_write == self.write_attempts or fault.target == target:
                raise fail(fault.errno, path, "injected fault")
        if file in (SANDBOX_MARKER, FAULTS_FILE) or not self._is_file(cgroup, file):
            raise fail(errno.ENOENT, path)
        if file in READ_ONLY:
            # as root the open succeeds and the write has no handler: EINVAL (as a user: EACCES)
            raise fail(errno.EINVAL, path, "read-only file")
        text = value.strip()
        handler = _HANDLERS.get(file)
        if handler is not None:
            handler(self, cgroup, path, text)
        else:
            self._put(cgroup, file, text)

    def _w_subtree(self, cgroup: str, path: Path, text: str) -> None:
        state: dict[str, bool] = {}
        for token in text.split():
            if len(token) < 2 or token[0] not in "+-" or token[1:] not in ALL_CONTROLLERS:
                raise fail(errno.EINVAL, path, f"bad token {token!r}")
            state[token[1:]] = token[0] == "+"
        enable = {c for c, on in state.items() if on}
        disable = {c for c, on in state.items() if not on}
        available = (
            set(self.config.controllers) if cgroup == "" else self._controllers(cgroup, "cgroup.controllers")
        )
        if enable - available:
            raise fail(
                errno.ENOENT, path, f"controller not available: {' '.join(sorted(enable - available))}"
            )
        current = self._controllers(cgroup, "cgroup.subtree_control")
        if cgroup != "" and (enable - current) and self._procs(cgroup):
            # threaded controllers may compete with the cgroup's own tasks, domain ones may not
            # (cgroup_vet_subtree_control_enable)
            if (enable - current) & DOMAIN_CONTROLLERS or not self._can_be_thread_root(cgroup):
                raise fail(errno.EBUSY, path, "cgroup has processes of its own")
        children = self._children(cgroup)
        for child in children:
            if disable & self._controllers(child, "cgroup.subtree_control"):
                raise fail(errno.EBUSY, path, f"{child} still enables it")
        new = (current | enable) - disable
        self._put(cgroup, "cgroup.subtree_control", " ".join(c for c in ALL_CONTROLLERS if c in new))
        for child in children:
            self._put(child, "cgroup.controllers", " ".join(c for c in ALL_CONTROLLERS if c in new))
            for ctrl in ALL_CONTROLLERS:
                if ctrl in new and ctrl not in current:
                    self._add_controller_files(child, ctrl)
                elif ctrl in current and ctrl not in new:
                    self._drop_controller_files(child, ctrl)
        if "cpuset" in (new ^ current):
            self._recompute(cgroup)

    def _can_be_thread_root(self, cgroup: str) -> bool:
        """No domain controller enabled for the children and no populated child (the kernel's
        cgroup_can_be_thread_root): such a cgroup may hold tasks next to threaded controllers."""
        if self._controllers(cgroup, "cgroup.subtree_control") & DOMAIN_CONTROLLERS:
            return False
        return not any(self._procs(cg) for child in self._children(cgroup) for cg in self._walk(child))

    def _w_cpuset(self, cgroup: str, path: Path, text: str, kind: str) -> None:
        try:
            req = CPUSet.parse(text)
        except CPUSetError:
            raise fail(errno.EINVAL, path, "not a CPU list") from None
        machine = self.config.cpus if kind == "cpus" else self.config.mems
        if kind == "cpus" and req and machine and req.sorted()[-1] > machine.sorted()[-1]:
            # beyond nr_cpu_ids: cpulist_parse says ERANGE
            raise fail(errno.ERANGE, path, f"CPU {req.sorted()[-1]} is beyond the last CPU")
        if not req.issubset(machine):
            raise fail(errno.EINVAL, path, f"{req.difference(machine)} do not exist")
        if self.config.cpuset_rules == "strict":
            parent = self._effective(self._parent(cgroup), kind)
            if req and not req.issubset(parent):
                raise fail(errno.EACCES, path, f"not within the parent's {parent}")
            mine = req or parent
            for child in self._children(cgroup):
                child_req = CPUSet.parse(self._get(child, f"cpuset.{kind}") or "")
                if not child_req.issubset(mine):
                    raise fail(errno.EBUSY, path, f"{child} uses {child_req}")
        self._put(cgroup, f"cpuset.{kind}", str(req))
        self._recompute(cgroup)

    def _w_cpus(self, cgroup: str, path: Path, text: str) -> None:
        self._w_cpuset(cgroup, path, text, "cpus")

    def _w_mems(self, cgroup: str, path: Path, text: str) -> None:
        self._w_cpuset(cgroup, path, text, "mems")

    def _w_partition(self, cgroup: str, path: Path, text: str) -> None:
        if text not in ("member", "root", "isolated"):
            raise fail(errno.EINVAL, path)
        state = text
        if text != "member":
            cpus = CPUSet.parse(self._get(cgroup, "cpuset.cpus") or "")
            siblings = [s for s in self._children(self._parent(cgroup)) if s != cgroup]
            overlap = any(
                not cpus.isdisjoint(CPUSet.parse(self._get(s, "cpuset.cpus") or "")) for s in siblings
            )
            if not cpus:
                state = f"{text} invalid (cpuset.cpus is empty)"
            elif overlap:
                state = f"{text} invalid (Cpu list in cpuset.cpus not exclusive)"
        self._put(cgroup, "cpuset.cpus.partition", state)

    def _w_cpu_max(self, cgroup: str, path: Path, text: str) -> None:
        parts = text.split()
        old_period = int((self._get(cgroup, "cpu.max") or "max 100000").split()[1])
        try:
            if not 1 <= len(parts) <= 2:
                raise ValueError
            quota = None if parts[0] == "max" else int(parts[0])
            period = int(parts[1]) if len(parts) == 2 else old_period
        except ValueError:
            raise fail(errno.EINVAL, path) from None
        if (quota is not None and quota < 1000) or not 1000 <= period <= 1_000_000:
            raise fail(errno.EINVAL, path, "quota or period out of range")
        self._put(cgroup, "cpu.max", f"{'max' if quota is None else quota} {period}")

    def _w_cpu_weight(self, cgroup: str, path: Path, text: str) -> None:
        try:
            weight = int(text)
        except ValueError:
            raise fail(errno.EINVAL, path) from None
        if not 1 <= weight <= 10000:
            raise fail(errno.ERANGE, path)
        self._put(cgroup, "cpu.weight", str(weight))

    def _w_memory_limit(self, cgroup: str, path: Path, text: str) -> None:
        # page_counter_memparse keeps whole pages, rounded down (workbench.cgroups.normalise)
        stored = memory_readback(text)
        if stored is None:
            raise fail(errno.EINVAL, path)
        if path.name == "memory.max" and stored != "max":
            current = int(self._get(cgroup, "memory.current") or "0")
            if int(stored) < current:
                if self.config.memory_max_below_current == "ebusy":
                    raise fail(errno.EBUSY, path, f"below memory.current {current}")
                self._oom_kill(cgroup)
        self._put(cgroup, path.name, stored)

    def _oom_kill(self, cgroup: str) -> None:
        for cg in self._walk(cgroup):
            self._put(cg, "cgroup.procs", "")
            if self._get(cg, "memory.current") is not None:
                self._put(cg, "memory.current", "0")
        events = dict(
            line.split(" ", 1) for line in (self._get(cgroup, "memory.events") or "").splitlines() if line
        )
        events["oom_kill"] = str(int(events.get("oom_kill", "0")) + 1)
        events["oom"] = str(int(events.get("oom", "0")) + 1)
        self._put(cgroup, "memory.events", "\n".join(f"{k} {v}" for k, v in events.items()))

    def _w_procs(self, cgroup: str, path: Path, text: str) -> None:
        if not text.isdigit():
            raise fail(errno.EINVAL, path, "one PID per write")
        pid = int(text) or os.getpid()
        if (
            cgroup != ""
            and self._controllers(cgroup, "cgroup.subtree_control")
            and not self._can_be_thread_root(cgroup)
        ):
            # the no-internal-process rule (cgroup_migrate_vet_dst)
            raise fail(errno.EBUSY, path, "cgroup enables controllers for its children")
        if self.config.cpuset_rules == "strict" and cgroup != "":
            # v1: a new cpuset starts empty and takes no task until its cpus and mems are set
            if any(self._get(cgroup, f"cpuset.{k}") == "" for k in ("cpus", "mems")):
                raise fail(errno.ENOSPC, path, "cpuset.cpus or cpuset.mems is empty")
        self._move(cgroup, pid)

    def _w_pids_max(self, cgroup: str, path: Path, text: str) -> None:
        if text != "max" and not text.isdigit():
            raise fail(errno.EINVAL, path)
        self._put(cgroup, "pids.max", text)


_HANDLERS: Mapping[str, Any] = {
    "cgroup.subtree_control": Kernel._w_subtree,
    "cpuset.cpus": Kernel._w_cpus,
    "cpuset.mems": Kernel._w_mems,
    "cpuset.cpus.partition": Kernel._w_partition,
    "cpu.max": Kernel._w_cpu_max,
    "cpu.weight": Kernel._w_cpu_weight,
    "memory.max": Kernel._w_memory_limit,
    "memory.high": Kernel._w_memory_limit,
    "memory.low": Kernel._w_memory_limit,
    "memory.min": Kernel._w_memory_limit,
    "memory.swap.max": Kernel._w_memory_limit,
    "cgroup.procs": Kernel._w_procs,
    "pids.max": Kernel._w_pids_max,
}


