"""The initial world of a batch of runs, resolved before any engine starts.

For a scenario that starts from its own initial conditions, the world is built from the validated scenario
(sim.core.world) and settled at rest by the model's own rules (sim.core.step's settle functions): the powers' stances,
attention and help, the stocks their inflows sustain, the states' leanings and their tastes. For a scenario
that ``continues`` another, the earlier scenario's initial world is made the same way (recursively), run to
its end month by month (sim.core.step.advance_month, with the same parameters and seeds), and each run's end
state carried into the later scenario by sim.continuation. The flow is one way: scenario file, validated
scenario, initial world (this module), engine; neither engine imports back.

The Mesa model settles a fresh world agent by agent (the same rules, the same bits); for a continued
scenario it takes the run of ``initial_world`` without its batch axis (``single_run``).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import fields
from pathlib import Path

import numpy as np

from sim.core import step as st
from sim.core.parameters import batch_params
from sim.core.rules.alignment import affinity_at_rest
from sim.core.world import RunState, World, build_schedule, build_setup, initial_run_state
from sim.scenario.loader import LoadedScenario, load_scenario

# finished parent worlds, keyed by the parent's files, the parameters and the seeds (comparing outlooks
# reruns the same replay)
_PARENT_CACHE: OrderedDict = OrderedDict()
_PARENT_CACHE_SIZE = 2


def fresh_world(scenario: LoadedScenario, seeds: list[int]) -> World:
    """A batch's world at the scenario's initial conditions, not yet settled: N copies of one run's state."""
    setup = build_setup(scenario)
    one = initial_run_state(scenario, setup, 0)
    runs = {f.name: np.repeat(getattr(one, f.name)[None], len(seeds), axis=0) for f in fields(RunState)}
    runs["seed"] = np.asarray(seeds, dtype=np.uint64)
    return World(setup, build_schedule(scenario), RunState(**runs), step=0, batch_ndim=1)


def settle(world: World, params, controllers) -> None:
    """Start at rest, all runs at once: powers (stance, attention, encroachment), their help, the states'
    stocks and ties, their leanings (the affinity that makes the initial alignment the target), their tastes."""
    st.commit(world, st.settle_power(world, params), {}, {})
    st.commit_policy(world, params, st.settle_policy(world, params, controllers))
    st.commit(world, {}, st.settle_stocks(world, params), {})
    settle_affinity(world, params)
    st.settle_tastes(world, params)


def settle_affinity(world: World, params, mask: np.ndarray | None = None) -> None:
    """Set each state's affinity so its initial alignment is at rest: logit(alignment) - sum of pulls.

    mask (S, P) bool restricts it to some pairs (e.g. toward a power new in a continued scenario).
    """
    new = affinity_at_rest(world.runs.alignment, st.state_pulls(world, params))
    world.runs.affinity[...] = new if mask is None else np.where(mask, new, world.runs.affinity)


def initial_world(scenario: LoadedScenario, param_rows: list[dict], seeds: list[int], controllers=None) -> World:
    """The batch's world at the start of the period: the scenario's initial conditions at rest, or, for a
    scenario that ``continues`` another, each run's own end state of that scenario (same parameters and
    seed). ``controllers`` (one per power, sim.core.controllers) default to those the scenario's powers declare."""
    from sim.core.controllers import default_controllers

    if len(param_rows) != len(seeds):
        raise ValueError("one parameter set per seed is needed")
    seeds = [int(s) for s in seeds]
    params = batch_params(param_rows)
    if scenario.spec.continues:
        from sim.continuation import continued_world, parent_path

        parent = load_scenario(parent_path(scenario))
        world = continued_world(scenario, parent, _parent_end(parent, param_rows, seeds), params)
    else:
        world = fresh_world(scenario, seeds)
    world.extra["controllers"] = controllers = controllers or default_controllers(world.setup)
    if not scenario.spec.continues:
        settle(world, params, controllers)
    return world


def single_run(world: World) -> World:
    """The only run of a batch of one, without the batch axis (for the Mesa model)."""
    return World(world.setup, world.schedule, world.runs.take(0), step=world.step, batch_ndim=0,
                 extra=dict(world.extra))


def run_to_end(world: World, params, controllers, recorder=None) -> World:
    """Advance every run of the batch to the end of its period."""
    for _ in range(world.setup.months - world.step):
        st.advance_month(world, params, controllers, recorder)
    return world


def _cache_key(parent: LoadedScenario, param_rows, seeds) -> tuple:
    files = tuple((str(Path(f).resolve()), hashlib.sha256(Path(f).read_bytes()).hexdigest())
                  for f in parent.files)
    rows = tuple(tuple(sorted((k, float(v)) for k, v in row.items())) for row in param_rows)
    return files, str(Path(parent.path).resolve()), rows, tuple(int(s) for s in seeds)


def _parent_end(parent: LoadedScenario, param_rows, seeds) -> World:
    """The earlier scenario's world at the end of its period, every run with its own parameters and seed."""
    key = _cache_key(parent, param_rows, seeds)
    if key in _PARENT_CACHE:
        _PARENT_CACHE.move_to_end(key)
        return _PARENT_CACHE[key]
    world = initial_world(parent, param_rows, seeds)
    run_to_end(world, batch_params(param_rows), world.extra["controllers"])
    _PARENT_CACHE[key] = world
    while len(_PARENT_CACHE) > _PARENT_CACHE_SIZE:
        _PARENT_CACHE.popitem(last=False)
    return world


def clear_parent_cache() -> None:
    _PARENT_CACHE.clear()
