"""run.py compare: paired runs of two or more scenarios, bands, outcome shares, ranked differences,
compare.md, and one clear message (exit 2, nothing written) for bad input."""

from __future__ import annotations

import importlib
import json
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.comparison import collect, differences, text

ROOT = Path(__file__).resolve().parent.parent
SCEN = ROOT / "scenarios"
BASELINE = SCEN / "outlook_baseline.yaml"


@pytest.fixture(scope="module")
def whatif(tmp_path_factory) -> Path:
    """A what-if with known effects, whatever the calibration: a large US offer to Kyrgyzstan (its alignment
    with the US can only rise) and a forum so appealing that every state joins it."""
    d = tmp_path_factory.mktemp("whatif")
    p = d / "forum.yaml"
    p.write_text(f"""extends: {BASELINE}
continues: {SCEN / 'replay_1999_2008.yaml'}
name: whatif_forum
title: A forum and an offer
description: A test what-if.
drop_events: [kyrgyz_package]
organisations:
  FORUM: {{name: a test forum, weights: {{}}, bias: 2.0, security: 0.0, active: false}}
events:
  - {{id: us_courts_kgz, title: Us courts kgz, date: "2009-03", type: aid_offer, actor: USA, targets: [KGZ], magnitude: 2.0,
     source: what-if}}
  - {{id: forum_founded, title: Forum founded, date: "2010-01", type: org_founded, org: FORUM, source: what-if}}
""")
    return p


@pytest.fixture(scope="module")
def compared(tmp_path_factory, whatif) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "result"
    assert main(["compare", str(BASELINE), str(whatif), "--runs", "8", "--seed", "3", "--out", str(out),
                 "--quiet"]) == 0
    return out


def test_compare_writes_bands_tables_figures_text_and_manifest(compared):
    for name in ("compare.md", "bands.csv", "alignment.parquet", "outcomes.csv", "decisions.csv",
                 "manifest.json", "differences_alignment.csv", "differences_outcomes.csv",
                 "top_differences.csv", "figures/alignment_KGZ.png", "figures/alignment_overview.png"):
        assert (compared / name).exists(), name
    manifest = json.loads((compared / "manifest.json").read_text())
    assert manifest["seeds"] == list(range(3, 11))
    assert manifest["reference"] == "outlook_baseline"
    assert [s["name"] for s in manifest["scenarios"]] == ["outlook_baseline", "whatif_forum"]
    band = pd.read_csv(compared / "bands.csv")
    assert set(band.scenario) == {"outlook_baseline", "whatif_forum"}
    assert (band["low"] <= band["median"] + 1e-12).all() and (band["median"] <= band["high"] + 1e-12).all()
    runs = pd.read_parquet(compared / "alignment.parquet")
    assert len(runs) == 2 * 8 * 144 * 5 * 3  # scenario x run x month x state x power


def test_outcome_shares_mark_what_a_scenario_cannot_produce(compared):
    probs = pd.read_csv(compared / "outcomes.csv")
    assert probs.share.dropna().between(0, 1).all()
    forum = probs[(probs.kind == "member") & (probs.counterpart == "FORUM")]
    assert len(forum) == 2 * 3 * 5  # scenarios x checkpoints x states
    assert forum[forum.scenario == "outlook_baseline"].share.isna().all(), "no such forum: undefined, not 0%"
    assert (forum[forum.scenario == "whatif_forum"].share == 1.0).all()
    assert set(probs.date) == {"2013-12", "2017-12", "2020-12"}
    dec = pd.read_csv(compared / "decisions.csv")
    joined = dec[(dec.decision == "joined") & (dec.counterpart == "FORUM")]
    assert joined[joined.scenario == "outlook_baseline"].share.isna().all()
    assert (joined[joined.scenario == "whatif_forum"].share == 1.0).all() and len(joined) == 2 * 5


def test_the_known_effect_is_found_clear_and_put_first_in_words(compared):
    diff = pd.read_csv(compared / "differences_outcomes.csv")
    row = diff[(diff.counterpart == "FORUM") & (diff.state == "KGZ") & (diff.date == "2020-12")].iloc[0]
    assert row["diff"] == 1.0 and row["clear"] and row["matters"] and not row["in_reference"]
    al = pd.read_csv(compared / "differences_alignment.csv")
    kgz = al[(al.state == "KGZ") & (al.power == "USA") & (al.date == "2013-12")].iloc[0]
    assert kgz.diff_median > 0.05 and kgz.share_higher == 1.0 and kgz.matters
    md = (compared / "compare.md").read_text()
    assert "## What differs most" in md and "### A forum and an offer (whatif_forum)" in md
    section = md.split("### A forum and an offer")[1].split("##")[0]
    assert "Kyrgyzstan in FORUM, 2020-12: 100% of runs instead of 0%" in section
    assert "Kyrgyzstan's alignment with the United States" in section


