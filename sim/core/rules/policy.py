"""Policy: what a power asks of the states and offers them, by its own rules.

Each month a power whose policy follows its rules (``sim.core.controllers.RuleController``) may make one new
base request and one new energy offer (its diplomatic bandwidth: an ask in one place is an ask not made
elsewhere), and spreads its help (aid, arms, credit) over the states from a fixed budget.

- Why ask for a base (the motive): a power fighting in Afghanistan needs access and transit near the
  front, operations x the state's exposure to Afghanistan; a power that counterbalances its rivals wants
  presence of its own where they are, basing x (counter_base_drive + the rival bases in the state), with
  basing how much the power projects power through bases abroad at all (data).
- Why offer an energy contract: a power that seeks the region's oil and gas (energy_interest) offers
  where the state's hydrocarbons are worth more to it than they cost to bring home: its means (the oil
  price for Russia's, growth for China's) times the oil price, less the haul over the distance where no
  route toward it runs yet (``deal_motive``).
- Where: among the states it may still ask, the power weighs each motive by its estimate that the state
  says yes (``acceptance``) and, for a base, divides by the site's footprint (``per_footprint``: access asks
  less of a state than a garrison); it asks where that score is largest, if it exceeds its threshold
  (ask_threshold for bases, offer_threshold for contracts).
  It cannot see a state's own idiosyncratic taste, only the public scores.
- Help: a power's monthly help is split over the states in proportion to its priorities: 1, plus
  membership_benefit per unit of its patron weight in the organisations a state belongs to, plus
  host_aid where the state hosts one of its bases (the rent and aid that come with a base).
"""

from __future__ import annotations

import numpy as np

from sim.core.rules.arrays import logistic, sum_last


def acceptance(utility, threshold, scale):
    """A power's estimate that a state accepts: logistic((utility - threshold) / scale), the share of
    states with these public scores whose idiosyncratic taste (logistic, of spread ``scale``) lets them."""
    return logistic((utility - threshold) / scale)


def base_motive(operations, exposure, counterbalancing, drive, rival_bases):
    """How much a power wants a base in a state: operations x exposure (access near the front of its war)
    + counterbalancing (0 or 1) x (drive + rival bases in the state) (presence where its rivals are)."""
    return operations * exposure + counterbalancing * (drive + rival_bases)


def deal_motive(interest, means_index, price_ratio, hydrocarbons, haul, route_share):
    """How much a power wants an energy contract with a state: what its growth makes the state's oil or gas
    worth to it, less what bringing them home costs it at today's price:

        hydrocarbons x max(0, interest x (means index - 1) - haul x (1 - route share) / price ratio)

    interest: how much the power seeks the region's oil and gas; means index: its capacity over its level
    at the reference values of its series (the oil price for a rent economy, growth for a growing one):
    past 1 it has the demand and the money for new contracts. haul: what carrying the state's
    hydrocarbons to it costs, as a share of their value at the reference price (haul cost per 1000 km,
    higher for gas than for oil, x thousands of km); the price ratio (oil price over its reference) shrinks
    that share as prices rise. route share: the share of the state's export routes already running toward
    the power, which a new contract uses instead of a new pipeline. So a near buyer with pipelines in place
    offers as soon as its means grow; a far one only once its growth and the price pay for the distance,
    oil before gas, and sooner the more it wants the energy; a price slump delays the far buyers."""
    worth = interest * (means_index - 1.0) - haul * (1.0 - route_share) / price_ratio
    return hydrocarbons * np.maximum(0.0, worth)


def per_footprint(score, footprint):
    """What an ask for a site would bring per unit of what it asks of the state: score / footprint. A request
    for overflight or refuelling (a small footprint) spends less of the power's standing with the state than
    one for a garrison, so a power asks for access where a base would not be worth asking."""
    return score / footprint


def pick_best(score, eligible, threshold):
    """One ask: a mask (..., K) true at the eligible entry with the largest score (the first on ties),
    provided that score exceeds ``threshold``; all false otherwise. (Scores of floats, the eligible mask of
    their shape and a threshold per run or for all: one compiled loop, sim.core.rules.kernels.pick_best_segments,
    with the same comparisons.)"""
    score, eligible, bar = np.asarray(score), np.asarray(eligible), np.asarray(threshold)
    if _fits_kernel(score, eligible, [bar]):
        return pick_best_each(score, eligible, [0, score.shape[-1]], [bar])
    masked = np.where(eligible, score, -np.inf)
    best = np.argmax(masked, axis=-1)
    top = np.take_along_axis(masked, best[..., None], axis=-1)[..., 0]
    chosen = np.arange(score.shape[-1]) == best[..., None]
    return chosen & (top > threshold)[..., None]


