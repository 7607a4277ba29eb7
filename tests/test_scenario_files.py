"""Scenario files: extends, drop_events, requires, overrides, and every kind of bad input.

Bad input must end with exit code 2 and one clear message naming the file, the line or field and what was
expected: no traceback, and no output folder.
"""

import pytest
from conftest import BASE, REPLAY, run_cli, write_whatif

from sim.scenario import ScenarioError, load_scenario


def test_replay_has_the_required_events():
    ids = {e.id for e in load_scenario(REPLAY).spec.events}
    for required in ("tashkent_bombings", "imu_batken", "sept11", "afghan_war", "iraq_war", "rose_revolution",
                     "orange_revolution", "tulip_revolution", "andijan"):
        assert required in ids


def test_replay_writes_in_no_decision():
    """The replay supplies shocks, offers and requests; no event type states a state's own decision."""
    from sim.codes import DECISIONS

    types = {e.type for e in load_scenario(REPLAY).spec.events}
    assert not types & set(DECISIONS)


def test_a_whatif_is_a_five_line_file_and_dropping_cascades_to_dependents(tmp_path):
    path = tmp_path / "no_sept11.yaml"
    path.write_text(f"extends: {REPLAY}\nname: no_sept11\ndrop_events: [sept11]\n")
    sc = load_scenario(path)
    ids = {e.id for e in sc.spec.events}
    assert "sept11" not in ids and "afghan_war" not in ids  # afghan_war requires sept11
    assert "tulip_revolution" in ids
    assert {"sept11", "afghan_war"} <= set(sc.dropped)


def test_a_child_event_with_a_parents_id_replaces_it_and_parameters_override(tmp_path):
    path = write_whatif(tmp_path, "bigger", """
parameters: {w_blame: 5.0}
events:
  - {id: andijan, title: Andijan, date: "2005-05", type: unrest, state: UZB, magnitude: 2.5, blame: [USA], source: what-if}
""", extends=REPLAY)
    sc = load_scenario(path)
    andijan = [e for e in sc.spec.events if e.id == "andijan"]
    assert len(andijan) == 1 and andijan[0].magnitude == 2.5
    assert sc.spec.parameters["w_blame"] == 5.0


def test_a_new_power_is_data(tmp_path):
    states = "\n".join(f"  {s}: {{alignment: {{EU: 0.3}}}}" for s in ("KAZ", "UZB", "TKM", "TJK", "KGZ"))
    path = write_whatif(tmp_path, "with_eu", f"""
powers:
  EU: {{capacity: 1.5, attention: 0.3, conditionality: 0.7, reach: 0.4, rivals: []}}
states:
{states}
events:
  - {{id: eu_aid, title: Eu aid, date: "2003-01", type: aid_offer, actor: EU, targets: [KGZ], magnitude: 0.5, source: test}}
""")
    sc = load_scenario(path)
    assert sc.powers == ("RUS", "USA", "CHN", "EU")
    from conftest import final_alignment

    assert final_alignment(path).shape == (5, 4)


