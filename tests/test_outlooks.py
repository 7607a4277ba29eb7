"""The post-2009 outlooks and the continuation they rest on: each run of an outlook starts from its own end
state of the replay, and continuing a scenario is indistinguishable from running it on."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from sim import continuation
from sim.core.parameters import make_params
from sim.core.rules.arrays import logistic, sum_last
from sim.core.world import OPEN, RunState
from sim.engine import BatchEngine
from sim.scenario import ScenarioError, load_scenario
from sim.simulate import run_scenario

ROOT = Path(__file__).resolve().parent.parent
SCEN = ROOT / "scenarios"
REPLAY = SCEN / "replay_1999_2008.yaml"
OUTLOOKS = sorted(SCEN.glob("outlook_*.yaml"))
WHATIFS = sorted((SCEN / "whatif").glob("*.yaml"))
REQUIRED = {"baseline", "hydrocarbon_slump", "china_steps_in", "afghan_spillover", "us_russia_afghanistan",
            "eu_russia", "succession", "regional_organisation"}
SOURCE_OK = re.compile(r"seed 00[01]|what-if|assumption", re.IGNORECASE)


def _rows(n):
    return [make_params()] * n


def test_every_outlook_the_issue_asks_for_exists():
    names = {p.stem.removeprefix("outlook_") for p in OUTLOOKS}
    assert REQUIRED <= names


@pytest.mark.parametrize("path", OUTLOOKS + WHATIFS, ids=lambda p: p.stem)
def test_outlook_files_continue_the_replay_to_2020_and_cite_their_sources(path):
    sc = load_scenario(path)
    spec = sc.spec
    assert spec.period.start == "2009-01" and spec.period.end >= "2020-12"
    assert continuation.parent_path(sc).resolve() == REPLAY.resolve()
    assert spec.description.strip()
    if path in OUTLOOKS:
        notes = spec.teaching_notes or ""
        assert re.search(r"seed 00[01]", notes, re.IGNORECASE), "the notes must name the seed passage"
        assert spec.hazards, "random shocks make the bands across runs meaningful"
    for ev in spec.events:
        assert SOURCE_OK.search(ev.source), f"{ev.id}: {ev.source!r} cites no seed passage nor says what-if"
        assert "2009-01" <= ev.date <= spec.period.end
    for hz in spec.hazards:
        assert SOURCE_OK.search(hz.source), hz.id


def test_an_outlook_starts_from_each_runs_own_end_of_the_replay():
    seeds = [0, 1, 2]
    replay = BatchEngine(load_scenario(REPLAY), _rows(3), seeds)
    replay.run()
    outlook = BatchEngine(load_scenario(SCEN / "outlook_baseline.yaml"), _rows(3), seeds)
    end, start = replay.world.runs, outlook.world.runs
    assert np.array_equal(start.alignment, end.alignment)
    assert np.array_equal(start.affinity, end.affinity)
    assert np.array_equal(start.member, end.member)
    k = len(replay.world.setup.slots)
    assert np.array_equal(start.slot_status[:, :k], end.slot_status), "bases and deals in place carry over"
    assert (start.slot_status[:, :k] == OPEN).any()
    # the runs differ from one another at the start: they carry their own histories
    assert not np.array_equal(start.alignment[0], start.alignment[1])


@pytest.mark.parametrize("cut", ["2001-10", "2004-07"])
def test_continuing_a_scenario_equals_running_it_on(tmp_path, cut):
    """Split the replay in two at ``cut``; the second half, continued from the first, reproduces the full
    replay's months bit for bit (pending requests, ties, stances, random draws and all)."""
    year, month = map(int, cut.split("-"))
    nxt = f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    (tmp_path / "first.yaml").write_text(
        f"extends: {REPLAY}\nname: first\nperiod: {{start: '1999-01', end: '{cut}'}}\n")
    (tmp_path / "second.yaml").write_text(
        f"extends: {REPLAY}\nname: second\ncontinues: first.yaml\n"
        f"period: {{start: '{nxt}', end: '2008-12'}}\n")
    seeds = [0, 1, 2, 3]
    full = run_scenario(load_scenario(REPLAY), seeds)
    second = run_scenario(load_scenario(tmp_path / "second.yaml"), seeds)
    k = full.dates.index(nxt)
    assert np.array_equal(np.stack(full.alignment[k:]), np.stack(second.alignment))
    def key(d):
        return d["run"], d["date"], d["state"], d["decision"], d["detail"]

    later = [d for d in full.decisions if d["date"] >= nxt]
    assert sorted(map(key, later)) == sorted(map(key, second.decisions))


