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
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.cgroups.normalise import memory_readback
from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet, CPUSetError

SANDBOX_MARKER = ".workbench-sandbox"
FAULTS_FILE = ".workbench-faults"
FAULTS_ENV = "WORKBENCH_CGROUP_FAULTS"
SANDBOX_VERSION = 1
ALL_CONTROLLERS = ("cpuset", "cpu", "io", "memory", "pids")
# Controllers that obey the no-internal-process rule; cpuset, cpu and pids are threaded.
DOMAIN_CONTROLLERS = frozenset({"io", "memory"})

_CORE_FILES: dict[str, str] = {
    "cgroup.controllers": "",
    "cgroup.subtree_control": "",
    "cgroup.procs": "",
    "cgroup.type": "domain",
    "cgroup.events": "populated 0\nfrozen 0",
    "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0",
}
_CONTROLLER_FILES: dict[str, dict[str, str]] = {
    "cpuset": {
        "cpuset.cpus": "",
        "cpuset.mems": "",
        "cpuset.cpus.effective": "",
        "cpuset.mems.effective": "",
        "cpuset.cpus.partition": "member",
    },
    "cpu": {"cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.weight": "100"},
    "io": {"io.max": "", "io.weight": "default 100"},
    "memory": {
        "memory.max": "max",
        "memory.high": "max",
        "memory.low": "0",
        "memory.min": "0",
        "memory.swap.max": "max",
        "memory.current": "0",
        "memory.stat": "anon 0\nfile 0\nkernel 0\nsock 0\nshmem 0",
        "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0",
    },
    "pids": {"pids.max": "max", "pids.current": "0"},
}
_CPU_STAT_THROTTLE = "\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0"
READ_ONLY = frozenset(
    {
        "cgroup.controllers",
        "cgroup.events",
        "cpu.stat",
        "cpuset.cpus.effective",
        "cpuset.mems.effective",
        "memory.current",
        "memory.stat",
        "memory.events",
        "pids.current",
    }
)


@dataclass(frozen=True)
class SandboxConfig:
    """What the marker file records about the machine the sandbox pretends to be."""

    cpus: CPUSet
    mems: CPUSet
    controllers: tuple[str, ...] = ALL_CONTROLLERS
    # "ebusy" (refuse, as runc/crun) or "oom" (accept and kill, as the v2 kernel does)
    memory_max_below_current: str = "ebusy"
    # "v2" (narrow silently) or "strict" (also enforce the v1 subset rules)
    cpuset_rules: str = "v2"
    version: int = SANDBOX_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "cpus": str(self.cpus),
            "mems": str(self.mems),
            "controllers": list(self.controllers),
            "memory_max_below_current": self.memory_max_below_current,
            "cpuset_rules": self.cpuset_rules,
        }


def load_config(root: Path) -> SandboxConfig:
    """Read the sandbox marker at `root`; InputError when it is missing or malformed."""
    marker = root / SANDBOX_MARKER
    try:
        data = json.loads(marker.read_text())
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        cfg = SandboxConfig(
            cpus=CPUSet.parse(str(data["cpus"])),
            mems=CPUSet.parse(str(data["mems"])),
            controllers=tuple(str(c) for c in data.get("controllers", ALL_CONTROLLERS)),
            memory_max_below_current=str(data.get("memory_max_below_current", "ebusy")),
            cpuset_rules=str(data.get("cpuset_rules", "v2")),
            version=int(data.get("version", SANDBOX_VERSION)),
        )
    except FileNotFoundError:
        raise InputError("not a workbench sandbox (no marker file)", source=str(marker)) from None
    except (OSError, ValueError, KeyError, TypeError, CPUSetError) as e:
        raise InputError(f"unreadable sandbox marker: {e}", source=str(marker)) from None
    if cfg.version != SANDBOX_VERSION:
        raise InputError(f"sandbox version {cfg.version} is not {SANDBOX_VERSION}", source=str(marker))
    if cfg.memory_max_below_current not in ("ebusy", "oom") or cfg.cpuset_rules not in ("v2", "strict"):
        raise InputError("unknown memory_max_below_current or cpuset_rules", source=str(marker))
    return cfg


