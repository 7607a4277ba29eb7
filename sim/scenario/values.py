"""One check of a model parameter's value, wherever it comes from (a scenario's ``parameters:``, a sweep's
``constants:`` or value lists, ``--set NAME=VALUE``): a finite number inside the parameter's registered
range (sim/core/parameters.py, listed in docs/odd.md), and a whole number for a whole-number parameter."""

from __future__ import annotations

import math

from sim.core.parameters import BY_NAME


def check_value(name: str, value) -> str | None:
    """None when ``value`` is allowed for parameter ``name``, else what is wrong, in words."""
    p = BY_NAME[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"expected a number, got {value!r}"
    v = float(value)
    if not math.isfinite(v):
        return f"expected a finite number from {p.low:g} to {p.high:g} ({p.unit}), got {value}"
    if not p.low <= v <= p.high:
        return f"expected a value from {p.low:g} to {p.high:g} ({p.unit}), got {value:g}"
    if p.integer and v != int(v):
        return f"expected a whole number of {p.unit}, got {value:g}"
    return None
