"""Text that came from input (a manifest, a pasted field, an error quoting either) as a screen
may draw it: one line, no character a terminal would act on or could not encode, and short.

A lone surrogate (a name decoded with `surrogateescape`, JSON "\\ud800") makes the terminal
driver's UTF-8 encode fail mid-frame; control characters move the cursor or end the line; bidi
overrides reorder what follows; 2 MB of text costs every frame. Escaped the way Python writes
them (`\\n`, `\\x85`, `\\u202e`, `\\ud800`), so the operator sees what the file holds.
"""

from __future__ import annotations

import unicodedata

LIMIT = 200
# Cc controls, Cf format characters (bidi overrides, zero-width), Cs surrogates, Zl/Zp breaks.
_ESCAPED = {"Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"}


def _escape(ch: str) -> str:
    if unicodedata.category(ch) not in _ESCAPED:
        return ch
    return ch.encode("unicode_escape", "backslashreplace").decode("ascii")


def shown(text: str, limit: int = LIMIT) -> str:
    """`text` escaped and cut to about `limit` characters (an ellipsis and the full length
    when cut)."""
    out: list[str] = []
    size = 0
    for ch in text[: limit + 1]:
        piece = _escape(ch)
        out.append(piece)
        size += len(piece)
        if size > limit:
            break
    if size > limit or len(text) > limit + 1:
        kept = "".join(out)[:limit]
        return f"{kept}… ({len(text)} characters)"
    return "".join(out)


def shown_lines(text: str, limit: int = LIMIT) -> str:
    """Like `shown`, line by line, for a multi-line message whose line breaks are its own."""
    return "\n".join(shown(line, limit) for line in text.split("\n"))