def test_a_scenario_compared_with_a_copy_of_itself_shows_no_difference(tmp_path):
    copy = tmp_path / "copy.yaml"
    copy.write_text(f"extends: {BASELINE}\ncontinues: {SCEN / 'replay_1999_2008.yaml'}\nname: copy\n")
    out = tmp_path / "same"
    assert main(["compare", str(BASELINE), str(copy), "--runs", "3", "--out", str(out), "--quiet"]) == 0
    al = pd.read_csv(out / "differences_alignment.csv")
    assert (al.diff_median == 0).all() and not al.matters.any()
    assert not pd.read_csv(out / "differences_outcomes.csv")["diff"].any()
    md = (out / "compare.md").read_text()
    assert "Nothing passes these thresholds" in md and "the same as the reference's in every run" in md


def test_paired_outcome_difference_and_its_standard_error():
    keys = dict(date="2020-12", kind="base", state="KGZ", counterpart="USA", name="x")
    ref = pd.DataFrame([dict(run=i, holds=i < 2, **keys) for i in range(10)])  # 2 of 10
    alt = pd.DataFrame([dict(run=i, holds=i < 8, **keys) for i in range(10)])  # 8 of 10, all ref's too
    a = SimpleNamespace(name="a", seeds=list(range(10)))
    b = SimpleNamespace(name="b", seeds=list(range(10)))
    d = differences.outcome_differences(a, b, ref, alt).iloc[0]
    # b = 0 runs only in ref, c = 6 only in the scenario: se = sqrt(6 - 36/10) / 10
    assert d["diff"] == pytest.approx(0.6) and d.se == pytest.approx(np.sqrt(2.4) / 10)
    assert d.clear and d.matters


def test_paired_alignment_difference_is_taken_run_by_run():
    def frame(values):
        return pd.DataFrame([dict(run=i, date="2020-12", state="KAZ", power="RUS", alignment=v)
                             for i, v in enumerate(values)])
    # large spread across runs, but the scenario is higher by 0.1 in every run: a clear effect
    base = np.linspace(0.1, 0.8, 10)
    a = SimpleNamespace(name="a", alignment=frame(base))
    b = SimpleNamespace(name="b", alignment=frame(base + 0.1))
    d = differences.alignment_differences(a, b, ["2020-12"]).iloc[0]
    assert d.diff_median == pytest.approx(0.1) and d.share_higher == 1.0 and d.clear and d.matters
    c = SimpleNamespace(name="c", alignment=frame(base[::-1]))  # same spread, shuffled: no paired effect
    d = differences.alignment_differences(a, c, ["2020-12"]).iloc[0]
    assert not d.clear


def test_checkpoints_spread_over_the_period():
    months = [f"{y}-{m:02d}" for y in range(2009, 2021) for m in range(1, 13)]
    assert collect.checkpoints(months) == ["2013-12", "2017-12", "2020-12"]
    assert collect.checkpoints(months[:10]) == [months[9]]


def _fails(capsys, argv, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    for w in words:
        assert w in err, err
    return err


def test_bad_input_gets_one_clear_message_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    base = ["--out", str(out), "--quiet"]
    _fails(capsys, ["compare", str(BASELINE), *base], "two or more")
    _fails(capsys, ["compare", str(BASELINE), str(BASELINE), *base], "the same file was given twice")
    _fails(capsys, ["compare", str(BASELINE), str(tmp_path), *base], "not both")
    other = str(SCEN / "outlook_succession.yaml")
    _fails(capsys, ["compare", str(BASELINE), other, "--runs", "0", *base], "--runs 0")
    _fails(capsys, ["compare", str(BASELINE), other, "--at", "2025-01", "--runs", "1", *base], "--at 2025-01")
    _fails(capsys, ["compare", str(BASELINE), other, "--set", "nope=1", *base], "unknown parameter")
    replay, missing = str(SCEN / "replay_1999_2008.yaml"), str(tmp_path / "missing.yaml")
    _fails(capsys, ["compare", str(BASELINE), replay, *base], "no month in common")
    _fails(capsys, ["compare", str(BASELINE), missing, *base], "missing.yaml", "no such file")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\ncontinues: {replay}\nname: bad\nevents:\n"
                   "  - {id: x, title: X, date: '2010-01', type: aid_offer, actor: EU, targets: [KGZ], magnitude: 1, "
                   "source: what-if}\n")
    _fails(capsys, ["compare", str(BASELINE), str(bad), *base], "bad.yaml", "line 5", "unknown power 'EU'")
    assert not out.exists()


def test_sweep_folders_go_to_the_sweep_comparison(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    calls = []
    fake = types.ModuleType("sim.sweep.compare")
    fake.compare_results = lambda folders, out=None: calls.append((folders, out)) or (out or tmp_path / "x")
    monkeypatch.setitem(sys.modules, "sim.sweep.compare", fake)
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert calls == [([a, b], tmp_path / "o")]


def test_sweep_folders_without_the_sweep_package_are_refused_clearly(tmp_path, monkeypatch, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    real = importlib.import_module

    def missing(name, *args):
        if name == "sim.sweep.compare":
            raise ModuleNotFoundError("No module named 'sim.sweep.compare'", name="sim.sweep.compare")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", missing)
    _fails(capsys, ["compare", str(a), str(b), "--quiet"], "sim.sweep.compare")


def test_a_failure_while_writing_leaves_no_folder(tmp_path, monkeypatch, whatif):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(text, "build", boom)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        main(["compare", str(BASELINE), str(whatif), "--runs", "2", "--out", str(out), "--quiet"])
    assert not out.exists() and not list(tmp_path.iterdir())
