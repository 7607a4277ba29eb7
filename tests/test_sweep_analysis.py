"""Sweep analysis: sensitivity indices recover known answers (Ishigami for Sobol, a linear model for Morris,
grid and RBD-FAST), through the whole store-to-analysis path; PRIM finds a planted box; analyze and compare
write their folders and refuse bad input with exit code 2."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPLAY, ROOT

from sim.cli import UsageError, main
from sim.sweep.chunks import ChunkResult
from sim.sweep.designs import unit_sample
from sim.sweep.discovery import discover
from sim.sweep.loader import load_sweep
from sim.sweep.runner import build_manifest, plan, run_sweep
from sim.sweep.schema import Sweep
from sim.sweep.sensitivity import indices
from sim.sweep.store import SweepStore

ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]
PARAMS = {"alignment_rate": {"low": 0.02, "high": 0.3}, "w_blame": {"low": 0.0, "high": 8.0},
          "w_economy": {"low": 0.0, "high": 4.0}}


def spec(design: dict) -> Sweep:
    return Sweep.model_validate(dict(name="t", title="t", description="t", scenario="x.yaml", parameters=PARAMS,
                                     design=design, outcomes={"y": {"kind": "alignment_at", "state": "UZB",
                                                                    "power": "USA", "date": "2000-01"}}))


def ishigami(U: np.ndarray) -> np.ndarray:
    X = -np.pi + 2 * np.pi * U
    return np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_sobol_indices_of_the_ishigami_function():
    s = spec({"method": "sobol", "samples": 1024, "seed": 5})
    U = unit_sample(s)
    df = indices("sobol", list(PARAMS), U, ishigami(U), seed=1).set_index(["index", "parameter"]).value
    for j, p in enumerate(PARAMS):
        assert df["S1", p] == pytest.approx(ISHIGAMI_S1[j], abs=0.05)
        assert df["ST", p] == pytest.approx(ISHIGAMI_ST[j], abs=0.06)


def test_sobol_intervals_depend_only_on_the_seed():
    s = spec({"method": "sobol", "samples": 256, "seed": 5})
    U = unit_sample(s)
    first, again = (indices("sobol", list(PARAMS), U, ishigami(U), seed=0, num_resamples=50) for _ in range(2))
    np.random.seed(123)  # numpy's global generator must not matter
    third = indices("sobol", list(PARAMS), U, ishigami(U), seed=0, num_resamples=50)
    assert first.equals(again) and first.equals(third)
    assert not first.conf.equals(indices("sobol", list(PARAMS), U, ishigami(U), seed=1, num_resamples=50).conf)


@pytest.mark.parametrize(("D", "N", "seed"), [(15, 1024, 0), (3, 256, 7), (4, 16, 2)])
def test_sobol_indices_are_salibs_to_the_bit(D, N, seed):
    """sim.sweep.sobol computes the resampled variance once; every index and interval stays SALib's."""
    from SALib.analyze import sobol

    from sim.sweep.designs import unit_problem
    from sim.sweep.sobol import first_total

    g = np.random.default_rng(seed)
    for Y in (g.normal(size=N * (D + 2)) ** 3, np.round(g.random(N * (D + 2)))):
        names = [f"p{i}" for i in range(D)]
        want = sobol.analyze(unit_problem(names), Y, calc_second_order=False, num_resamples=60, conf_level=0.9,
                             seed=np.random.default_rng(seed))
        got = first_total(Y, D, 60, 0.9, np.random.default_rng(seed))
        for k in ("S1", "S1_conf", "ST", "ST_conf"):
            assert np.asarray(want[k]).tobytes() == got[k].tobytes(), k
    with pytest.raises(RuntimeError, match="Incorrect number of samples"):
        first_total(np.zeros(N * (D + 2) + 1), D, 10, 0.95, np.random.default_rng(0))


def test_the_stored_z_scores_are_scipys():
    """sim.sweep.sobol keeps scipy's normal quantiles of the usual confidence levels (so an analysis need not
    import scipy); each must be scipy's to the bit, and any other level still goes to scipy."""
    from scipy.special import ndtri

    from sim.sweep.sobol import Z_SCORES, z_score

    assert 0.95 in Z_SCORES
    for level, z in Z_SCORES.items():
        assert z == float(ndtri(0.5 + level / 2)), level
    assert z_score(0.8) == float(ndtri(0.9))


def test_second_order_sobol_finds_the_ishigami_interaction():
    s = spec({"method": "sobol", "samples": 1024, "seed": 5, "second_order": True})
    U = unit_sample(s)
    assert len(U) == 1024 * 8
    df = indices("sobol", list(PARAMS), U, ishigami(U), second_order=True, seed=1).set_index(["index", "parameter"])
    assert df.value["S2", "alignment_rate*w_economy"] == pytest.approx(0.2437, abs=0.08)  # x1 with x3
    assert df.value["S2", "alignment_rate*w_blame"] == pytest.approx(0.0, abs=0.08)


