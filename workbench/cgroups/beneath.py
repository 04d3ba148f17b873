"""Open, create and remove files below a root without ever leaving it: openat2's RESOLVE_BENEATH
and RESOLVE_NO_SYMLINKS by hand (runc does the same through openat2 on cgroupfs).

Every path is walked one component at a time, each opened relative to its parent's descriptor
with O_NOFOLLOW, so a directory swapped for a symlink after a check (or during a write) gives
ELOOP/ENOTDIR instead of a write outside the root. A file opened for writing with more than
one link is refused (EMLINK): a hard link planted in the tree would write through to its
other name. Both the real cgroupfs (`fs.CgroupFS`) and the sandbox's kernel model
(`kernel.Kernel`) reach their files only through here.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def open_dir(root: str, parts: Sequence[str]) -> int:
    """An O_RDONLY descriptor of the directory `root/parts...`, no link followed below `root`."""
    dirfd = os.open(root or "/", _DIR)
    try:
        for part in parts:
            child = os.open(part, _DIR | os.O_NOFOLLOW, dir_fd=dirfd)
            os.close(dirfd)
            dirfd = child
    except BaseException:
        os.close(dirfd)
        raise
    return dirfd


@contextmanager
def directory(root: str, parts: Sequence[str]) -> Iterator[int]:
    fd = open_dir(root, parts)
    try:
        yield fd
    finally:
        os.close(fd)


def open_at(dirfd: int, name: str, flags: int, mode: int = 0o644) -> int:
    """Open `name` in the directory `dirfd` with `flags` (O_NOFOLLOW added). A file opened for
    writing must have exactly one link."""
    if not flags & (os.O_WRONLY | os.O_RDWR):
        return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dirfd)
    return open_at_stat(dirfd, name, flags, mode)[0]


def open_at_stat(dirfd: int, name: str, flags: int, mode: int = 0o644) -> tuple[int, os.stat_result]:
    """`open_at` for writing, with the file's stat (the one fstat of the link check)."""
    fd = os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dirfd)
    try:
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if st.st_nlink > 1:
        os.close(fd)
        raise OSError(errno.EMLINK, f"{name} has {st.st_nlink} links; refusing to write through a hard link")
    return fd, st


def open_file(root: str, parts: Sequence[str], name: str, flags: int, mode: int = 0o644) -> int:
    """`open_at` in the directory `root/parts...`."""
    with directory(root, parts) as dirfd:
        return open_at(dirfd, name, flags, mode)


def read_at(dirfd: int, name: str) -> str | None:
    """The text of `name` in `dirfd`; None when it is missing."""
    try:
        fd = open_at(dirfd, name, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def read_text(root: str, parts: Sequence[str], name: str) -> str | None:
    """The file's text; None when it or a directory on the way is missing."""
    try:
        with directory(root, parts) as dirfd:
            return read_at(dirfd, name)
    except (FileNotFoundError, NotADirectoryError):
        return None


def mkdir(root: str, parts: Sequence[str], mode: int = 0o755) -> None:
    *parents, name = parts
    with directory(root, parents) as dirfd:
        os.mkdir(name, mode, dir_fd=dirfd)


def rmdir(root: str, parts: Sequence[str]) -> None:
    *parents, name = parts
    with directory(root, parents) as dirfd:
        os.rmdir(name, dir_fd=dirfd)


def unlink(root: str, parts: Sequence[str], name: str) -> None:
    with directory(root, parts) as dirfd:
        try:
            os.unlink(name, dir_fd=dirfd)
        except FileNotFoundError:
            pass


def entries(root: str, parts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(subdirectories, other entries) of `root/parts...`, sorted; symlinks count as files."""
    dirs: list[str] = []
    files: list[str] = []
    with directory(root, parts) as dirfd, os.scandir(dirfd) as it:
        for e in it:
            (dirs if e.is_dir(follow_symlinks=False) else files).append(e.name)
    return sorted(dirs), sorted(files)