def test_a_new_power_declared_in_the_outlook_starts_at_rest_and_engines_agree():
    sc = load_scenario(SCEN / "outlook_eu_russia.yaml")
    eng = BatchEngine(sc, _rows(2), [0, 1])
    w = eng.world
    eu = w.setup.powers.index("EU")
    assert w.setup.powers[:3] == ("RUS", "USA", "CHN")
    from sim.core import step as rules

    target = logistic(w.runs.affinity + sum_last(rules.state_pulls(w, eng.params)))
    expected = [sc.spec.states[s].alignment["EU"] for s in w.setup.states]
    assert np.allclose(w.runs.alignment[:, :, eu], expected)
    assert np.allclose(target[:, :, eu], w.runs.alignment[:, :, eu], atol=1e-9)
    assert (w.runs.offers[:, :, eu] > 0).all(), "its offers start at the level its effort sustains"
    mesa = run_scenario(sc, [1], engine="mesa")
    batch = run_scenario(sc, [1])
    assert np.array_equal(np.stack(mesa.alignment), np.stack(batch.alignment))


def test_a_whatif_in_its_own_folder_differs_from_its_outlook_only_from_the_dropped_event_on():
    seeds = [4, 5]
    base = run_scenario(load_scenario(SCEN / "outlook_baseline.yaml"), seeds)
    whatif = load_scenario(SCEN / "whatif" / "no_kyrgyz_package.yaml")
    assert "kyrgyz_package" in whatif.dropped
    alt = run_scenario(whatif, seeds)
    k = base.dates.index("2009-02")  # the package arrives in 2009-02
    assert np.array_equal(np.stack(base.alignment[:k]), np.stack(alt.alignment[:k]))
    kgz = base.setup.states.index("KGZ")
    assert not np.array_equal(np.stack(base.alignment[k:])[:, :, kgz], np.stack(alt.alignment[k:])[:, :, kgz])


def test_a_run_does_not_depend_on_the_batch_it_runs_in():
    sc = load_scenario(SCEN / "outlook_afghan_spillover.yaml")
    together = np.stack(run_scenario(sc, [7, 8, 9]).alignment)
    alone = np.stack(run_scenario(sc, [8]).alignment)
    assert np.array_equal(together[:, 1], alone[:, 0])


def test_a_continuation_that_does_not_start_the_month_after_is_refused(tmp_path):
    (tmp_path / "late.yaml").write_text(
        f"extends: {SCEN / 'outlook_baseline.yaml'}\nname: late\ncontinues: {REPLAY}\n"
        "period: {start: '2010-01', end: '2012-12'}\nevents: []\n"
        "drop_events: [stabilisation_fund, kyrgyz_package]\n")
    sc = load_scenario(tmp_path / "late.yaml")
    with pytest.raises(ScenarioError, match="must start the month after, 2009-01"):
        BatchEngine(sc, _rows(1), [0])


def test_every_field_of_a_run_must_be_carried_over(monkeypatch):
    """A field added to RunState without a layout here would be dropped at the junction: refuse instead."""
    layout = dict(continuation.RUNSTATE_LAYOUT)
    layout.pop("blame")
    monkeypatch.setattr(continuation, "RUNSTATE_LAYOUT", layout)
    with pytest.raises(RuntimeError, match="blame"):
        BatchEngine(load_scenario(SCEN / "outlook_baseline.yaml"), _rows(1), [0])
    assert {f.name for f in dataclasses.fields(RunState)} == set(continuation.RUNSTATE_LAYOUT) | {"blame"}
