"""Scenarios that ``continue`` another: each run starts from its own end state of the earlier scenario.

An outlook from 2009 runs the 1999-2008 replay first with the same parameters and seed, then carries
over, by code, every state's alignment, leanings, threats, blame, ties and memberships, every power's
attention, stance and sense of threat, the organisations and the bases and deals in place. A power the
later scenario adds (the EU, say) starts from that scenario's initial alignments, at rest.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.parameters import batch_params, single_params
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.world import RunState, Slot, World, build_schedule, build_setup, initial_run_state


def _run_parent(parent: LoadedScenario, param_rows, seeds, engine: str) -> World:
    if engine == "mesa":
        from sim.model import GreatGameModel

        (values,), (seed,) = param_rows, seeds
        return GreatGameModel(parent, seed=seed, **values).run().world
    from sim.engine import BatchEngine

    eng = BatchEngine(parent, param_rows, seeds)
    eng.run()
    return eng.world


def continued_world(child: LoadedScenario, param_rows: list[dict], seeds: list[int], engine: str = "batch"):
    parent = load_scenario(child.path.parent / child.spec.continues)
    if parent.end + 1 != child.start:
        from sim.scenario.errors import ScenarioError

        raise ScenarioError(str(child.path), f"continues {child.spec.continues}, which ends {parent.spec.period.end}: "
                                             "the period must start the month after", field="period.start")
    pw = _run_parent(parent, param_rows, seeds, engine)
    pset, psch, pruns = pw.setup, pw.schedule, pw.runs
    batch = engine != "mesa"
    inherited = [dataclasses.replace(sl, month=-1, window=0) for sl in pset.slots]
    setup = build_setup(child)
    setup.slots = inherited + setup.slots
    # the structural trade tie carries over, grown by the parent's capacity change
    for s in range(setup.S):
        for p, code in enumerate(setup.powers):
            if code in pset.powers:
                q = pset.powers.index(code)
                setup.trade0[s, p] = min(1.0, pset.trade0[s, q] * pset.capacity_ratio[-1, q])
    schedule = build_schedule(child)
    pmap = [(p, pset.powers.index(c)) for p, c in enumerate(setup.powers) if c in pset.powers]
    omap = [(o, pset.orgs.index(c)) for o, c in enumerate(setup.orgs) if c in pset.orgs]
    schedule.insurgency = psch.insurgency
    for p, q in pmap:
        for name in ("operations", "distraction", "conditionality", "base_attention", "reach"):
            getattr(schedule, name)[p] = getattr(psch, name)[q]
    for o, q in omap:
        schedule.org_active[o] = psch.org_active[q]
        schedule.org_bias[o] = psch.org_bias[q]
        schedule.org_security[o] = psch.org_security[q]
        for p, pq in pmap:
            schedule.org_weights[o, p] = psch.org_weights[q, pq]

    n_inh = len(inherited)
    runs = []
    for i, seed in enumerate(seeds):
        prev = pruns.take(i) if batch else pruns
        r = initial_run_state(child, setup, seed)
        for p, q in pmap:
            for name in ("alignment", "affinity", "blame", "offers", "economy", "deal_gain"):
                getattr(r, name)[:, p] = getattr(prev, name)[:, q]
            for name in ("own_threat", "encroachment", "attention", "stance", "stance_months"):
                getattr(r, name)[p] = getattr(prev, name)[q]
        for name in ("local_threat", "regime_threat", "openness"):
            getattr(r, name)[:] = getattr(prev, name)
        r.afghan_threat = np.asarray(prev.afghan_threat).copy()
        for o, q in omap:
            r.member[:, o] = prev.member[:, q]
            r.member_months[:, o] = prev.member_months[:, q]
        r.slot_status[:n_inh] = prev.slot_status
        r.slot_months[:n_inh] = prev.slot_months
        runs.append(r)
    world = World(setup, schedule, RunState.stack(runs) if batch else runs[0], step=0, batch_ndim=1 if batch else 0)
    new_powers = np.array([c not in pset.powers for c in setup.powers])
    if new_powers.any():
        mask = np.broadcast_to(new_powers, (setup.S, setup.P))
        if batch:
            from sim.engine import settle_affinity

            settle_affinity(world, batch_params(param_rows), mask)
        else:
            from sim import step as rules
            from sim.rules.alignment import affinity_at_rest

            params = single_params(param_rows[0])
            for s in range(setup.S):
                terms = rules.state_pulls(world, params, s)
                new = affinity_at_rest(world.runs.alignment[s], terms)
                world.runs.affinity[s] = np.where(mask[s], new, world.runs.affinity[s])
    return world


__all__ = ["continued_world", "Slot"]
