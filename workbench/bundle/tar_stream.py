"""A strict reader of the tar stream inside a bundle: ustar headers and pax `path`/`size`
records, as `bundle.writer` writes them, and nothing else worth trusting.

tarfile parses a header in about 60 us and would follow GNU extensions, sparse maps and global
pax headers; a bundle needs none of them. Every header's checksum is verified; a header of any
kind is returned (the caller refuses all but regular files), a malformed one raises
`TarDamage`. Sizes are bounded before anything is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

BLOCK = 512
_ZERO = bytes(BLOCK)
MAX_PAX = 64 * 1024


class TarDamage(Exception):
    """The stream is not a well-formed tar archive (truncated, corrupted, unsupported)."""


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Header:
    name: str
    kind: bytes  # the ustar typeflag: b"0" regular, b"2" symlink, b"5" directory ...
    size: int


def _exact(stream: Readable, n: int) -> bytes:
    data = stream.read(n)
    while len(data) < n:
        more = stream.read(n - len(data))
        if not more:
            raise TarDamage("truncated: the archive ends inside a member")
        data += more
    return data


def _octal(field: bytes, what: str) -> int:
    text = field.split(b"\0", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarDamage(f"corrupted header: {what} {field!r}") from None


def _pax(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos)
        if space < 0:
            raise TarDamage("corrupted pax header")
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarDamage("corrupted pax header") from None
        record = data[space + 1 : pos + length]
        if length <= 0 or not record.endswith(b"\n") or b"=" not in record:
            raise TarDamage("corrupted pax header")
        key, _, value = record[:-1].partition(b"=")
        out[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        pos += length
    return out


class TarReader:
    def __init__(self, stream: Readable) -> None:
        self.stream = stream
        self._left = 0  # data (with padding) of the current member not read yet

    def _header(self) -> tuple[bytes, bytes, int] | None:
        block = _exact(self.stream, BLOCK)
        if block == _ZERO:
            return None
        stored = _octal(block[148:156], "checksum")
        if stored != sum(block[:148]) + 256 + sum(block[156:]):
            raise TarDamage("corrupted header: bad checksum")
        kind = block[156:157] or b"0"
        if block[124] & 0x80:
            raise TarDamage("unsupported header: base-256 size")
        size = _octal(block[124:136], "size")
        name = block[0:100].split(b"\0", 1)[0]
        if block[257:262] == b"ustar":
            prefix = block[345:500].split(b"\0", 1)[0]
            if prefix:
                name = prefix + b"/" + name
        return name, kind, size

    def next(self) -> Header | None:
        """The next member's header (its data then read with `data`), None at the end."""
        self.skip()
        pax: dict[str, str] = {}
        while True:
            found = self._header()
            if found is None:
                return None
            name, kind, size = found
            if kind != b"x":
                break
            if size > MAX_PAX:
                raise TarDamage(f"refused: a pax header of {size} bytes")
            pax = _pax(_exact(self.stream, size)[:size])
            _exact(self.stream, -size % BLOCK)
        text = pax.get("path") or name.decode("utf-8", "replace")
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                raise TarDamage("corrupted pax size") from None
        self._left = size + (-size % BLOCK)
        return Header(text, b"0" if kind == b"\0" else kind, size)

    def data(self, header: Header) -> bytes:
        """The current member's data (its size was checked by the caller)."""
        data = _exact(self.stream, header.size)
        _exact(self.stream, self._left - header.size)
        self._left = 0
        return data

    def skip(self) -> None:
        while self._left:
            n = min(self._left, 1 << 20)
            _exact(self.stream, n)
            self._left -= n

    def __iter__(self) -> Iterator[Header]:
        while (h := self.next()) is not None:
            yield h
