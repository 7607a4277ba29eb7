"""Careless input a user may well type: each is refused before any work with one message naming the option or
the file and field, and nothing is written (docs/limits.md)."""

from __future__ import annotations

import pytest
from conftest import REPLAY, ROOT

from sim.cli import main


@pytest.mark.parametrize("option", ["--null-runs", "--robustness-runs"])
def test_validate_bounds_its_other_run_counts_like_runs(tmp_path, capsys, option):
    out = tmp_path / "o"
    assert main(["validate", str(REPLAY), "--quiet", "--runs", "2", option, "100000000", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option} 100000000: at most 1,000 runs"), err
    assert not out.exists()


@pytest.mark.parametrize("body, field, says", [
    ("parameters: {w_blame: yes}\n", "parameters.w_blame", "got true (YAML reads yes"),
    ("parameters: {w_blame: '4'}\n", "parameters.w_blame", "got the text '4' (write the number without quotes)"),
    ("states: {KGZ: {openness: off}}\n", "states.KGZ.openness", "got false (YAML reads"),
    (("events:\n  - {id: x, title: X, date: '2003-05', type: terror_attack, targets: [UZB], magnitude: on, "
      "source: w}\n"), "events[0].magnitude", "got true"),
])
def test_a_boolean_or_a_quoted_number_is_not_taken_for_a_number(tmp_path, body, field, says):
    from sim.scenario import ScenarioError, load_scenario

    path = tmp_path / "w.yaml"
    path.write_text(f"extends: {REPLAY}\nname: w\n" + body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"{path}, line ") and f"({field}): " in str(err.value), str(err.value)
    assert says in str(err.value), str(err.value)


def test_a_sweeps_bounds_take_numbers_only(tmp_path):
    from sim.scenario import ScenarioError
    from sim.sweep.loader import load_sweep

    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\ntitle: S\ndescription: d\nscenario: {REPLAY}\n"
                     "parameters: {w_blame: {low: 0, high: yes}}\ndesign: {method: grid, levels: 2}\n"
                     "outcomes: {u: {kind: alignment_at, state: UZB, power: USA, date: '2004-12'}}\n")
    with pytest.raises(ScenarioError, match=r"parameters\.w_blame\.high\): .*got true"):
        load_sweep(sweep)


@pytest.mark.parametrize("body, field, says", [
    ("states: {KYR: {openness: 0.7}}\n", "states.KYR.", "'KYR' is a new state (the states of the scenario: KAZ, KGZ"),
    ("powers: {RUSS: {attention: 0.5}}\n", "powers.RUSS.", "'RUSS' is a new power; did you mean 'RUS'?"),
    ("organisations: {CTSO: {security: 0.5}}\n", "organisations.CTSO.name",
     "'CTSO' is a new organisation; did you mean 'CSTO'?"),
    ("series: {oil_prise: {values: {'2005-01': 80}}}\n", "series.oil_prise.",
     "'oil_prise' is a new series; did you mean 'oil_price'?"),
])
def test_a_misspelt_code_is_not_silently_a_new_entry(tmp_path, body, field, says):
    """A child's states, powers and organisations merge into the parent's by code; a misspelt code is a new one,
    which must then be declared whole (an organisation with every field defaulted was accepted)."""
    from sim.scenario import ScenarioError, load_scenario

    path = tmp_path / "w.yaml"
    path.write_text(f"extends: {REPLAY}\nname: w\n" + body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"{path}, line 3 ({field}"), str(err.value)
    assert says in str(err.value), str(err.value)


CHECKPOINTS = REPLAY.parent / "checkpoints" / REPLAY.name


