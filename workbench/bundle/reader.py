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
import tempfile
import zlib
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import IO

from workbench.bundle.layout import DEFAULT_LIMITS, MANIFEST, Limits
from workbench.bundle.manifest import FileEntry, Manifest, check_path, parse_manifest
from workbench.bundle.tar_stream import Header, Readable, TarDamage, TarReader
from workbench.errors import InputError

_KINDS = {
    b"5": "a directory",
    b"2": "a symlink",
    b"1": "a hard link",
    b"3": "a character device",
    b"4": "a block device",
    b"6": "a FIFO",
    b"7": "a contiguous file",
    b"S": "a sparse file",
    b"L": "a GNU long name",
    b"g": "a global pax header",
}
_DAMAGED = (TarDamage, EOFError, zlib.error, gzip.BadGzipFile, UnicodeError)


class _Capped:
    """A read-only stream that refuses to give more than `cap` bytes in total."""

    def __init__(self, raw: Readable, cap: int, label: str) -> None:
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


def private_parent() -> str | None:
    """Where the private directory goes: $TMPDIR when it is set, else /dev/shm when it is there
    (else tempfile's default). A bundle is a few thousand tiny files and directories, which a
    disk-backed /tmp on a busy machine creates and removes 50 times slower than tmpfs; the
    directory is mode 0700 either way."""
    if os.environ.get("TMPDIR"):
        return None
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


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
        self.root = Path(tempfile.mkdtemp(prefix="workbench-bundle-", dir=private_parent()))
        self._file: IO[bytes] | None = None
        self._gz: gzip.GzipFile | None = None
        self._tar: TarReader | None = None
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
        for closable in (self._gz, self._file):
            if closable is not None:
                try:
                    closable.close()
                except (OSError, *_DAMAGED):
                    pass
        self._gz = self._file = None
        self._tar = None

    def _fail(self, problem: str, member: str = "", fix: str = "capture the node again") -> InputError:
        return InputError(problem, source=self.label, field=member, fix=fix)

    # ---- the stream ------------------------------------------------------------------------
    def _open_stream(self) -> Manifest:
        self._close_stream()
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed by _close_stream
            self._gz = gzip.GzipFile(fileobj=self._file, mode="rb")
            self._tar = TarReader(_Capped(self._gz, self.limits.total_bytes, self.label))
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

    def _advance(self, expected: str | None) -> Header | None:
        """The next member header, checked for its kind and name (None at the end). The member
        count needs no check of its own: only as many members as the manifest lists are read,
        and the manifest is held to `Limits.members`."""
        assert self._tar is not None
        info = self._tar.next()
        if info is None:
            return None
        name = info.name
        if info.kind != b"0":
            kind = _KINDS.get(info.kind, f"of tar type {info.kind!r}")
            raise self._fail(f"refused: member {name} is {kind}; a bundle holds regular files only")
        why = check_path(name, self.limits)
        if why is not None:
            raise self._fail(f"refused: member {name!r} has {why}")
        if info.size > self.limits.file_bytes:
            cap = self.limits.file_bytes
            raise self._fail(f"refused: member {name} is {info.size} bytes (at most {cap})")
        if expected is not None and name != expected:
            raise self._fail(f"member {name} where the manifest lists {expected}", name)
        return info

    def _read(self, info: Header, entry: FileEntry | None) -> bytes:
        assert self._tar is not None
        data = self._tar.data(info)
        if entry is not None and (
            len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256
        ):
            raise self._fail("sha256 or size differs from the manifest (corrupted or altered)", info.name)
        return data

    # ---- extraction ------------------------------------------------------------------------
    def extract(self, prefixes: Iterable[str]) -> Path:
        """Make every member under `prefixes` a file below `root` (checked); returns `root`."""
        self._stream(tuple(prefixes), self._write)
        return self.root

    def load(self, prefixes: Iterable[str]) -> dict[str, bytes]:
        """Every member under `prefixes`, checked, in memory (path -> data); nothing written."""
        found: dict[str, bytes] = {}
        wanted = tuple(prefixes)
        self._stream(wanted, found.__setitem__, again=True)
        return found

    def _stream(
        self, wanted: tuple[str, ...], sink: Callable[[str, bytes], None], *, again: bool = False
    ) -> None:
        """Read on to the last member under `wanted` and give each one (checked) to `sink`;
        members already given are skipped unless `again` (their data is not kept here)."""
        files = self.manifest.files
        done = set() if again else self._done
        indexes = [i for i, f in enumerate(files) if f.path.startswith(wanted) and f.path not in done]
        if not indexes:
            return
        if indexes[0] < self._next:
            self._open_stream()  # an earlier section than the stream is at: start again
        try:
            while self._next <= indexes[-1]:
                entry = files[self._next]
                info = self._advance(entry.path)
                if info is None:
                    raise self._fail(f"truncated: the archive ends before {entry.path}")
                if entry.path.startswith(wanted) and entry.path not in done:
                    sink(entry.path, self._read(info, entry))
                else:
                    self._tar.skip()  # type: ignore[union-attr]
                self._next += 1
        except _DAMAGED as exc:
            raise self._fail(f"truncated or corrupted archive ({exc or type(exc).__name__})") from None
        except OSError as exc:
            raise self._fail(f"cannot read: {exc.strerror or exc}") from None

    def _write(self, path: str, data: bytes) -> None:
        parent, _, _ = path.rpartition("/")
        self.ensure_dir(parent)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(f"{self.root}/{path}", flags, 0o600)
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
            target = f"{self.root}/{sub}"
            try:
                os.mkdir(target, 0o700)
            except FileExistsError:
                if os.path.islink(target) or not os.path.isdir(target):
                    raise self._fail(f"refused: {sub} is both a file and a directory") from None
            self._dirs.add(sub)

    def has(self, path: str) -> bool:
        return path in self._listed

    @cached_property
    def _listed(self) -> frozenset[str]:
        return frozenset(f.path for f in self.manifest.files)
