"""Careless input a user may well type: each is refused before any work with one message naming the option or
the file and field, and nothing is written (docs/limits.md)."""

from __future__ import annotations

import pytest
from conftest import REPLAY

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
    ("events:\n  - {id: x, title: X, date: '2003-05', type: terror_attack, targets: [UZB], magnitude: on, "
     "source: w}\n", "events[0].magnitude", "got true"),
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
    ("organisations: {CTSO: {security: 0.5}}\n", "organisations.CTSO.name", "'CTSO' is a new organisation; did "
                                                                           "you mean 'CSTO'?"),
    ("series: {oil_prise: {values: {'2005-01': 80}}}\n", "series.oil_prise.", "'oil_prise' is a new series; did "
                                                                           "you mean 'oil_price'?"),
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
