"""Reading single sysfs files: text, integers, CPU lists and masks, numbered directory entries.

Done with `os.open`/`os.read` on string paths: a 512-CPU tree is a few thousand tiny files, and
pathlib objects in the loop would cost more than the reads. Links are never walked: directories
are listed one level at a time and only single files are opened.
"""

from __future__ import annotations

import os

from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet, CPUSetError

_MAX_READ = 1 << 20
ACCESS = "run with read access to sysfs"


def read_text(path: str) -> str | None:
    """Text of a sysfs file without NUL bytes and surrounding whitespace; None if absent."""
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
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise InputError(f"cannot list: {exc.strerror}", source=directory) from None
    n = len(prefix)
    return sorted(int(name[n:]) for name in names if name.startswith(prefix) and name[n:].isdigit())


def listing(directory: str) -> set[str]:
    """Names in a directory; empty when it is missing or unreadable (an optional probe)."""
    try:
        return set(os.listdir(directory))
    except OSError:
        return set()