def test_morris_ranks_a_linear_model_exactly():
    s = spec({"method": "morris", "trajectories": 30, "levels": 4, "seed": 2})
    U = unit_sample(s)
    df = indices("morris", list(PARAMS), U, 10 * U[:, 0] + U[:, 1], levels=4).set_index(["index", "parameter"]).value
    assert df["mu_star"].tolist() == pytest.approx([10.0, 1.0, 0.0])
    assert df["sigma"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)


def test_grid_main_effects_and_rbd_fast():
    s = spec({"method": "grid", "levels": 3})
    U = unit_sample(s)
    assert len(U) == 27
    df = indices("grid", list(PARAMS), U, 2 * U[:, 0] + U[:, 1]).set_index("parameter").value
    assert df.tolist() == pytest.approx([0.8, 0.2, 0.0])  # variance shares 4:1:0
    s = spec({"method": "lhs", "samples": 600, "seed": 4})
    U = unit_sample(s)
    df = indices("lhs", list(PARAMS), U, 4 * U[:, 0] + U[:, 1]).set_index("parameter").value
    assert df.tolist() == pytest.approx([16 / 17, 1 / 17, 0.0], abs=0.08)


def known_store(tmp_path: Path) -> Path:
    """A real store of a Sobol sweep whose outcome is the Ishigami function of the unit coordinates (the
    same value for both replications), written through the store like a sweep's chunks."""
    path = tmp_path / "ishigami.yaml"
    path.write_text(yaml.safe_dump(dict(
        name="ishigami", title="Known answers", description="Ishigami outcome", scenario=str(REPLAY),
        parameters=PARAMS, design={"method": "sobol", "samples": 1024, "seed": 5}, replications=2,
        outcomes={"y": {"kind": "alignment_at", "state": "UZB", "power": "USA", "date": "2000-01"}},
        discovery=[{"name": "high", "condition": "y > 8"}])))
    sweep = load_sweep(path)
    points, runs = plan(sweep)
    manifest = build_manifest(sweep, points, runs, 2048)
    store = SweepStore(tmp_path / "store")
    store.open(manifest, path.read_text(), points, runs)
    U = points[[f"u_{p}" for p in PARAMS]].to_numpy()
    y = np.repeat(ishigami(U), 2)
    for i in range(manifest["chunks"]):
        ids = np.arange(i * 2048, min(len(runs), (i + 1) * 2048))
        store.write_chunk(ChunkResult(i, ids, {"y": y[ids]}, np.zeros(len(ids), bool), [""] * len(ids)), ["y"])
    m = store.manifest()
    m["status"] = "complete"
    store.write_manifest(m)
    return store.folder


def test_analyze_recovers_known_indices_from_a_store(tmp_path, capsys):
    folder = known_store(tmp_path)
    assert main(["analyze", str(folder), "--quiet"]) == 0
    out = folder / "analysis"
    sens = pd.read_csv(out / "sensitivity.csv").set_index(["index", "parameter"]).value
    for j, p in enumerate(PARAMS):
        assert sens["S1", p] == pytest.approx(ISHIGAMI_S1[j], abs=0.05)
        assert sens["ST", p] == pytest.approx(ISHIGAMI_ST[j], abs=0.06)
    text = (out / "analysis.md").read_text()
    line = next(x for x in text.splitlines() if x.startswith("- **y**"))
    assert "Driven by `alignment_rate` (total 0.5" in line and "then `w_blame`" in line and "then `w_economy`" in line
    assert "interactions with other parameters: `alignment_rate`, `w_economy`" in line  # ST - S1 > 0.1
    assert "## Scenario discovery" in text and "### high" in text
    for f in ("distributions.png", "response_y.png", "sensitivity_heatmap.png", "discovery_high.png"):
        assert (out / "figures" / f).stat().st_size > 1000
    boxes = pd.read_csv(out / "discovery_boxes.csv")
    assert set(boxes.parameter) == set(PARAMS)


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.random((3000, 4)), columns=list("abcd"))
    X["e"] = rng.integers(0, 3, 3000).astype(float)  # a parameter with three values
    y = ((X.a > 0.5) & (X.b < 0.5) & (X.e == 2)).to_numpy()  # 8 % of the runs, above PRIM's 5 % floor
    d = discover(X, list(X.columns), y)
    assert set(d["restricted"]) == {"a", "b", "e"}
    assert d["restricted"]["a"][0] == pytest.approx(0.5, abs=0.05)
    assert d["restricted"]["b"][1] == pytest.approx(0.5, abs=0.05)
    assert d["restricted"]["e"] == (2.0, 2.0)
    assert d["box"].density > 0.9 and d["box"].coverage > 0.8
    assert d["base_rate"] == pytest.approx(y.mean())
    t = d["trajectory"]
    assert t.coverage.iloc[0] == 1.0 and t.mass.is_monotonic_decreasing


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("an") / "small"
    return run_sweep(ROOT / "tests" / "fixtures" / "sweep_small.yaml", workers=1, out=out, progress=False)


