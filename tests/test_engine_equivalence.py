"""The batch engine and the Mesa model are one model: every output table is the same to the bit, for many
random parameter sets and seeds, whatever the batch size or the run's place in the batch."""

import numpy as np
import pandas as pd
import pytest
from conftest import REPLAY, SCENARIOS

from sim.core.parameters import PARAMETERS, make_params
from sim.outputs import tables
from sim.scenario import load_scenario
from sim.simulate import merge_records

TABLES = ("timeseries", "drivers", "states", "powers", "decisions", "events")


def random_params(rng: np.random.Generator) -> dict:
    values = {}
    for p in PARAMETERS:
        v = rng.uniform(p.low, p.high)
        values[p.name] = float(round(v)) if p.integer else float(v)
    return values


def mesa_record(sc, values, seed):
    from sim.model import GreatGameModel
    from sim.recorders import FullRecorder

    model = GreatGameModel(sc, seed=seed, **values)
    model.recorder = FullRecorder()
    model.run()
    return model.recorder


def batch_record(sc, rows, seeds):
    from sim.engine import BatchEngine
    from sim.recorders import FullRecorder

    rec = FullRecorder()
    BatchEngine(sc, rows, seeds).run(rec)
    return rec


def frames(rec, seeds):
    return {name: getattr(tables, name)(rec, seeds) for name in TABLES}


def only_run(df: pd.DataFrame, run: int) -> pd.DataFrame:
    return df[df.run == run].assign(run=0).reset_index(drop=True)


def check_equal(sc, n_sets: int, seed: int):
    rng = np.random.default_rng(seed)
    sets = [random_params(rng) for _ in range(n_sets)]
    seeds = [int(s) for s in rng.integers(0, 2**31, size=n_sets)]
    # the batch: the random sets in a shuffled order, padded with default runs around them
    order = rng.permutation(n_sets)
    rows = [make_params()] + [sets[i] for i in order] + [make_params()]
    bseeds = [999] + [seeds[i] for i in order] + [998]
    batch = frames(batch_record(sc, rows, bseeds), bseeds)
    for i in range(n_sets):
        pos = 1 + int(np.where(order == i)[0][0])
        mesa = frames(mesa_record(sc, sets[i], seeds[i]), [seeds[i]])
        for name in TABLES:
            pd.testing.assert_frame_equal(mesa[name], only_run(batch[name], pos), check_exact=True, obj=name)


def test_replay_tables_identical_for_random_parameters_and_seeds(replay):
    check_equal(replay, n_sets=6, seed=2024)


def test_outlook_tables_identical_for_random_parameters_and_seeds():
    outlooks = sorted(SCENARIOS.glob("outlook_*.yaml"))
    if not outlooks:
        pytest.skip("no outlook scenario in scenarios/")
    check_equal(load_scenario(outlooks[0]), n_sets=3, seed=7)


def test_batch_size_does_not_change_a_run(replay):
    values = random_params(np.random.default_rng(1))
    one = frames(batch_record(replay, [values], [77]), [77])
    many = frames(batch_record(replay, [make_params()] * 5 + [values] + [make_params()] * 3,
                               [1, 2, 3, 4, 5, 77, 6, 7, 8]), [1, 2, 3, 4, 5, 77, 6, 7, 8])
    for name in TABLES:
        pd.testing.assert_frame_equal(one[name], only_run(many[name], 5), check_exact=True, obj=name)


def test_mesa_batch_run_works_with_the_model():
    import mesa

    from sim.model import GreatGameModel

    results = mesa.batch_run(GreatGameModel, parameters={"scenario_file": str(REPLAY), "w_blame": [1.0, 3.0]},
                             rng=[1, 2], number_processes=1, max_steps=200, display_progress=False)
    assert len({r["RunId"] for r in results}) == 4  # one row per agent and run (8 agents)
    assert len(results) == 4 * 8
    assert {r["w_blame"] for r in results} == {1.0, 3.0}
    assert all(r["date"] == "2008-12" for r in results)
    # a run inside batch_run is the same run as a direct one with that seed
    direct = GreatGameModel(REPLAY, seed=2, w_blame=3.0).run()
    row = [r for r in results if r["w_blame"] == 3.0 and r["seed"] == 2][0]
    assert row["afghan_threat"] == float(direct.world.runs.afghan_threat)


def test_merge_records_keeps_runs_apart(replay):
    a = mesa_record(replay, make_params(), 1)
    b = mesa_record(replay, make_params(), 2)
    merged = frames(merge_records([a, b]), [1, 2])
    batch = frames(batch_record(replay, [make_params()] * 2, [1, 2]), [1, 2])
    for name in TABLES:
        pd.testing.assert_frame_equal(merged[name], batch[name], check_exact=True, obj=name)


def test_a_mesa_scenario_object_keeps_the_scenario_files_parameters(tmp_path):
    from conftest import write_whatif

    from sim.model import GreatGameModel, GreatGameScenario

    path = write_whatif(tmp_path, "weights", "parameters: {w_blame: 4.5, noise_sd: 0.01}\n", extends=REPLAY)
    model = GreatGameModel(scenario=GreatGameScenario(rng=3, scenario_file=str(path), noise_sd=0.02))
    assert model.param_values["w_blame"] == 4.5  # from the file
    assert model.param_values["noise_sd"] == 0.02  # set explicitly
    assert model.seed == 3


def test_a_sweep_run_on_the_mesa_model_gives_the_same_store(tmp_path):
    """run.py sweep --engine mesa: every outcome and kept time series equal the batch engine's to the bit."""
    from conftest import ROOT

    from sim.sweep.runner import run_sweep

    sweep = ROOT / "tests" / "fixtures" / "sweep_small.yaml"
    kw = dict(executor="local", workers=1, progress=False, chunk_size=6)
    batch = run_sweep(sweep, out=tmp_path / "batch", engine="batch", **kw)
    mesa_ = run_sweep(sweep, out=tmp_path / "mesa", engine="mesa", **kw)
    a = pd.read_parquet(batch / "outcomes").sort_values("run").reset_index(drop=True)
    b = pd.read_parquet(mesa_ / "outcomes").sort_values("run").reset_index(drop=True)
    assert (a.status == "ok").all() and len(a) == 12
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    if (batch / "timeseries").exists():
        ta = pd.read_parquet(batch / "timeseries").sort_values(["run", "date", "state", "power"]).reset_index(drop=True)
        tb = pd.read_parquet(mesa_ / "timeseries").sort_values(["run", "date", "state", "power"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(ta, tb, check_exact=True)
