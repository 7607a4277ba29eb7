"""Conditions on outcomes, for scenario discovery: ``k2_open_2006 == 1 and kaz_chn_2020 > kaz_rus_2020``.

A condition is a list of clauses ``OUTCOME OP NUMBER`` or ``OUTCOME OP OUTCOME`` joined by ``and``; OP is
one of < <= > >= == !=.
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
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
CLAUSE = re.compile(rf"^\s*([a-z][a-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*({NUMBER}|[a-z][a-z0-9_]*)\s*$")


@dataclass(frozen=True)
class Clause:
    outcome: str
    op: str
    value: float | str  # a number, or the name of another outcome

    def __str__(self) -> str:
        v = self.value if isinstance(self.value, str) else f"{self.value:g}"
        return f"{self.outcome} {self.op} {v}"


def parse_condition(text: str, outcomes) -> list[Clause]:
    """Parse ``text`` into clauses; raise ValueError naming the faulty clause or unknown outcome."""
    parts = re.split(r"\s+and\s+", text.strip())
    clauses = []
    for part in parts:
        m = CLAUSE.match(part)
        if not m:
            raise ValueError(f"cannot read {part.strip()!r}: expected OUTCOME OP NUMBER or OUTCOME OP OUTCOME (OP "
                             "one of < <= > >= == !=), clauses joined by 'and'")
        name, op, right = m.group(1), m.group(2), m.group(3)
        value = right if right[:1].isalpha() else float(right)
        for n in (name, value) if isinstance(value, str) else (name,):
            if n not in outcomes:
                raise ValueError(f"unknown outcome {n!r}; expected one of {', '.join(sorted(outcomes))}")
        clauses.append(Clause(name, op, value))
    return clauses


def holds(clauses: list[Clause], table) -> np.ndarray:
    """Boolean array, one entry per row of ``table`` (a mapping of outcome name -> array)."""
    out = None
    for c in clauses:
        x = np.asarray(table[c.outcome], dtype=float)
        v = np.asarray(table[c.value], dtype=float) if isinstance(c.value, str) else np.asarray(c.value)
        ok = np.isfinite(x) & np.isfinite(v) & OPS[c.op](np.nan_to_num(x), np.nan_to_num(v))
        out = ok if out is None else out & ok
    return out
