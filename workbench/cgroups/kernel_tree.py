"""The sandbox's cgroup tree as the kernel model keeps it (`KernelTree`, the base of
`kernel.Kernel`): directories and interface files created, read and removed through `beneath`,
effective cpusets recomputed down the subtree after every change. The write rules are in
`kernel.py`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.cgroups import beneath
from workbench.cgroups.model_files import (
    ALL_CONTROLLERS,
    CONTROLLER_FILES,
    CORE_FILES,
    CPU_STAT_THROTTLE,
    load_config,
    store_at,
)
from workbench.topology.cpuset import CPUSet


def fail(code: int, path: Path | str, detail: str = "") -> OSError:
    msg = os.strerror(code) + (f" ({detail})" if detail else "")
    return OSError(code, msg, str(path))


_DIR_NOFOLLOW = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class KernelTree:
    """The tree the kernel model keeps: one directory per cgroup, one file per interface file,
    and the effective cpusets recomputed down the tree. Paths given here are already confined."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._base = str(root)
        self.config = load_config(root)
        # Write attempts through this object, for `errno-at-write:N`.
        self.write_attempts = 0
        # Directory descriptors opened during one operation (`_operation`): each directory is
        # walked to once, and an fd refers to the directory itself, never to a path again.
        self._fds: dict[str, int] | None = None

    @contextmanager
    def _operation(self) -> Iterator[None]:
        if self._fds is not None:
            yield
            return
        self._fds = {}
        try:
            yield
        finally:
            fds, self._fds = self._fds, None
            for fd in fds.values():
                os.close(fd)

    @contextmanager
    def _at(self, cgroup: str) -> Iterator[int]:
        """The directory descriptor of `cgroup` (opened through `beneath`, no link followed)."""
        if self._fds is None:
            with beneath.directory(self._base, self._parts(cgroup)) as fd:
                yield fd
            return
        cached = self._fds.get(cgroup)
        if cached is None:
            if cgroup == "":
                cached = beneath.open_dir(self._base, [])
            else:
                parent, _, name = cgroup.rpartition("/")
                with self._at(parent) as parent_fd:
                    cached = os.open(name, _DIR_NOFOLLOW, dir_fd=parent_fd)
            self._fds[cgroup] = cached
        yield cached

    def _forget(self, cgroup: str) -> None:
        """Close the descriptors of `cgroup` and below (it is being removed)."""
        if self._fds is None:
            return
        for name in [c for c in self._fds if c == cgroup or c.startswith(cgroup + "/")]:
            os.close(self._fds.pop(name))

    # ---- helpers -------------------------------------------------------------------------
    def _dir(self, cgroup: str) -> Path:
        return self.root / cgroup if cgroup else self.root

    @staticmethod
    def _parts(cgroup: str) -> list[str]:
        return cgroup.split("/") if cgroup else []

    # Every file and directory is reached through `beneath` (descriptor-relative, no link
    # followed, no hard link written through), as on cgroupfs: a directory swapped for a
    # symlink during a commit cannot send a write outside the sandbox.
    def _get(self, cgroup: str, file: str) -> str | None:
        try:
            with self._at(cgroup) as fd:
                text = beneath.read_at(fd, file)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return None if text is None else text.rstrip("\n")

    def _put(self, cgroup: str, file: str, value: str) -> None:
        with self._at(cgroup) as fd:
            store_at(fd, file, value + "\n" if value else "")

    def _is_file(self, cgroup: str, file: str) -> bool:
        try:
            with self._at(cgroup) as fd:
                return stat.S_ISREG(os.stat(file, dir_fd=fd, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def _is_dir(self, cgroup: str) -> bool:
        try:
            with self._at(cgroup):
                return True
        except OSError:
            return False

    def _children(self, cgroup: str) -> list[str]:
        with self._at(cgroup) as fd, os.scandir(fd) as it:
            dirs = sorted(e.name for e in it if e.is_dir(follow_symlinks=False))
        return [f"{cgroup}/{d}" if cgroup else d for d in dirs]

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
            raise fail(errno.ENOENT, self._dir(cgroup) / "memory.current")
        self._put(cgroup, "memory.current", str(nbytes))

    def add_process(self, cgroup: str, pid: int) -> None:
        """Put a (pretend) process into `cgroup` without the write rules (tests, setup)."""
        self._move(cgroup, pid)

    # ---- mkdir / rmdir -------------------------------------------------------------------
    def mkdir(self, cgroup: str) -> None:
        with self._operation():
            path = self._dir(cgroup)
            parent, _, name = cgroup.rpartition("/")
            if not self._is_dir(parent):
                raise fail(errno.ENOENT, path)
            try:
                with self._at(parent) as fd:
                    os.mkdir(name, 0o755, dir_fd=fd)
            except FileExistsError:
                raise fail(errno.EEXIST, path) from None
            # each file written once: creating files is what a mkdir costs on a real disk
            for file, value in self._new_files(parent).items():
                self._put(cgroup, file, value)

    def rmdir(self, cgroup: str) -> None:
        with self._operation():
            path = self._dir(cgroup)
            if not cgroup or not self._is_dir(cgroup):
                raise fail(errno.ENOENT, path)
            if self._children(cgroup):
                raise fail(errno.EBUSY, path, "has child cgroups")
            if self._procs(cgroup):
                raise fail(errno.EBUSY, path, "has processes")
            with self._at(cgroup) as fd, os.scandir(fd) as it:
                files = [e.name for e in it]
            with self._at(cgroup) as fd:
                for file in files:
                    os.unlink(file, dir_fd=fd)
            self._forget(cgroup)
            parent, _, name = cgroup.rpartition("/")
            with self._at(parent) as fd:
                os.rmdir(name, dir_fd=fd)

    def _new_files(self, parent: str) -> dict[str, str]:
        """The interface files of a new child of `parent`, with their first values."""
        enabled = self._controllers(parent, "cgroup.subtree_control")
        files = dict(CORE_FILES)
        files["cgroup.controllers"] = " ".join(c for c in ALL_CONTROLLERS if c in enabled)
        for ctrl in ALL_CONTROLLERS:
            if ctrl in enabled:
                files.update(CONTROLLER_FILES[ctrl])
        if "cpu" in enabled:
            files["cpu.stat"] = CORE_FILES["cpu.stat"] + CPU_STAT_THROTTLE
        if "cpuset" in enabled:
            # an empty request: the parent's effective sets
            files["cpuset.cpus.effective"] = str(self._effective(parent, "cpus"))
            files["cpuset.mems.effective"] = str(self._effective(parent, "mems"))
        return files

    def _add_controller_files(self, cgroup: str, ctrl: str) -> None:
        for name, value in CONTROLLER_FILES[ctrl].items():
            self._put(cgroup, name, value)
        if ctrl == "cpu":
            self._put(cgroup, "cpu.stat", CORE_FILES["cpu.stat"] + CPU_STAT_THROTTLE)

    def _drop_controller_files(self, cgroup: str, ctrl: str) -> None:
        for name in CONTROLLER_FILES[ctrl]:
            with self._at(cgroup) as fd:
                try:
                    os.unlink(name, dir_fd=fd)
                except FileNotFoundError:
                    pass
        if ctrl == "cpu":
            self._put(cgroup, "cpu.stat", CORE_FILES["cpu.stat"])

    def _move(self, cgroup: str, pid: int) -> None:
        for cg in self._walk(""):
            procs = self._procs(cg)
            if pid in procs:
                procs.remove(pid)
                self._put(cg, "cgroup.procs", "\n".join(str(p) for p in procs))
        procs = self._procs(cgroup)
        procs.append(pid)
        self._put(cgroup, "cgroup.procs", "\n".join(str(p) for p in sorted(procs)))
