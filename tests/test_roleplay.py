"""The role play: a team's budget, its controller, a session saved and restored, its export replayed
exactly by the batch engine, and a debrief whose sums are those of the drivers table."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REPLAY

from sim.app.session import CHANNELS, Session, SessionError
from sim.app.teams import BUDGET, Choice, ChoiceError, TeamController, choice_events, parse_choice

STATES = ("KAZ", "UZB", "TKM", "TJK", "KGZ")
EXPORTERS = ("KAZ", "UZB", "TKM")


def test_budget_rule_costs_and_refusals():
    c = parse_choice({"base": "KGZ", "deal": "KAZ", "rights": "press", "aid": {"KGZ": 4}}, STATES, EXPORTERS)
    assert c.cost() == 3 + 2 + 1 + 4 == BUDGET
    assert parse_choice({}, STATES, EXPORTERS).cost() == 0
    assert parse_choice({"rights": "silent", "aid": {"UZB": "2"}}, STATES, EXPORTERS).cost() == 2
    for form, field in [({"base": "KGZ", "aid": {"KGZ": 8}}, "budget"), ({"deal": "KGZ"}, "deal"),
                        ({"base": "IRN"}, "base"), ({"aid": {"KGZ": -1}}, "aid.KGZ"),
                        ({"aid": {"KGZ": 1.5}}, "aid.KGZ"), ({"rights": "shout"}, "rights"),
                        ({"bribe": 1}, "bribe"), ("all", "choice")]:
        with pytest.raises(ChoiceError, match=field):
            parse_choice(form, STATES, EXPORTERS)


def test_choices_become_titled_scenario_events_that_validate():
    from pydantic import TypeAdapter

    from sim.scenario.schema import Event

    c = Choice(base="KGZ", deal="KAZ", aid={"UZB": 2}, rights="press")
    evs = choice_events(c, "USA", 3, "2001-01", 0.3)
    assert [e["type"] for e in evs] == ["base_request", "energy_deal", "aid_offer", "power_policy"]
    adapter = TypeAdapter(Event)
    parsed = [adapter.validate_python(e) for e in evs]
    assert all(p.title.startswith("Turn 3:") for p in parsed)
    assert parsed[2].magnitude == pytest.approx(0.2) and parsed[3].conditionality == 0.8
    assert choice_events(Choice(), "USA", 1, "1999-01", 0.3) == []


def test_team_controller_asks_nothing_and_spreads_help_evenly():
    from sim.model import GreatGameModel

    ctrl = TeamController("USA", {1: Choice(base="KGZ")})
    assert ctrl.budget_left(1) == BUDGET - 3 and ctrl.budget_left(2) == BUDGET
    m = GreatGameModel(REPLAY, seed=1)
    out = ctrl.decide(m.world, m.params, 1)
    assert out["asks"] == {}
    np.testing.assert_array_equal(out["aid"], np.ones(5))
    assert [e["type"] for e in ctrl.events(1, "1999-01")] == ["base_request"]
    assert ctrl.events(2, "2000-01") == []  # a turn the team sent nothing


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """A session of three teams, two year-long turns."""
    folder = tmp_path_factory.mktemp("class") / "s"
    s = Session.create(folder, REPLAY, seed=5, turn="year")
    codes = {p: t["code"] for p, t in s.data["teams"].items()}
    s.submit(codes["USA"], {"base": "UZB", "aid": {"UZB": 3, "KGZ": 2}, "rights": "silent"})
    s.submit(codes["RUS"], {"deal": "TKM", "aid": {"TJK": 8}})
    s.run_turn()
    s.submit(codes["CHN"], {"deal": "KAZ", "aid": {"KAZ": 4, "KGZ": 4}})
    s.submit(codes["USA"], {"base": "KGZ", "aid": {"KGZ": 6}, "rights": "press"})
    s.run_turn()
    return s, codes


def test_a_team_acts_only_for_its_own_power_and_sees_only_its_choices(played):
    s, codes = played
    teams = s.team_controllers()
    assert teams["USA"].choices[2].base == "KGZ" and teams["USA"].budget_left(2) == BUDGET - 3 - 1 - 6
    with pytest.raises(SessionError, match="code"):
        s.submit("NOPE1", {})
    view = s.team_view(codes["RUS"])
    assert view["power"] == "RUS"
    text = json.dumps({k: v for k, v in view.items() if k != "map"})
    assert "UZB\", \"deal" not in text and '"press"' not in text  # nothing of the US team's choices
    assert [t["choices"]["deal"] for t in view["history"]] == ["TKM", None]


def test_session_survives_a_restart(played):
    s, _ = played
    again = Session.load(s.folder)
    assert again.data == s.data and again.now() == "2000-12"
    np.testing.assert_array_equal(again.alignment_now(), s.alignment_now())
    assert not list(s.folder.glob(".*.tmp"))  # atomic writes leave nothing behind


def test_export_replayed_by_the_batch_engine_gives_the_session(played, tmp_path):
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario import load_scenario

    s, _ = played
    path = tmp_path / "exported.yaml"
    path.write_text(s.scenario_yaml())
    sc = load_scenario(path)
    assert all(sc.spec.powers[p].controller == "scripted" for p in ("RUS", "USA", "CHN"))
    eng = BatchEngine(sc, [make_params(sc.spec.parameters)], [s.data["seed"]])
    eng.run()
    np.testing.assert_array_equal(eng.world.runs.alignment[0], s.alignment_now())
    rule = s.rule_run()["alignment"][-1]
    assert not np.array_equal(rule, s.alignment_now())  # the teams changed the world


def test_debrief_sums_match_the_drivers_table(played):
    s, _ = played
    rows = s.driver_rows()
    deb = s.debrief()
    assert len(deb["turns"]) == 2
    for t in deb["turns"]:
        for p, team in t["teams"].items():
            for st, v in team["states"].items():
                for kind, drivers in CHANNELS.items():
                    total = sum(r["value"] for r in rows if r["power"] == p and r["state"] == st
                                and r["driver"] in drivers and t["start"] <= r["date"] <= t["end"])
                    assert v["pulls"][kind] == pytest.approx(total, abs=1e-4)
    usa_kgz = deb["turns"][1]["teams"]["USA"]["states"]["KGZ"]["pulls"]["aid"]
    usa_tkm = deb["turns"][1]["teams"]["USA"]["states"]["TKM"]["pulls"]["aid"]
    assert usa_kgz > usa_tkm  # aid given to Kyrgyzstan pulls it more than the state that got none


def test_no_turn_past_the_end(tmp_path):
    s = Session.create(tmp_path / "s", REPLAY, seed=0, turn="year")
    s.end()
    with pytest.raises(SessionError, match="over"):
        s.run_turn()
    with pytest.raises(SessionError, match="turn"):
        Session.create(tmp_path / "t", REPLAY, turn="week")


def test_a_damaged_session_file_is_a_clear_error(tmp_path, capsys):
    from sim.cli import main

    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "session.json").write_text('{"scenario": 3}')
    with pytest.raises(SessionError, match="scenario"):
        Session.load(folder)
    assert main(["class", "--session", str(folder), "--port", "0"]) == 2
    assert "not a session this program wrote" in capsys.readouterr().err
    assert main(["class", "--session", str(tmp_path / "new"), "--seed", "x", "--port", "0"]) == 2
    assert "--seed" in capsys.readouterr().err
    assert (folder / "session.json").read_text() == '{"scenario": 3}'  # never touched
