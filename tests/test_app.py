"""The classroom app without a browser: the model it runs, the map, the what-if form, the command."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest
from conftest import REPLAY, SCENARIOS, write_whatif

from sim.app.classroom import ClassroomModel, scenario_choices, slider_specs
from sim.app.mapview import outlines, state_fills
from sim.cli import main
from sim.model import GreatGameModel
from sim.parameters import DEFAULTS, PARAMETERS


def test_classroom_model_runs_exactly_like_the_model():
    a, b = ClassroomModel(REPLAY, seed=5), GreatGameModel(REPLAY, seed=5)
    for _ in range(30):
        a.step()
        b.step()
    np.testing.assert_array_equal(a.world.runs.alignment, b.world.runs.alignment)
    assert len(a.history) == 31 and a.history[-1]["date"] == "2001-06" and a.last_date == "2001-06"
    dates, series = a.alignment_series()
    assert dates[0] == "1998-12" and series.shape == (31, 5, 3)


# A quiet world (the 1999 setting without its history): the United States asks Uzbekistan for a base, then
# an uprising is blamed on it. Weights and thresholds are set in the file, so the tests do not depend on
# the calibrated defaults.
BASE_AND_BLAME = """title: base and blame
description: a US base request in Uzbekistan, then an uprising blamed on the United States
parameters: {w_blame: 6.0, alignment_rate: 0.1, base_grant: 0.35, base_revoke: 0.4, veto_weight: 0.0, min_dwell: 3}
events:
  - id: us_base_request
    title: US asks Uzbekistan for a base
    date: "1999-03"
    type: base_request
    actor: USA
    state: UZB
    name: test base
    window: 12
    source: test
  - id: namangan
    title: The Namangan unrest
    date: "2000-06"
    type: unrest
    state: UZB
    magnitude: 2.0
    blame: [USA]
    source: test
