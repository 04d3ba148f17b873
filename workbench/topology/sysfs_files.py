"""Reading single sysfs files: text, integers, CPU lists and masks, numbered directory entries.

Done with `os.open`/`os.read` on string paths: a 512-CPU tree is a few thousand tiny files, and
pathlib objects in the loop would cost more than the reads. Links are never walked: directories
are listed one level at a time and only single files are opened.

Every read goes through this module, so it can say which files the reader used: inside
`with recording() as log:` each file read is kept in `log.files` (path -> the bytes read) and
each directory listed in `log.listings` (path -> its entries and whether each is a directory).
A capture bundle stores exactly that, and inside `with replaying(log):` the reader reads those
instead of the file system (a file or directory the log lacks is missing), so it gives the same
machine from a bundle without writing a tree of tiny files anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from workbench.errors import InputError
from workbench.record import MutableRecord
from workbench.topology.cpuset import CPUSet, CPUSetError

_MAX_READ = 1 << 20
ACCESS = "run with read access to sysfs"


class ReadLog(MutableRecord):
    """What the reader used: files (path -> bytes read) and listings (path -> (name, is_dir))."""

    files: dict[str, bytes]
    listings: dict[str, tuple[tuple[str, bool], ...]]

    __slots__ = _fields = ("files", "listings")

    def __init__(
        self,
        files: dict[str, bytes] | None = None,
        listings: dict[str, tuple[tuple[str, bool], ...]] | None = None,
    ) -> None:
        self.files = {} if files is None else files
        self.listings = {} if listings is None else listings


_LOG: ContextVar[ReadLog | None] = ContextVar("sysfs_read_log", default=None)
_REPLAY: ContextVar[ReadLog | None] = ContextVar("sysfs_replay", default=None)


@contextmanager
def recording() -> Iterator[ReadLog]:
    """Keep every file read and directory listed by the sysfs reader in this context."""
    log = ReadLog()
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)


@contextmanager
def replaying(log: ReadLog) -> Iterator[None]:
    """Read `log` (from a recording) instead of the file system in this context."""
    token = _REPLAY.set(log)
    try:
        yield
    finally:
        _REPLAY.reset(token)


def _names(directory: str) -> list[str]:
    """os.listdir, or the replayed listing (FileNotFoundError when it has none)."""
    tree = _REPLAY.get()
    if tree is None:
        return os.listdir(directory)
    names = tree.listings.get(directory)
    if names is None:
        raise FileNotFoundError(directory)
    return [name for name, _ in names]


def is_dir(path: str) -> bool:
    tree = _REPLAY.get()
    return os.path.isdir(path) if tree is None else path in tree.listings


def _listed(directory: str, names: list[str]) -> None:
    log = _LOG.get()
    if log is not None and directory not in log.listings:
        log.listings[directory] = tuple(
            (name, os.path.isdir(f"{directory}/{name}")) for name in sorted(names)
        )


def read_text(path: str) -> str | None:
    """Text of a sysfs file without NUL bytes and surrounding whitespace; None if absent."""
    tree = _REPLAY.get()
    if tree is not None:
        replayed = tree.files.get(path)
        return None if replayed is None else replayed.decode("ascii", "replace").replace("\x00", "").strip()
    try:
        fd = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=path, fix=ACCESS) from None
    try:
        chunks = []
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
            if len(data) < 65536 or sum(map(len, chunks)) > _MAX_READ:
                break
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=path, fix=ACCESS) from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    log = _LOG.get()
    if log is not None:
        log.files[path] = raw
    return raw.decode("ascii", "replace").replace("\x00", "").strip()


def read_int(path: str) -> int | None:
    text = read_text(path)
    if text is None:
        return None
    try:
        return int(text, 0) if text.startswith("0x") else int(text)
    except ValueError:
        raise InputError(f"expected an integer, got {text!r}", source=path) from None


def read_list(path: str) -> CPUSet | None:
    text = read_text(path)
    if text is None:
        return None
    try:
        return CPUSet.parse(text)
    except CPUSetError as exc:
        raise InputError(str(exc), source=path) from None


def read_mask(path: str) -> CPUSet | None:
    text = read_text(path)
    if text is None:
        return None
    try:
        return CPUSet.from_hex_mask(text)
    except CPUSetError as exc:
        raise InputError(str(exc), source=path) from None


def read_list_or_mask(base: str, list_name: str, mask_name: str) -> CPUSet | None:
    found = read_list(f"{base}/{list_name}")
    if found is None:
        found = read_mask(f"{base}/{mask_name}")
    return found


def numbered(directory: str, prefix: str) -> list[int]:
    """Sorted N of the `prefixN` entries in `directory` (not following any link)."""
    try:
        names = _names(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise InputError(f"cannot list: {exc.strerror}", source=directory) from None
    _listed(directory, names)
    n = len(prefix)
    return sorted(int(name[n:]) for name in names if name.startswith(prefix) and name[n:].isdigit())


def listing(directory: str) -> set[str]:
    """Names in a directory; empty when it is missing or unreadable (an optional probe)."""
    try:
        names = _names(directory)
    except OSError:
        return set()
    _listed(directory, names)
    return set(names)


def entries(directory: str) -> list[str] | None:
    """Names in a directory, None when it is missing (not following any link)."""
    try:
        names = _names(directory)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"cannot list: {exc.strerror}", source=directory, fix=ACCESS) from None
    _listed(directory, names)
    return names
