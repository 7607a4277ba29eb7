"""Conditions on outcomes, for scenario discovery: ``k2_open_2006 == 1 and uzb_usa_2005 > 0.5``.

A condition is a list of clauses ``OUTCOME OP NUMBER`` joined by ``and``; OP is one of < <= > >= == !=.
It is parsed with a fixed grammar and applied to outcome columns with numpy; it is never evaluated as code.
A run whose outcome has no value (say, a decision that never happened) does not meet a clause on it.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np

OPS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt,
       ">": operator.gt}
CLAUSE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Clause:
    outcome: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.value:g}"


def parse_condition(text: str, outcomes) -> list[Clause]:
    """Parse ``text`` into clauses; raise ValueError naming the faulty clause or unknown outcome."""
    parts = re.split(r"\s+and\s+", text.strip())
    clauses = []
    for part in parts:
        m = CLAUSE.match(part)
        if not m:
            raise ValueError(f"cannot read {part.strip()!r}: expected OUTCOME OP NUMBER (OP one of "
                             "< <= > >= == !=), clauses joined by 'and'")
        name, op, value = m.group(1), m.group(2), float(m.group(3))
        if name not in outcomes:
            raise ValueError(f"unknown outcome {name!r}; expected one of {', '.join(sorted(outcomes))}")
        clauses.append(Clause(name, op, value))
    return clauses


def holds(clauses: list[Clause], table) -> np.ndarray:
    """Boolean array, one entry per row of ``table`` (a mapping of outcome name -> array)."""
    out = None
    for c in clauses:
        x = np.asarray(table[c.outcome], dtype=float)
        ok = np.isfinite(x) & OPS[c.op](np.nan_to_num(x), c.value)
        out = ok if out is None else out & ok
    return out
