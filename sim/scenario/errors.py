"""The one error a bad scenario or sweep file raises: it names the file, the line or field, and what was expected."""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario (or sweep) file is malformed. ``str(err)`` is the message shown to the user."""

    def __init__(self, file: str, message: str, line: int | None = None, field: str | None = None):
        self.file = str(file)
        self.line = line
        self.field = field
        self.message = message
        where = self.file
        if line is not None:
            where += f", line {line}"
        if field:
            where += f" ({field})"
        super().__init__(f"{where}: {message}")
