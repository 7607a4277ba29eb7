"""What-ifs injected mid-run: same effect as the same event written in a scenario file, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPLAY, write_whatif

from sim.core.world import OPEN, PENDING
from sim.model import GreatGameModel
from sim.whatif import WhatIfError, build_event, inject

QUIET_MONTH = "2006-09"  # no scheduled event in the replay that month


def run_to(model, date: str):
    while model.date != date:
        model.step()
    return model


def test_injected_revolution_matches_the_same_event_in_a_scenario_file(tmp_path):
    path = write_whatif(tmp_path, "uzb_revolution", f"""title: t
description: d
events:
  - id: uzb_revolution
    title: Uzb revolution
    date: "{QUIET_MONTH}"
    type: color_revolution
    place: UZB
    magnitude: 1.5
    blame: [USA]
    source: test
""", extends=REPLAY)
    from_file = GreatGameModel(path, seed=4).run()
    live = run_to(GreatGameModel(REPLAY, seed=4), QUIET_MONTH)
    text = inject(live, {"type": "color_revolution", "place": "UZB", "magnitude": 1.5, "blame": ["USA"]})
    assert QUIET_MONTH in text and "Uzbekistan" in text
    live.run()
    np.testing.assert_array_equal(live.world.runs.alignment, from_file.world.runs.alignment)
    np.testing.assert_array_equal(live.world.runs.blame, from_file.world.runs.blame)
    untouched = GreatGameModel(REPLAY, seed=4).run()
    uzb = 1
    assert live.world.runs.blame[uzb, 1] > untouched.world.runs.blame[uzb, 1]  # more blame held on the USA


def test_injected_base_request_opens_a_slot_like_a_scheduled_one(tmp_path):
    path = write_whatif(tmp_path, "kgz_base", f"""title: t
description: d
events:
  - id: kgz_base
    title: Kgz base
    date: "{QUIET_MONTH}"
    type: base_request
    actor: RUS
    state: KGZ
    name: second base
    source: test
""", extends=REPLAY)
    from_file = GreatGameModel(path, seed=2).run()
    live = run_to(GreatGameModel(REPLAY, seed=2), QUIET_MONTH)
    k_before = len(live.world.setup.slots)
    inject(live, {"type": "base_request", "actor": "RUS", "state": "KGZ", "name": "second base"})
    assert len(live.world.setup.slots) == k_before + 1
    assert live.world.runs.slot_status.shape == (k_before + 1,)
    assert live.world.runs.slot_status[-1] == PENDING and live.world.runs.slot_months[-1] == 0
    live.run()
    np.testing.assert_array_equal(live.world.runs.alignment, from_file.world.runs.alignment)
    file_k = next(k for k, s in enumerate(from_file.world.setup.slots) if s.event_id == "kgz_base")
    assert live.world.runs.slot_status[-1] == from_file.world.runs.slot_status[file_k]
    assert {(d["date"], d["decision"], d["detail"]) for d in live.decisions} == \
        {(d["date"], d["decision"], d["detail"]) for d in from_file.decisions}


def test_a_granted_energy_offer_adds_its_tie():
    m = run_to(GreatGameModel(REPLAY, seed=1), QUIET_MONTH)
    inject(m, {"type": "energy_deal", "actor": "RUS", "state": "KAZ", "value": 0.4, "window": 12})
    for _ in range(12):
        m.step()
    k = len(m.world.setup.slots) - 1
    signed = [d for d in m.decisions if d["detail"] == "RUS energy deal (what-if)"]
    # Kazakhstan leans to Russia (about 0.7): it signs within the window, and the tie target grows
    assert m.world.runs.slot_status[k] == OPEN
    assert [d["decision"] for d in signed] == ["deal_offered", "deal_signed"]  # the offer, then the answer
    assert m.world.runs.route_signed[0, 0] >= 0.4  # the deal's capacity is signed toward Russia


def test_price_shock_changes_capacity_from_now_on_only():
    m = run_to(GreatGameModel(REPLAY, seed=0), "2005-01")
    st = m.world.setup
    before, t = st.capacity.copy(), m.world.step
    j = st.series_names.index("oil_price")
    series_before = st.series.copy()
    inject(m, {"type": "price_shock", "series": "oil_price", "factor": 0.5, "months": 24})
    np.testing.assert_array_equal(st.capacity[:t], before[:t])
    np.testing.assert_array_equal(st.capacity[t + 24:], before[t + 24:])
    np.testing.assert_allclose(st.series[t:t + 24, j], series_before[t:t + 24, j] * 0.5)
    rus = st.powers.index("RUS")
    elasticity = m.loaded.spec.powers["RUS"].capacity_drivers.get("oil_price", 0.0)
    assert elasticity > 0
    np.testing.assert_allclose(st.capacity[t:t + 24, rus], before[t:t + 24, rus] * 0.5 ** elasticity)
    np.testing.assert_allclose(st.capacity_ratio, st.capacity / st.capacity[:1])


def test_injection_is_deterministic():
    def once():
        m = run_to(GreatGameModel(REPLAY, seed=9), "2003-03")
        inject(m, {"type": "terror_attack", "targets": ["TJK"], "magnitude": 1.0})
        inject(m, {"type": "aid_offer", "actor": "CHN", "targets": ["KGZ", "KAZ"], "magnitude": 0.8})
        return m.run().world.runs.alignment

    np.testing.assert_array_equal(once(), once())


@pytest.mark.parametrize("fields, field", [
    ({"type": "color_revolution", "place": "UZB", "magnitude": 9}, "magnitude"),
    ({"type": "color_revolution", "place": "UZB", "magnitude": "big"}, "magnitude"),
    ({"type": "base_request", "actor": "FRA", "state": "UZB"}, "actor"),
    ({"type": "energy_deal", "actor": "RUS", "state": "UZB", "value": 2.0}, "value"),
    ({"type": "terror_attack", "targets": ["XYZ"], "magnitude": 1}, "targets"),
    ({"type": "price_shock", "series": "gold", "factor": 2}, "series"),
    ({"type": "color_revolution", "place": "GEO", "magnitude": 1}, "openness"),
    ({"type": "unrest", "state": "UZB", "magnitude": 1, "blame": ["EU"]}, "blame"),
    ({"type": "org_founded", "org": "SCO"}, "type"),
    ({"place": "UZB"}, "type"),
])
def test_bad_what_ifs_name_the_field(fields, field):
    m = GreatGameModel(REPLAY, seed=0)
    before = m.world.runs.alignment.copy(), len(m.world.setup.slots)
    with pytest.raises(WhatIfError) as e:
        inject(m, fields)
    assert str(e.value).startswith(field)
    np.testing.assert_array_equal(m.world.runs.alignment, before[0])
    assert len(m.world.setup.slots) == before[1] and m.applied_events == []


def test_no_what_if_after_the_run_is_over():
    m = GreatGameModel(REPLAY, seed=0).run()
    with pytest.raises(WhatIfError, match="run is over"):
        build_event(m, {"type": "terror_attack", "targets": ["KAZ"], "magnitude": 1})
