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


def describe_validation_error(err, tags: dict, tag_field: str, noun: str) -> tuple[tuple, str]:
    """The first problem pydantic found, as (path of the field, message a user can act on).

    ``tags`` are the values of the discriminator ``tag_field`` (event types, outcome kinds) and ``noun``
    names what they tag ("event", "outcome"): a discriminated union puts the tag into the error's location,
    which is dropped here so the path matches the file.
    """
    e = err.errors()[0]
    loc = list(e["loc"])
    path = tuple(x for x in loc if not (isinstance(x, str) and x in tags and len(loc) > 2))
    msg, kind = e["msg"], e["type"]
    if kind == "union_tag_invalid":
        msg = f"unknown {noun} {tag_field}; expected one of: {', '.join(sorted(tags))}"
        path = path + (tag_field,) if path[-1:] != (tag_field,) else path
    elif kind == "union_tag_not_found":
        msg = f"every {noun} needs a '{tag_field}', one of: {', '.join(sorted(tags))}"
    elif kind == "missing":
        msg = "this field is required but missing"
    elif kind == "extra_forbidden":
        msg = f"unknown field {path[-1]!r}"
    elif kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    else:
        got = e.get("input")
        if not isinstance(got, (dict, list)):
            msg = f"{msg}, got {got!r}"
    return path, msg
