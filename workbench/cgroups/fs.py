"""Access to one cgroup tree below a root directory, confined to that root.

`CgroupFS(root)` detects what the root is (`mode`):

- "v2": a cgroup2 mount (or a directory below one) on a host with no v1 controllers mounted,
  or a plain directory holding `cgroup.controllers` (a hand-built tree in tests);
- "hybrid": cgroup2 present but the controllers sit on v1 hierarchies (systemd's hybrid mode);
- "v1": a legacy hierarchy (tmpfs with `cgroup` mounts, or one `cgroup` mount);
- "sandbox": a directory made by `workbench sandbox init` (marker file `.workbench-sandbox`);
  writes go through the kernel model (`workbench.cgroups.kernel`), which keeps the same
  files on disk, so a crash test can inspect the tree from another process;
- "none": anything else.

Only "v2" and "sandbox" are writable; `refuse_writes_reason()` says why the others are not.
Each write is one `os.write` on an `O_WRONLY` descriptor so the kernel's errno surfaces as
`OSError` at the write itself (buffered I/O would report it at close, or split the value).

Cgroup names are paths relative to the root with "/" separators ("" is the root). Every path
is checked before use: no "..", no absolute paths, no NUL or control characters, and no
symlink anywhere between the root and the target (checked with lstat per component).

Test hook (documented): `WORKBENCH_FAULT=kill-after-write:N` makes the process SIGKILL itself
right after its Nth successful kernel write through any `CgroupFS` (mkdir/rmdir not counted),
so crash recovery can be tested from outside the process. Several hooks may be given separated
by commas; tokens this module does not know are left to other layers.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from workbench.cgroups import beneath
from workbench.cgroups.kernel import Kernel
from workbench.cgroups.model_files import SANDBOX_MARKER
from workbench.errors import InputError
from workbench.record import Record, setfield

Mode = Literal["v2", "v1", "hybrid", "sandbox", "none"]

MOUNTINFO = Path("/proc/self/mountinfo")
# "/" and NUL could leave the directory; control characters could forge terminal output.
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f/]")
# mountinfo escapes space, tab, newline and backslash as \040, \011, \012, \134
_OCTAL = re.compile(r"\\([0-7]{3})")
FAULT_ENV = "WORKBENCH_FAULT"


class Mount(Record):
    point: str
    fstype: str
    options: str

    __slots__ = _fields = ("point", "fstype", "options")

    def __init__(self, point: str, fstype: str, options: str) -> None:
        setfield(self, "point", point)
        setfield(self, "fstype", fstype)
        setfield(self, "options", options)


def parse_mountinfo(text: str) -> list[Mount]:
    """`/proc/self/mountinfo` lines -> mounts (mount point, fs type, super options)."""
    mounts: list[Mount] = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        rest = right.split()
        if not sep or len(fields) < 5 or len(rest) < 1:
            continue
        point = _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), fields[4])
        mounts.append(Mount(point, rest[0], rest[2] if len(rest) > 2 else ""))
    return mounts


def _under(path: str, point: str) -> bool:
    return path == point or point == "/" or path.startswith(point.rstrip("/") + "/")


def _read_mountinfo(mountinfo: str | None) -> str:
    if mountinfo is not None:
        return mountinfo
    try:
        return MOUNTINFO.read_text()
    except OSError:
        return ""


def _holder(real: str, mounts: list[Mount]) -> Mount | None:
    return max((m for m in mounts if _under(real, m.point)), key=lambda m: len(m.point), default=None)


def detect_mode(root: Path, mountinfo: str | None = None) -> Mode:
    """What kind of cgroup tree `root` is (see the module docstring).

    `mountinfo` is the text of /proc/self/mountinfo (read when None); tests pass their own.
    """
    real = os.path.realpath(root)
    mounts = parse_mountinfo(_read_mountinfo(mountinfo))
    holder = _holder(real, mounts)
    v1_mounts = [m for m in mounts if m.fstype == "cgroup"]
    if holder is not None and holder.fstype == "cgroup2":
        return "hybrid" if v1_mounts else "v2"
    if holder is not None and holder.fstype == "cgroup":
        return "v1"
    below = [m for m in mounts if m.fstype in ("cgroup", "cgroup2") and _under(m.point, real)]
    if below:
        return "v1" if all(m.fstype == "cgroup" for m in below) else "hybrid"
    return _detect_by_files(root)


def _detect_by_files(root: Path) -> Mode:
    if (root / SANDBOX_MARKER).is_file():
        return "sandbox"
    if (root / "cgroup.controllers").is_file():
        return "v2"
    try:
        subdirs = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return "none"
    v1 = any((p / "tasks").is_file() for p in subdirs)
    unified = any((p / "cgroup.controllers").is_file() for p in subdirs)
    if v1:
        return "hybrid" if unified else "v1"
    return "none"


_REASONS: dict[str, str] = {
    "v1": "is a cgroup v1 (legacy) hierarchy; the tool writes cgroup v2 only, so it reads and "
    "explains here but does not commit",
    "hybrid": "is a hybrid cgroup hierarchy (controllers on v1, cgroup2 without controllers); "
    "the tool writes cgroup v2 only, so it reads and explains here but does not commit",
    "none": "is neither a cgroup v2 mount nor a workbench sandbox",
}


NAME_MAX = 255


def check_name(name: str, *, what: str = "cgroup name") -> str:
    """One path component that cannot escape its parent: raise InputError otherwise."""
    if not name or name in (".", ".."):
        raise InputError(f"{what} {name!r} is not a usable directory name", fix="use a plain name")
    if _BAD_CHARS.search(name):
        raise InputError(
            f"{what} {name!r} contains '/', NUL or a control character",
            fix="use a plain name without path separators",
        )
    if len(name.encode("utf-8", "surrogatepass")) > NAME_MAX:
        # Refused before planning, not by mkdir after a journal entry.
        raise InputError(
            f"{what} is longer than {NAME_MAX} bytes (the kernel's NAME_MAX)", fix="use a shorter name"
        )
    return name


def split_cgroup(cgroup: str) -> list[str]:
    """'a/b/c' -> ['a', 'b', 'c'] with each part checked; '' is the root."""
    if "\x00" in cgroup:
        raise InputError(f"cgroup path {cgroup!r} contains NUL")
    if cgroup.startswith("/"):
        raise InputError(f"cgroup path {cgroup!r} is absolute", fix="give it relative to the cgroup root")
    if cgroup == "":
        return []
    return [check_name(part, what="cgroup path component") for part in cgroup.split("/")]


def join(*parts: str) -> str:
    """Join cgroup names ('' parts are skipped)."""
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


def parent_of(cgroup: str) -> str:
    return cgroup.rpartition("/")[0]


class CgroupFS:
    """A cgroup tree under `root`; see the module docstring for modes, confinement and hooks."""

    def __init__(self, root: Path | str, *, mountinfo: str | None = None) -> None:
        self.root = Path(os.path.abspath(root))
        self._root_str = str(self.root).rstrip("/") or ""
        text = _read_mountinfo(mountinfo)
        self.mode: Mode = detect_mode(self.root, text)
        holder = _holder(os.path.realpath(self.root), parse_mountinfo(text))
        # The cgroup2 mount holding the root, to map /proc/PID/cgroup paths onto this tree.
        self.mount_point: str | None = holder.point if holder and holder.fstype == "cgroup2" else None
        self.kernel: Kernel | None = Kernel(self.root) if self.mode == "sandbox" else None
        # Successful kernel writes done through this object (the kill-after-write hook counts them).
        self.writes_done = 0
        self._kill_after = _kill_after_write(os.environ.get(FAULT_ENV, ""))

    def __repr__(self) -> str:
        return f"CgroupFS({str(self.root)!r}, mode={self.mode!r})"

    # ---- confinement ---------------------------------------------------------------------
    def resolve(self, cgroup: str, file: str = "") -> Path:
        """The path of `cgroup` (and `file` in it), refusing anything that could leave the root.

        Raises InputError for "..", ".", absolute paths, NUL or control characters, a `file`
        with a "/", and for a symlink at any existing component between the root and the target.
        """
        parts = split_cgroup(cgroup)
        if file:
            parts.append(check_name(file, what="interface file name"))
        path = self._root_str
        for part in parts:
            path = f"{path}/{part}"
            try:
                st = os.lstat(path)
            except (FileNotFoundError, NotADirectoryError):
                # nothing below a missing component exists, so nothing there can be a link
                break
            if stat.S_ISLNK(st.st_mode):
                raise InputError(
                    f"{path} is a symlink; the tool never follows links inside the cgroup root",
                    source=self._root_str,
                )
        return Path("/".join([self._root_str, *parts]))

    def _open_beneath(self, cgroup: str, file: str, flags: int) -> int:
        """Open `file` of `cgroup` through `beneath.open_file`: descriptor-relative, no link
        followed, so a directory swapped for a symlink after `resolve` checked it still cannot
        lead outside the root; a file with more than one link is not written. Never O_CREAT
        or O_TRUNC: a missing interface file is ENOENT, never created.
        """
        return beneath.open_file(self._root_str, split_cgroup(cgroup), file, flags)

    def display(self, cgroup: str, file: str = "") -> str:
        """The absolute path as shown to the operator."""
        return str(self.root / join(cgroup, file)) if (cgroup or file) else str(self.root)

    # ---- mode ----------------------------------------------------------------------------
    def refuse_writes_reason(self) -> str | None:
        """Why this tree must not be written (v1, hybrid, none), or None when it is writable."""
        if self.mode in ("v2", "sandbox"):
            return None
        return f"{self.root} {_REASONS[self.mode]}"

    @property
    def writable(self) -> bool:
        return self.refuse_writes_reason() is None

    def _check_writable(self) -> None:
        reason = self.refuse_writes_reason()
        if reason is not None:
            raise InputError(reason, fix="run on a cgroup v2 node, or try it in `workbench sandbox init DIR`")

    # ---- reads ---------------------------------------------------------------------------
    def read(self, cgroup: str, file: str) -> str | None:
        """The file's text without its trailing newline; None when the file or cgroup is missing."""
        return self.read_many(cgroup, (file,))[file]

    def read_many(self, cgroup: str, files: Sequence[str]) -> dict[str, str | None]:
        """`read` of several files of one cgroup, walking to it once (a pod listing reads five
        small files per container: one walk instead of five)."""
        parts = split_cgroup(cgroup)
        names = [check_name(f, what="interface file name") for f in files]
        try:
            with beneath.directory(self._root_str, parts) as dirfd:
                texts = {f: beneath.read_at(dirfd, f) for f in names}
        except FileNotFoundError:
            return dict.fromkeys(files)
        except OSError as e:
            if not isinstance(e, NotADirectoryError) and e.errno != errno.ELOOP:
                raise
            # The no-follow walk cannot leave the root, so `resolve`'s lstat of every component
            # (as many syscalls again) runs only now: to name a planted link (InputError).
            for f in names:
                self.resolve(cgroup, f)
            return dict.fromkeys(files)  # a component is a plain file: nothing to read
        return {f: None if t is None else t.rstrip("\n") for f, t in texts.items()}

    def exists(self, cgroup: str) -> bool:
        try:
            return stat.S_ISDIR(os.lstat(self.resolve(cgroup)).st_mode)
        except OSError:
            return False

    def identity(self, cgroup: str) -> tuple[int, int] | None:
        """(st_dev, st_ino) of the cgroup directory: a re-created cgroup gets a new one."""
        try:
            st = os.lstat(self.resolve(cgroup))
        except OSError:
            return None
        return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None

    def inode(self, cgroup: str) -> int | None:
        ident = self.identity(cgroup)
        return None if ident is None else ident[1]

    def children(self, cgroup: str) -> list[str]:
        """Names of the child cgroups (subdirectories, symlinks skipped), sorted."""
        path = self.resolve(cgroup)
        try:
            entries = list(os.scandir(path))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))

    def cgroup_of_pid(self, pid: int) -> str | None:
        """The cgroup (relative to the root) holding `pid`, None if unknown or outside the root.

        Sandbox: the tree's `cgroup.procs` files (a PID listed nowhere is in the root, as every
        process is somewhere in a real tree); real v2: the `0::` line of /proc/PID/cgroup.
        """
        if self.kernel is not None:
            found = self._scan_procs("", pid)
            return "" if found is None else found
        if self.mode != "v2" or self.mount_point is None:
            return self._scan_procs("", pid)
        try:
            lines = Path(f"/proc/{int(pid)}/cgroup").read_text().splitlines()
        except OSError:
            return None
        path = next((ln[3:] for ln in lines if ln.startswith("0::")), None)
        if path is None:
            return None
        absolute = os.path.normpath(self.mount_point.rstrip("/") + "/" + path.lstrip("/"))
        real_root = os.path.realpath(self.root)
        if not _under(absolute, real_root):
            return None
        return "" if absolute == real_root else os.path.relpath(absolute, real_root)

    def _scan_procs(self, cgroup: str, pid: int) -> str | None:
        text = self.read(cgroup, "cgroup.procs")
        if text is not None and str(pid) in text.split():
            return cgroup
        for child in self.children(cgroup):
            found = self._scan_procs(join(cgroup, child), pid)
            if found is not None:
                return found
        return None

    # ---- writes --------------------------------------------------------------------------
    def write(self, cgroup: str, file: str, value: str) -> None:
        """Write `value` to `file` of `cgroup` with a single `os.write`; OSError carries the errno.

        Raises InputError (and writes nothing) when the tree is not writable or the path is refused.
        """
        self._check_writable()
        path = self.resolve(cgroup, file)
        if self.kernel is not None:
            self.kernel.write(join(cgroup), file, value)
        else:
            data = (value or "\n").encode()
            fd = self._open_beneath(cgroup, file, os.O_WRONLY)
            try:
                n = os.write(fd, data)
            finally:
                os.close(fd)
            if n != len(data):
                raise OSError(errno.EIO, f"short write to {path} ({n} of {len(data)} bytes)")
        self.writes_done += 1
        if self._kill_after is not None and self.writes_done == self._kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def mkdir(self, cgroup: str) -> None:
        """Create one cgroup (its parent must exist); OSError (EEXIST, ENOENT...) propagates."""
        self._check_writable()
        if cgroup == "":
            raise InputError("cannot create the cgroup root")
        self.resolve(cgroup)
        if self.kernel is not None:
            self.kernel.mkdir(join(cgroup))
        else:
            beneath.mkdir(self._root_str, split_cgroup(cgroup))

    def rmdir(self, cgroup: str) -> None:
        """Remove one empty cgroup (no children, no processes); OSError (EBUSY...) propagates."""
        self._check_writable()
        if cgroup == "":
            raise InputError("cannot remove the cgroup root")
        self.resolve(cgroup)
        if self.kernel is not None:
            self.kernel.rmdir(join(cgroup))
        else:
            beneath.rmdir(self._root_str, split_cgroup(cgroup))


def _kill_after_write(spec: str) -> int | None:
    for token in spec.split(","):
        name, _, arg = token.strip().partition(":")
        if name == "kill-after-write":
            try:
                n = int(arg)
            except ValueError:
                raise InputError(
                    f"{FAULT_ENV}: expected kill-after-write:N, got {token!r}", source=FAULT_ENV
                ) from None
            return n if n > 0 else None
    return None
