"""The calibration machinery: the free-parameter file, CMA-ES point calibration, the ABC-SMC posterior,
runs drawn from a posterior, and the scores of ``run.py validate`` (all on tiny budgets)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPLAY, ROOT, run_cli, write_whatif

from sim.core.parameters import BY_NAME, DEFAULTS
from sim.free_parameters import DEFAULT_FILE, MAX_FREE, load_free_parameters
from sim.posterior import load_posterior, run_parameters
from sim.scenario.errors import ScenarioError
from sim.validation.spec import load_validation

CHECKPOINTS = ROOT / "scenarios" / "checkpoints" / "replay_1999_2008.yaml"
pytest.importorskip("cma")
pytest.importorskip("pyabc")


def script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "calibration" / name), *args], check=False, capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


# --- the free-parameter file --------------------------------------------------------------------------------

def test_the_shipped_free_parameters_cover_the_registry():
    free = load_free_parameters()
    assert 0 < len(free.free) <= MAX_FREE
    assert set(free.names) | set(free.fixed) == set(DEFAULTS)
    for p in free.free:
        assert BY_NAME[p.name].low <= p.low < p.high <= BY_NAME[p.name].high


def _edited(tmp_path, old: str, new: str):
    text = DEFAULT_FILE.read_text()
    assert old in text
    path = tmp_path / "free.yaml"
    path.write_text(text.replace(old, new, 1))
    line = text[:text.index(old)].count("\n") + 1
    return path, line


@pytest.mark.parametrize("old,new,words", [
    ("  w_blame:\n", "  w_blames:\n", "unknown parameter 'w_blames'"),
    ("  noise_sd: {", "  noise_sdd: {", "unknown parameter 'noise_sdd'"),
    ("prior: [0.2, 8.0]", "prior: [0.2, 60.0]", "inside the registry's range"),
    ("basis: theory, why: \"the memory", "basis: taste, why: \"the memory", "expected one of theory, data, convention"),
])
def test_a_bad_entry_names_the_file_and_its_line(tmp_path, old, new, words):
    path, line = _edited(tmp_path, old, new)
    with pytest.raises(ScenarioError) as err:
        load_free_parameters(path)
    assert str(path) in str(err.value) and words in str(err.value)
    assert err.value.line in (line, line + 1)


def test_every_parameter_must_be_free_or_fixed_and_not_both(tmp_path):
    text = DEFAULT_FILE.read_text()
    gone = "\n".join(x for x in text.splitlines() if not x.startswith("  request_window:"))
    (tmp_path / "a.yaml").write_text(gone)
    with pytest.raises(ScenarioError, match="not listed: request_window"):
        load_free_parameters(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text(text + '  w_blame: {basis: theory, why: "twice"}\n')
    with pytest.raises(ScenarioError, match="free and as fixed"):
        load_free_parameters(tmp_path / "b.yaml")


def test_no_more_than_fifteen_free(tmp_path):
    data = yaml.safe_load(DEFAULT_FILE.read_text())
    for name in list(data["fixed"])[:MAX_FREE + 1 - len(data["free"])]:
        p = BY_NAME[name]
        data["free"][name] = {"prior": [p.low, p.high], "why": "test"}
        del data["fixed"][name]
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match=f"at most {MAX_FREE}"):
        load_free_parameters(tmp_path / "c.yaml")


# --- the point calibration ----------------------------------------------------------------------------------

def test_point_calibration_keeps_or_improves_and_its_objective_is_reproducible(tmp_path):
    from sim.scenario import load_scenario
    from sim.validation.scoring import calibration_checkpoints, objective

    out = tmp_path / "point_early.yaml"
    proc = script("point.py", "--until", "2004", "--budget", "13", "--seeds", "2", "--popsize", "6",
                  "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    rec = yaml.safe_load(out.read_text())
    assert rec["until"] == 2004 and rec["candidates_scored"] == 13 and "--until 2004" in rec["command"]
    assert rec["objective"]["best_minimised"] <= rec["objective"]["start_minimised"]  # with the prior weight
    assert rec["prior_weight"] == 0.02
    free = load_free_parameters()
    assert list(rec["parameters"]) == free.names
    for p in free.free:
        assert p.low <= rec["parameters"][p.name] <= p.high
    v = load_validation(CHECKPOINTS)
    checks = calibration_checkpoints(v, 2004)
    assert 0 < len(checks) < len(calibration_checkpoints(v))
    assert all(int(v.spec.checkpoints[i].dated[:4]) <= 2004 for i in checks)
    assert set(rec["pass_rates"]) == {v.spec.checkpoints[i].id for i in checks}
    again = objective(v, load_scenario(REPLAY), [free.full(rec["parameters"])], rec["seeds"], checks)[0]
    assert again["objective"] == pytest.approx(rec["objective"]["best"], abs=1e-6)


def test_restarts_keep_the_best_of_their_searches_and_the_first_search_is_the_single_one(tmp_path):
    common = ("--until", "2004", "--budget", "13", "--seeds", "2", "--popsize", "6", "--from-centre", "--quiet")
    one, three = tmp_path / "one.yaml", tmp_path / "three.yaml"
    assert script("point.py", *common, "--out", str(one)).returncode == 0
    proc = script("point.py", *common, "--restarts", "3", "--out", str(three))
    assert proc.returncode == 0, proc.stderr
    single, multi = yaml.safe_load(one.read_text()), yaml.safe_load(three.read_text())
    assert multi["candidates_scored"] == 1 + 3 * 12
    assert [s["cma_seed"] for s in multi["searches"]] == [1, 2, 3]
    assert multi["searches"][0] == single["searches"][0]  # the first search is the search alone
    kept = min(s["best_minimised"] for s in multi["searches"])
    assert multi["objective"]["best_minimised"] == kept <= single["objective"]["best_minimised"]
    bad = script("point.py", *common, "--restarts", "0", "--out", str(tmp_path / "bad.yaml"))
    assert bad.returncode == 2 and "--restarts 0" in bad.stderr and not (tmp_path / "bad.yaml").exists()


def test_the_objective_counts_failed_checkpoints():
    from sim.scenario import load_scenario
    from sim.validation.scoring import calibration_checkpoints, objective, run_checkpoints

    v, sc = load_validation(CHECKPOINTS), load_scenario(REPLAY)
    checks = calibration_checkpoints(v)
    rows = [dict(DEFAULTS), {**DEFAULTS, "w_blame": 0.0, "base_grant": 0.9}]
    passed, short = run_checkpoints(v, sc, [r for r in rows for _ in range(2)], [5, 6, 5, 6], checks)
    got = objective(v, sc, rows, [5, 6], checks)
    for i, g in enumerate(got):
        assert g["failed_share"] == pytest.approx(1 - passed[2 * i:2 * i + 2].mean())
        assert g["objective"] >= g["failed_share"]
    assert (short[passed] == 0).all() and (short >= 0).all()
    assert got[1]["failed_share"] > got[0]["failed_share"]  # no bases granted, no blame: history lost


# --- the posterior ------------------------------------------------------------------------------------------

def test_posterior_writes_a_valid_weighted_ensemble_and_the_identification(tmp_path):
    csv, md = tmp_path / "posterior.csv", tmp_path / "identification.md"
    proc = script("posterior.py", "--population", "12", "--generations", "2", "--batch", "12", "--out", str(csv),
                  "--report", str(md), "--quiet")
    assert proc.returncode == 0, proc.stderr
    post = load_posterior(csv)
    free = load_free_parameters()
    assert post.names == free.names and len(post.weights) == 12
    assert post.weights.sum() == pytest.approx(1.0)
    for j, p in enumerate(free.free):
        assert (post.values[:, j] >= p.low).all() and (post.values[:, j] <= p.high).all()
    text = md.read_text()
    assert all(f"`{n}`" in text for n in free.names) and "2 generation(s)" in text
    assert "Effective sample size" in text and " of 12." in text
    import importlib.util  # the same options give the same file (the batch sampler's threads take turns)

    spec = importlib.util.spec_from_file_location("posterior_script", ROOT / "calibration" / "posterior.py")
    posterior = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(posterior)
    again = tmp_path / "again.csv"
    assert posterior.main(["--population", "12", "--generations", "2", "--batch", "12", "--out", str(again),
                           "--report", str(tmp_path / "again.md"), "--quiet"]) == 0
    assert again.read_bytes() == csv.read_bytes()


def test_posterior_at_a_given_threshold_keeps_only_particles_within_it(tmp_path):
    """--epsilon: rejection ABC at that threshold; every accepted particle fails at most that share."""
    csv, md = tmp_path / "posterior.csv", tmp_path / "identification.md"
    proc = script("posterior.py", "--population", "6", "--epsilon", "0.3", "--batch", "12", "--out", str(csv),
                  "--report", str(md), "--quiet")
    assert proc.returncode == 0, proc.stderr
    text = md.read_text()
    assert "final threshold 0.3000" in text and "threshold was given (0.3)" in text
    bad = script("posterior.py", "--epsilon", "1.5", "--out", str(tmp_path / "x.csv"), "--quiet")
    assert bad.returncode == 2 and "--epsilon 1.5" in bad.stderr and not (tmp_path / "x.csv").exists()


def test_confirmed_particles_are_within_the_threshold_on_all_their_runs_whatever_the_workers(tmp_path):
    """--confirm-seeds: a particle within the threshold on its first runs is run again and kept only if all its
    runs are within it; --workers splits the runs between processes and changes nothing."""
    sys.path.insert(0, str(ROOT / "calibration"))
    import posterior

    model = posterior.Model(load_free_parameters(), ROOT / "scenarios" / "checkpoints" / "replay_1999_2008.yaml",
                            None, 1, 7, confirm=2, epsilon=0.12)
    free = load_free_parameters()
    sets = [{p.name: p.low + f * (p.high - p.low) for p in free.free} for f in (0.2, 0.5, 0.8)]
    got = [r["failed"] for r in model.evaluate(sets)]
    first = posterior.Model(free, model.validation.path, None, 1, 7).evaluate(sets)
    for g, f in zip(got, first):
        if f["failed"] > 0.12:
            assert g == f["failed"]  # not within the threshold: never run again
    assert model.runs == 3 + 2 * model.confirmed
    outs = []
    for workers in ("1", "2"):
        csv = tmp_path / f"w{workers}.csv"
        proc = script("posterior.py", "--population", "3", "--epsilon", "0.3", "--seeds", "1", "--confirm-seeds", "2",
                      "--batch", "8", "--workers", workers, "--out", str(csv), "--report", str(tmp_path / "r.md"),
                      "--quiet")
        assert proc.returncode == 0, proc.stderr
        outs.append(csv.read_bytes())
    assert outs[0] == outs[1]
    assert "were run 2 times more and kept only if all their runs together" in (tmp_path / "r.md").read_text()
    bad = script("posterior.py", "--confirm-seeds", "2", "--out", str(tmp_path / "x.csv"), "--quiet")
    assert bad.returncode == 2 and "--confirm-seeds needs a given threshold" in bad.stderr
    assert not (tmp_path / "x.csv").exists()


def test_the_batch_sampler_draws_like_pyabc_asks_and_in_batches():
    sys.path.insert(0, str(ROOT / "calibration"))
    from batch_sampler import BatchSampler

    calls = []

    def evaluate(sets):
        calls.append(len(sets))
        return [{"x": s["v"]} for s in sets]

    sampler = BatchSampler(evaluate, batch=4)
    counter = iter(range(100))

    class P:
        preliminary = False

        def __init__(self, x):
            self.accepted = x % 3 == 0

    def simulate_one():
        return P(sampler.model({"v": next(counter)})["x"])

    sample = sampler.sample_until_n_accepted(3, simulate_one, 0)
    assert sample.n_accepted == 3 and sampler.nr_evaluations_ >= 7
    assert max(calls) == 4 and sum(calls) == sampler.nr_evaluations_


# --- runs drawn from a posterior ----------------------------------------------------------------------------

@pytest.fixture
def small_posterior(tmp_path):
    path = tmp_path / "post.csv"
    pd.DataFrame({"weight": [0.0, 1.0, 3.0], "w_blame": [9.0, 1.0, 2.0], "base_grant": [0.3, 0.6, 0.55]}).to_csv(
        path, index=False)
    return path


def test_posterior_draws_are_keyed_by_the_seed_and_come_from_the_file(small_posterior):
    post = load_posterior(small_posterior)
    a = post.draw(list(range(40)))
    b = post.draw(list(range(20, 60)))
    assert a[20:] == b[:20]  # the same seed draws the same particle, whatever the other runs are
    assert {d["particle"] for d in a} == {1, 2}  # never the particle of weight 0
    assert all((d["w_blame"], d["base_grant"]) in {(1.0, 0.6), (2.0, 0.55)} for d in a)
    rows, table = run_parameters(dict(DEFAULTS), post, [3, 4], {"w_blame": 4.0})
    assert all(r["w_blame"] == 4.0 and r["alignment_rate"] == DEFAULTS["alignment_rate"] for r in rows)
    assert [t["seed"] for t in table] == [3, 4]


def test_run_with_posterior_records_the_file_and_the_draws(tmp_path, small_posterior):
    out = tmp_path / "out"
    proc = run_cli("run", str(REPLAY), "--runs", "3", "--seed", "7", "--posterior", str(small_posterior),
                   "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    m = json.loads((out / "manifest.json").read_text())
    from sim.outputs.manifest import sha256

    assert m["posterior"]["sha256"] == sha256(small_posterior)
    post = load_posterior(small_posterior)
    assert m["parameters_per_run"] == [{"run": i, "seed": 7 + i, **d} for i, d in enumerate(post.draw([7, 8, 9]))]


@pytest.mark.parametrize("body,words,line", [
    ("weight,w_blames\n1,2\n", "unknown parameter 'w_blames'", 1),
    ("weight,w_blame\n1,2\n1,x\n", "expected a number", 3),
    ("weight,w_blame\n1,2\n1,99\n", "outside the range", 3),
    ("weight,w_blame\n-1,2\n", "0 or more", 2),
    ("w_blame,weight\n1,2\n", "first column must be 'weight'", 1),
])
def test_a_bad_posterior_file_names_it_and_the_line(tmp_path, body, words, line):
    bad = tmp_path / "bad.csv"
    bad.write_text(body)
    with pytest.raises(ScenarioError) as err:
        load_posterior(bad)
    assert str(bad) in str(err.value) and words in str(err.value) and err.value.line == line


def test_run_with_a_bad_posterior_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("weight,w_blame\n1,99\n")
    proc = run_cli("run", str(REPLAY), "--posterior", str(bad), "--out", str(tmp_path / "o"), "--quiet")
    assert proc.returncode == 2 and str(bad) in proc.stderr and "line 2" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()


# --- the scores of validate ---------------------------------------------------------------------------------

def test_the_margins_use_the_utilities_the_engine_decides_with(tmp_path):
    from sim.core.world import OPEN, PENDING
    from sim.scenario import load_scenario
    from sim.validation.margins import simulate_utilities

    # the replay's own asks, which are granted, and one forced on neutral Turkmenistan, which waits
    forced = write_whatif(tmp_path, "forced_ask", """events:
  - id: us_asks_turkmenistan
    title: The US asks Turkmenistan for a base
    date: "1999-03"
    type: base_request
    actor: USA
    state: TKM
    name: test base
    window: 12
    source: test
