"""Applying a scenario event to the world: the shocks, offers and requests that arrive in a month.

Events change the shared schedule (insurgency, operations, organisations, the powers' policies) and each
run's state (threats, blame, offers, slots). A hazard's event fires only in the runs where it was drawn:
``mask`` (shape of the batch, or a 0-d bool for one run) selects them.
"""

from __future__ import annotations

import numpy as np

from sim.core.rules.arrays import per_run
from sim.core.rules.blame import crisis_credit, inferred_blame, named_shares, visibility
from sim.core.rules.threats import contagion_weight
from sim.core.world import NOT_YET, World


def _where(mask, new, old):
    if mask is None:
        return new
    m = np.asarray(mask)
    m = m.reshape(m.shape + (1,) * (np.ndim(new) - m.ndim))
    return np.where(m, new, old)


def _named(codes, powers):
    return np.array([1.0 if p in codes else 0.0 for p in powers])


def apply_event(world: World, ev, params, mask=None) -> None:
    """Apply one event in place (to all runs, or to the runs where ``mask`` is true)."""
    st, sch, r = world.setup, world.schedule, world.runs
    S, powers = st.states, st.powers
    t = ev.type
    if t == "terror_attack":
        for code in ev.targets:
            if code in S:
                i = S.index(code)
                r.local_threat[..., i] = _where(mask, r.local_threat[..., i] + ev.magnitude, r.local_threat[..., i])
            else:
                p = powers.index(code)
                r.own_threat[..., p] = _where(mask, r.own_threat[..., p] + ev.magnitude, r.own_threat[..., p])
    elif t == "incursion":
        shock = np.array([ev.magnitude if s in ev.targets else ev.magnitude * ev.spillover * st.exposure[i]
                          for i, s in enumerate(S)])
        r.local_threat[...] = _where(mask, r.local_threat + shock, r.local_threat)
    elif t == "afghan_insurgency":
        sch.insurgency = float(ev.level)
    elif t == "military_operation":
        sch.operations[powers.index(ev.actor)] = ev.level
    elif t == "war_elsewhere":
        sch.distraction[powers.index(ev.actor)] = ev.level
    elif t in ("color_revolution", "unrest"):
        _upheaval(world, ev, params, mask)
    elif t == "aid_offer":
        p = powers.index(ev.actor)
        for code in ev.targets:
            i = S.index(code)
            r.offers[..., i, p] = _where(mask, r.offers[..., i, p] + ev.magnitude, r.offers[..., i, p])
    elif t in ("energy_deal", "base_request"):
        from sim.core.step import commit_policy

        for k, slot in enumerate(st.slots):
            if slot.event_id == ev.id:
                arrive = r.slot_status[..., k] == NOT_YET
                if mask is not None:
                    arrive = arrive & np.asarray(mask)
                commit_policy(world, params, {"asks": {k: arrive}, "aid": {}})
    elif t == "org_founded":
        sch.org_active[st.orgs.index(ev.org)] = True
    elif t == "org_dissolved":
        sch.org_active[st.orgs.index(ev.org)] = False
    elif t == "org_reformed":
        o = st.orgs.index(ev.org)
        for code, w in ev.weights.items():
            sch.org_weights[o, powers.index(code)] = w
        sch.org_bias[o] += ev.bias_shift
        if ev.security is not None:
            sch.org_security[o] = ev.security
    elif t == "power_policy":
        p = powers.index(ev.actor)
        if ev.conditionality is not None:
            sch.conditionality[p] = ev.conditionality
        if ev.attention is not None:
            sch.base_attention[p] = ev.attention
        if ev.reach is not None:
            sch.reach[p] = ev.reach
    elif t == "price_shock":
        pass  # compiled into the series table when the scenario was set up (sim.core.world._series_table)
    elif t == "leader_change":
        i = S.index(ev.state)
        if ev.openness is not None:
            r.openness[..., i] = _where(mask, np.full_like(r.openness[..., i], ev.openness), r.openness[..., i])
        shift = np.array([ev.affinity_shift.get(p, 0.0) for p in powers])
        r.affinity[..., i, :] = _where(mask, r.affinity[..., i, :] + shift, r.affinity[..., i, :])
        r.regime_threat[..., i] = _where(mask, r.regime_threat[..., i] + ev.regime_threat, r.regime_threat[..., i])
    else:  # pragma: no cover - the schema admits no other type
        raise ValueError(f"unknown event type {t}")


