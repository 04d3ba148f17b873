"""User key remapping: `~/.config/workbench/keymap.toml` (or `.yaml`) maps binding ids to keys.

```toml
[keymap]
"node.zoom" = "z,Z"
"app.quit" = "q"
```
Unknown ids and malformed entries are reported and skipped; the rest still applies.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.inputs import read_document

_KEY = re.compile(r"^[a-z0-9_+\-]+(,[a-z0-9_+\-]+)*$", re.IGNORECASE)


def keymap_paths() -> list[Path]:
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    base = config / "workbench"
    return [base / "keymap.toml", base / "keymap.yaml", base / "keymap.yml"]


def parse_keymap(data: Any, known_ids: Iterable[str], source: str = "") -> tuple[dict[str, str], list[str]]:
    known = set(known_ids)
    problems: list[str] = []
    if isinstance(data, dict) and "keymap" in data:
        data = data["keymap"]
    if data is None:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [f"{source}: the keymap must be a table of binding id = keys"]
    out: dict[str, str] = {}
    for bid, keys in data.items():
        if bid not in known:
            problems.append(f"{source}: {bid}: unknown binding id (see the ? help for ids)")
            continue
        if not isinstance(keys, str) or not _KEY.match(keys.replace(" ", "")):
            problems.append(f"{source}: {bid}: {keys!r} is not a key list like 'z' or 'ctrl+s,f2'")
            continue
        out[str(bid)] = keys.replace(" ", "")
    return out, problems


def load_keymap(
    known_ids: Iterable[str], paths: Iterable[Path] | None = None
) -> tuple[dict[str, str], list[str]]:
    for path in paths if paths is not None else keymap_paths():
        if not path.is_file():
            continue
        try:
            data, _ = read_document(path)
        except InputError as exc:
            return {}, [f"{exc.source or path}: cannot read keymap: {exc.problem}"]
        return parse_keymap(data, known_ids, str(path))
    return {}, []
