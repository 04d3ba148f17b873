"""Reading one small kernel file per call, as cheaply as Python allows.

Two modes. `keep_open` (a real cgroup2 mount and /proc): the descriptor stays open and each read
is one `pread(fd, n, 0)`; kernfs and procfs regenerate the file for a read at offset 0, so this
is one syscall per file per tick. A cgroup removed under an open descriptor answers ENODEV; the
handle then reopens once (a restarted container at the same path) and reports a new
incarnation, so its counters are never subtracted from the old ones. Otherwise (a sandbox or an
extracted capture, plain files that may be replaced or removed at any time) each read is
open/read/close, and the file's inode tells one incarnation from the next: the last file
opened stays open (pinned) so that its inode number cannot be handed to a file made after it
(ext4 reuses a freed inode number at once).
"""

from __future__ import annotations

import errno
import os

_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


class Handle:
    """One file, read whole. `incarnation` is the inode of the file last opened (0: never)."""

    __slots__ = ("fd", "incarnation", "keep_open", "path", "pin", "size", "track")

    def __init__(self, path: str, *, keep_open: bool, size: int = 4096, track: bool = False) -> None:
        self.path = path
        self.keep_open = keep_open
        self.size = size
        self.track = track  # tell incarnations apart (reopen mode pins the last file it opened)
        self.fd = -1
        self.pin = -1
        self.incarnation = 0

    def _open(self) -> int:
        fd = os.open(self.path, _FLAGS)
        if self.track:
            self.incarnation = os.fstat(fd).st_ino
        return fd

    def _read_all(self, fd: int) -> bytes:
        data = os.pread(fd, self.size, 0)
        while len(data) >= self.size:
            # The file outgrew the buffer (many NUMA nodes or CPUs): grow once and read again.
            self.size *= 4
            data = os.pread(fd, self.size, 0)
        return data

    def read(self) -> bytes | None:
        """The file's bytes, or None when it cannot be read now (gone, not yet there)."""
        if not self.keep_open:
            try:
                fd = self._open()
            except OSError:
                return None
            keep = False
            try:
                if self.track:
                    keep = self.pin < 0 or os.fstat(self.pin).st_ino != self.incarnation
                return self._read_all(fd)
            except OSError:
                return None
            finally:
                if keep:
                    if self.pin >= 0:
                        os.close(self.pin)
                    self.pin = fd
                else:
                    os.close(fd)
        if self.fd >= 0:
            try:
                data = os.pread(self.fd, self.size, 0)
                return data if len(data) < self.size else self._read_all(self.fd)
            except OSError:
                self.close()  # ENODEV: removed (and perhaps made again); reopen below
        try:
            self.fd = self._open()
            return self._read_all(self.fd)
        except OSError as exc:
            self.close()
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                # Out of descriptors (thousands of cgroups): this file is reopened per read instead.
                self.keep_open = False
                return self.read()
            return None

    def close(self) -> None:
        for fd in (self.fd, self.pin):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.fd = self.pin = -1
