"""The Mesa model computes what all agents of a kind compute alike once per month and gives each agent its
row: a row must be, to the bit, what the agent's own call of the rule with its index gives."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPLAY

from sim.core import step as rules


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _same_dicts(row, own):
    assert row.keys() == own.keys()
    for name in own:
        if name == "slots":
            assert row[name] == own[name]
        else:
            _same(row[name], own[name])


@pytest.mark.parametrize("months", [0, 35, 70])
def test_rows_of_the_shared_phases_are_each_agents_own(months):
    from sim.model import GreatGameModel

    m = GreatGameModel(str(REPLAY), seed=4)
    for _ in range(months):
        m.step()
    w, p = m.world, m.params
    powers, states = rules.power_phase(w, p), rules.state_phase(w, p)
    for i in range(w.setup.P):
        _same_dicts(rules.power_row(w, powers, i), rules.power_phase(w, p, i))
    for s in range(w.setup.S):
        _same_dicts(rules.state_row(w, states, s), rules.state_phase(w, p, s))
    decisions = rules.decision_phase(w, p)
    for s in range(w.setup.S):
        _same_dicts(rules.decision_row(w, decisions, s), rules.decision_phase(w, p, s))
    assert any(rules.decision_row(w, decisions, s)["slots"] for s in range(w.setup.S))


def test_model_step_shares_only_within_the_step():
    from sim.model import GreatGameModel

    m = GreatGameModel(str(REPLAY), seed=4)
    m.step()
    assert m.shared("states", lambda: 1 / 0) is None  # outside a step: each agent computes its own
    m.state_agents[2].step()  # stepped on its own, the agent calls the rules with its index
    _same_dicts(m.state_agents[2]._next, rules.state_phase(m.world, m.params, 2))
