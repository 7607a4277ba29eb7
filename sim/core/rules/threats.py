"""Threats: the security threat (Taliban, IMU, terrorism, drugs) and the regime threat (revolutions, unrest).

Both are stocks that shocks raise and time wears down. A state's perceived security threat adds its
local stock (raids and bombings on its soil) to its exposure to the Afghan threat.
"""

from __future__ import annotations

import numpy as np


def afghan_threat_next(threat, insurgency, operations_total, relax, suppression):
    """The Afghan threat moves a share ``relax`` of the way toward its level each month.

    level = max(0, insurgent strength - suppression x sum of military operations against it):
    a war against the Taliban lowers the threat, a resurgence raises it.
    """
    level = np.maximum(0.0, insurgency - suppression * operations_total)
    return threat + relax * (level - threat)


def security_threat(local, exposure, afghan):
    """Perceived security threat = local stock + exposure to Afghanistan x Afghan threat."""
    return local + exposure * afghan


def decay(stock, persistence):
    """A stock that keeps a share ``persistence`` of itself each month."""
    return stock * persistence


def contagion_weight(openness_state, openness_place, contagion):
    """How much a revolution at a place frightens a regime: contagion x similarity of the two regimes.

    similarity = 1 - |openness of the state - openness of the place|: the more a state resembles the
    country whose government fell, the more its rulers fear the same fate.
    """
    return contagion * (1.0 - np.abs(openness_state - openness_place))


def democracy_pressure(conditionality, attention, openness, pressure_rate):
    """Monthly regime fear from powers promoting democracy: rate x sum over powers of (conditions x attention),
    felt more by closed regimes (x (1 - openness))."""
    from sim.core.rules.arrays import sum_last

    return pressure_rate * sum_last(conditionality * attention) * (1.0 - openness)
