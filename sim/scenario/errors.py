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


def describe_validation_error(err, tags: dict, tag_field: str, noun: str, model=None) -> tuple[tuple, str]:
    """The first problem pydantic found, as (path of the field, message a user can act on).

    ``tags`` are the values of the discriminator ``tag_field`` (event types, outcome kinds) and ``noun``
    names what they tag ("event", "outcome"): a discriminated union puts the tag into the error's location,
    which is dropped here so the path matches the file. An unknown field is reported before anything else
    (a misspelt ``sorce`` is the cause of the missing ``source``), with the closest known name of ``model``'s
    schema at that place.
    """
    errors = err.errors()
    extra = [x for x in errors if x["type"] == "extra_forbidden"]
    e = extra[0] if extra else errors[0]
    loc = list(e["loc"])
    tag = next((k for k, x in enumerate(loc) if k >= 2 and isinstance(x, str) and x in tags), None)
    path = tuple(loc[:tag] + loc[tag + 1:]) if tag is not None else tuple(loc)  # only the first: a field may share its name
    msg, kind = e["msg"], e["type"]
    if kind == "union_tag_invalid":
        msg = f"unknown {noun} {tag_field}; expected one of: {', '.join(sorted(tags))}"
        path = path + (tag_field,) if path[-1:] != (tag_field,) else path
    elif kind == "union_tag_not_found":
        msg = f"every {noun} needs a '{tag_field}', one of: {', '.join(sorted(tags))}"
    elif kind == "missing":
        msg = "this field is required but missing"
    elif kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1], tags) if model is not None else []
        if not known:  # the fields reported missing next to it
            known = [x["loc"][-1] for x in errors if x["type"] == "missing" and list(x["loc"][:-1]) == loc[:-1]]
        msg = f"unknown field {path[-1]!r}{suggest(path[-1], known)}"
        if known:
            msg += f" (the fields here are {', '.join(sorted(map(str, known)))})"
    elif kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    else:
        got = e.get("input")
        if isinstance(got, bool):  # YAML reads yes, no, on, off, true and false as booleans
            msg = f"{msg}, got {'true' if got else 'false'} (YAML reads yes, no, on, off, true and false as a boolean)"
        elif isinstance(got, str) and _is_number(got):
            msg = f"{msg}, got the text {got!r} (write the number without quotes)"
        elif not isinstance(got, (dict, list)):
            msg = f"{msg}, got {got!r}"
    return path, msg


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def suggest(word, choices) -> str:
    """'; did you mean 'source'?' when a misspelt name is close to one of ``choices``."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _fields_at(model, loc, tags: dict) -> list[str]:
    """The field names of the schema at ``loc`` (a pydantic error location), or [] when it cannot tell."""
    import types
    import typing

    from pydantic import BaseModel

    def unwrap(t):
        while typing.get_origin(t) is typing.Annotated:
            t = typing.get_args(t)[0]
        origin = typing.get_origin(t)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(t) if a is not type(None)]
            if len(options) == 1:
                return unwrap(options[0])
        return t

    t = unwrap(model)
    for part in loc:
        origin, args = typing.get_origin(t), typing.get_args(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            f = t.model_fields.get(part) if isinstance(part, str) else None
            t = f.annotation if f is not None else None
        elif origin in (list, tuple, set) and args:
            t = args[0]
        elif origin is dict and len(args) == 2:
            t = args[1]
        elif origin in (typing.Union, types.UnionType) and part in tags:
            t = tags[part]
        else:
            return []
        t = unwrap(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return list(t.model_fields)
    return []
