"""The one boundary for untrusted input: every file or stream the tool reads comes through here.

- Size: at most `MAX_INPUT_BYTES` (1.5 MiB, the largest object the API server stores: etcd's
  default request limit) is read; a larger input is refused with a clear error, not parsed.
- Text: strict UTF-8 (a BOM is dropped); anything else is refused.
- YAML: `yaml.CSafeLoader` when libyaml is present (PyYAML's wheels ship it), else
  `yaml.SafeLoader`, so tags such as `!!python/object` are refused instead of constructing
  objects. libyaml's composer recurses in C, so nesting is bounded before it runs
  (`"[" * 100000` crashes the interpreter otherwise).
- JSON (checkpoint files) and TOML (themes, keymaps) through the standard library.
- Any failure of a parser (PyYAML's constructors raise AttributeError, ValueError,
  OverflowError... on malformed tagged scalars) becomes an `InputError` naming the source.
- Strings: lone surrogates (JSON `"\\ud800"`) become U+FFFD, as Go's decoders do, so nothing
  downstream meets a string that cannot be encoded.

Every label and value put in a message is sanitised when the message is printed
(`workbench.sanitize`, used by `InputError.line`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import cache

from workbench.errors import InputError
from workbench.sanitize import sanitize

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)

if TYPE_CHECKING:
    # PyYAML loads on first use: the demo node, sysfs trees and `--help` never parse YAML.
    from importlib.resources.abc import Traversable
    from pathlib import Path
    from typing import Any, TypeAlias

    import yaml

MAX_INPUT_BYTES = 3 * 512 * 1024
# No manifest, config or spec nests deeper; libyaml's composer must never see more.
MAX_DEPTH = 200
_MIB = 1024 * 1024
STDIN = "-"

@cache
def loader() -> type[yaml.SafeLoader]:
    """The YAML loader every reader uses (libyaml's when present)."""
    import yaml

    found: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return found


def _size_text(limit: int) -> str:
    return f"{limit / _MIB:g} MiB" if limit >= _MIB else f"{limit} bytes"


Source: TypeAlias = "Path | str | Traversable"


def read_bytes(path: Source, *, limit: int = MAX_INPUT_BYTES, what: str = "file") -> tuple[bytes, str]:
    """The bytes of `path` (`-`: stdin; a package resource too) and its label for messages;
    InputError if it cannot be read or holds more than `limit` bytes."""
    label = sanitize(str(path))
    try:
        if str(path) == STDIN:
            label = "<stdin>"
            raw = sys.stdin.buffer.read(limit + 1)
        elif isinstance(path, (str, os.PathLike)):
            with open(path, "rb") as fh:
                raw = fh.read(limit + 1)
        else:
            with path.open("rb") as fh:
                raw = fh.read(limit + 1)
    except FileNotFoundError:
        if isinstance(path, (str, os.PathLike)) and os.path.islink(path):
            raise InputError("cannot read: a link to a missing file", source=label) from None
        raise InputError("no such file", source=label, fix="check the path") from None
    except IsADirectoryError:
        raise InputError(f"is a directory, expected a {what}", source=label) from None
    except (OSError, ValueError) as exc:  # ValueError: a path holding NUL
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read: {reason}", source=label) from None
    if len(raw) > limit:
        raise InputError(
            f"larger than {_size_text(limit)}",
            source=label,
            fix=f"the API server refuses objects over {_size_text(MAX_INPUT_BYTES)}; give one object, "
            "not an archive",
        )
    return raw, label


def decode(raw: bytes, source: str) -> str:
    """Strict UTF-8 text (a leading BOM dropped)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", source=source, fix="save the file as UTF-8"
        ) from None


def read_text(path: Source, *, limit: int = MAX_INPUT_BYTES, what: str = "file") -> tuple[str, str]:
    """The text of `path` (`-` reads stdin) and the label to use in messages."""
    raw, label = read_bytes(path, limit=limit, what=what)
    return decode(raw, label), label


# ---- strings ---------------------------------------------------------------------------------
def _fix_string(text: str) -> str:
    if _encodable(text):
        return text
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scrub(doc: Any) -> Any:
    """`doc` with every string (keys too) that holds a lone surrogate repaired to U+FFFD.

    Iterative and memoised on identity, so shared (aliased) or self-referencing structures cost
    one visit per node."""
    if isinstance(doc, str):
        return _fix_string(doc)
    seen: set[int] = set()
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(value, str):
                    node[key] = _fix_string(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
                if isinstance(key, str) and not _encodable(key):
                    node[_fix_string(key)] = node.pop(key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = _fix_string(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return doc


def _may_hold_surrogates(text: str) -> bool:
    # Strict UTF-8 text holds none; only an escape (`\ud800`) can make one.
    return "\\u" in text or "\\U" in text or not _encodable(text)


# ---- YAML ------------------------------------------------------------------------------------
def _depth_bound(text: str) -> int:
    """An upper bound on the nesting depth of a YAML text, from two cheap counts: a block level
    needs a deeper column than its parent (twice, counting a sequence at its key's column), a
    flow level needs an opening bracket."""
    longest = max(map(len, text.split("\n")), default=0)
    return 2 * (longest + 1) + text.count("[") + text.count("{")


def _check_depth(text: str, source: str) -> None:
    if _depth_bound(text) <= MAX_DEPTH:
        return
    import yaml

    depth = 0
    try:
        # The event parser keeps its stack on the heap: safe at any depth, about 3x faster
        # than a full load.
        for event in yaml.parse(text, Loader=loader()):
            kind = type(event)
            if kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(
                        f"nested more than {MAX_DEPTH} levels deep",
                        source=source,
                        field=_mark(getattr(event, "start_mark", None)),
                        fix="no manifest nests this deep; check the file",
                    )
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                depth -= 1
    except yaml.YAMLError as exc:
        raise yaml_error(exc, source) from None


def _mark(mark: Any) -> str:
    line = getattr(mark, "line", None)
    column = getattr(mark, "column", None)
    if isinstance(line, int) and isinstance(column, int):
        return f"line {line + 1}, column {column + 1}"
    return ""


def yaml_error(exc: yaml.YAMLError, source: str) -> InputError:
    """One line for a PyYAML error: where, what, and for a refused tag, what is accepted."""
    import yaml

    where = _mark(getattr(exc, "problem_mark", None))
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["?"])[0]
    if isinstance(exc, yaml.constructor.ConstructorError):
        return InputError(
            f"unsupported YAML tag or construct: {problem}",
            source=source,
            field=where,
            fix="only plain YAML/JSON is accepted",
        )
    return InputError(f"not valid YAML: {problem}", source=source, field=where)


def _constructor_failure(exc: Exception, source: str) -> InputError:
    # Raised from inside a constructor (e.g. `!!timestamp` on a malformed date, `!!int x`,
    # an integer of more than 4300 digits): the message is Python's, not a position.
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(
        f"not valid YAML: a value cannot be read ({detail})",
        source=source,
        fix='quote values that are text (e.g. "v1"), and drop explicit !!tags',
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON (YAML reads them as text)


def _json_documents(text: str) -> list[Any] | None:
    """A JSON text (`kubectl get -o json`, a checkpoint) read as JSON: what the API server does
    with it, and a hundred times faster than PyYAML's constructor. None: not JSON, read as YAML."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    import json

    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    return [] if doc is None else [doc]


def load_yaml_documents(text: str, source: str) -> list[Any]:
    """All documents of a YAML stream, empty ones dropped; InputError for any failure."""
    as_json = _json_documents(text)
    if as_json is not None:
        return [scrub(d) for d in as_json] if _may_hold_surrogates(text) else as_json
    import yaml

    _check_depth(text, source)
    try:
        docs = [d for d in yaml.load_all(text, Loader=loader()) if d is not None]
    except yaml.YAMLError as exc:
        raise yaml_error(exc, source) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", source=source) from None
    except MemoryError:
        raise InputError("too large to load", source=source) from None
    except Exception as exc:  # any constructor failure is bad input
        raise _constructor_failure(exc, source) from None
    return [scrub(d) for d in docs] if _may_hold_surrogates(text) else docs


def load_yaml_document(text: str, source: str) -> Any:
    """The one document of a YAML text (None when empty); InputError for several."""
    docs = load_yaml_documents(text, source)
    if len(docs) > 1:
        raise InputError(
            f"expected one document, found {len(docs)}", source=source, fix="give one object per file"
        )
    return docs[0] if docs else None


# ---- JSON and TOML ---------------------------------------------------------------------------
def load_json(text: str, source: str) -> Any:
    """A JSON document; InputError (naming line and column) for anything else."""
    import json

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", source=source, field=f"line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", source=source) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise InputError(f"not valid JSON: {exc}", source=source) from None
    return scrub(doc) if _may_hold_surrogates(text) else doc


def load_toml(text: str, source: str) -> dict[str, Any]:
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=source) from None
    except (RecursionError, ValueError) as exc:
        raise InputError(f"not valid TOML: {type(exc).__name__}", source=source) from None
    result: dict[str, Any] = scrub(doc) if _may_hold_surrogates(text) else doc
    return result


def read_document(path: Source, *, limit: int = MAX_INPUT_BYTES) -> tuple[Any, str]:
    """One YAML, JSON or TOML document (chosen by the file's suffix; YAML reads JSON too)."""
    text, label = read_text(path, limit=limit)
    toml = str(getattr(path, "name", path)).endswith(".toml")
    parse: Callable[[str, str], Any] = load_toml if toml else load_yaml_document
    return parse(text, label), label


def read_yaml_documents(path: Path | str) -> tuple[list[Any], str]:
    text, label = read_text(path)
    return load_yaml_documents(text, label), label
