"""Building archives in tests: a good bundle taken apart and put together again, with a hostile
member, a changed manifest or damage where a test wants it."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Members = list[tuple[tarfile.TarInfo, bytes]]


def take_apart(bundle: Path) -> tuple[dict[str, Any], Members]:
    with tarfile.open(bundle) as t:
        infos = t.getmembers()
        data = [t.extractfile(m).read() for m in infos]  # type: ignore[union-attr]
    manifest = json.loads(data[0])
    return manifest, list(zip(infos[1:], data[1:], strict=True))


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, b""


def entry(name: str, data: bytes) -> dict[str, Any]:
    return {
        "path": name,
        "source": f"/test/{name}",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


def put_together(
    out: Path,
    manifest: dict[str, Any],
    members: Members,
    *,
    fix_manifest: bool = True,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """Write `members` after `manifest` (its file list made from the regular members unless
    `fix_manifest` is False), gzip-compressed."""
    doc = dict(manifest)
    if fix_manifest:
        doc["files"] = [entry(i.name, d) for i, d in members]
    if edit is not None:
        edit(doc)
    raw = json.dumps(doc).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as t:
        t.addfile(regular("manifest.json", raw)[0], io.BytesIO(raw))
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if info.isreg() else None)
    out.write_bytes(buf.getvalue())
    return out
