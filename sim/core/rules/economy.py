"""Goodwill from a power's help (aid, arms, training, credit): it fades each month and the power's effort
refills it, split over the states by the power's aid shares (sim.core.rules.policy). The economic ties are the
trade submodel's (sim.core.rules.trade)."""

from __future__ import annotations

import numpy as np


def offers_next(offers, persistence, effort_rate, effort, capacity, attention, reach, membership=1.0):
    """Goodwill from offers fades, and each power's effort adds
    effort_rate x effort x capacity x attention x reach x membership (``membership_share``)."""
    return offers * persistence + effort_rate * effort * capacity * attention * reach * membership


def membership_share(member, org_weights, benefit):
    """How much more of a power's help goes to a state that belongs to organisations the power sponsors
    (subsidised arms and training in the CSTO, credit and customs terms in EurAsEC, the sponsors' funds in
    the SCO): 1 + benefit x sum over the state's organisations of the power's patron weight (a negative
    weight, an organisation set against the power, counts as 0).

    member (..., O) bool; org_weights (O, P). Returns (..., P).
    """
    total = 0.0 * member[..., :1] * org_weights[0]
    for o in range(org_weights.shape[0]):
        total = total + member[..., o:o + 1] * np.maximum(org_weights[o], 0.0)
    return 1.0 + benefit * total
