"""Blame: who is held responsible for a revolution or unrest, and how blame fades.

An event may name the powers to blame; otherwise the blame rule falls on the powers that press for
democracy, in proportion to their conditionality times their attention to the region.
"""

from __future__ import annotations

import numpy as np

from sim.rules.arrays import sum_last


def blame_shares(named: np.ndarray, conditionality: np.ndarray, attention: np.ndarray) -> np.ndarray:
    """Shares (summing to 1, or all 0) of the blame each power receives.

    named: 0/1 per power, the powers an event names; when it names none, use conditionality x attention.
    """
    rule = conditionality * attention
    weights = np.where(sum_last(named)[..., None] > 0, named, rule)
    total = sum_last(weights)[..., None]
    return np.where(total > 0, weights / np.where(total > 0, total, 1.0), 0.0)
