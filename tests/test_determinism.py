"""A run's result depends only on its scenario, parameters and seed: not on the engine or the batch."""

import numpy as np
from conftest import REPLAY

from sim.core.parameters import make_params
from sim.engine import BatchEngine
from sim.scenario import load_scenario


def run_batch(sc, seeds, rows=None):
    eng = BatchEngine(sc, rows or [make_params(sc.spec.parameters)] * len(seeds), seeds)
    eng.run()
    return eng.world.runs


def test_same_seed_same_result_and_different_seeds_differ(replay):
    a = run_batch(replay, [11, 12])
    b = run_batch(replay, [11, 12])
    assert np.array_equal(a.alignment, b.alignment)
    assert not np.array_equal(a.alignment[0], a.alignment[1])


def test_a_run_does_not_depend_on_its_batch(replay):
    alone = run_batch(replay, [42])
    rows = [make_params({"w_blame": 1.0}), make_params(), make_params({"w_security": 4.0})]
    inside = run_batch(replay, [7, 42, 99], rows)
    for name in ("alignment", "economy", "regime_threat", "member", "slot_status", "stance"):
        assert np.array_equal(getattr(inside, name)[1], getattr(alone, name)[0]), name


def test_the_mesa_model_and_the_batch_engine_agree_to_the_bit(replay):
    from sim.model import GreatGameModel

    batch = run_batch(replay, [3, 4])
    for i, seed in enumerate((3, 4)):
        model = GreatGameModel(replay, seed=seed).run()
        for name in ("alignment", "affinity", "economy", "blame", "regime_threat", "member", "slot_status",
                     "stance", "attention"):
            assert np.array_equal(getattr(model.world.runs, name), getattr(batch, name)[i]), name


def test_scenario_file_loading_is_deterministic():
    a, b = load_scenario(REPLAY), load_scenario(REPLAY)
    assert a.spec.model_dump() == b.spec.model_dump()
