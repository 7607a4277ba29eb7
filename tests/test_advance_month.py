"""sim.core.step.advance_month runs the month's phases in the documented order, as the Mesa model's agents do:
the batch engine's month equals the phases called one by one, and a Mesa step, to the bit."""

from __future__ import annotations

import copy
from dataclasses import fields

import numpy as np
from conftest import REPLAY

from sim.core import step as st
from sim.core.parameters import batch_params, make_params
from sim.core.start import initial_world
from sim.model import GreatGameModel
from sim.scenario import load_scenario


def _same(a, b) -> None:
    for f in fields(a.runs):
        np.testing.assert_array_equal(getattr(a.runs, f.name), getattr(b.runs, f.name), err_msg=f.name)


class _Applied:
    """A recorder that notes how many events each month applied."""

    def __init__(self):
        self.seen = []

    def record(self, world, drivers, decisions, applied) -> None:
        self.seen.append(len(applied))


def test_advance_month_is_the_phases_in_order():
    sc = load_scenario(REPLAY)
    rows = [make_params(), make_params({"w_blame": 2.0})]
    world = initial_world(sc, rows, [3, 4])
    params = batch_params(rows)
    for _ in range(40):  # through 2002-04: the war, the asks, the bases
        by_hand = copy.deepcopy(world)
        applied = st.events_phase(by_hand, params)
        power_new = st.power_phase(by_hand, params)
        policy = st.policy_phase(by_hand, params, by_hand.extra["controllers"])
        state_new = st.state_phase(by_hand, params)
        env_new = st.environment_phase(by_hand, params)
        st.commit(by_hand, power_new, state_new, env_new)
        st.commit_policy(by_hand, params, policy)
        st.commit_decisions(by_hand, st.decision_phase(by_hand, params))
        by_hand.step += 1
        recorder = _Applied()
        st.advance_month(world, params, world.extra["controllers"], recorder)
        _same(world, by_hand)
        assert recorder.seen == [len(applied)] and world.step == by_hand.step


def test_a_mesa_step_is_the_batch_month_of_its_run():
    sc = load_scenario(REPLAY)
    model = GreatGameModel(sc, seed=5)
    world = initial_world(sc, [model.param_values], [5])
    for _ in range(36):
        model.step()
        st.advance_month(world, batch_params([model.param_values]), world.extra["controllers"])
    for f in fields(world.runs):
        np.testing.assert_array_equal(getattr(world.runs, f.name)[0], getattr(model.world.runs, f.name),
                                      err_msg=f.name)