BAD = {
    "yaml_syntax": ("events: [\n  - {id: x, title: X, date: \"2001-01\"\n", "not valid YAML"),
    "python_tag": ("parameters: !!python/object/apply:os.system ['echo hi']\n", "tag"),
    "unknown_state": ("events:\n  - {id: x, title: X, date: \"2001-01\", type: unrest, state: AFG, magnitude: 1, source: t}\n",
                      "unknown state 'AFG'"),
    "unknown_power": ("events:\n  - {id: x, title: X, date: \"2001-01\", type: aid_offer, actor: IRN, targets: [KGZ], "
                      "magnitude: 1, source: t}\n", "unknown power 'IRN'"),
    "wrong_type": ("events:\n  - {id: x, title: X, date: \"2001-01\", type: unrest, state: UZB, magnitude: big, source: t}\n",
                   "magnitude"),
    "date_out_of_range": ("events:\n  - {id: x, title: X, date: \"2012-01\", type: unrest, state: UZB, magnitude: 1, "
                          "source: t}\n", "outside the period"),
    "bad_month": ("events:\n  - {id: x, title: X, date: \"2001-13\", type: unrest, state: UZB, magnitude: 1, source: t}\n",
                  "MM from 01 to 12"),
    "unknown_event_type": ("events:\n  - {id: x, title: X, date: \"2001-01\", type: invasion, state: UZB, source: t}\n",
                           "unknown event type"),
    "duplicate_id": ("events:\n  - {id: x, title: X, date: \"2001-01\", type: unrest, state: UZB, magnitude: 1, source: t}\n"
                     "  - {id: x, title: X, date: \"2002-01\", type: unrest, state: KGZ, magnitude: 1, source: t}\n",
                     "duplicate id 'x'"),
    "unknown_parameter": ("parameters: {w_gravity: 2}\n", "unknown parameter 'w_gravity'"),
    "parameter_out_of_range": ("parameters: {w_blame: 99}\n", "expected a value from"),
    "drop_unknown": ("drop_events: [no_such_event]\n", "no event 'no_such_event' to drop"),
    "unknown_field": ("colour: red\n", "unknown field 'colour'"),
    "requires_unknown": ("events:\n  - {id: x, title: X, date: \"2001-01\", type: unrest, state: UZB, magnitude: 1, "
                         "source: t, requires: [ghost]}\n", "requires unknown event 'ghost'"),
    "missing_title": ("events:\n  - {id: x, date: \"2001-01\", type: unrest, state: UZB, magnitude: 1, source: t}\n",
                      "events[0].title"),
    "blank_title": ("events:\n  - {id: x, title: '  ', date: \"2001-01\", type: unrest, state: UZB, magnitude: 1, "
                    "source: t}\n", "expected a short title"),
    "long_title": ("events:\n  - {id: x, title: " + "A" * 61 + ", date: \"2001-01\", type: unrest, state: UZB, "
                   "magnitude: 1, source: t}\n", "at most 60 characters, got 61"),
    "duplicate_key": ("parameters: {w_blame: 2}\nparameters: {w_blame: 3}\n", "given twice"),
    "footprint_out_of_range": ("states:\n  KAZ:\n    base_sites: {USA: {name: Almaty, footprint: 1.5}}\n",
                               "base_sites.USA.footprint"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gives_one_clear_message(tmp_path, case):
    body, expected = BAD[case]
    path = write_whatif(tmp_path, f"bad_{case}", body, extends=REPLAY if case == "drop_unknown" else BASE)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert expected in msg, msg
    assert str(path) in msg or path.name in msg
    if case not in ("yaml_syntax",):
        assert "line" in msg, msg


def test_a_cycle_of_extends_is_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_errors_point_at_the_right_line(tmp_path):
    path = write_whatif(tmp_path, "lines", """
events:
  - id: fine
    title: Fine
    date: "2001-01"
    type: unrest
    state: UZB
    magnitude: 1
    source: t
  - id: broken
    title: Broken
    date: "2001-02"
    type: unrest
    state: UZB
    magnitude: -4
    source: t
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.line == 17  # the 'magnitude: -4' line (2 header lines + leading blank line)
    assert "events[1].magnitude" in str(err.value)


@pytest.mark.parametrize("case", ["python_tag", "unknown_event_type", "date_out_of_range"])
def test_cli_exits_2_without_traceback_or_output_folder(tmp_path, case):
    body, expected = BAD[case]
    path = write_whatif(tmp_path, f"bad_{case}", body)
    out = tmp_path / "out"
    proc = run_cli("run", str(path), "--out", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert expected in proc.stderr
    assert proc.stderr.count("\n") == 1  # one message
    assert not out.exists()


def test_cli_rejects_a_missing_file_and_bad_options(tmp_path):
    proc = run_cli("run", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("run", str(REPLAY), "--runs", "0", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "--runs" in proc.stderr
    proc = run_cli("run", str(REPLAY), "--set", "w_blame=lots", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "expected a number" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_a_failed_run_leaves_the_previous_results_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "timeseries.csv").write_text("previous results\n")
    path = write_whatif(tmp_path, "bad", BAD["unknown_state"][0])
    assert run_cli("run", str(path), "--out", str(out)).returncode == 2
    assert (out / "timeseries.csv").read_text() == "previous results\n"


def test_continues_is_resolved_against_the_file_that_declares_it(tmp_path):
    from conftest import SCENARIOS

    outlook = SCENARIOS / "outlook_baseline.yaml"
    if not outlook.exists():
        pytest.skip("no baseline outlook")
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    path = sub / "mine.yaml"
    path.write_text(f"extends: {outlook}\nname: mine\n")  # no need to repeat 'continues'
    sc = load_scenario(path)
    assert sc.continues_path.resolve() == (SCENARIOS / "replay_1999_2008.yaml").resolve()


def test_a_leader_change_can_be_a_random_hazard(tmp_path):
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine

    path = write_whatif(tmp_path, "succession_hazard", """
hazards:
  - id: succession
    start: "2003-01"
    end: "2008-12"
    probability: 0.05
    source: test
    event: {title: A new leader in Uzbekistan, type: leader_change, state: UZB, openness: 0.4, affinity_shift: {USA: 0.5}}
""")
    eng = BatchEngine(load_scenario(path), [make_params()] * 40, list(range(40)))
    eng.run()
    opened = eng.world.runs.openness[:, 1]
    assert 0 < (opened == 0.4).sum() < 40  # some runs drew a succession, some did not