"""


def test_why_rows_add_up_and_name_events(tmp_path):
    m = ClassroomModel(write_whatif(tmp_path, "base_and_blame", BASE_AND_BLAME), seed=0)
    assert m.notice is None
    while m.last_date != "2000-07":
        m.step()
    rows = m.why("UZB", "USA", 4)
    assert [r["date"] for r in rows] == ["2000-07", "2000-06", "2000-05", "2000-04"]
    for r in rows:
        assert abs(sum(r["drivers"].values()) - r["change"]) < 1e-12
    assert rows[0]["because"].startswith("-") and "blame for the Namangan unrest (2000-06)" in rows[0]["because"]
    assert "Namangan" not in rows[2]["because"]  # before the uprising
    sentence = m.why_sentence("UZB", "USA")
    assert sentence.startswith("2000-07: Uzbekistan's alignment with the United States fell by")


def test_decisions_come_with_their_reasons(tmp_path):
    m = ClassroomModel(write_whatif(tmp_path, "base_and_blame", BASE_AND_BLAME), seed=0).run()
    base = [d for d in m.decisions if d["detail"] == "test base"]
    assert [(d["date"], d["decision"]) for d in base][:1] == [("1999-03", "base_opened")]
    assert [d["decision"] for d in base] == ["base_opened", "base_closed"]
    assert re.fullmatch(r"answering the United States' request of 1999-03 \(alignment 0\.\d\d\)",
                        m.decision_reason(base[0]))
    closed = m.decision_reason(base[1])
    assert "its alignment with the United States moved -" in closed
    assert "most by blame for the Namangan unrest (2000-06)" in closed
    joined = next(d for d in m.decisions if d["decision"] in ("joined", "left"))
    assert m.decision_reason(joined) == ""  # organisations: no single power to explain it by


def test_bad_choices_become_notices_not_crashes(tmp_path):
    m = ClassroomModel("no_such_file.yaml", seed="seven", w_blame=99, bogus=1)
    assert m.loaded.spec.name == "replay_1999_2008"
    for part in ("seed: expected a whole number", "w_blame: expected a value from 0.0 to 10.0",
                 "unknown parameters ignored: bogus", "could not use no_such_file.yaml"):
        assert part in m.notice
    assert m.seed == 0 and m.param_values["w_blame"] == DEFAULTS["w_blame"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ntitle: [unclosed\n")
    assert "could not use" in ClassroomModel(broken).notice
    assert ClassroomModel(REPLAY, seed="3").notice is None


def test_a_slider_at_its_default_leaves_the_scenarios_value(tmp_path):
    path = write_whatif(tmp_path, "blamey", "title: t\ndescription: d\nparameters:\n  w_blame: 5.0\n", extends=REPLAY)
    assert ClassroomModel(path, w_blame=DEFAULTS["w_blame"]).param_values["w_blame"] == 5.0
    assert ClassroomModel(path, w_blame=3.0).param_values["w_blame"] == 3.0


def test_scenario_picker_and_sliders():
    choices = scenario_choices()
    assert choices[0] == "replay_1999_2008.yaml"
    assert all((SCENARIOS / c).exists() for c in choices)
    assert "checkpoints/replay_1999_2008.yaml" not in choices  # a data file, not a scenario
    registry = {p.name: p for p in PARAMETERS}
    specs = slider_specs()
    assert {"w_blame", "w_security", "alignment_rate", "contagion"} <= set(specs)
    for name, s in specs.items():
        assert s["min"] == registry[name].low <= s["value"] == DEFAULTS[name] <= s["max"] == registry[name].high
        assert 0 < s["step"] <= (s["max"] - s["min"]) / 10


def test_outlines_are_the_real_countries():
    shapes = outlines()
    centres = {"KAZ": (67, 48), "UZB": (64, 41.5), "TKM": (59, 39), "TJK": (71, 38.8), "KGZ": (74.5, 41.3)}
    for code, (lon, lat) in centres.items():
        rings = shapes[code]["rings"]
        pts = np.concatenate(rings)
        assert abs(pts[:, 0].mean() - lon) < 4 and abs(pts[:, 1].mean() - lat) < 3, code
        assert shapes[code]["role"] == "state" and len(pts) > 200  # real outlines, not boxes
    assert {"RUS", "CHN", "AFG", "IRN"} <= set(shapes)


def test_map_colours_follow_the_leading_power():
    a = np.array([[0.8, 0.1, 0.3], [0.40, 0.45, 0.2], [0.3, 0.3, 0.3], [0.1, 0.2, 0.9], [0.5, 0.5, 0.6]])
    fills = state_fills(a, ("KAZ", "UZB", "TKM", "TJK", "KGZ"), ("RUS", "USA", "CHN"))
    assert [fills[s]["power"] for s in ("KAZ", "UZB", "TJK", "KGZ")] == ["RUS", "USA", "CHN", "CHN"]
    assert fills["KAZ"]["alpha"] == 1.0 and fills["UZB"]["alpha"] < 0.4 and fills["TKM"]["alpha"] == 0.25
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from sim.app.mapview import draw_map

    ax = Figure().add_subplot()
    draw_map(ax, a, ("KAZ", "UZB", "TKM", "TJK", "KGZ"), ("RUS", "USA", "CHN"), "2005-05", {"UZB": ["USA"]})
    assert any("bases: USA" in t.get_text() for t in ax.texts)


def test_what_if_form_values():
    pytest.importorskip("solara")
    from sim.app.components import NOBODY, whatif_fields
    from sim.whatif import WhatIfError

    assert whatif_fields("Color revolution", "KGZ", NOBODY, "0.9", "oil_price", "0") == {
        "type": "color_revolution", "place": "KGZ", "magnitude": 0.9, "blame": []}
    assert whatif_fields("Price shock", "KGZ", "USA", "0.5", "oil_price", "12")["months"] == 12
    with pytest.raises(WhatIfError, match="magnitude: expected a number, got 'lots'"):
        whatif_fields("Terror attack", "KGZ", "USA", "lots", "oil_price", "0")
    with pytest.raises(WhatIfError, match="months: expected a whole number"):
        whatif_fields("Price shock", "KGZ", "USA", "0.5", "oil_price", "2.5")


@pytest.mark.parametrize("argv, message", [
    (["app", "--port", "eighty"], "--port: expected a whole number from 0 to 65535, got 'eighty'"),
    (["app", "--port", "70000"], "--port: expected a whole number from 0 to 65535, got 70000"),
    (["app", "--host", "no.such.host.invalid"], "--host: 'no.such.host.invalid' is not an address"),
])
def test_app_command_refuses_bad_options(argv, message, capsys):
    pytest.importorskip("solara")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_app_command_refuses_a_busy_port(capsys):
    pytest.importorskip("solara")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"port {port} is already in use" in capsys.readouterr().err


def test_the_offline_browser_files_are_installed():
    """The 'app' extra installs the files the page would otherwise fetch from the internet."""
    pytest.importorskip("solara")
    from sim.app.command import assets_installed

    assert assets_installed(), "run: bash scripts/setup.sh app (installs solara-assets)"

