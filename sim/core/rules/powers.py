"""Powers: capacity, attention to the region, and the stance rule (integrate / cooperate / counterbalance).

The stance rule follows the three phases of Russian policy in seed 000: a power whose rivals keep no
military presence in the region integrates it on its own; once rivals are present it cooperates with them
while the threat they are fighting weighs more than its sense of encroachment, and counterbalances them
when the encroachment (rival bases, revolutions it blames on them) weighs more. A power whose means
grow tolerates less (``tolerance``).
"""

from __future__ import annotations

import numpy as np

INTEGRATE, COOPERATE, COUNTERBALANCE = 0, 1, 2
ATTENTION_BONUS = np.array([0.1, 0.0, 0.2])  # by stance: integrating and counterbalancing take more effort
EFFORT = np.array([1.0, 0.6, 1.4])  # offers made per unit of capacity x attention, by stance


def capacity(base, log_ratio_sum):
    """capacity = base x exp(sum over driving series of elasticity x log(series / reference))."""
    return base * np.exp(log_ratio_sum)


def attention_target(base_attention, felt_threat, gain, stance, distraction, operations=0.0, war_attention=0.0):
    """Attention a power aims to pay: its base, plus gain x the threat it feels from the region, plus
    war_attention x its own military operations next to the region (a war in Afghanistan keeps its access,
    supply routes and partners in Central Asia in view), plus a stance bonus, minus what a war elsewhere
    absorbs; never below zero."""
    return np.maximum(0.0, base_attention + gain * felt_threat + war_attention * operations + ATTENTION_BONUS[stance]
                      - distraction)


def stance_proposal(rival_presence, shared_threat, encroachment, cooperation_weight, tolerance):
    """The stance a power's situation calls for.

    rival_presence: rival bases in the region plus rival military operations next to it;
    shared_threat: the threat the power feels that its rivals are fighting;
    encroachment: its sense that rivals encroach (stock + presence).
    integrate if no rival is present; else cooperate while
    cooperation_weight x shared threat + tolerance >= encroachment; else counterbalance.
    """
    cooperate = cooperation_weight * shared_threat + tolerance >= encroachment
    return np.where(rival_presence < 0.5, INTEGRATE, np.where(cooperate, COOPERATE, COUNTERBALANCE))


def tolerance(base, capacity_ratio, assertiveness):
    """How much encroachment a power tolerates: base x (capacity now / at the start) ^ (-assertiveness).

    A power grown richer (Russia on the oil boom, seed 001) tolerates its rivals' presence less.
    """
    return base * np.exp(-assertiveness * np.log(capacity_ratio))


def stance_next(stance, months_in_stance, proposal, dwell):
    """Keep the current stance for at least ``dwell`` months (hysteresis), then follow the proposal."""
    change = (proposal != stance) & (months_in_stance >= dwell)
    new = np.where(change, proposal, stance)
    months = np.where(change, 0, months_in_stance + 1)
    return new, months


def hostility_levels(stance, h_integrate, h_cooperate, h_counterbalance):
    """A power's hostility toward its rivals, by stance."""
    return np.where(stance == INTEGRATE, h_integrate, np.where(stance == COOPERATE, h_cooperate, h_counterbalance))


def hostility_matrix(levels, rivals):
    """H[q, p]: hostility of power q toward power p = q's hostility level if p is one of q's rivals, else 0."""
    return levels[..., :, None] * rivals


def toward_rivals(x, rivals):
    """For each power p, the sum of x over p's rivals q (fixed order): sum_q rivals[p, q] x[q]."""
    from sim.core.rules import kernels

    x = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(x.reshape(-1, x.shape[-1]))
    return kernels.toward_rivals(flat, np.ascontiguousarray(rivals, dtype=np.float64)).reshape(x.shape)


def client_loss(before, now, weight):
    """Encroachment from losing clients: weight x the clients lost since last month (none for gains).

    A client is a state's membership of a bloc the power leads, or a base it keeps; a state that leaves the
    power's bloc or evicts its base tells the power that its rivals are winning."""
    return weight * np.maximum(0.0, before - now)