def test_analyze_a_real_sweep_with_a_command_line_condition(small_store, capsys):
    code = main(["analyze", str(small_store), "--condition", "short_manas: manas_months < 32", "--quiet"])
    assert code == 0
    text = (small_store / "analysis" / "analysis.md").read_text()
    assert "### short_manas: `manas_months < 32`" in text and "### k2_kept" in text
    assert "RBD-FAST needs at least 30" in text  # six points are too few, and it says so
    assert "k2_opened" in pd.read_csv(small_store / "analysis" / "outcome_summary.csv").outcome.tolist()


@pytest.mark.parametrize("args,needle", [
    (["--condition", "x: nope > 1"], "unknown outcome 'nope'"),
    (["--condition", "x: joins >> 1"], "cannot read"),
    (["--min-coverage", "0"], "--min-coverage"),
])
def test_analyze_bad_options_exit_2(small_store, capsys, args, needle):
    assert main(["analyze", str(small_store), *args]) == 2
    assert needle in capsys.readouterr().err


def test_analyze_refuses_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text('{"scenario": "replay_1999_2008"}')
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not of a sweep" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "missing")]) == 2


def test_compare_sweeps_side_by_side(small_store, tmp_path):
    from sim.sweep.compare import compare_results

    other = run_sweep(ROOT / "tests" / "fixtures" / "sweep_small.yaml", workers=1, out=tmp_path / "twin",
                      progress=False, chunk_size=5)
    out = compare_results([small_store, other], tmp_path / "cmp")
    summary = pd.read_csv(out / "outcome_summary.csv")
    assert set(summary.sweep) == {"sweep_small (small)", "sweep_small (twin)"}
    shifts = pd.read_csv(out / "shifts.csv")
    assert (shifts.mean_shift == 0).all() and (shifts.p_higher == 0.5).all()  # the same sweep twice
    assert (out / "figures" / "uzb_usa_2004.png").exists() and "## uzb_usa_2004" in (out / "comparison.md").read_text()
    with pytest.raises(UsageError, match="not a sweep"):
        compare_results([small_store, tmp_path], tmp_path / "cmp2")


def test_response_bins_and_sample_are_pandas():
    """The response figures bin and sample the runs with numpy, as pandas' qcut and DataFrame.sample did
    (so a drawing process needs no pandas): the same bins and the same runs."""
    from sim.sweep.figures import _bins, _sample

    g = np.random.default_rng(3)
    for x in (g.random(5000), np.round(g.random(4000), 2), np.r_[np.zeros(3000), g.random(700)],
              g.integers(0, 8, 900).astype(float), np.r_[np.ones(50), 2.0, 3.0] * 1.5):
        want = pd.qcut(x, 10, labels=False, duplicates="drop") if len(np.unique(x)) > 12 else None
        got = _bins(x)
        if want is not None:
            assert np.array_equal(got, np.asarray(want, dtype=np.int64))
        else:
            assert np.array_equal(got, np.searchsorted(np.unique(x), x))
    frame = pd.DataFrame({"v": np.arange(9000)})
    for n, size, seed in ((9000, 3000, 0), (2500, 2500, 4), (10, 3, 1)):
        want = frame.iloc[:n].sample(n=size, random_state=seed).v.to_numpy()
        assert np.array_equal(_sample(n, size, seed), want)


def test_every_response_panel_has_its_y_axis(tmp_path):
    """The y axis of a response figure is drawn once and its pixels copied beside the other panels: each
    panel has tick labels at its left, at the same heights as if it had drawn its own."""
    from PIL import Image

    from sim.sweep import figures

    g = np.random.default_rng(0)
    params = [f"p{i}" for i in range(6)]
    table = {p: g.random(2000) for p in params}
    table["y"] = sum(table.values()) + g.normal(size=2000)
    copied = np.asarray(Image.open(figures.responses_all(table, params, ["y"], tmp_path)[0]).convert("L"))
    own = tmp_path / "own"
    own.mkdir()
    shared = figures._draw_y_axes
    figures._draw_y_axes = lambda fig, axes, below: [ax.draw_artist(ax.yaxis) for ax in axes]
    try:
        drawn = np.asarray(Image.open(figures.responses_all(table, params, ["y"], own)[0]).convert("L"))
    finally:
        figures._draw_y_axes = shared
    assert copied.shape == drawn.shape
    dark = (copied < 128).sum(axis=0), (drawn < 128).sum(axis=0)  # dark pixels in each column
    assert np.abs(dark[0] - dark[1]).sum() < 0.02 * dark[1].sum()
    differ = np.abs(copied.astype(int) - drawn.astype(int)) > 64
    assert differ.mean() < 0.002
