"""The classroom app without a browser: the model it runs, the map, the what-if form, the command."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest
from conftest import REPLAY, SCENARIOS, write_whatif

from sim.app.classroom import ClassroomModel, ParameterChoices, exact, scenario_choices, slider_specs
from sim.app.mapview import outlines, state_fills
from sim.cli import main
from sim.core.parameters import DEFAULTS, PARAMETERS
from sim.core.rules.alignment import DRIVERS
from sim.model import GreatGameModel


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
    base = [d for d in m.decisions if d["detail"] == "test base" and d["decision"] != "base_requested"]
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


def test_only_the_parameters_given_change_the_run(tmp_path):
    path = write_whatif(tmp_path, "blamey", "title: t\ndescription: d\nparameters:\n  w_blame: 5.0\n", extends=REPLAY)
    assert ClassroomModel(path).param_values["w_blame"] == 5.0  # the scenario's value, untouched
    assert ClassroomModel(path, w_blame=DEFAULTS["w_blame"]).param_values["w_blame"] == DEFAULTS["w_blame"]
    assert ClassroomModel(path, w_blame=3.0).param_values["w_blame"] == 3.0


def test_moving_one_slider_keeps_every_other_parameter_exact():
    """A slider snaps to its step (w_regime 3.3962 would show as 3.36): only moved sliders are passed on."""
    specs = slider_specs()
    before = ClassroomModel(REPLAY, seed=0)
    snapped = {n: round(s["min"] + round((before.param_values[n] - s["min"]) / s["step"]) * s["step"], 10)
               for n, s in specs.items()}
    assert any(snapped[n] != before.param_values[n] for n in specs)  # the test would catch the old bug
    choices = ParameterChoices().move("w_blame", 2.0)
    after = ClassroomModel(REPLAY, seed=0, **choices.kwargs())
    assert after.param_values["w_blame"] == 2.0
    for name, value in before.param_values.items():
        if name != "w_blame":
            assert after.param_values[name] == value, name  # exactly, not rounded
    assert ClassroomModel(REPLAY, seed=0, **choices.forget("w_blame").kwargs()).param_values == before.param_values
    assert exact(3.3962) == "3.3962" and exact(0.0459) == "0.0459" and exact(6) == "6"


def test_scenario_picker_and_sliders():
    choices = scenario_choices()
    assert choices[0] == "replay_1999_2008.yaml"
    assert all((SCENARIOS / c).exists() for c in choices)
    assert "checkpoints/replay_1999_2008.yaml" not in choices  # a data file, not a scenario
    registry = {p.name: p for p in PARAMETERS}
    specs = slider_specs()
    assert {"w_blame", "w_security", "alignment_rate", "contagion"} <= set(specs)
    for name, s in specs.items():
        assert s["min"] == registry[name].low <= s["default"] == DEFAULTS[name] <= s["max"] == registry[name].high
        assert 0 < s["step"] <= (s["max"] - s["min"]) / 10
        assert s["meaning"] == registry[name].meaning and s["label"] and "_" not in s["label"]


def test_blame_is_credited_to_the_events_that_filled_it():
    """The K2 closure (2005-05): blame from the revolutions before Andijan counts as theirs, decayed."""
    m = ClassroomModel(REPLAY, seed=0)
    while m.last_date != "2005-07":
        m.step()
    k = len(m.history) - 1
    i, j = m.world.setup.states.index("UZB"), m.world.setup.powers.index("USA")
    shares = m.history[k]["shares"]["blame"]
    assert abs(sum(float(s[i, j]) for s in shares.values()) - 1.0) < 1e-9  # blame comes only from events
    parts = m.credit(k, "blame", "UZB", "USA")
    titles = [e["title"] for e, _ in parts if e is not None]
    assert titles[0] == "The Andijan unrest" and "The Tulip revolution" in titles
    total = m.history[k]["drivers"][i, j, list(DRIVERS).index("blame")]
    assert abs(sum(p for _, p in parts) - total) < 1e-12  # the parts add up to the driver
    assert all(p < 0 for _, p in parts)
    k2 = next(d for d in m.decisions if d["decision"] == "base_closed" and d["detail"].startswith("Karshi"))
    reason = m.decision_reason(k2)
    # the reason names the largest drivers, and splits blame and regime threat among the events that filled them
    assert "the Andijan unrest (2005-05)" in reason
    assert "revolution" in reason.split("the Andijan unrest")[0] + reason.split("(2005-05)")[-1]
    sentence = m.why_sentence("UZB", "USA")
    # the month's largest drivers, each split among the events that filled it (blame or the regime threat)
    assert "-0.0" in sentence and "the Andijan unrest (2005-05)" in sentence and "Tulip revolution" in sentence


def test_replaying_reproduces_the_run_with_its_whatifs():
    m = ClassroomModel(REPLAY, seed=4)
    for _ in range(5):
        m.step()
    m.inject({"type": "unrest", "state": "KGZ", "magnitude": 1.5, "blame": ["RUS"], "title": "Unrest in Osh"})
    for _ in range(6):
        m.step()
    again = m.replayed_to(11)
    assert again.months_done == 11 and [w["date"] for w in again.whatifs] == ["1999-06"]
    for h, g in zip(m.history, again.history):
        np.testing.assert_array_equal(h["alignment"], g["alignment"])
    earlier = m.replayed_to(3)
    assert earlier.whatifs == [] and earlier.last_date == "1999-03"
    np.testing.assert_array_equal(earlier.history[-1]["alignment"], m.history[3]["alignment"])
    titles = [e["title"] for e in again.event_records()]
    assert "Unrest in Osh" in titles and "The Tashkent bombings" in titles
    assert m.month_index("1999-06") == 6 and m.month_index("2030-01") is None and m.month_index("x") is None


def test_whatifs_get_a_title_unless_one_is_given():
    from sim.whatif import inject

    m = ClassroomModel(REPLAY, seed=0)
    inject(m, {"type": "unrest", "state": "UZB", "magnitude": 1.0})
    inject(m, {"type": "energy_deal", "actor": "CHN", "state": "TKM", "value": 0.4})
    assert [w["event"].title for w in m.whatifs] == ["What-if 1: unrest in Uzbekistan",
                                                      "What-if 2: China energy deal in Turkmenistan"]
    from sim.whatif import WhatIfError

    with pytest.raises(WhatIfError, match="title: .*at most 60 characters"):
        inject(m, {"type": "unrest", "state": "UZB", "magnitude": 1.0, "title": "x" * 61})


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



# --- the page itself, rendered without a browser (Solara's widgets in this process) -------------------------
def _render_page():
    solara = pytest.importorskip("solara")
    from sim.app import app

    @solara.component
    def Wrapped():
        with solara.AppLayout():
            app.Page()

    box, rc = solara.render(Wrapped(), handle_error=False)
    return box, rc


def _walk(widget):
    import ipywidgets

    yield widget
    for child in getattr(widget, "children", None) or []:
        if isinstance(child, ipywidgets.Widget):
            yield from _walk(child)


def _html(box, css: str) -> list[str]:
    return [w.unsafe_innerHTML for w in _walk(box)
            if css in str((getattr(w, "attributes", None) or {}).get("class", "")).split()]


def _button(box, css: str):
    import ipyvuetify as v

    found = [w for w in _walk(box) if isinstance(w, v.Btn) and css in (w.class_ or "").split()]
    assert len(found) == 1, css
    return found[0]


def _month(box) -> str:
    return re.search(r"class='gg-month'[^>]*>([^<]+)<", _html(box, "gg-month-panel")[0]).group(1)


def test_page_steps_back_and_jumps_with_every_panel_on_the_same_month():
    box, rc = _render_page()
    assert _month(box) == "start"
    for _ in range(3):
        _button(box, "gg-step").click()
    assert _month(box) == "1999-03"
    assert "each state, 1999-03" in _html(box, "gg-map-month")[0]
    assert "1999-03" in _html(box, "gg-why-sentence")[0]
    _button(box, "gg-back").click()
    assert _month(box) == "1999-02" and "each state, 1999-02" in _html(box, "gg-map-month")[0]
    assert _html(box, "gg-why-sentence")[0].startswith("1999-02")
    assert "The Tashkent bombings" in _html(box, "gg-events")[0]
    _button(box, "gg-back").click()
    assert _month(box) == "1999-01" and "Tashkent" not in _html(box, "gg-events")[0]  # the log too
    import ipyvuetify as v

    jump = next(w for w in _walk(box) if isinstance(w, v.TextField) and w.label.startswith("Jump to month"))
    jump.v_model = "2001-10"
    _button(box, "gg-go").click()
    assert _month(box) == "2001-10" and "each state, 2001-10" in _html(box, "gg-map-month")[0]
    assert "The US war in Afghanistan" in _html(box, "gg-events")[0]
    jump.v_model = "1999-02"
    _button(box, "gg-go").click()
    assert _month(box) == "1999-02" and "The US war" not in _html(box, "gg-events")[0]
    _button(box, "gg-step").click()  # replays the month already simulated
    assert _month(box) == "1999-03"
    jump.v_model = "1890-01"
    _button(box, "gg-go").click()
    assert "month: expected YYYY-MM from 1999-01 to 2008-12" in str(
        [w.children for w in _walk(box) if "gg-jump-error" in str(getattr(w, "class_", ""))])
    rc.close()


def test_page_sliders_show_exact_values_and_reset_changes_only_the_moved_one():
    import ipyvuetify as v

    box, rc = _render_page()

    def values():
        out = {}
        for h in _html(box, "gg-param-row"):
            m = re.search(r"data-param='(\w+)'>([^<]+)<", h)
            out[m.group(1)] = m.group(2)
        return out

    shown = values()
    assert shown["w_regime"] == exact(DEFAULTS["w_regime"]) and shown["w_blame"] == exact(DEFAULTS["w_blame"])
    assert len(exact(DEFAULTS["w_regime"])) > 4  # exact, not rounded to the slider's step
    assert len(shown) == len(slider_specs())
    sliders = [w for w in _walk(box) if isinstance(w, v.Slider)]
    assert len(sliders) == len(shown)
    blame = sliders[list(slider_specs()).index("w_blame")]
    blame.v_model = 2.0
    assert "on Reset" in next(h for h in _html(box, "gg-param-row") if "w_blame" in h)
    _button(box, "gg-reset").click()
    after = values()
    assert after["w_blame"] == "2"
    assert {k: v_ for k, v_ in after.items() if k != "w_blame"} == {k: v_ for k, v_ in shown.items() if k != "w_blame"}
    rc.close()


def test_page_whatif_in_the_past_recomputes_from_the_start():
    box, rc = _render_page()
    for _ in range(4):
        _button(box, "gg-step").click()
    _button(box, "gg-back").click()
    _button(box, "gg-back").click()
    assert _month(box) == "1999-02"
    _button(box, "gg-inject").click()  # the default: a color revolution in Uzbekistan, blamed on the US
    log = _html(box, "gg-events")[0]
    assert "What-if 1: color revolution in Uzbekistan" in log
    assert "(simulated to" not in _html(box, "gg-month-panel")[0]  # the later months were dropped
    _button(box, "gg-step").click()
    assert "blame for What-if 1: color revolution in Uzbekistan (1999-03)" in _html(box, "gg-why-sentence")[0]
    rc.close()


def test_info_tab_follows_the_guide():
    from sim.app.info import SECTIONS, info_sections

    sections = info_sections()
    assert list(sections) == list(SECTIONS)
    assert all(len(body) > 200 for body in sections.values())
    assert "Andijan" in sections["THINGS TO NOTICE"]


def test_export_zip_holds_the_tables_figures_and_report(tmp_path):
    import io
    import zipfile

    import pandas as pd

    from sim.app.export import export_zip

    m = ClassroomModel(REPLAY, seed=2, w_blame=3.0)
    for _ in range(3):
        m.step()
    m.inject({"type": "unrest", "state": "KGZ", "magnitude": 1.0, "title": "Unrest in Osh"})
    for _ in range(3):
        m.step()
    z = zipfile.ZipFile(io.BytesIO(export_zip(m)))
    names = set(z.namelist())
    top = "replay_1999_2008-seed2/"
    for name in ("timeseries.csv", "drivers.csv", "events.csv", "decisions.csv", "report.md", "manifest.json",
                 "figures/alignment_UZB.png", "figures/map.png"):
        assert top + name in names, name
    ev = pd.read_csv(z.open(top + "events.csv"))
    assert "Unrest in Osh" in set(ev.title) and "The Tashkent bombings" in set(ev.title)
    ts = pd.read_csv(z.open(top + "timeseries.csv"))
    assert ts.date.max() == "1999-06"
    manifest = __import__("json").loads(z.read(top + "manifest.json"))
    assert manifest["parameters_moved"] == {"w_blame": 3.0} and manifest["whatifs"][0]["month"] == "1999-04"


def test_outlook_lead_in_and_seed_band():
    from sim.app.runs import lead_in, seed_band

    m = ClassroomModel("outlook_baseline.yaml", seed=1)
    dates, a = lead_in(m)
    assert dates[0] == "1999-01" and dates[-1] == "2008-12" and a.shape == (120, 5, 3)
    np.testing.assert_allclose(a[-1], m.history[0]["alignment"], atol=1e-12)  # the outlook starts where it ends
    assert lead_in(ClassroomModel(REPLAY)) is None
    bd, lo, hi, n = seed_band(m, 5)
    assert n == 5 and lo.shape == hi.shape == (len(bd), 5, 3) and np.all(lo <= hi)
    assert seed_band(m, 1) is None


def test_svg_pictures():
    from sim.app.svg import chart_svg, map_svg

    a = np.array([[0.8, 0.1, 0.3], [0.40, 0.45, 0.2], [0.3, 0.3, 0.3], [0.1, 0.2, 0.9], [0.5, 0.5, 0.6]])
    states, powers = ("KAZ", "UZB", "TKM", "TJK", "KGZ"), ("RUS", "USA", "CHN")
    svg = map_svg(a, states, powers, "2005-05", {"UZB": ["USA"]})
    got = dict(re.findall(r"data-state='(\w+)' data-power='(\w+)'", svg))
    assert got == {"KAZ": "RUS", "UZB": "USA", "TKM": "RUS", "TJK": "CHN", "KGZ": "CHN"}
    assert "bases: USA" in svg and svg.count("<svg") == 2 and ".gg-s-TJK{fill:#d4a017" in svg
    series = np.stack([a, a * 0.9])
    chart = chart_svg(["2005-04", "2005-05"], series, states, powers, (2005.25, 2008.9),
                      band=(["2005-05"], series[1:] - 0.1, series[1:] + 0.1), marks=[2005.3], band_runs=7)
    assert chart.count("<polyline") == 15 and chart.count("class='gg-band'") == 15
    assert "10-90% of 7 seeds" in chart and "dashed: what-ifs" in chart
