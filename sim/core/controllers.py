"""The powers' policies as pluggable controllers: what a power asks and offers each month.

One interface, ``decide(world, params, p)``: given the world at month t as power p sees it (the states'
public scores, threats, memberships, bases; never a state's private taste), a controller returns the
power's asks and offers for the month and how it spreads its help:

    {"asks": {slot index: mask over runs (or a bool for one run)}, "aid": priority of each state (..., S)}

A slot is a base the power may ask a state for, or an energy contract it may offer (sim.core.world.Slot).
The power's stance and attention follow the stance rule (sim.core.rules.powers) whatever its controller, and
its pressure on human rights is its conditionality, which the scenario's ``power_policy`` events set.

- ``RuleController`` (the default): the rules of sim.core.rules.policy.
- ``ScriptedController``: replays a list of asks and aid priorities by month; a scenario power with
  ``controller: scripted`` uses an empty list, so it asks only what the scenario's ``base_request`` and
  ``energy_deal`` events force (what-ifs), as a classroom team's choices will be replayed.

Both engines call the same controller objects with the same world, so they stay bit-identical.
"""

from __future__ import annotations

import numpy as np

from sim.core.rules import policy as pl
from sim.core.rules.arrays import per_run
from sim.core.rules.powers import COUNTERBALANCE


class Controller:
    """The interface: a power's asks, offers and help for the month."""

    def decide(self, world, params, p: int) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


def rule_aid_priority(world, params, p: int) -> np.ndarray:
    """The rule's priorities for power p's help (..., S): members of its organisations and hosts of its
    bases first (sim.core.rules.policy.aid_priority)."""
    from sim.core.step import _memo, bases_present, slot_table

    r, sch = world.runs, world.schedule
    # every power's weights and hosts, once for the month's memberships and slots (each power takes its column)
    weight = _memo(world, "patron_weights", None, (r.member, sch.org_weights),
                   lambda: pl.patron_weights(r.member, sch.org_weights))[..., p]  # (..., S)
    has_base = _memo(world, "hosts", None, (r.slot_status, slot_table(world)["base_slots"]),
                     lambda: np.minimum(1.0, bases_present(world)))[..., p]
    return pl.aid_priority(weight, has_base, per_run(params["membership_benefit"], 1),
                           per_run(params["host_aid"], 1))


def haul_cost(setup, params) -> np.ndarray:
    """Each state's cost of carrying its hydrocarbons 1000 km (..., S): oil_haul_cost, times gas_haul_ratio
    where it exports mostly gas."""
    oil = per_run(params["oil_haul_cost"], 1)
    return np.where(setup.exports_gas, oil * per_run(params["gas_haul_ratio"], 1), oil)


class RuleController(Controller):
    """A power that follows its rules: it asks for bases where its war or its rivalry gives it a motive
    and the state is likely to say yes, offers energy contracts as its means grow, and helps its members
    and hosts first (see sim.core.rules.policy)."""

    def decide(self, world, params, p: int) -> dict:
        from sim.core.step import _memo, askable_now, export_route_share, slot_table, slot_utility
        from sim.core.step import rival_bases as bases_of_rivals

        st, sch, r = world.setup, world.schedule, world.runs
        asks: dict[int, np.ndarray] = {}
        t = min(world.step, st.months - 1)
        rival_bases = bases_of_rivals(world)[..., p]  # (..., S): toward_rivals(bases_present(world), st.rivals)
        counterbalancing = (r.stance[..., p] == COUNTERBALANCE).astype(float)
        scale = per_run(params["choice_scale"], 1)
        table = slot_table(world)  # the slots' states and footprints, kept for the setup's slots
        eligible = askable_now(world, params)  # askable(world, params, ks) for every askable slot at once
        for kind in ("base", "deal"):
            # the askable slots of power p of this kind, and their columns in ``eligible``
            ks, ks_array, columns = table["asks_of"][p, kind]
            if not ks:
                continue
            sidx = table["state"][ks_array]
            utility = slot_utility(world, params, ks)
            if kind == "base":
                threshold, bar = per_run(params["base_grant"], 1), per_run(params["ask_threshold"], 0)
                motive = pl.base_motive(sch.operations[p], st.exposure[sidx],
                                        st.basing[p] * counterbalancing[..., None],
                                        per_run(params["counter_base_drive"], 1), rival_bases[..., sidx])
            else:
                threshold, bar = per_run(params["deal_accept"], 1), per_run(params["offer_threshold"], 0)
                haul = _memo(world, "haul_cost", params, (), lambda: haul_cost(st, params))  # every state's
                motive = pl.deal_motive(st.energy_interest[p], st.means_index[t, p], st.trade_price[t],
                                        st.hydrocarbons[sidx], haul[..., sidx] * st.haul_km[sidx, p],
                                        export_route_share(world)[..., sidx, p])
                motive = motive + 0.0 * utility
            score = motive * pl.acceptance(utility, threshold, scale)
            if kind == "base":
                score = pl.per_footprint(score, table["footprint"][ks_array])
            chosen = pl.pick_best(score, eligible[..., columns], bar)
            for j, k in enumerate(ks):
                asks[k] = chosen[..., j]
        return {"asks": asks, "aid": rule_aid_priority(world, params, p)}


class ScriptedController(Controller):
    """Replays a list of choices: ``asks`` maps a step (months from the period's start) to the slot
    indices asked that month, ``aid`` maps a step to the priority of each state for the power's help
    (kept until the next entry; equal priorities before the first)."""

    def __init__(self, asks: dict[int, list[int]] | None = None, aid: dict[int, list[float]] | None = None):
        self.asks = {int(k): [int(x) for x in v] for k, v in (asks or {}).items()}
        self.aid = {int(k): np.asarray(v, dtype=float) for k, v in (aid or {}).items()}

    def decide(self, world, params, p: int) -> dict:
        from sim.core.step import askable

        st, r = world.setup, world.runs
        asks: dict[int, np.ndarray] = {}
        for k in self.asks.get(world.step, []):
            if st.slots[k].power == p:
                asks[k] = askable(world, params, [k])[..., 0]
        past = [s for s in self.aid if s <= world.step]
        base = self.aid[max(past)] if past else np.ones(st.S)
        return {"asks": asks, "aid": base + 0.0 * r.alignment[..., :, p]}


def default_controllers(setup) -> list[Controller]:
    """The controllers a scenario's powers declare: their rules, or the scenario's script."""
    return [RuleController() if setup.rule_powers[p] else ScriptedController() for p in range(setup.P)]
