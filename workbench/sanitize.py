"""Making a string that came from input safe to print on one line or to put in a message.

Input is hostile: a name may hold a newline (which would split the "one line on stderr"
contract), ANSI or C1 controls (`\\x1b`, `\\x85`, `\\x9b`: a terminal acts on them), bidi
overrides (U+202E shows text reversed), lone surrogates (from `surrogateescape` text or JSON
`"\\ud800"`: printing them raises `UnicodeEncodeError`), or be a megabyte long. Everything
`str.isprintable()` refuses is written as a Python-style escape, so the text stays readable
and unambiguous, and the result is capped in length.

Lives below every layer (like `errors`), so every reader and printer uses the same rule.
"""

from __future__ import annotations

# Long enough for a field path or a file name, short enough that one value cannot flood a line.
VALUE_LIMIT = 200
ELLIPSIS = "..."
_SIMPLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _SIMPLE:
        return _SIMPLE[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _cap(text: str, limit: int) -> str:
    if limit <= 0 or len(text) <= limit:
        return text
    return text[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS


def sanitize(value: object, limit: int = VALUE_LIMIT) -> str:
    """`value` as printable one-line text: control, format (bidi), separator and surrogate
    characters escaped, at most `limit` characters (0: no cap)."""
    text = value if isinstance(value, str) else str(value)
    if limit > 0 and len(text) > 4 * limit:
        # Escaping can only lengthen the text: cut first so a huge value costs nothing.
        text = text[: 4 * limit]
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
    return _cap(text, limit)


def sanitize_lines(text: str, limit: int = 0) -> str:
    """Multi-line output (a report): each line sanitised, the newlines between them kept."""
    if text.isprintable():
        return _cap(text, limit)
    lines = text.split("\n")
    return "\n".join(sanitize(line, limit) for line in lines)


def is_clean(text: str) -> bool:
    """Whether `text` prints as itself (nothing to escape)."""
    return text.isprintable()
