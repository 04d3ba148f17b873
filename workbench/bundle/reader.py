"""Opening an untrusted bundle: lazily, checked, into a private temporary directory.

`Bundle(path)` reads the manifest (the first member) and nothing else; `extract(prefixes)` then
reads on through the archive as far as the last member under those prefixes and writes the
wanted ones below `Bundle.root`, a directory made by `mkdtemp` (mode 0700) and removed by
`close()`. Members must come exactly in the manifest's order, so a reader that has what it
needs stops there: `workbench topology --bundle` never decompresses the samples.

Refused, with one line naming the bundle and the member: a first member that is not the
manifest; a member that is not a regular file (directories, symlinks, hard links, devices,
FIFOs, sparse files); a name that is absolute, holds '..', '.' or control characters; a member
the manifest does not list in that place, of another size, or whose sha256 differs; more
members or bytes than `Limits` allows (decompressed, tar headers included, counted as read, so
a decompression bomb stops at the cap); and a truncated or corrupted archive. Nothing is ever
written outside `root`: paths are checked before use, every file is created with O_EXCL and
O_NOFOLLOW below directories this reader made itself.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Protocol

from workbench.bundle.layout import DEFAULT_LIMITS, MANIFEST, Limits
from workbench.bundle.manifest import FileEntry, Manifest, check_path, parse_manifest
from workbench.errors import InputError

_CHUNK = 1 << 16
_KINDS = {
    tarfile.DIRTYPE: "a directory",
    tarfile.SYMTYPE: "a symlink",
    tarfile.LNKTYPE: "a hard link",
    tarfile.CHRTYPE: "a character device",
    tarfile.BLKTYPE: "a block device",
    tarfile.FIFOTYPE: "a FIFO",
    tarfile.CONTTYPE: "a contiguous file",
    tarfile.GNUTYPE_SPARSE: "a sparse file",
}
_DAMAGED = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeError)


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class _Capped:
    """A read-only stream that refuses to give more than `cap` bytes in total."""

    def __init__(self, raw: _Readable, cap: int, label: str) -> None:
        self.raw = raw
        self.left = cap
        self.cap = cap
        self.label = label

    def read(self, n: int = -1) -> bytes:
        want = self.left + 1 if n < 0 else min(n, self.left + 1)
        data = self.raw.read(want)
        self.left -= len(data)
        if self.left < 0:
            raise InputError(
                f"refused: more than {self.cap} bytes once decompressed (a decompression bomb?)",
                source=self.label,
                fix="a bundle is at most a few MiB; capture the node again",
            )
        return data


class Bundle:
    """An opened bundle; use as a context manager (or call `close`) to remove its directory."""

    def __init__(self, path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.label = str(path)
        self.limits = limits
        if not self.path.is_file():
            raise InputError(
                "no such bundle file", source=self.label, fix="give a file from `workbench capture`"
            )
        self.root = Path(tempfile.mkdtemp(prefix="workbench-bundle-"))
        self._file: IO[bytes] | None = None
        self._tar: tarfile.TarFile | None = None
        self._members: Iterator[tarfile.TarInfo] | None = None
        self._next = 0  # index in manifest.files of the next member the stream gives
        self._done: set[str] = set()  # extracted paths
        self._dirs: set[str] = {""}
        try:
            self.manifest = self._open_stream()
        except BaseException:
            self.close()
            raise

    # ---- life ------------------------------------------------------------------------------
    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._close_stream()
        shutil.rmtree(self.root, ignore_errors=True)

    def _close_stream(self) -> None:
        for closable in (self._tar, self._file):
            if closable is not None:
                try:
                    closable.close()
                except (OSError, *_DAMAGED):
                    pass
        self._tar = self._file = None
        self._members = None

    def _fail(self, problem: str, member: str = "", fix: str = "capture the node again") -> InputError:
        return InputError(problem, source=self.label, field=member, fix=fix)

    # ---- the stream ------------------------------------------------------------------------
    def _open_stream(self) -> Manifest:
        self._close_stream()
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed by _close_stream
            gz = gzip.GzipFile(fileobj=self._file, mode="rb")
            capped = _Capped(gz, self.limits.total_bytes, self.label)
            self._tar = tarfile.open(fileobj=capped, mode="r|")  # type: ignore[call-overload]
            self._members = iter(self._tar)
            first = self._advance(None)
            if first is None or first.name != MANIFEST:
                raise InputError(
                    "not a workbench capture bundle (its first member is not manifest.json)",
                    source=self.label,
                    fix="give a file made by `workbench capture`",
                )
            if first.size > self.limits.manifest_bytes:
                raise self._fail(f"refused: manifest of {first.size} bytes", MANIFEST)
            data = self._read(first, None)
        except _DAMAGED as exc:
            raise self._fail(f"not a readable .tar.gz ({exc or type(exc).__name__})") from None
        except OSError as exc:
            raise self._fail(f"cannot read: {exc.strerror or exc}") from None
        self._next = 0
        return parse_manifest(data, self.label, self.limits)

    def _advance(self, expected: str | None) -> tarfile.TarInfo | None:
        """The next member header, checked for its kind and name (None at the end). The member
        count needs no check of its own: only as many members as the manifest lists are read,
        and the manifest is held to `Limits.members`."""
        assert self._members is not None
        info = next(self._members, None)
        if info is None:
            return None
        name = info.name
        why = check_path(name, self.limits)
        if why is not None:
            raise self._fail(f"refused: member {name!r} has {why}")
        if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
            kind = _KINDS.get(info.type, f"of tar type {info.type!r}")
            raise self._fail(f"refused: member {name} is {kind}; a bundle holds regular files only")
        if info.size > self.limits.file_bytes:
            cap = self.limits.file_bytes
            raise self._fail(f"refused: member {name} is {info.size} bytes (at most {cap})")
        if expected is not None and name != expected:
            raise self._fail(f"member {name} where the manifest lists {expected}", name)
        return info

    def _read(self, info: tarfile.TarInfo, entry: FileEntry | None) -> bytes:
        assert self._tar is not None
        f = self._tar.extractfile(info)
        if f is None:
            raise self._fail("unreadable member", info.name)
        chunks = []
        digest = hashlib.sha256()
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            chunks.append(chunk)
        data = b"".join(chunks)
        if len(data) != info.size:
            raise self._fail("truncated member", info.name)
        if entry is not None and (len(data) != entry.size or digest.hexdigest() != entry.sha256):
            raise self._fail("sha256 or size differs from the manifest (corrupted or altered)", info.name)
        return data

    # ---- extraction ------------------------------------------------------------------------
    def extract(self, prefixes: Iterable[str]) -> Path:
        """Make every member under `prefixes` a file below `root` (checked); returns `root`."""
        wanted = tuple(prefixes)
        files = self.manifest.files
        indexes = [i for i, f in enumerate(files) if f.path.startswith(wanted) and f.path not in self._done]
        if not indexes:
            return self.root
        if indexes[0] < self._next:
            self._open_stream()  # an earlier section than the stream is at: start again
        try:
            while self._next <= indexes[-1]:
                entry = files[self._next]
                info = self._advance(entry.path)
                if info is None:
                    raise self._fail(f"truncated: the archive ends before {entry.path}")
                keep = entry.path.startswith(wanted) and entry.path not in self._done
                data = self._read(info, entry if keep else None)
                if keep:
                    self._write(entry.path, data)
                self._next += 1
        except _DAMAGED as exc:
            raise self._fail(f"truncated or corrupted archive ({exc or type(exc).__name__})") from None
        except OSError as exc:
            raise self._fail(f"cannot read: {exc.strerror or exc}") from None
        return self.root

    def _write(self, path: str, data: bytes) -> None:
        parent, _, _ = path.rpartition("/")
        self.ensure_dir(parent)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(self.root / path, flags, 0o600)
        except OSError as exc:
            raise self._fail(f"refused: cannot place member ({exc.strerror})", path) from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self._done.add(path)

    def ensure_dir(self, rel: str) -> None:
        """Directories below `root` for the checked relative path `rel`, made by this reader."""
        if rel in self._dirs:
            return
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if sub in self._dirs:
                continue
            target = self.root / sub
            try:
                os.mkdir(target, 0o700)
            except FileExistsError:
                if target.is_symlink() or not target.is_dir():
                    raise self._fail(f"refused: {sub} is both a file and a directory") from None
            self._dirs.add(sub)

    def has(self, path: str) -> bool:
        return any(f.path == path for f in self.manifest.files)
