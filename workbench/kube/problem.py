"""One finding of validation: where (file and field path), what, and how bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    severity: Severity = "error"
    source: str = ""

    def line(self) -> str:
        where = ": ".join(p for p in (self.source, self.field) if p)
        tag = "warning: " if self.severity == "warning" else ""
        return f"{where}: {tag}{self.message}" if where else f"{tag}{self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
        }
