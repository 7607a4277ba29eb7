"""Why a score moved: the drivers add up to each change, and the report names the event behind them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import REPLAY, run_cli, write_whatif

from sim.outputs.report import (
    driver_phrase,
    event_behind,
    event_fields,
    event_label,
    explain_move,
    move_threshold,
)
from sim.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def replay_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay") / "out"
    res = run_cli("run", str(REPLAY), "--runs", "3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out


def _check_sum(drivers: pd.DataFrame, ts: pd.DataFrame, atol: float, runs: int) -> None:
    """Every (run, month, state, power): sum of drivers = alignment after - alignment before."""
    assert list(drivers.columns) == ["run", "seed", "date", "state", "power", "driver", "contribution"]
    spec = load_scenario(REPLAY).spec
    first = ts.date.min()
    start = pd.DataFrame([{"state": s, "power": p, "alignment": spec.states[s].alignment[p]}
                          for s in spec.states for p in spec.states[s].alignment])
    ts = ts.sort_values(["run", "state", "power", "date"]).copy()
    ts["before"] = ts.groupby(["run", "state", "power"]).alignment.shift(1)
    at_start = ts.date == first
    ts.loc[at_start, "before"] = ts[at_start].merge(start, on=["state", "power"], suffixes=("", "_0"),
                                                   how="left").alignment_0.to_numpy()
    total = drivers.groupby(["run", "date", "state", "power"]).contribution.sum().rename("total")
    both = ts.set_index(["run", "date", "state", "power"]).join(total, how="outer")
    assert len(both) == runs * 120 * 5 * 3 and both.total.notna().all() and both.before.notna().all()
    change = both.alignment - both.before
    np.testing.assert_allclose(both.total, change, rtol=0, atol=atol)
    assert (change.abs() > 0.01).sum() > 30 * runs  # the replay moves: the check is not on flat lines
    assert set(drivers.driver) == {"security", "regime", "conditions", "economy", "blame", "offers", "rivalry",
                                   "inertia", "noise", "bounds"}


def test_drivers_add_up_to_the_change_for_every_row_of_the_replay():
    """Exactly (to rounding of the last bit), in the tables run.py writes, before they are written."""
    from sim import simulate
    from sim.outputs import tables

    seeds = [0, 1, 2]
    rec = simulate.run_scenario(load_scenario(REPLAY), seeds)
    _check_sum(tables.drivers(rec, seeds), tables.timeseries(rec, seeds), atol=1e-12, runs=3)


def test_drivers_csv_adds_up_to_timeseries_csv_within_their_written_precision(replay_out):
    """drivers.csv keeps 9 decimals, timeseries.csv 6: the sum matches the change to about 1e-6."""
    drivers = pd.read_csv(replay_out / "drivers.csv")
    ts = pd.read_csv(replay_out / "timeseries.csv")
    _check_sum(drivers, ts, atol=1e-6 + 1e-8, runs=3)


# A quiet world (the 1999 setting without its history) with one uprising blamed on the United States,
# its weights set in the file so that the test does not depend on the calibrated defaults.
BLAME_WORLD = """title: blame
description: one uprising in Uzbekistan, blamed on the United States
parameters: {w_blame: 6.0, alignment_rate: 0.1}
events:
  - id: namangan
    title: The Namangan unrest
    date: "2000-06"
    type: unrest
    state: UZB
    magnitude: 2.0
    blame: [USA]
    source: test
"""


def test_report_names_the_uprising_as_the_blame_behind_the_fall(tmp_path):
    path = write_whatif(tmp_path, "blame_world", BLAME_WORLD)
    out = tmp_path / "out"
    res = run_cli("run", str(path), "--runs", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    report = (out / "report.md").read_text()
    section = report.split("### 2000-06", 1)[1].split("###", 1)[0]
    line = next(ln for ln in section.splitlines()
                if ln.startswith("- Uzbekistan's alignment with the United States fell"))
    first = line.split(", of which ", 1)[1].split(", ")[0]
    assert first.startswith("-") and first.endswith("from blame for the Namangan unrest (2000-06)")
    # before the uprising nothing is blamed on it
    assert "Namangan" not in report.split("### 2000-06", 1)[0].split("## Month by month", 1)[1]


def test_the_real_replay_report_names_events_behind_moves(replay_out):
    report = (replay_out / "report.md").read_text()
    month_by_month = report.split("## Month by month", 1)[1]
    named = re.findall(r"from [^,]*?(?:blame for|,? after) the [^,]*? \((\d{4}-\d{2})\)", month_by_month)
    assert len(named) >= 5  # moves are explained by dated events of the replay


def test_move_threshold_adapts_to_a_slow_model():
    assert move_threshold(np.r_[np.zeros(990), np.full(10, 0.05)]) == 0.03
    assert move_threshold(np.r_[np.zeros(950), np.full(50, 0.015)]) == 0.015
    assert move_threshold(np.full(100, 0.001)) == 0.01


EVENTS = [
    {"date": "2005-03", "id": "tulip_revolution", "type": "color_revolution", "place": "KGZ", "magnitude": "0.8"},
    {"date": "2005-05", "id": "andijan", "type": "unrest", "state": "UZB", "magnitude": "1.2", "blame": ["USA"]},
    {"date": "2001-09", "id": "sept11", "type": "terror_attack", "targets": ["USA"], "magnitude": "2.0"},
    {"date": "2004-06", "id": "gazprom_psa", "type": "energy_deal", "actor": "RUS", "state": "UZB", "value": "0.2"},
]


def test_event_behind_follows_the_stock_the_driver_comes_from():
    assert event_behind(EVENTS, "blame", "UZB", "USA", "2005-06")["id"] == "andijan"
    # Andijan named only the USA: Russia's blame comes from the Tulip revolution (no names: blame rule)
    assert event_behind(EVENTS, "blame", "UZB", "RUS", "2005-06")["id"] == "tulip_revolution"
    assert event_behind(EVENTS, "blame", "UZB", "USA", "2005-04")["id"] == "tulip_revolution"  # not yet Andijan
    assert event_behind(EVENTS, "blame", "UZB", "USA", "2009-01") is None  # too old to be named
    assert event_behind(EVENTS, "economy", "UZB", "RUS", "2004-08")["id"] == "gazprom_psa"
    assert event_behind(EVENTS, "economy", "UZB", "USA", "2004-08") is None  # not that power's deal
    assert event_behind(EVENTS, "security", "UZB", "USA", "2001-10") is None  # an attack on the USA, not on UZB
    assert event_behind(EVENTS, "inertia", "UZB", "USA", "2005-06") is None


def test_phrases_and_labels():
    assert event_label("andijan", "unrest") == "the Andijan unrest"
    assert event_label("tulip_revolution", "color_revolution") == "the Tulip revolution"
    assert driver_phrase("blame", EVENTS[1]) == "blame for the Andijan unrest (2005-05)"
    assert driver_phrase("inertia", None).startswith("inertia")
    assert event_fields("unrest: state=UZB, magnitude=1.2, blame=USA+CHN") == {
        "type": "unrest", "state": "UZB", "magnitude": "1.2", "blame": ["USA", "CHN"]}
    drv = pd.DataFrame({"date": "2005-06", "state": "UZB", "power": "USA",
                        "driver": ["blame", "inertia", "noise", "security"],
                        "contribution": [-0.04, 0.01, 0.001, -0.006]})
    text = explain_move(drv, events=EVENTS)
    assert text.startswith("-0.04 from blame for the Andijan unrest (2005-05), +0.01 from inertia")
    assert "noise" not in text and "chance" not in text  # third driver below 0.005 is left out
