"""The one error type every layer raises for bad input.

The CLI turns an `InputError` into a single line on stderr and exit code 2, so each message
names the file, the field and what to do about it, and never needs a traceback to be understood.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input or environment: a file, a field in it, what is wrong, and the fix."""

    def __init__(self, problem: str, *, source: str = "", field: str = "", fix: str = "") -> None:
        self.problem = problem
        self.source = source
        self.field = field
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        where = ": ".join(p for p in (self.source, self.field) if p)
        text = f"{where}: {self.problem}" if where else self.problem
        return f"{text} ({self.fix})" if self.fix else text

    def at(self, source: str) -> InputError:
        """The same error, attributed to `source` if it had no file yet."""
        if self.source:
            return self
        return InputError(self.problem, source=source, field=self.field, fix=self.fix)