def _fail(code: int, path: Path | str, detail: str = "") -> OSError:
    msg = os.strerror(code) + (f" ({detail})" if detail else "")
    return OSError(code, msg, str(path))


def _errno_value(name: str) -> int:
    if name.isdigit():
        return int(name)
    code = getattr(errno, name.upper(), None)
    if not isinstance(code, int):
        raise InputError(f"unknown errno {name!r}", source=FAULTS_FILE, fix="use a name such as EIO")
    return code


@dataclass(frozen=True)
class Fault:
    errno: int
    at_write: int | None = None
    target: str | None = None


def parse_faults(text: str) -> list[Fault]:
    """Rules `errno-at-write:N:ERRNO` and `errno-on:CGROUP/FILE:ERRNO` (lines or commas)."""
    faults: list[Fault] = []
    for raw in text.replace(",", "\n").splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        kind, _, rest = rule.partition(":")
        arg, _, code = rest.rpartition(":")
        if kind == "errno-at-write" and arg.isdigit():
            faults.append(Fault(_errno_value(code), at_write=int(arg)))
        elif kind == "errno-on" and arg:
            faults.append(Fault(_errno_value(code), target=arg.strip("/")))
        else:
            raise InputError(
                f"unknown fault rule {rule!r}",
                source=FAULTS_FILE,
                fix="use errno-at-write:N:ERRNO or errno-on:CGROUP/FILE:ERRNO",
            )
    return faults


