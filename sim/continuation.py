"""Scenarios that ``continue`` another: each run starts from its own end state of the earlier scenario.

An outlook from 2009 starts where the 1999-2008 replay, run first with the same parameters and seeds by
sim.core.start, ended: this module carries over, by code, everything a run holds (``RunState``: every state's alignment, leanings, threats, blame,
ties, offers and memberships, every power's attention, stance and sense of threat, the Afghan threat, the
bases and deals in place or pending) and everything the replay's events set for all runs alike
(``Schedule``: insurgent strength, military operations, wars elsewhere, the powers' policies, the
organisations). The months count on: random draws are keyed by the calendar month, so a run continued
from the replay draws exactly what the same run would have drawn had the replay gone on.

One thing is measured from the start of the chain, so that stances carry on without a jump: a power's
capacity ratio is the child's capacity over the capacity the chain started from. Export routes in service
and signed carry over with the run (``route``, ``route_signed``).

A power the later scenario adds (the EU, say) starts from that scenario's initial alignments, at rest:
its offers at the level its effort sustains, the states' leanings toward it set so that the initial
alignment is the target. An organisation the later scenario adds starts as that scenario declares it.

``continues`` is a path relative to the file that declares it (a what-if in another folder that extends
an outlook inherits the outlook's ``continues`` and still finds the replay).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.core.world import RunState, Slot, World, build_schedule, build_setup, initial_run_state
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import LoadedScenario

# How each field of a run's state is laid out, so it can be carried over by code. A field missing here
# is an error (see ``_check_layout``): nothing a run holds may be dropped silently at the junction.
RUNSTATE_LAYOUT: dict[str, str] = {
    "seed": "own",  # the child's run keeps its own seed (the same number)
    "alignment": "state_power", "affinity": "state_power", "blame": "state_power", "offers": "state_power",
    "economy": "state_power", "trade_share": "state_power", "route": "state_partner", "route_signed": "state_partner",
    "local_threat": "state", "regime_threat": "state", "openness": "state",
    "member": "state_org", "member_months": "state_org",
    "afghan_threat": "scalar",
    "own_threat": "power", "encroachment": "power", "attention": "power", "stance": "power",
    "stance_months": "power",
    "slot_status": "slot", "slot_months": "slot", "slot_taste": "slot", "slot_asked": "slot",
    "member_taste": "state_org", "clients": "power", "aid_share": "state_power",
}
SCHEDULE_POWER_FIELDS = ("operations", "distraction", "conditionality", "base_attention", "reach")

def _check_layout() -> None:
    missing = [f.name for f in dataclasses.fields(RunState) if f.name not in RUNSTATE_LAYOUT]
    if missing:
        raise RuntimeError(f"sim.continuation does not know how to carry over RunState field(s) {missing}: "
                           "add them to RUNSTATE_LAYOUT")


def parent_path(child: LoadedScenario) -> Path:
    """The file a continued scenario starts from: ``continues`` resolved against the file that declares it
    (the child itself, or a scenario it extends), as the loader recorded it."""
    return child.continues_path

def continued_world(child: LoadedScenario, parent: LoadedScenario, parent_world: World, params) -> World:
    """The batch's world at the start of ``child``: each run's end state of ``parent`` (``parent_world``, run
    to its end by sim.core.start with the same parameters and seeds), carried over by code. Nothing is run here."""
    _check_layout()
    if parent.end + 1 != child.start:
        ends = parent.spec.period.end
        raise ScenarioError(str(child.path), f"continues {child.spec.continues}, which ends {ends}: the "
                                             f"period must start the month after, {_month_after(ends)}",
                            field="period.start")
    pset, psch, pruns = parent_world.setup, parent_world.schedule, parent_world.runs

    setup = build_setup(child)
    # slots (bases and deals) of the parent come first, in place or pending as the parent left them
    inherited = [dataclasses.replace(sl, month=-1, event_id=f"{parent.spec.name}:{sl.event_id}" if sl.event_id
                                     else "") for sl in pset.slots]
    # the child's own 'bases in place' describe its file's start (1999 for the base file): a base the parent
    # already holds (open, closed or refused) is the parent's, not a second one
    known = {(sl.kind, sl.state, pset.powers[sl.power], sl.name) for sl in pset.slots}
    own = [sl for sl in setup.slots
           if not (sl.month < 0 and (sl.kind, sl.state, setup.powers[sl.power], sl.name) in known)]
    setup.slots = inherited + own
    pmap = [(p, pset.powers.index(c)) for p, c in enumerate(setup.powers) if c in pset.powers]
    omap = [(o, pset.orgs.index(c)) for o, c in enumerate(setup.orgs) if c in pset.orgs]
    smap = [setup.states.index(c) for c in pset.states]
    if smap != list(range(setup.S)):
        raise ScenarioError(str(child.path), "the states differ from those of the scenario it continues")
    # capacity measured against the chain's first month
    for p, q in pmap:
        chain_start = pset.capacity[0, q] / pset.capacity_ratio[0, q]
        setup.capacity_ratio[:, p] = setup.capacity[:, p] / chain_start

    schedule = build_schedule(child)
    schedule.insurgency = psch.insurgency
    for p, q in pmap:
        for name in SCHEDULE_POWER_FIELDS:
            getattr(schedule, name)[p] = getattr(psch, name)[q]
    for o, q in omap:
        schedule.org_active[o] = psch.org_active[q]
        schedule.org_bias[o] = psch.org_bias[q]
        schedule.org_security[o] = psch.org_security[q]
        for p, pq in pmap:
            schedule.org_weights[o, p] = psch.org_weights[q, pq]

    n_inh = len(inherited)
    runs = []
    for i, seed in enumerate(np.asarray(pruns.seed).tolist()):
        r = initial_run_state(child, setup, int(seed))
        _carry_over(r, pruns.take(i), pmap, omap, n_inh)
        runs.append(r)
    world = World(setup, schedule, RunState.stack(runs), step=0, batch_ndim=1)
    new_powers = np.array([c not in pset.powers for c in setup.powers])
    if new_powers.any():
        _settle_new_powers(world, params, new_powers)
    return world


def _carry_over(r: RunState, prev: RunState, pmap, omap, n_inh: int) -> None:
    """Copy one run's end state of the parent into the child's initial state, by code."""
    for name, layout in RUNSTATE_LAYOUT.items():
        new, old = getattr(r, name), getattr(prev, name)
        if layout == "own":
            continue
        if layout == "state_power":
            for p, q in pmap:
                new[:, p] = old[:, q]
        elif layout == "state_partner":  # the powers, then the rest of the world (last)
            for p, q in pmap:
                new[:, p] = old[:, q]
            new[:, -1] = old[:, -1]
        elif layout == "state":
            new[:] = old
        elif layout == "state_org":
            for o, q in omap:
                new[:, o] = old[:, q]
        elif layout == "power":
            for p, q in pmap:
                new[p] = old[q]
        elif layout == "scalar":
            setattr(r, name, np.asarray(old).copy())
        elif layout == "slot":
            new[:n_inh] = old
        else:  # pragma: no cover - the table above names only these layouts
            raise ValueError(layout)


def _settle_new_powers(world: World, params, new_powers: np.ndarray) -> None:
    """A power new in the continued scenario starts at rest, by the same rules as any run's start
    (sim.core.step.settle_stocks and settle_power): offers at the level its effort sustains (more for members of
    the organisations it sponsors), its sense of encroachment at the level its rivals' democracy promotion
    sustains, then each state's leaning toward it such that its initial alignment is the target."""
    from sim.core import step as rules
    from sim.core.rules.alignment import affinity_at_rest

    r = world.runs
    offers = rules.settle_stocks(world, params)["offers"]
    r.offers[...] = np.where(np.broadcast_to(new_powers, r.offers.shape), offers, r.offers)
    encroachment = rules.settle_power(world, params)["encroachment"]
    r.encroachment[...] = np.where(np.broadcast_to(new_powers, r.encroachment.shape), encroachment, r.encroachment)
    rest = affinity_at_rest(r.alignment, rules.state_pulls(world, params))
    r.affinity[...] = np.where(np.broadcast_to(new_powers, r.affinity.shape), rest, r.affinity)


def _month_after(month: str) -> str:
    from sim.scenario.schema import month_index, month_text

    return month_text(month_index(month) + 1)


__all__ = ["RUNSTATE_LAYOUT", "Slot", "continued_world", "parent_path"]
