"""Seeded mutations of a seed file: text edits with hostile tokens, and structural edits that
parse the seed, put a hostile value (or key) at a random place and write it back.

Everything draws from one `random.Random`, so a (seed, iteration) pair always gives the same
bytes. The hostile values are the kinds of input that once broke the tool (see regressions/).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from fuzz_corpus import InputKind, Seed

try:
    from workbench.kube.go_spew import GoStr, checksum_new

    def data_checksum(data: str) -> int:
        """`dataChecksum` of a V4 (CPU) / V3 (memory) checkpoint's `data` string."""
        return checksum_new(GoStr("string", data))

except ImportError:  # the code before the checkpoint split (to see what the harness finds there)
    from workbench.kube.checkpoint import data_checksum  # type: ignore[attr-defined,no-redef]

# Scalars (as YAML/JSON values) that sit at the API's and the kernel's bounds, or past them.
HOSTILE_VALUES: tuple[Any, ...] = (
    "1e400", "9" * 400, "9" * 400 + "s", "-1", "0-99999999999", "0-200000000", "0-8191",
    "9223372036854775807", "9223372036854775808", "9223372036854775807m", "8Ei", "16Ei", "1e18",
    "100ms", ".5", "0x10", "1_000", "\u0663", "", " ", "x" * 300, "a" * 254, "UPPER", "a.b",
    "a\nb", "a\x85b", "a\x9bb", "a\u202eb", "a\u2066b", "\x1b[31mred", "\ud800", "a\x00b", "\u2028",
    "2001-12-14t21:59:43.10-05:00 v1", "Always", "static", "Static", "../..", "/etc/passwd", "%s%n",
    0, -1, 2**63, 2**64, 10**30, 1.5, -0.0, float("inf"), float("nan"), True, False, None,
    [], {}, [None], {"": None}, {"a\nb": 1}, ["0-3"],
)  # fmt: skip
HOSTILE_KEYS: tuple[Any, ...] = (
    "a\nb", "cpu\x85", "memory\u202e", "\ud800", "x" * 300, "", "nvidia.com/gpu", "hugepages-1e400",
    "hugepages-0", "resource", "Resources", "-1", "99999999999", 0, None, True,
)  # fmt: skip
# Text dropped into the file as it is: tags, anchors, directives, structure, odd characters.
HOSTILE_TOKENS: tuple[str, ...] = (
    "!!timestamp 2001-12-14t21:59:43.10-05:00 v1", "!!python/object/apply:os.system ['true']",
    "&a [*a]", "*undefined", "!!binary x", "!!int x", "!!float x", "!!set {a}", "!!omap [a]",
    "? [a]\n: b\n", "<<: *a\n", "%YAML 1.1\n", "---\n", "...\n", "\t", "\x00", "\ufeff", "'", '"',
    "{", "[", "}", "]", "- ", ": ", "#", "1" * 5000, "[" * 300, "- " * 300, "\r\n", "\x85",
    "\u2028", "\u202e", "\x1b]0;x\x07", "\\ud800", '"\\ud800"', "1e400", "0-99999999999",
)  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    data: bytes
    # What was done, for reports: e.g. "insert_token+structural".
    how: str


def _pos(rng: random.Random, text: str) -> int:
    return rng.randint(0, len(text))


def insert_token(rng: random.Random, text: str, _: str) -> str:
    p = _pos(rng, text)
    return text[:p] + rng.choice(HOSTILE_TOKENS) + text[p:]


_VALUE = re.compile(r"(?m)(:[ \t]+)([^\n#]+)$")


def replace_value(rng: random.Random, text: str, _: str) -> str:
    """A `key: value` line's value becomes a hostile scalar (as YAML flow text)."""
    matches = list(_VALUE.finditer(text))
    if not matches:
        return insert_token(rng, text, _)
    m = rng.choice(matches)
    value = json.dumps(rng.choice(HOSTILE_VALUES))
    return text[: m.start(2)] + value + text[m.end(2) :]


def delete_span(rng: random.Random, text: str, _: str) -> str:
    a = _pos(rng, text)
    return text[:a] + text[a + rng.randint(1, 40) :]


def duplicate_span(rng: random.Random, text: str, _: str) -> str:
    a = _pos(rng, text)
    b = min(len(text), a + rng.randint(1, 200))
    return text[:b] + text[a:b] * rng.randint(1, 4) + text[b:]


def truncate(rng: random.Random, text: str, _: str) -> str:
    return text[: _pos(rng, text)]


def splice(rng: random.Random, text: str, other: str) -> str:
    return text[: _pos(rng, text)] + other[_pos(rng, other) :]