class Kernel:
    """The kernel model over a sandbox directory. Paths given here are already confined."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._base = str(root)
        self.config = load_config(root)
        # Write attempts through this object, for `errno-at-write:N`.
        self.write_attempts = 0

    # ---- helpers -------------------------------------------------------------------------
    def _dir(self, cgroup: str) -> Path:
        return self.root / cgroup if cgroup else self.root

    def _file(self, cgroup: str, file: str) -> str:
        return f"{self._base}/{cgroup}/{file}" if cgroup else f"{self._base}/{file}"

    def _get(self, cgroup: str, file: str) -> str | None:
        try:
            fd = os.open(self._file(cgroup, file), os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            return os.read(fd, 1 << 20).decode().rstrip("\n")
        finally:
            os.close(fd)

    def _put(self, cgroup: str, file: str, value: str) -> None:
        _store(self._file(cgroup, file), value + "\n" if value else "")

    def _children(self, cgroup: str) -> list[str]:
        base = f"{self._base}/{cgroup}" if cgroup else self._base
        return sorted(
            f"{cgroup}/{e.name}" if cgroup else e.name
            for e in os.scandir(base)
            if e.is_dir(follow_symlinks=False)
        )

    def _walk(self, cgroup: str) -> Iterator[str]:
        """`cgroup` and its descendants, parents first."""
        yield cgroup
        for child in self._children(cgroup):
            yield from self._walk(child)

    @staticmethod
    def _parent(cgroup: str) -> str:
        return cgroup.rpartition("/")[0]

    def _controllers(self, cgroup: str, file: str) -> frozenset[str]:
        return frozenset((self._get(cgroup, file) or "").split())

    def _procs(self, cgroup: str) -> list[int]:
        return [int(p) for p in (self._get(cgroup, "cgroup.procs") or "").split()]

    def _effective(self, cgroup: str, kind: str) -> CPUSet:
        if cgroup == "":
            return self.config.cpus if kind == "cpus" else self.config.mems
        text = self._get(cgroup, f"cpuset.{kind}.effective")
        if text is None:
            # cpuset not enabled here: the cgroup runs on its parent's set
            return self._effective(self._parent(cgroup), kind)
        return CPUSet.parse(text)

    def _recompute(self, top: str) -> None:
        """Effective cpus/mems of `top` and its subtree, parents first."""
        if top == "":
            inherited = {"cpus": self.config.cpus, "mems": self.config.mems}
        else:
            parent = self._parent(top)
            inherited = {kind: self._effective(parent, kind) for kind in ("cpus", "mems")}
        self._visit(top, inherited)

    def _visit(self, cgroup: str, inherited: dict[str, CPUSet]) -> None:
        mine = inherited
        if cgroup != "":
            mine = {}
            for kind in ("cpus", "mems"):
                req_text = self._get(cgroup, f"cpuset.{kind}")
                if req_text is None:
                    # no cpuset here, hence none below either (controllers are enabled top-down)
                    return
                granted = CPUSet.parse(req_text).intersection(inherited[kind]) or inherited[kind]
                if self._get(cgroup, f"cpuset.{kind}.effective") != str(granted):
                    self._put(cgroup, f"cpuset.{kind}.effective", str(granted))
                mine[kind] = granted
        for child in self._children(cgroup):
            self._visit(child, mine)

    # ---- test hooks ----------------------------------------------------------------------
    def set_usage(self, cgroup: str, nbytes: int) -> None:
        """Set `memory.current` (tests; the kernel's own accounting in reality)."""
        if self._get(cgroup, "memory.current") is None:
            raise _fail(errno.ENOENT, self._dir(cgroup) / "memory.current")
        self._put(cgroup, "memory.current", str(nbytes))

    def add_process(self, cgroup: str, pid: int) -> None:
        """Put a (pretend) process into `cgroup` without the write rules (tests, setup)."""
        self._move(cgroup, pid)

    # ---- mkdir / rmdir -------------------------------------------------------------------
    def mkdir(self, cgroup: str) -> None:
        path = self._dir(cgroup)
        parent = self._parent(cgroup)
        if not self._dir(parent).is_dir():
            raise _fail(errno.ENOENT, path)
        if path.exists():
            raise _fail(errno.EEXIST, path)
        path.mkdir(mode=0o755)
        # each file written once: creating files is what a mkdir costs on a real disk
        for name, value in self._new_files(parent).items():
            self._put(cgroup, name, value)

    def rmdir(self, cgroup: str) -> None:
        path = self._dir(cgroup)
        if not path.is_dir():
            raise _fail(errno.ENOENT, path)
        if self._children(cgroup):
            raise _fail(errno.EBUSY, path, "has child cgroups")
        if self._procs(cgroup):
            raise _fail(errno.EBUSY, path, "has processes")
        shutil.rmtree(path)

    def _new_files(self, parent: str) -> dict[str, str]:
        """The interface files of a new child of `parent`, with their first values."""
        enabled = self._controllers(parent, "cgroup.subtree_control")
        files = dict(_CORE_FILES)
        files["cgroup.controllers"] = " ".join(c for c in ALL_CONTROLLERS if c in enabled)
        for ctrl in ALL_CONTROLLERS:
            if ctrl in enabled:
                files.update(_CONTROLLER_FILES[ctrl])
        if "cpu" in enabled:
            files["cpu.stat"] = _CORE_FILES["cpu.stat"] + _CPU_STAT_THROTTLE
        if "cpuset" in enabled:
            # an empty request: the parent's effective sets
            files["cpuset.cpus.effective"] = str(self._effective(parent, "cpus"))
            files["cpuset.mems.effective"] = str(self._effective(parent, "mems"))
        return files

    def _add_controller_files(self, cgroup: str, ctrl: str) -> None:
        for name, value in _CONTROLLER_FILES[ctrl].items():
            self._put(cgroup, name, value)
        if ctrl == "cpu":
            self._put(cgroup, "cpu.stat", _CORE_FILES["cpu.stat"] + _CPU_STAT_THROTTLE)

    def _drop_controller_files(self, cgroup: str, ctrl: str) -> None:
        for name in _CONTROLLER_FILES[ctrl]:
            (self._dir(cgroup) / name).unlink(missing_ok=True)
        if ctrl == "cpu":
            self._put(cgroup, "cpu.stat", _CORE_FILES["cpu.stat"])

    # ---- writes --------------------------------------------------------------------------
    def _faults(self) -> list[Fault]:
        text = os.environ.get(FAULTS_ENV, "")
        try:
            text += "\n" + (self.root / FAULTS_FILE).read_text()
        except FileNotFoundError:
            pass
        return parse_faults(text)

    def write(self, cgroup: str, file: str, value: str) -> None:
        """Apply one write the way the kernel would; OSError with the kernel's errno on refusal."""
        self.write_attempts += 1
        path = self._dir(cgroup) / file
        target = f"{cgroup}/{file}" if cgroup else file
        for fault in self._faults():
            if fault.at_write == self.write_attempts or fault.target == target:
                raise _fail(fault.errno, path, "injected fault")
        if not path.is_file() or file in (SANDBOX_MARKER, FAULTS_FILE):
            raise _fail(errno.ENOENT, path)
        if file in READ_ONLY:
            # as root the open succeeds and the write has no handler: EINVAL (as a user: EACCES)
            raise _fail(errno.EINVAL, path, "read-only file")
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
                raise _fail(errno.EINVAL, path, f"bad token {token!r}")
            state[token[1:]] = token[0] == "+"
        enable = {c for c, on in state.items() if on}
        disable = {c for c, on in state.items() if not on}
        available = (
            set(self.config.controllers) if cgroup == "" else self._controllers(cgroup, "cgroup.controllers")
        )
        if enable - available:
            raise _fail(
                errno.ENOENT, path, f"controller not available: {' '.join(sorted(enable - available))}"
            )
        current = self._controllers(cgroup, "cgroup.subtree_control")
        if cgroup != "" and (enable - current) and self._procs(cgroup):
            # threaded controllers may compete with the cgroup's own tasks, domain ones may not
            # (cgroup_vet_subtree_control_enable)
            if (enable - current) & DOMAIN_CONTROLLERS or not self._can_be_thread_root(cgroup):
                raise _fail(errno.EBUSY, path, "cgroup has processes of its own")
        children = self._children(cgroup)
        for child in children:
            if disable & self._controllers(child, "cgroup.subtree_control"):
                raise _fail(errno.EBUSY, path, f"{child} still enables it")
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
            raise _fail(errno.EINVAL, path, "not a CPU list") from None
        machine = self.config.cpus if kind == "cpus" else self.config.mems
        if kind == "cpus" and req and machine and req.sorted()[-1] > machine.sorted()[-1]:
            # beyond nr_cpu_ids: cpulist_parse says ERANGE
            raise _fail(errno.ERANGE, path, f"CPU {req.sorted()[-1]} is beyond the last CPU")
        if not req.issubset(machine):
            raise _fail(errno.EINVAL, path, f"{req.difference(machine)} do not exist")
        if self.config.cpuset_rules == "strict":
            parent = self._effective(self._parent(cgroup), kind)
            if req and not req.issubset(parent):
                raise _fail(errno.EACCES, path, f"not within the parent's {parent}")
            mine = req or parent
            for child in self._children(cgroup):
                child_req = CPUSet.parse(self._get(child, f"cpuset.{kind}") or "")
                if not child_req.issubset(mine):
                    raise _fail(errno.EBUSY, path, f"{child} uses {child_req}")
        self._put(cgroup, f"cpuset.{kind}", str(req))
        self._recompute(cgroup)

    def _w_cpus(self, cgroup: str, path: Path, text: str) -> None:
        self._w_cpuset(cgroup, path, text, "cpus")

    def _w_mems(self, cgroup: str, path: Path, text: str) -> None:
        self._w_cpuset(cgroup, path, text, "mems")

    def _w_partition(self, cgroup: str, path: Path, text: str) -> None:
        if text not in ("member", "root", "isolated"):
            raise _fail(errno.EINVAL, path)
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
            raise _fail(errno.EINVAL, path) from None
        if (quota is not None and quota < 1000) or not 1000 <= period <= 1_000_000:
            raise _fail(errno.EINVAL, path, "quota or period out of range")
        self._put(cgroup, "cpu.max", f"{'max' if quota is None else quota} {period}")

    def _w_cpu_weight(self, cgroup: str, path: Path, text: str) -> None:
        try:
            weight = int(text)
        except ValueError:
            raise _fail(errno.EINVAL, path) from None
        if not 1 <= weight <= 10000:
            raise _fail(errno.ERANGE, path)
        self._put(cgroup, "cpu.weight", str(weight))

    def _w_memory_limit(self, cgroup: str, path: Path, text: str) -> None:
        # page_counter_memparse keeps whole pages, rounded down (workbench.cgroups.normalise)
        stored = memory_readback(text)
        if stored is None:
            raise _fail(errno.EINVAL, path)
        if path.name == "memory.max" and stored != "max":
            current = int(self._get(cgroup, "memory.current") or "0")
            if int(stored) < current:
                if self.config.memory_max_below_current == "ebusy":
                    raise _fail(errno.EBUSY, path, f"below memory.current {current}")
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
            raise _fail(errno.EINVAL, path, "one PID per write")
        pid = int(text) or os.getpid()
        if (
            cgroup != ""
            and self._controllers(cgroup, "cgroup.subtree_control")
            and not self._can_be_thread_root(cgroup)
        ):
            # the no-internal-process rule (cgroup_migrate_vet_dst)
            raise _fail(errno.EBUSY, path, "cgroup enables controllers for its children")
        if self.config.cpuset_rules == "strict" and cgroup != "":
            # v1: a new cpuset starts empty and takes no task until its cpus and mems are set
            if any(self._get(cgroup, f"cpuset.{k}") == "" for k in ("cpus", "mems")):
                raise _fail(errno.ENOSPC, path, "cpuset.cpus or cpuset.mems is empty")
        self._move(cgroup, pid)

    def _move(self, cgroup: str, pid: int) -> None:
        for cg in self._walk(""):
            procs = self._procs(cg)
            if pid in procs:
                procs.remove(pid)
                self._put(cg, "cgroup.procs", "\n".join(str(p) for p in procs))
        procs = self._procs(cgroup)
        procs.append(pid)
        self._put(cgroup, "cgroup.procs", "\n".join(str(p) for p in sorted(procs)))

    def _w_pids_max(self, cgroup: str, path: Path, text: str) -> None:
        if text != "max" and not text.isdigit():
            raise _fail(errno.EINVAL, path)
        self._put(cgroup, "pids.max", text)


def _store(path: Path | str, text: str) -> None:
    # Overwrite in place and cut only a longer old value: truncating to zero first makes ext4
    # flush the file on close (auto_da_alloc), and any ftruncate of a file costs a journal
    # transaction, so a new file or one whose length does not shrink gets neither.
    # One write covers the whole old value (padded with newlines, which readers strip), so a
    # process killed before the ftruncate still leaves a file that reads as the new value.
    data = text.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    try:
        old = os.fstat(fd).st_size
        os.write(fd, data + b"\n" * (old - len(data)) if old > len(data) else data)
        if old > len(data):
            os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


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


def init_root(root: Path, config: SandboxConfig) -> None:
    """Write the marker and the root cgroup's files (used by `sandbox.init_sandbox`)."""
    _store(root / SANDBOX_MARKER, json.dumps(config.to_json(), indent=2) + "\n")
    for name, value in _CORE_FILES.items():
        _store(root / name, value + "\n" if value else "")
    _store(root / "cgroup.controllers", " ".join(config.controllers) + "\n")
    _store(root / "cpuset.cpus.effective", f"{config.cpus}\n")
    _store(root / "cpuset.mems.effective", f"{config.mems}\n")
    _store(root / "memory.stat", _CONTROLLER_FILES["memory"]["memory.stat"] + "\n")
