"""Alignment: how a state's score toward each power moves, split exactly into its drivers.

Each month a state weighs seven pulls on its leaning toward power p (in logit units):
  security   = w_security   x security threat x (p's security offer / the average power's - 1)
  regime     = w_regime     x regime threat   x (p's backing of the regime / the average power's - 1)
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

from sim.core.rules.arrays import logistic, logit, standing, sum_last

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
    The security and regime pulls weigh a power's standing (``standing``: its offer over the average power's,
    minus 1), not the difference: when every power's means double, no state's leaning moves.
    """
    rivals = rival_pressure(presence, hostility)
    return np.stack([
        w_security * security_threat * standing(offer),
        w_regime * regime_threat * standing(support),
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
    """New alignment and its drivers (..., P, 10) that add up to the change: see the module docstring.

    total = sum of the pulls; base = logistic(affinity); target = logistic(affinity + total);
    slope = (target - base) / total (base x (1 - base) when |total| < 1e-12);
    parts = rate x slope x each pull; inertia = rate x (base - old);
    raw = old + sum of parts + inertia + noise; new = raw clipped to [0, 1]; bounds = new - raw.

    The sums and the rest run in compiled loops (sim.core.rules.kernels.row_sums and alignment_step); the two
    logistics stay in numpy between them, so the bits are numpy's exp whichever engine calls.
    """
    from sim.core.rules import kernels

    terms = np.asarray(pull_terms, dtype=np.float64)
    shape = np.broadcast_shapes(np.shape(alignment), np.shape(affinity), terms.shape[:-1], np.shape(noise))
    K = terms.shape[-1]

    def flat(x):
        return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), shape)).reshape(-1)

    terms = np.ascontiguousarray(np.broadcast_to(terms, shape + (K,))).reshape(-1, K)
    total = kernels.row_sums(terms)
    aff = flat(affinity)
    new, drivers = kernels.alignment_step(flat(alignment), terms, total, logistic(aff), logistic(aff + total),
                                          flat(rate), flat(noise))
    return new.reshape(shape), drivers.reshape(shape + (K + 3,))


def state_pulls(states, *, capacity, attention, operations, reach, conditionality, present, member,
                security_weights, local_threat, exposure, afghan, regime_threat, openness, economy, blame, offers,
                alignment, hostility, base_bonus, w_security, w_regime, w_conditions, w_economy, w_blame,
                w_offers, w_rivalry):
    """The seven pulls (M, len(states), P, 7) on the chosen states of each run, from the world's quantities:
    the security threat (sim.core.rules.threats.security_threat), the regime's fear (``regime_fear``), each
    power's security offer (``security_offer``, with the security its blocs give: sum over the state's
    organisations of max(weight, 0) x security role = ``security_weights``), its backing of the regime
    (``regime_support``) and its democracy pressure (conditions x attention), then ``pulls`` with presence =
    alignment + half the bases there. One compiled loop (sim.core.rules.kernels.state_pulls) does it all with
    the same operations in the same order as those functions, so the bits are theirs.

    Runs lead every per-run array (M runs; attention, afghan, hostility and the parameters may have one row
    shared by all): alignment, present, economy, blame, offers (M, S, P); member (M, S, O); local_threat,
    regime_threat, openness (M, S); attention (M, P); afghan (M,); hostility (M, P, P); parameters (M,).
    """
    from sim.core.rules import kernels

    def c(x, dtype=np.float64):
        return np.ascontiguousarray(x, dtype=dtype)

    w = np.array([np.reshape(v, -1) for v in np.broadcast_arrays(
        base_bonus, w_security, w_regime, w_conditions, w_economy, w_blame, w_offers, w_rivalry)], dtype=np.float64)
    return kernels.state_pulls(
        c(states, np.int64), c(capacity), c(attention), c(operations), c(reach), c(conditionality), c(present),
        c(member, np.bool_), c(security_weights), c(local_threat), c(exposure), c(afghan), c(regime_threat),
        c(openness), c(economy), c(blame), c(offers), c(alignment), c(hostility), w)


def affinity_at_rest(alignment, pull_terms):
    """The affinity that makes the initial alignment the target: logit(alignment) - sum of pulls."""
    return logit(alignment) - sum_last(pull_terms)