""", extends=REPLAY)
    out, u = simulate_utilities(load_scenario(forced), [1, 2, 3, 4], [dict(DEFAULTS)] * 4)
    now, before = out.slot_status[:, 1:], out.slot_status[:, :-1]
    opened = (now == OPEN) & (before != OPEN)  # granted this month (a request is decided the month it arrives)
    waited = now == PENDING  # still open to a decision after this month's: not granted
    assert opened.any() and waited.any()
    assert (u["slot_u"][opened] > u["grant"][opened]).all()
    assert (u["slot_u"][waited] <= u["grant"][waited]).all()
    joined = out.member[:, 1:] & ~out.member[:, :-1]
    assert joined.any()
    assert (u["member_u"][joined] > np.broadcast_to(u["join"], u["member_u"].shape)[joined]).all()


def test_by_construction_flags_what_the_start_makes_true_only(replay):
    from sim.validation.construction import SHARE, by_construction

    rates = by_construction(load_validation(CHECKPOINTS), replay, load_free_parameters(), runs=8)
    assert rates["tkm_neutral_1999_2004"] >= SHARE  # Turkmenistan starts neutral and nothing changes it
    assert rates["k2_opens_2001"] == 0.0  # no base without the war and the request


def test_trade_share_error_is_measured_only_for_shares(replay):
    from sim.validation.outcomes import simulate
    from sim.validation.trade import DATA, trade_share_error

    out = simulate(replay, [1])
    got = trade_share_error(out)
    assert got["measured"] and got["mae"] < 0.05  # the trade shares track the COW data
    doubled = replace(out, trade_share=2 * out.trade_share + 0.5)
    got = trade_share_error(doubled)
    assert not got["measured"] and got["note"].startswith("not measured")
    zero = replace(out, trade_share=np.zeros_like(out.trade_share))
    data = pd.read_csv(DATA)
    data = data[(data.year >= 1999) & (data.year <= 2008)]
    got = trade_share_error(zero)
    assert got["measured"] and got["n"] == len(data)
    assert got["mae"] == pytest.approx(data.share_of_state_trade.abs().mean())


def test_validate_reports_every_score_section(tmp_path):
    point = tmp_path / "point_early.yaml"
    point.write_text(yaml.safe_dump({"until": 2004, "parameters": {"w_blame": 4.0}}))
    out = tmp_path / "v"
    proc = run_cli("validate", str(REPLAY), "--runs", "2", "--null-runs", "4", "--robustness-runs", "2",
                   "--early", str(point), "--no-counterfactuals", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    md = (out / "validation.md").read_text()
    for heading in ("## Scores", "## Checkpoints that hold by construction", "## Decision margins",
                    "## Robustness of the decisions to +-10% on each free parameter"):
        assert heading in md
    for score in ("checkpoints_met", "early_calibration_later_checkpoints", "un_rank_correlation",
                  "trade_share_error", "checkpoints_by_construction"):
        assert f"| {score} |" in md and score in proc.stdout
    df = pd.read_csv(out / "validation.csv")
    assert {"score", "by_construction", "margin", "robustness"} <= set(df.section)
    free = load_free_parameters()
    rob = df[df.section == "robustness"]
    assert set(rob.set) == set(free.names)
    early = df[(df.section == "score") & (df.id == "early_calibration_later_checkpoints")].value.iloc[0]
    assert 0 <= early <= 1
    assert "k2_opens_2001" in set(df[df.section == "margin"].id)


def test_a_point_calibration_can_be_written_into_the_registry_and_back():
    import importlib.util

    spec = importlib.util.spec_from_file_location("apply_calibration", ROOT / "calibration" / "apply.py")
    apply = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(apply)
    text = apply.REGISTRY.read_text()
    new = apply.rewrite(text, {"w_blame": 2.5}, {"w_blame": [0.2, 6.0]}, "calibration/point.yaml")
    assert '_P("w_blame", 2.5, ' in new and "calibrated (calibration/point.yaml, over [0.2, 6.0]); " in new
    assert apply.rewrite(new, {"w_blame": 2.5}, {"w_blame": [0.2, 6.0]}, "calibration/point.yaml") == new
    record = yaml.safe_load((ROOT / "calibration" / "point.yaml").read_text())
    prior = next(p for p in load_free_parameters().free if p.name == "w_blame")
    assert apply.rewrite(new, {"w_blame": record["parameters"]["w_blame"]}, {"w_blame": [prior.low, prior.high]},
                         "calibration/point.yaml") == text


def test_validate_refuses_a_full_calibration_as_the_early_one(tmp_path):
    point = tmp_path / "point.yaml"
    point.write_text(yaml.safe_dump({"until": None, "parameters": {"w_blame": 4.0}}))
    proc = run_cli("validate", str(REPLAY), "--runs", "1", "--early", str(point), "--out", str(tmp_path / "v"))
    assert proc.returncode == 2 and str(point) in proc.stderr and "point_early.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "v").exists()