def _upheaval(world: World, ev, params, mask) -> None:
    """A color revolution or unrest: regimes alike to the one shaken fear for themselves; those that
    survive it blame the powers they see working against them and credit those that back them
    (sim.core.rules.blame); powers that back regimes feel encroached on by the rivals the regimes blame."""
    from sim.core.rules.alignment import regime_fear, regime_support
    from sim.core.rules.powers import toward_rivals
    from sim.core.step import bases_present

    st, sch, r = world.setup, world.schedule, world.runs
    S, powers = st.states, st.powers
    contagion = per_run(params["contagion"], 1)
    if ev.type == "color_revolution":
        home = S.index(ev.place) if ev.place in S else None
        place_openness = r.openness[..., home:home + 1] if home is not None else np.asarray(ev.openness)
        weight = contagion_weight(r.openness, place_openness, contagion)
    else:
        home = S.index(ev.state)
        weight = contagion_weight(r.openness, r.openness[..., home:home + 1], contagion) * ev.contagion_share
    if home is not None:
        weight = weight.copy()
        weight[..., home] = 1.0
    shock = ev.magnitude * weight  # (..., S)
    # the regimes that blame: all those shaken, except one a revolution has just overthrown (a what-if that
    # forces the culprit makes every shaken regime, the new rulers included, blame it)
    blaming = shock
    if ev.type == "color_revolution" and home is not None and not ev.blame:
        blaming = shock.copy()
        blaming[..., home] = 0.0
    fear = regime_fear(r.openness, r.regime_threat)  # (..., S), before the shock
    pwr = (lambda v: v) if world.batch_ndim == 0 else (lambda v: v[..., None, :])
    if ev.blame:  # a what-if forcing the culprit
        blamed = blaming[..., None] * named_shares(_named(ev.blame, powers))
    else:
        vis = visibility(sch.conditionality, pwr(r.attention), bases_present(world))
        blamed = inferred_blame(blaming, fear, vis)
    capacity = st.capacity[min(world.step, st.months - 1)]
    support = regime_support(capacity, pwr(r.attention), sch.reach, sch.conditionality)
    credit = crisis_credit(blaming, fear, support, per_run(params["crisis_credit"], 2))
    r.regime_threat[...] = _where(mask, r.regime_threat + shock, r.regime_threat)
    r.blame[...] = _where(mask, r.blame + blamed, r.blame)
    r.offers[...] = _where(mask, r.offers + credit, r.offers)
    # a power that backs regimes (low conditionality) sees the upheaval as an assault by the powers
    # promoting democracy against them: its rivals' conditionality x attention, times the shock
    promoters = toward_rivals(sch.conditionality * r.attention, st.rivals)
    r.encroachment[...] = _where(mask, r.encroachment + ev.magnitude * promoters * (1.0 - sch.conditionality),
                                 r.encroachment)
    if ev.type == "color_revolution" and home is not None:
        if ev.new_openness is not None:
            r.openness[..., home] = _where(mask, np.full_like(r.openness[..., home], ev.new_openness),
                                           r.openness[..., home])
        shift = np.array([ev.affinity_shift.get(p, 0.0) for p in powers])
        r.affinity[..., home, :] = _where(mask, r.affinity[..., home, :] + shift, r.affinity[..., home, :])


def hazard_mask(world: World, k: int, step: int, probability: float):
    """Whether hazard k fires this month in each run: a uniform draw keyed by (seed, month, hazard, stream)."""
    from sim.core.rng import STREAM_HAZARD, uniform

    return uniform(world.runs.seed, world.setup.start + step, k, STREAM_HAZARD) < probability
