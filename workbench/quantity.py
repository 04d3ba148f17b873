"""Kubernetes resource quantities (placeholder API; the kube issue owns the full implementation).

Lives below every layer because both topology specs (`memory: 64Gi`) and pods use it.
"""

from __future__ import annotations

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


def parse_bytes(text: str | int) -> int:
    """Whole bytes of a memory quantity such as `64Gi`, `16G` or `1073741824`."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"negative size {text}")
        return text
    s = str(text).strip()
    for table in (_BINARY, _DECIMAL):
        for suffix, mult in table.items():
            if s.endswith(suffix):
                num = s[: -len(suffix)]
                if num.isdigit():
                    return int(num) * mult
    if s.isdigit():
        return int(s)
    raise ValueError(f"not a size: {text!r}")
