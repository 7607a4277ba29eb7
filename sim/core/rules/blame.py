"""Blame: whom a regime holds responsible for a revolution or unrest, and who earns credit for backing it.

No event names a culprit: a regime shaken by an upheaval (at home, or next door through contagion)
blames the powers in proportion to what it can see of them working against it, and the more it fears for
itself the more it blames:

  blame[s, p] += shock[s] x fear[s] x visibility[s, p]
  visibility[s, p] = conditionality[p] x (attention[p] + bases of p in s)

(democracy promotion and conditions, carried by the power's engagement with the region and its people
on the ground: NGOs, its military and their contacts). A power that backs the regime without conditions
in the crisis earns goodwill instead:

  credit[s, p] = crisis_credit x shock[s] x fear[s] x support[s, p]

with support the power's backing of regimes (sim.core.rules.alignment.regime_support). Where a revolution
has overthrown the government there is no surviving regime to do the blaming (the new rulers still fear
for their hold). A what-if may force the blame onto named powers instead (``named_shares``).
"""

from __future__ import annotations

import numpy as np

from sim.core.rules.arrays import sum_last


def visibility(conditionality, attention, bases):
    """What a regime sees of a power working against it: conditionality x (attention + its bases there)."""
    return conditionality * (attention + bases)


def inferred_blame(shock, fear, vis):
    """Blame added by an upheaval: shock (..., S) x fear (..., S) x visibility (..., S, P)."""
    return (shock * fear)[..., None] * vis


def crisis_credit(shock, fear, support, weight):
    """Goodwill earned by backing a shaken regime: weight x shock x fear x support (..., S, P)."""
    return weight * (shock * fear)[..., None] * support


def named_shares(named: np.ndarray) -> np.ndarray:
    """Shares (summing to 1, or all 0) of blame a what-if forces onto the powers it names (0/1 per power)."""
    total = sum_last(named)[..., None]
    return np.where(total > 0, named / np.where(total > 0, total, 1.0), 0.0)
