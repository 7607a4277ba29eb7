"""The batch engine: N runs of one scenario advanced at once as arrays, with the same step functions as the
Mesa model (sim.step), each run with its own parameters and seed.

    engine = BatchEngine(scenario, [params_run0, params_run1, ...], seeds=[1, 2, ...])
    engine.run(recorder)

A recorder receives each month's world, drivers, decisions and applied events; ``FullRecorder`` keeps the
full time series (for ``run.py run``), others keep only what a sweep's outcomes need.
"""

from __future__ import annotations

import numpy as np

from sim import step as st
from sim.parameters import batch_params
from sim.rules.arrays import logit
from sim.scenario.loader import LoadedScenario
from sim.world import RunState, World, build_schedule, build_setup, initial_run_state
from sim.world_checks import check_finite


class BatchEngine:
    def __init__(self, scenario: LoadedScenario, param_rows: list[dict], seeds: list[int], controllers=None):
        if len(param_rows) != len(seeds):
            raise ValueError("one parameter set per seed is needed")
        self.scenario = scenario
        self.params = batch_params(param_rows)
        self.seeds = [int(s) for s in seeds]
        self.world = initial_world(scenario, param_rows, self.seeds, controllers)
        self.controllers = self.world.extra["controllers"]

    @property
    def n(self) -> int:
        return len(self.seeds)

    def step(self, recorder=None) -> None:
        w, p = self.world, self.params
        applied = st.events_phase(w, p)
        power_new = st.power_phase(w, p)
        policy = st.policy_phase(w, p, self.controllers)
        state_new = st.state_phase(w, p)
        env_new = st.environment_phase(w, p)
        st.commit(w, power_new, state_new, env_new)
        st.commit_policy(w, p, policy)
        dec = st.decision_phase(w, p)
        st.commit_decisions(w, dec)
        check_finite(w)  # no NaN or infinity ever reaches a recorder
        if recorder is not None:
            recorder.record(w, state_new["drivers"], dec, applied)
        w.step += 1

    def run(self, recorder=None):
        for _ in range(self.world.setup.months - self.world.step):
            self.step(recorder)
        return recorder


def initial_world(scenario: LoadedScenario, param_rows: list[dict], seeds: list[int], controllers=None) -> World:
    """The batch's world at the start of the period: the scenario's initial conditions, or, for a scenario
    that ``continues`` another, each run's own end state of that scenario (same parameters and seed).
    ``controllers`` (one per power, sim.controllers) default to those the scenario's powers declare."""
    from sim.controllers import default_controllers

    if scenario.spec.continues:
        from sim.continuation import continued_world

        world = continued_world(scenario, param_rows, seeds)
        world.extra["controllers"] = controllers or default_controllers(world.setup)
        return world
    setup = build_setup(scenario)
    schedule = build_schedule(scenario)
    runs = _tile(initial_run_state(scenario, setup, 0), seeds)
    world = World(setup, schedule, runs, step=0, batch_ndim=1)
    world.extra["controllers"] = controllers = controllers or default_controllers(setup)
    params = batch_params(param_rows)
    st.commit(world, st.settle_power(world, params), {}, {})
    st.commit_policy(world, params, st.settle_policy(world, params, controllers))
    st.commit(world, {}, st.settle_stocks(world, params), {})
    settle_affinity(world, params)
    st.settle_tastes(world, params)
    return world


def _tile(one: RunState, seeds: list[int]) -> RunState:
    """N copies of one run's initial state (runs of a scenario differ only by their seed at the start)."""
    from dataclasses import fields

    n = len(seeds)
    out = {f.name: np.repeat(getattr(one, f.name)[None], n, axis=0) for f in fields(RunState)}
    out["seed"] = np.asarray(seeds, dtype=np.uint64)
    return RunState(**out)


def settle_affinity(world: World, params, mask: np.ndarray | None = None) -> None:
    """Set each state's affinity so its initial alignment is at rest: logit(alignment) - sum of pulls.

    mask (S, P) bool restricts it to some pairs (e.g. toward a power new in a continued scenario).
    """
    terms = st.state_pulls(world, params)
    from sim.rules.alignment import affinity_at_rest

    new = affinity_at_rest(world.runs.alignment, terms)
    world.runs.affinity[...] = new if mask is None else np.where(mask, new, world.runs.affinity)


__all__ = ["BatchEngine", "initial_world", "logit", "settle_affinity"]
