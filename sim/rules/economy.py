"""Energy and trade ties: they drift toward a target set by each power's economic weight and the deals signed.

target = min(1, initial tie x (power's capacity now / at the start) ^ trade_elasticity + value of deals signed)
tie(t+1) = tie + rate x (target - tie)
"""

from __future__ import annotations

import numpy as np


def economy_target(trade0, capacity_ratio, elasticity, deal_gain):
    return np.minimum(1.0, trade0 * np.exp(elasticity * np.log(capacity_ratio)) + deal_gain)


def economy_next(tie, target, rate):
    return tie + rate * (target - tie)


def offers_next(offers, persistence, effort_rate, effort, capacity, attention, reach):
    """Goodwill from offers fades, and each power's effort adds effort_rate x effort x capacity x attention x reach."""
    return offers * persistence + effort_rate * effort * capacity * attention * reach
