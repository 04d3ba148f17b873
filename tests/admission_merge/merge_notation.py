"""Reads the compact hint notation of fixtures/topologymanager_merge_cases.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workbench.admission import Hint

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load(name: str) -> Any:
    return yaml.safe_load((FIXTURES / name).read_text())


def hint(text: str, all_nodes: list[int] | None = None) -> Hint:
    nodes, flag = text.split()
    assert flag in ("P", "N"), text
    preferred = flag == "P"
    if nodes == "nil":
        return Hint(None, preferred)
    if nodes == "empty":
        return Hint(frozenset(), preferred)
    if nodes == "all":
        assert all_nodes is not None
        return Hint(frozenset(all_nodes), preferred)
    return Hint(frozenset(int(n) for n in nodes.split(",")), preferred)


def providers(raw: list[Any]) -> list[dict[str, list[Hint] | None] | None]:
    out: list[dict[str, list[Hint] | None] | None] = []
    for p in raw:
        if p is None:
            out.append(None)
            continue
        out.append({res: None if hs is None else [hint(h) for h in hs] for res, hs in p.items()})
    return out