def pick_best_each(score, eligible, starts, thresholds):
    """``pick_best`` on each group of columns (..., K): group g the columns starts[g] to starts[g + 1], with
    its threshold thresholds[g] (per run or for all); one compiled loop over every group
    (sim.core.rules.kernels.pick_best_segments) where the numbers fit it."""
    score, eligible = np.asarray(score), np.asarray(eligible)
    bars = [np.asarray(b) for b in thresholds]
    if not _fits_kernel(score, eligible, bars):
        return np.concatenate([pick_best(score[..., a:b], eligible[..., a:b], bar)
                               for a, b, bar in zip(starts[:-1], starts[1:], bars)], axis=-1)
    from sim.core.rules import kernels

    K = score.shape[-1]
    rows = np.array([np.reshape(v, -1) for v in np.broadcast_arrays(*bars)], dtype=np.float64)
    return kernels.pick_best_segments(np.ascontiguousarray(score).reshape(-1, K),
                                      np.ascontiguousarray(eligible).reshape(-1, K),
                                      np.asarray(starts, dtype=np.int64), rows).reshape(score.shape)


def _fits_kernel(score, eligible, bars) -> bool:
    """Float scores (..., K >= 1), a boolean mask of their shape, thresholds of floats per run or for all."""
    lead = score.shape[:-1]
    return (score.dtype == np.float64 and eligible.dtype == np.bool_ and eligible.shape == score.shape
            and score.ndim > 0 and score.shape[-1] > 0
            and all(b.dtype == np.float64 and (b.ndim == 0 or b.shape == lead) for b in bars))


def aid_priority(patron_weight, has_base, membership_benefit, host_aid):
    """Where a power's help goes first: 1 + membership_benefit x its patron weight summed over the
    organisations the state belongs to + host_aid x (1 if the state hosts its base)."""
    return 1.0 + membership_benefit * patron_weight + host_aid * has_base


def aid_allocation(priority):
    """The budget split: each state's share of a power's help, priority / mean priority over the states
    (..., S, P), so the shares of one power sum to the number of states whatever its priorities."""
    S = priority.shape[-2]
    total = priority[..., 0, :].copy()
    for s in range(1, S):
        total = total + priority[..., s, :]
    return priority * (S / total)[..., None, :]


def patron_weights(member, org_weights):
    """For each power, its patron weight summed over the organisations the state belongs to (a negative
    weight, an organisation set against the power, counts as 0). member (..., O); org_weights (O, P)."""
    from sim.core.rules import kernels

    O, P = org_weights.shape
    if member.dtype != bool:
        total = 0.0 * member[..., :1] * org_weights[0]
        for o in range(O):
            total = total + member[..., o:o + 1] * np.maximum(org_weights[o], 0.0)
        return total
    w = np.asarray(org_weights, dtype=np.float64)
    flat = np.ascontiguousarray(member).reshape(-1, O)
    return kernels.patron_weights(flat, np.maximum(w, 0.0), np.ascontiguousarray(w[0])).reshape(
        member.shape[:-1] + (P,))


def clients(member, org_weights, base_open_sp):
    """A power's clients: memberships of states in organisations it leads (weight >= 0.5) plus the bases
    it keeps. member (..., S, O); base_open_sp (..., S, P) counts of open bases. Returns (..., P)."""
    from sim.core.rules import kernels

    led = (org_weights >= 0.5).astype(float)  # (O, P)
    S, O = member.shape[-2:]
    P = org_weights.shape[1]
    if member.dtype == bool and base_open_sp.shape[:-2] == member.shape[:-2]:
        m = np.ascontiguousarray(member).reshape(-1, S, O)
        b = np.ascontiguousarray(base_open_sp, dtype=np.float64).reshape(-1, S, P)
        return kernels.clients(m, led, b).reshape(member.shape[:-2] + (P,))
    total = 0.0 * base_open_sp[..., 0, :]
    for s in range(S):
        for o in range(org_weights.shape[0]):
            total = total + member[..., s, o:o + 1] * led[o]
        total = total + base_open_sp[..., s, :]
    return total


__all__ = ["acceptance", "aid_allocation", "aid_priority", "base_motive", "clients", "deal_motive",
           "patron_weights", "per_footprint", "pick_best", "pick_best_each", "sum_last"]
