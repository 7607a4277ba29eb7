"""The month's memoised values (sim.core.step._memo): computed again whenever an input's bits change, and,
inside a phase that only reads the world (``read_only``), checked once per phase."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.core import step as stp


def _world():
    return SimpleNamespace(extra={}, setup=object(), runs=SimpleNamespace(x=np.zeros(4)))


def test_memo_recomputes_when_an_input_changes_and_checks_once_per_read_only_phase():
    world, params = _world(), {}
    calls = []

    def value():
        calls.append(1)
        return world.runs.x.sum()

    def get():
        return stp._memo(world, "v", params, (world.runs.x,), value)

    assert get() == 0.0 and get() == 0.0 and len(calls) == 1
    world.runs.x[0] = 2.0
    assert get() == 2.0 and len(calls) == 2  # outside a phase, every call compares the inputs
    world.runs.x[1] = -0.0
    assert get() == 2.0 and len(calls) == 3  # -0.0 is not 0.0
    with stp.read_only(world):
        assert get() == 2.0 and len(calls) == 3  # checked against its inputs: still valid
        world.runs.x[2] = 1.0  # (a write the phase promises not to make)
        assert get() == 2.0 and len(calls) == 3  # not checked again within the phase
    assert get() == 3.0 and len(calls) == 4
    world.runs.x[3] = 4.0
    with stp.read_only(world):  # a new phase checks the value of the last one
        assert get() == 7.0 and len(calls) == 5
        assert get() == 7.0 and len(calls) == 5
    assert world.extra.get("_read_only") is None
    other = {}
    assert stp._memo(world, "v", other, (world.runs.x,), value) == 7.0 and len(calls) == 6  # other parameters


def test_read_only_ends_on_an_error():
    world = _world()
    try:
        with stp.read_only(world):
            raise ValueError
    except ValueError:
        pass
    assert world.extra.get("_read_only") is None
