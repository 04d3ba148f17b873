"""The one error type every layer raises for bad input.

The CLI turns an `InputError` into a single line on stderr and exit code 2, so each message
names the file, the field and what to do about it, and never needs a traceback to be understood.
"""

from __future__ import annotations

from workbench.sanitize import sanitize

# What one message part may take of the line (the value echoed in a problem can be long).
_PROBLEM_LIMIT = 600


class InputError(Exception):
    """Bad input or environment: a file, a field in it, what is wrong, and the fix."""

    def __init__(self, problem: str, *, source: str = "", field: str = "", fix: str = "") -> None:
        self.problem = problem
        self.source = source
        self.field = field
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        """The one line printed for this error: every part sanitised (a newline, a control or
        bidi character or a surrogate from the input is shown escaped) and length-capped."""
        where = ": ".join(sanitize(p) for p in (self.source, self.field) if p)
        problem = sanitize(self.problem, _PROBLEM_LIMIT)
        text = f"{where}: {problem}" if where else problem
        return f"{text} ({sanitize(self.fix)})" if self.fix else text

    def at(self, source: str) -> InputError:
        """The same error, attributed to `source` if it had no file yet."""
        if self.source:
            return self
        return InputError(self.problem, source=source, field=self.field, fix=self.fix)