def grow(rng: random.Random, text: str, _: str) -> str:
    """Large input: the tail of the file repeated up to about 1 MiB (the 1 s budget's case), or
    past the 1.5 MiB cap."""
    cut = _pos(rng, text)
    chunk = text[cut:] or text
    target = rng.choice((200_000, 1_000_000, 1_700_000))
    return text[:cut] + chunk * max(1, target // max(len(chunk), 1))


def deep(rng: random.Random, text: str, _: str) -> str:
    depth = rng.choice((150, 250, 5000, 100_000))
    p = _pos(rng, text)
    return text[:p] + "[" * depth + "]" * rng.choice((0, depth)) + text[p:]


TextMutator = Callable[[random.Random, str, str], str]
TEXT_MUTATORS: tuple[tuple[str, TextMutator, int], ...] = (
    ("insert_token", insert_token, 20),
    ("replace_value", replace_value, 30),
    ("delete_span", delete_span, 10),
    ("duplicate_span", duplicate_span, 8),
    ("truncate", truncate, 4),
    ("splice", splice, 6),
    ("grow", grow, 1),
    ("deep", deep, 1),
)


# ---- structural ------------------------------------------------------------------------------
def _containers(doc: Any) -> list[Any]:
    """Every dict and list in `doc` (each once: aliases share nodes)."""
    out: list[Any] = []
    seen: set[int] = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, (dict, list)):
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(node.values() if isinstance(node, dict) else node)
    return out


def _poke(rng: random.Random, doc: Any) -> Any:
    nodes = _containers(doc)
    if not nodes:
        return rng.choice(HOSTILE_VALUES)
    node = rng.choice(nodes)
    value = rng.choice(HOSTILE_VALUES)
    if isinstance(node, list):
        if node and rng.random() < 0.8:
            node[rng.randrange(len(node))] = value
        else:
            node.append(value)
    elif node and rng.random() < 0.25:
        key = rng.choice(list(node))
        node[rng.choice(HOSTILE_KEYS)] = node.pop(key)
    elif node and rng.random() < 0.9:
        node[rng.choice(list(node))] = value
    else:
        node[rng.choice(HOSTILE_KEYS)] = value
    return doc


def _dump(doc: Any, syntax: str) -> str:
    if syntax == "json":
        return json.dumps(doc)  # ASCII: a lone surrogate travels as "\ud800"
    try:
        return yaml.safe_dump(doc, sort_keys=False)
    except (yaml.YAMLError, UnicodeEncodeError, ValueError):
        return json.dumps(doc)


def structural(rng: random.Random, text: str, syntax: str) -> str | None:
    """None when the text does not parse (the text mutators still apply). The pure-Python loader
    on purpose: libyaml's crashes on deep nesting, which an earlier step may have made."""
    if len(text) > 100_000:
        return None
    try:
        if syntax == "json":
            doc = json.loads(text)
        elif syntax == "yaml":
            docs = list(yaml.safe_load_all(text))
            doc = docs if len(docs) > 1 else (docs[0] if docs else {})
        else:
            return None
    except Exception:  # noqa: BLE001 - any failure: this text is not for structural edits
        return None
    if syntax == "json" and isinstance(doc, dict) and isinstance(doc.get("data"), str) and rng.random() < 0.7:
        # A checksummed checkpoint: mutate inside `data` and fix the checksum, so the reader
        # gets past the checksum and meets the value.
        try:
            inner = json.loads(doc["data"])
        except ValueError:
            inner = None
        if inner is not None:
            doc["data"] = json.dumps(_poke(rng, inner), separators=(",", ":"))
            doc["dataChecksum"] = data_checksum(doc["data"]) if _encodable(doc["data"]) else 0
            return _dump(doc, syntax)
    doc = _poke(rng, doc)
    if syntax == "yaml" and isinstance(doc, list) and len(doc) > 1 and rng.random() < 0.5:
        return "---\n".join(_dump(d, syntax) for d in doc)
    return _dump(doc, syntax)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def mutate(rng: random.Random, seed: Seed, kind: InputKind, others: tuple[Seed, ...]) -> Mutant:
    text = seed.text
    steps: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        if rng.random() < 0.4:
            out = structural(rng, text, kind.syntax)
            if out is not None:
                text = out
                steps.append("structural")
                continue
        names, funcs, weights = zip(*TEXT_MUTATORS, strict=True)
        i = rng.choices(range(len(funcs)), weights=weights)[0]
        if names[i] in ("grow", "deep") and steps:
            continue  # at most one expensive step, and only first
        text = funcs[i](rng, text, rng.choice(others).text if others else text)
        steps.append(names[i])
    if kind.syntax == "binary":
        raw = text.encode("latin-1", "backslashreplace")
        # Mostly a well-formed gzip around the damaged tar (the tar reader meets the damage);
        # now and then the bytes as they are (the gzip layer does).
        data = gzip.compress(raw, mtime=0) if rng.random() < 0.9 else raw
        return Mutant(data, "+".join(steps) or "none")
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.05 and data:
        # Raw bytes: invalid UTF-8 here and there.
        raw = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        data = bytes(raw)
        steps.append("bytes")
    return Mutant(data, "+".join(steps) or "none")
