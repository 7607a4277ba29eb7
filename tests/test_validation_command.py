"""run.py validate: what it prints and writes, its counterfactuals, and how it refuses bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPLAY, ROOT, run_cli

from sim.core.parameters import DEFAULTS
from sim.validation.counterfactuals import compare
from sim.validation.outcomes import simulate
from sim.validation.spec import load_validation

CHECKPOINTS = ROOT / "scenarios" / "checkpoints" / "replay_1999_2008.yaml"


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    out = tmp_path_factory.mktemp("validate") / "out"
    proc = run_cli("validate", str(REPLAY), "--runs", "4", "--seed", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_validate_prints_and_writes_every_part(validated):
    out, stdout = validated
    assert "checkpoints passed on average" in stdout and "fit to UN voting" in stdout
    assert "no_sept11" in stdout and "no_oil_boom" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint_runs.csv", "manifest.json", "un_fit.png",
                                                      "validation.csv", "validation.md"]
    md = (out / "validation.md").read_text()
    for heading in ("## Summary", "## Checkpoints", "## Fit to UN General Assembly voting", "## Counterfactuals"):
        assert heading in md
    assert "k2_closed_after_andijan" in md and "seed 000" in md
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [2, 3, 4, 5] and manifest["parameters"] == DEFAULTS


def test_validation_csv_is_long_and_consistent_with_the_runs(validated):
    out, _ = validated
    df = pd.read_csv(out / "validation.csv")
    assert list(df.columns) == ["section", "id", "set", "metric", "value", "description", "source"]
    assert set(df.section) == {"summary", "checkpoint", "un_fit", "counterfactual", "score", "by_construction",
                               "margin", "robustness"}
    runs = pd.read_csv(out / "checkpoint_runs.csv")
    assert list(runs.columns) == ["run", "seed", "checkpoint", "passed"] and set(runs.seed) == {2, 3, 4, 5}
    rates = runs.groupby("checkpoint").passed.mean()
    cp = df[df.section == "checkpoint"].set_index("id").value
    assert np.allclose(cp.sort_index(), rates.sort_index())
    overall = df[(df.section == "summary") & (df.id == "overall_pass_rate")].value.iloc[0]
    assert overall == pytest.approx(cp.mean())


def test_every_counterfactual_moves_the_way_history_suggests(replay):
    v = load_validation(CHECKPOINTS)
    from sim.scenario import load_scenario

    seeds = list(range(12))
    base = simulate(replay, seeds)
    for i, cf in enumerate(v.spec.counterfactuals):
        effects = compare(v, i, base, simulate(load_scenario(v.resolve(cf.scenario)), seeds))
        assert all(e.holds for e in effects), [(e.label, e.difference) for e in effects if not e.holds]
        assert all(e.share_expected_sign >= 0.75 for e in effects), cf.id


def test_a_counterfactual_compared_with_itself_changes_nothing(replay):
    v = load_validation(CHECKPOINTS)
    out = simulate(replay, [0, 1, 2])
    for i in range(len(v.spec.counterfactuals)):
        for e in compare(v, i, out, out):
            assert e.difference == 0.0 and e.replay == e.counterfactual_value
            assert e.holds == (e.direction == "none" and e.replay == 0.0)


def test_fail_under_sets_the_exit_code(tmp_path):
    proc = run_cli("validate", str(REPLAY), "--runs", "2", "--no-counterfactuals", "--fail-under", "1.0",
                   "--quiet", "--out", str(tmp_path / "a"))
    assert proc.returncode == 1 and proc.stdout == ""
    proc = run_cli("validate", str(REPLAY), "--runs", "2", "--no-counterfactuals", "--fail-under", "0",
                   "--quiet", "--out", str(tmp_path / "b"))
    assert proc.returncode == 0


@pytest.mark.parametrize("args, words", [
    (["--runs", "0"], "--runs 0"),
    (["--fail-under", "2"], "--fail-under 2"),
    (["--set", "w_blame=99"], "w_blame"),
    (["--checkpoints", "nowhere.yaml"], "no checkpoint file"),
])
def test_bad_options_exit_2_with_one_message_and_no_folder(tmp_path, args, words):
    out = tmp_path / "out"
    proc = run_cli("validate", str(REPLAY), "--out", str(out), *args)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_bad_checkpoint_file_exits_2_naming_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(CHECKPOINTS.read_text().replace("scenario: ../replay_1999_2008.yaml",
                                                   f"scenario: {REPLAY}").replace(
        "power: RUS\n    stance: integrate", "power: RUS\n    stance: dominate", 1))
    out = tmp_path / "out"
    proc = run_cli("validate", str(REPLAY), "--checkpoints", str(bad), "--out", str(out))
    assert proc.returncode == 2 and "bad.yaml, line" in proc.stderr and "stance" in proc.stderr
    assert not out.exists()


def test_calibrated_defaults_are_the_recorded_calibration():
    """sim/core/parameters.py's defaults are calibration/point.yaml's values for the free parameters of
    calibration/free_parameters.yaml, and say so in their source."""
    from sim.core.parameters import BY_NAME
    from sim.free_parameters import load_free_parameters

    record = yaml.safe_load((ROOT / "calibration" / "point.yaml").read_text())
    assert set(record["parameters"]) == set(load_free_parameters().names)
    for name, value in record["parameters"].items():
        assert DEFAULTS[name] == pytest.approx(value), name
        assert BY_NAME[name].source.startswith("calibrated (calibration/point.yaml, over ["), name
