"""Alignment: how a state's score toward each power moves, split exactly into its drivers.

Each month a state weighs seven pulls on its leaning toward power p (in logit units):
  security   = w_security   x security threat x (p's security offer - the average power's)
  regime     = w_regime     x regime threat   x (p's backing of the regime - the average power's)
  conditions = -w_conditions x p's democracy pressure x the regime's fear
  economy    = w_economy    x energy and trade tie with p
  blame      = -w_blame     x blame the state holds against p
  offers     = w_offers     x goodwill from p's recent offers
  rivalry    = -w_rivalry   x sum over p's rivals q of (q's hostility x the state's closeness to q)
Its target is logistic(affinity + sum of pulls), where the affinity is the state's historical leaning.
The score closes a share ``rate`` of the gap to the target each month, plus a little noise, kept in [0, 1]:
  new = old + rate x (target - old) + noise, clipped.
The change is split into drivers that add up to it exactly: each pull gets its share of
rate x (target - logistic(affinity)) in proportion to its size, "inertia" is rate x (logistic(affinity) - old),
then "noise", and "bounds" for what the clip to [0, 1] removed.
"""

from __future__ import annotations

import numpy as np

from sim.core.rules.arrays import logistic, logit, relative, sum_last

PULLS = ("security", "regime", "conditions", "economy", "blame", "offers", "rivalry")
DRIVERS = PULLS + ("inertia", "noise", "bounds")


def security_offer(capacity, attention, operations, reach, base_present, base_bonus, bloc_security):
    """How well a power answers a state's security threat.

    capacity x (attention + military operations) x reach x (1 + bonus if it keeps a base there),
    plus the security it gives as patron of a bloc the state belongs to.
    """
    has_base = np.minimum(1.0, base_present)
    return capacity * (attention + operations) * reach * (1.0 + base_bonus * has_base) + bloc_security


def regime_support(capacity, attention, reach, conditionality):
    """How much a power backs a regime in trouble: capacity x attention x reach x (1 - its conditions)."""
    return capacity * attention * reach * (1.0 - conditionality)


def regime_fear(openness, regime_threat):
    """How much a regime fears for itself: (1 - openness) x (0.5 + regime threat)."""
    return (1.0 - openness) * (0.5 + regime_threat)


def pulls(*, security_threat, regime_threat, fear, offer, support, pressure, economy, blame, offers,
          hostility, presence, w_security, w_regime, w_conditions, w_economy, w_blame, w_offers, w_rivalry):
    """The seven pulls on a state's alignment with each power, stacked on a new last axis (..., P, 7).

    State-level inputs (threats, fear) carry a trailing axis of length 1 to broadcast over powers.
    presence: the state's closeness to each power (alignment + half its bases there); hostility: the matrix
    H[..., q, p] of q's hostility toward p. A state close to a hostile power pays for leaning toward its rivals.
    """
    rivals = rival_pressure(presence, hostility)
    return np.stack([
        w_security * security_threat * relative(offer),
        w_regime * regime_threat * relative(support),
        -w_conditions * pressure * fear,
        w_economy * economy,
        -w_blame * blame,
        w_offers * offers,
        -w_rivalry * rivals,
    ], axis=-1)


def rival_pressure(presence, hostility):
    """For each power p: sum over q of hostility[q, p] x presence[q] (fixed order)."""
    from sim.core.rules import kernels

    P = presence.shape[-1]
    shape = np.broadcast_shapes(presence.shape, hostility.shape[:-1])
    pres = np.ascontiguousarray(np.broadcast_to(np.asarray(presence, dtype=np.float64), shape)).reshape(-1, P)
    hos = np.ascontiguousarray(np.broadcast_to(np.asarray(hostility, dtype=np.float64), shape + (P,)))
    return kernels.rival_pressure(pres, hos.reshape(-1, P, P)).reshape(shape)


def others_sum(x):
    """For each power, the sum over the other powers (fixed order)."""
    return sum_last(x)[..., None] - x


def alignment_step(alignment, affinity, pull_terms, rate, noise):
    """New alignment and its drivers (..., P, 10) that add up to the change: see the module docstring."""
    total = sum_last(pull_terms)
    base = logistic(affinity)
    target = logistic(affinity + total)
    small = np.abs(total) < 1e-12
    slope = np.where(small, base * (1.0 - base), (target - base) / np.where(small, 1.0, total))
    parts = (rate * slope)[..., None] * pull_terms
    inertia = rate * (base - alignment)
    raw = alignment + sum_last(parts) + inertia + noise
    new = np.clip(raw, 0.0, 1.0)
    drivers = np.concatenate([parts, inertia[..., None], np.broadcast_to(noise, new.shape)[..., None],
                              (new - raw)[..., None]], axis=-1)
    return new, drivers


def affinity_at_rest(alignment, pull_terms):
    """The affinity that makes the initial alignment the target: logit(alignment) - sum of pulls."""
    return logit(alignment) - sum_last(pull_terms)
