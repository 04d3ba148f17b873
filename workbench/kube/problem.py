"""One finding of validation: where (file and field path), what, and how bad."""

from __future__ import annotations

from workbench.record import Record, setfield
from workbench.sanitize import sanitize

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Literal, TypeAlias

Severity: TypeAlias = "Literal['error', 'warning']"


class Problem(Record):
    field: str
    message: str
    severity: Severity
    source: str

    __slots__ = _fields = ("field", "message", "severity", "source")

    def __init__(self, field: str, message: str, severity: Severity = "error", source: str = "") -> None:
        setfield(self, "field", field)
        setfield(self, "message", message)
        setfield(self, "severity", severity)
        setfield(self, "source", source)

    def line(self) -> str:
        """One printable line: names and values from the input are shown escaped (a newline in
        a field name cannot split it) and length-capped."""
        where = ": ".join(sanitize(p) for p in (self.source, self.field) if p)
        tag = "warning: " if self.severity == "warning" else ""
        message = sanitize(self.message, 600)
        return f"{where}: {tag}{message}" if where else f"{tag}{message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "source": sanitize(self.source),
            "field": sanitize(self.field),
            "severity": self.severity,
            "message": sanitize(self.message, 600),
        }
