"""Sweep files: the shipped sweeps load; a bad sweep file fails with one message naming the file, line and
field; designs are the same for the same file; values respect their lists, ranges and whole numbers."""

from pathlib import Path

import numpy as np
import pytest
from conftest import REPLAY, ROOT

from sim.cli import main
from sim.scenario.errors import ScenarioError
from sim.sweep.designs import design_points, to_values
from sim.sweep.loader import load_sweep, total_points
from sim.sweep.runner import default_chunk_size, plan
from sim.sweep.schema import ParameterSpec

SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))

GOOD = f"""name: t
title: T
description: d
scenario: {REPLAY}
parameters:
  alignment_rate: {{low: 0.05, high: 0.15}}
  min_dwell: {{values: [6, 12]}}
design: {{method: lhs, samples: 8, seed: 1}}
replications: 2
outcomes:
  uzb_usa:
    kind: alignment_at
    state: UZB
    power: USA
    date: "2004-06"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return path


def test_shipped_sweeps_load_and_cover_the_replay_and_an_outlook():
    assert len(SWEEPS) >= 2
    scenarios = set()
    for path in SWEEPS:
        sweep = load_sweep(path)
        scenarios.add(sweep.scenario.spec.name)
        assert len(sweep.spec.outcomes) >= 5 and sweep.spec.discovery
    assert "replay_1999_2008" in scenarios
    assert any(s.startswith("outlook_") for s in scenarios)


@pytest.mark.parametrize("old,new,line,needle", [
    ("alignment_rate: {low: 0.05", "alignment_rte: {low: 0.05", 6, "unknown parameter 'alignment_rte'"),
    ("{low: 0.05, high: 0.15}", "{low: 0.05, high: 0.9}", 6, "expected a value from 0.01 to 0.4"),
    ("{low: 0.05, high: 0.15}", "{low: 0.15, high: 0.05}", 6, "must be below 'high'"),
    ("values: [6, 12]", "values: [6, 12.5]", 7, "whole number"),
    ("method: lhs, samples: 8", "method: sobol, samples: 100", 8, "power of 2"),
    ("method: lhs, samples: 8", "method: grid", 6, "needs this parameter's 'values' or 'levels'"),
    ("kind: alignment_at", "kind: alignment_on", 12, "unknown outcome kind"),
    ('date: "2004-06"', 'date: "2012-06"', 15, "outside the scenario's period"),
    ("power: USA", "power: EU", 14, "unknown power 'EU'"),
    ("replications: 2", "replications: 0", 9, "greater than or equal to 1"),
    ("uzb_usa:", "Uzb-USA:", 11, "lower case letters"),
])
def test_a_bad_sweep_file_names_its_line_and_what_was_expected(tmp_path, old, new, line, needle):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    assert err.value.file.endswith("sweep.yaml")
    assert err.value.line == line, str(err.value)
    assert needle in str(err.value)


def test_unknown_base_names_the_scenario_bases(tmp_path):
    text = GOOD + "  k2:\n    kind: base_open_at\n    name: K3\n    date: \"2005-01\"\n"
    with pytest.raises(ScenarioError) as err:
        load_sweep(write(tmp_path, text))
    assert err.value.line == 18 and "no base named 'K3'" in str(err.value) and "Karshi-Khanabad (K2)" in str(err.value)


def test_constant_and_varied_at_once_is_refused(tmp_path):
    text = GOOD.replace("design:", "constants: {alignment_rate: 0.1}\ndesign:")
    with pytest.raises(ScenarioError, match="cannot also be constant"):
        load_sweep(write(tmp_path, text))


def test_discovery_condition_is_parsed_not_evaluated(tmp_path):
    text = GOOD + "discovery:\n  - name: x\n    condition: \"__import__('os') == 1\"\n"
    with pytest.raises(ScenarioError) as err:
        load_sweep(write(tmp_path, text))
    assert err.value.line == 18 and "cannot read" in str(err.value)
    ok = GOOD + "discovery:\n  - name: x\n    condition: \"uzb_usa > 0.5 and uzb_usa <= 0.9\"\n"
    assert load_sweep(write(tmp_path, ok)).spec.discovery[0].name == "x"


def test_a_bad_sweep_file_exits_2_without_a_result_folder(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("kind: alignment_at", "kind: nope"))
    out = tmp_path / "res"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "sweep.yaml, line 12" in err and "Traceback" not in err
    assert not out.exists()


def test_designs_are_reproducible_and_respect_ranges(tmp_path):
    sweep = load_sweep(write(tmp_path, GOOD))
    a, b = design_points(sweep.spec), design_points(sweep.spec)
    assert a.equals(b) and len(a) == total_points(sweep.spec) == 8
    assert a.alignment_rate.between(0.05, 0.15).all()
    assert set(a.min_dwell) <= {6.0, 12.0}
    points, runs = plan(sweep)
    assert list(runs.run) == list(range(16))
    # replication r of every point shares seed + r (common random numbers)
    assert list(runs.seed[:4]) == [0, 1, 0, 1] and (runs.point == runs.run // 2).all()
    assert (runs.alignment_rate.to_numpy()[::2] == points.alignment_rate.to_numpy()).all()


def test_sobol_and_morris_sizes():
    for text, k_points in ((GOOD.replace("method: lhs, samples: 8", "method: sobol, samples: 16"), 16 * 4),
                           (GOOD.replace("method: lhs, samples: 8", "method: morris, trajectories: 5"), 5 * 3)):
        import yaml

        from sim.sweep.schema import Sweep

        spec = Sweep.model_validate(yaml.safe_load(text))
        assert total_points(spec) == k_points == len(design_points(spec))


def test_unit_coordinates_map_through_each_distribution():
    u = np.array([0.0, 0.2, 0.5, 0.999, 1.0])
    vals = to_values("min_dwell", ParameterSpec(values=[6, 12, 18]), u)
    assert list(vals) == [6, 6, 12, 18, 18]
    tri = to_values("w_blame", ParameterSpec(distribution="triangular", low=1, mode=2, high=4), u)
    assert tri[0] == 1 and tri[-1] == 4 and np.all(np.diff(tri) >= 0)
    assert to_values("w_blame", ParameterSpec(distribution="triangular", low=1, mode=2, high=4), [1 / 3])[0] == \
        pytest.approx(2.0)
    norm = to_values("noise_sd", ParameterSpec(distribution="normal", mean=0.004, sd=0.01), u)
    assert norm.min() >= 0.0 and norm.max() <= 0.03  # cut to the registered range
    whole = to_values("stance_dwell", ParameterSpec(low=1, high=24), np.linspace(0, 1, 7))
    assert np.all(whole == np.round(whole))


def test_chunk_size_depends_on_the_number_of_runs_only():
    assert default_chunk_size(100) == 50
    assert default_chunk_size(6400) == 800
    assert default_chunk_size(10_000_000) == 1024


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["sweep", str(ROOT / "scenarios" / "sweeps" / "replay_uncertainty.yaml"), "--dry-run",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "2,560 points x 2 replications = 5,120 runs" in text and "uzb_usa_2006" in text
    assert not out.exists()
