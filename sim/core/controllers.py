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
        layout, chosen = rule_asks(world, params)
        asks: dict[int, np.ndarray] = {}
        for start, ks in layout["of_power"].get(p, ()):  # its bases, then its contracts
            for j, k in enumerate(ks):
                asks[k] = chosen[..., start + j]
        return {"asks": asks, "aid": rule_aid_priority(world, params, p)}


def rule_asks(world, params) -> tuple[dict, np.ndarray]:
    """What every power would ask and offer this month by its rules, all powers at once: the layout of the
    askable slots (``_rule_layout``) and the mask (..., A) of the slots chosen, one column per askable slot.

    For each power and kind, among the slots it may still ask (sim.core.step.askable), the rule of
    sim.core.rules.policy:
        base: motive = base_motive(operations, exposure, basing x counterbalancing, counter_base_drive, rival
              bases in the state); score = per_footprint(motive x acceptance(utility, base_grant, choice_scale));
              asked where largest, above ask_threshold;
        deal: motive = deal_motive(energy_interest, means index, oil price, hydrocarbons, haul cost x haul_km,
              the share of the state's routes toward the power) + 0 x utility; score = motive x
              acceptance(utility, deal_accept, choice_scale); offered where largest, above offer_threshold;
    with utility the slots' public case (sim.core.step.slot_utility). Every statement is elementwise over the
    slots, so computing them for all powers' slots together gives each power's own numbers; the choice is one
    ``pick_best`` per power and kind (``pick_best_each``). Within a phase that reads month t (sim.core.step
    .read_only) it is computed once, whichever power asks first."""
    from sim.core.step import _memo

    return _memo(world, "rule_asks", params, None, lambda: _rule_asks(world, params))


def _rule_asks(world, params) -> tuple[dict, np.ndarray]:
    from sim.core.step import askable, export_route_share, rival_bases, slot_utility

    st, sch, r = world.setup, world.schedule, world.runs
    layout = _rule_layout(world)
    cols, nb = layout["slots"], layout["bases"]
    t = min(world.step, st.months - 1)
    scale = per_run(params["choice_scale"], 1)
    parts = []
    if not cols:
        chosen = np.zeros(r.slot_status.shape[:-1] + (0,), dtype=bool)
    else:
        utility = slot_utility(world, params, cols)  # (..., A)
        if nb:
            pb, sb = layout["power"][:nb], layout["state"][:nb]
            counterbalancing = (r.stance == COUNTERBALANCE).astype(float)  # (..., P)
            motive = pl.base_motive(sch.operations[pb], st.exposure[sb], st.basing[pb] * counterbalancing[..., pb],
                                    per_run(params["counter_base_drive"], 1), rival_bases(world)[..., sb, pb])
            score = motive * pl.acceptance(utility[..., :nb], per_run(params["base_grant"], 1), scale)
            parts.append(pl.per_footprint(score, layout["footprint"][:nb]))
        if nb < len(cols):
            pd, sd = layout["power"][nb:], layout["state"][nb:]
            deal_utility = utility[..., nb:]
            motive = pl.deal_motive(st.energy_interest[pd], st.means_index[t, pd], st.trade_price[t],
                                    st.hydrocarbons[sd], haul_cost(st, params)[..., sd] * st.haul_km[sd, pd],
                                    export_route_share(world)[..., sd, pd])
            motive = motive + 0.0 * deal_utility
            parts.append(motive * pl.acceptance(deal_utility, per_run(params["deal_accept"], 1), scale))
        score = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)
        chosen = pl.pick_best_each(score, askable(world, params, cols), layout["starts"],
                                   [per_run(params[name], 0) for name in layout["bars"]])
    return layout, chosen


def _rule_layout(world) -> dict:
    """The askable slots in the order ``rule_asks`` computes them, kept with the setup's slot table: every
    power's bases, then every power's contracts, each power's slots of a kind together (a group). ``slots``
    their indices, ``bases`` how many are bases, ``power``/``state``/``footprint`` per slot, ``starts`` the
    groups' first columns (and the end), ``bars`` each group's threshold parameter, ``of_power`` power ->
    [(first column, slot indices)] for its bases, then its contracts."""
    from sim.core.step import slot_table

    table = slot_table(world)
    layout = table.get("rule_layout")
    if layout is None:
        groups = [(p, kind, table["asks_of"][p, kind]) for kind in ("base", "deal") for p in range(world.setup.P)]
        groups = [g for g in groups if g[2]]
        slots = [k for _, _, ks in groups for k in ks]
        starts = np.cumsum([0] + [len(ks) for _, _, ks in groups]).astype(np.int64)
        of_power: dict[int, list] = {}
        for (p, _, ks), start in zip(groups, starts[:-1]):
            of_power.setdefault(p, []).append((int(start), ks))
        index = np.array(slots, dtype=np.int64)
        layout = {"slots": slots, "bases": sum(len(ks) for _, kind, ks in groups if kind == "base"),
                  "power": table["power"][index], "state": table["state"][index],
                  "footprint": table["footprint"][index], "starts": starts,
                  "bars": ["ask_threshold" if kind == "base" else "offer_threshold" for _, kind, _ in groups],
                  "of_power": of_power}
        table["rule_layout"] = layout
    return layout


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
