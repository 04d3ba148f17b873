"""The sandbox's files: the marker that makes a directory a sandbox (`SandboxConfig`), the
interface files each controller gives a cgroup with their first values, and how the kernel
model stores a value (`store`). The rules that change them live in `kernel.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.cgroups import beneath
from workbench.errors import InputError
from workbench.record import Record, setfield
from workbench.topology.cpuset import CPUSet, CPUSetError

SANDBOX_MARKER = ".workbench-sandbox"
FAULTS_FILE = ".workbench-faults"
FAULTS_ENV = "WORKBENCH_CGROUP_FAULTS"
SANDBOX_VERSION = 1
ALL_CONTROLLERS = ("cpuset", "cpu", "io", "memory", "pids")
# Controllers that obey the no-internal-process rule; cpuset, cpu and pids are threaded.
DOMAIN_CONTROLLERS = frozenset({"io", "memory"})

CORE_FILES: dict[str, str] = {
    "cgroup.controllers": "",
    "cgroup.subtree_control": "",
    "cgroup.procs": "",
    "cgroup.type": "domain",
    "cgroup.events": "populated 0\nfrozen 0",
    "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0",
}
CONTROLLER_FILES: dict[str, dict[str, str]] = {
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
CPU_STAT_THROTTLE = "\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0"
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


class SandboxConfig(Record):
    """What the marker file records about the machine the sandbox pretends to be."""

    cpus: CPUSet
    mems: CPUSet
    controllers: tuple[str, ...]
    # "ebusy" (refuse, as runc/crun) or "oom" (accept and kill, as the v2 kernel does)
    memory_max_below_current: str
    # "v2" (narrow silently) or "strict" (also enforce the v1 subset rules)
    cpuset_rules: str
    version: int

    __slots__ = _fields = (
        "cpus",
        "mems",
        "controllers",
        "memory_max_below_current",
        "cpuset_rules",
        "version",
    )

    def __init__(
        self,
        cpus: CPUSet,
        mems: CPUSet,
        controllers: tuple[str, ...] = ALL_CONTROLLERS,
        memory_max_below_current: str = "ebusy",
        cpuset_rules: str = "v2",
        version: int = SANDBOX_VERSION,
    ) -> None:
        setfield(self, "cpus", cpus)
        setfield(self, "mems", mems)
        setfield(self, "controllers", controllers)
        setfield(self, "memory_max_below_current", memory_max_below_current)
        setfield(self, "cpuset_rules", cpuset_rules)
        setfield(self, "version", version)

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



def store(root: str, parts: Sequence[str], name: str, text: str) -> None:
    """Write `text` as the whole content of `name` in `root/parts...` (created if missing),
    through `beneath` (no link followed, no hard link written through).

    Overwrite in place and cut only a longer old value: truncating to zero first makes ext4
    flush the file on close (auto_da_alloc), and any ftruncate of a file costs a journal
    transaction, so a new file or one whose length does not shrink gets neither. One write
    covers the whole old value (padded with newlines, which readers strip), so a process
    killed before the ftruncate still leaves a file that reads as the new value.
    """
    with beneath.directory(root, parts) as dirfd:
        store_at(dirfd, name, text)


def store_at(dirfd: int, name: str, text: str) -> None:
    """`store` in the directory `dirfd`."""
    data = text.encode()
    fd, st = beneath.open_at_stat(dirfd, name, os.O_WRONLY | os.O_CREAT)
    try:
        old = st.st_size
        os.write(fd, data + b"\n" * (old - len(data)) if old > len(data) else data)
        if old > len(data):
            os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def init_root(root: Path, config: SandboxConfig) -> None:
    """Write the marker and the root cgroup's files (used by `sandbox.init_sandbox`)."""
    base = str(root)

    def put(name: str, text: str) -> None:
        store(base, [], name, text)

    put(SANDBOX_MARKER, json.dumps(config.to_json(), indent=2) + "\n")
    for name, value in CORE_FILES.items():
        put(name, value + "\n" if value else "")
    put("cgroup.controllers", " ".join(config.controllers) + "\n")
    put("cpuset.cpus.effective", f"{config.cpus}\n")
    put("cpuset.mems.effective", f"{config.mems}\n")
    put("memory.stat", CONTROLLER_FILES["memory"]["memory.stat"] + "\n")