@pytest.mark.parametrize("old, new, field, says", [
    ('window: ["1999-01", "2001-09"]', 'window: ["1999-01", "2031-09"]', "checkpoints[0].window",
     "month 2031-09 is outside the scenario's period 1999-01 to 2008-12"),
    ("power: RUS\n    stance: integrate", "power: RUZ\n    stance: integrate", "checkpoints[0].power",
     "unknown power 'RUZ'"),
    ('counterpart: USA\n    window: ["2001-10", "2002-03"]', 'counterpart: USB\n    window: ["2001-10", "2002-03"]',
     "checkpoints[5].counterpart", "unknown power 'USB'"),
])
def test_a_checkpoint_file_is_checked_against_the_scenario_before_any_run(tmp_path, capsys, monkeypatch, old, new,
                                                                          field, says):
    """A checkpoint outside the period was clipped to its first or last month and judged there; an unknown code
    stopped validate only after all its runs, and a counterpart was reported as the field 'power'."""
    from sim.validation import margins

    text = CHECKPOINTS.read_text().replace("../", f"{REPLAY.parent}/")
    assert old in text
    bad = tmp_path / "cp.yaml"
    bad.write_text(text.replace(old, new, 1))

    def no_runs(*a, **k):
        raise AssertionError("a run started before the checkpoint file was checked")

    monkeypatch.setattr(margins, "simulate_utilities", no_runs)
    out = tmp_path / "o"
    assert main(["validate", str(REPLAY), "--quiet", "--runs", "2", "--checkpoints", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}, line ") and f"({field}): {says}" in err, err
    assert not out.exists()


@pytest.mark.parametrize("old, new, field, says", [
    ("    claim: Russia integrates", "    clam: Russia integrates", "checkpoints[0].clam",
     "unknown field 'clam'; did you mean 'claim'?"),
    ('window: ["1999-01", "2001-09"]', 'window: "1999-01"', "checkpoints[0].window",
     "expected a window written [start, end]"),
    ("stance: integrate", "stance: integrat", "checkpoints[0].stance", "got 'integrat'"),
    ("share: 0.9", "share: yes", "checkpoints[0].share", "got true (YAML reads"),
])
def test_a_checkpoint_files_mistakes_are_told_like_a_scenarios(tmp_path, old, new, field, says):
    """The checkpoint file had a translation of its own: no closest name for a misspelt field, pydantic's
    'instance of Window', and a field named like its kind ('stance') dropped from the place named."""
    from sim.scenario import ScenarioError
    from sim.validation.spec import load_validation

    text = CHECKPOINTS.read_text().replace("../", f"{REPLAY.parent}/")
    assert old in text
    bad = tmp_path / "cp.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        load_validation(bad)
    assert str(err.value).startswith(f"{bad}, line ") and f"({field}): " in str(err.value), str(err.value)
    assert says in str(err.value), str(err.value)


@pytest.mark.parametrize("method, index", [("sobol", "ST"), ("grid", "S1")])
def test_the_analysis_says_hardly_matters_of_one_parameter(method, index):
    import pandas as pd

    from sim.sweep.report import drivers_text

    rows = [("a", index, 0.9), ("b", index, 0.01)] + ([("a", "S1", 0.8), ("b", "S1", 0.0)] if method == "sobol" else [])
    sens = pd.DataFrame([{"outcome": "y", "parameter": p, "index": i, "value": v, "conf": 0.01} for p, i, v in rows])
    text = drivers_text("y", sens, method, float("nan"))
    assert "Hardly matters (" in text and ": `b`." in text, text
    sens = pd.concat([sens, sens[sens.parameter == "b"].assign(parameter="c")])
    assert "Hardly matter (" in drivers_text("y", sens, method, float("nan"))


def test_compared_sweeps_write_a_year_as_a_year(tmp_path):
    """comparison.md wrote every number with 3 significant figures: the years of a first_decision outcome all read
    2e+03 or 2.01e+03, beside a shift of +3.1."""
    from sim.sweep.compare import compare_results
    from sim.sweep.runner import run_sweep

    small = ROOT / "tests" / "fixtures" / "sweep_small.yaml"
    a = run_sweep(small, workers=1, out=tmp_path / "a", progress=False)
    b = run_sweep(small, workers=1, out=tmp_path / "b", progress=False, chunk_size=5)
    text = (compare_results([a, b], tmp_path / "cmp") / "comparison.md").read_text()
    rows = text.split("## k2_opened")[1].split("![")[0]
    assert "e+03" not in rows and "| 2001." in rows, rows


def test_a_posterior_that_is_a_device_or_a_folder_is_refused_before_a_byte_is_read(tmp_path, capsys):
    """--posterior /dev/zero was read whole: 5 GB in 20 seconds, and on until the memory ran out."""
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nobody writes to it: reading it would wait forever
    for target, says in (("/dev/zero", "is not a regular file"), (str(fifo), "is not a regular file"),
                         (str(tmp_path), "is a folder")):
        out = tmp_path / "o"
        assert main(["run", str(REPLAY), "--quiet", "--posterior", target, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {target}: {says}") and "expected a posterior CSV file" in err, err
        assert not out.exists()


def test_a_posterior_too_big_or_with_an_empty_cell_says_so(tmp_path):
    from sim import limits
    from sim.posterior import load_posterior
    from sim.scenario import ScenarioError

    header, row = (ROOT / "calibration" / "posterior.csv").read_text().splitlines()[:2]
    short = tmp_path / "short.csv"
    short.write_text(header + "\n" + row.rsplit(",", 1)[0] + "\n")
    with pytest.raises(ScenarioError, match=r"short\.csv, line 2 \(veto_weight\): expected a number, got an "
                                            r"empty cell or nan$"):
        load_posterior(short)
    big = tmp_path / "big.csv"
    big.write_text(header + "\n" + (row + "\n") * (limits.MAX_POSTERIOR_BYTES // len(row) + 1))
    with pytest.raises(ScenarioError, match="bytes are refused"):
        load_posterior(big)


def test_a_sweeps_store_is_named_as_one_when_another_command_would_write_into_it(tmp_path, capsys):
    """run --out STORE said the store 'holds files this project did not write' (the sweep wrote them); it is refused
    because a sweep's store is only ever continued, and now says so."""
    from sim.outputs.folders import is_own
    from sim.sweep.runner import run_sweep

    store = run_sweep(ROOT / "tests" / "fixtures" / "sweep_small.yaml", workers=1, out=tmp_path / "store",
                      progress=False)
    before = sorted(p.name for p in store.iterdir())
    assert not is_own(store)
    for argv in (["run", str(REPLAY)], ["analyze", str(store)]):
        assert main(argv + ["--quiet", "--out", str(store)]) == 2
        err = capsys.readouterr().err
        assert "is a sweep's result store, never replaced" in err, err
    assert sorted(p.name for p in store.iterdir()) == before


def test_a_move_in_the_report_is_never_written_below_the_threshold_it_states():
    """'an alignment moved by 0.023 or more' was followed by '... rose by 0.02'."""
    from sim.outputs.report import move_size

    assert move_size(0.0241, 0.023) == "0.024" and move_size(-0.0241, 0.023) == "0.024"
    assert move_size(0.031, 0.023) == "0.03" and move_size(0.05, 0.05) == "0.05"


def test_a_session_that_names_a_file_says_a_session_is_a_folder(tmp_path, capsys):
    """class --session FILE said only 'File exists; nothing was written in place of the results'."""
    mine = tmp_path / "notes.txt"
    mine.write_text("my notes")
    assert main(["class", "--session", str(mine), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --session {mine}: is a file, not a folder"), err
    assert mine.read_text() == "my notes"


def test_an_event_dated_before_what_it_requires_is_refused(tmp_path):
    """'requires' only dropped events: an event of 2000 requiring Andijan (2005) happened in 2000 all the same."""
    from sim.scenario import ScenarioError, load_scenario

    path = tmp_path / "w.yaml"
    path.write_text(f"extends: {REPLAY}\nname: w\nevents:\n  - {{id: x, title: X, date: '2000-05', type: "
                    "terror_attack, targets: [UZB], magnitude: 0.5, source: w, requires: [andijan]}\n")
    with pytest.raises(ScenarioError, match=r"line 4 \(events\[0\]\.requires\[0\]\): requires 'andijan', which comes "
                                            r"later \(2005-05\)"):
        load_scenario(path)
    path.write_text(path.read_text().replace("2000-05", "2005-05"))  # the same month is after enough
    assert any(e.id == "x" for e in load_scenario(path).spec.events)
