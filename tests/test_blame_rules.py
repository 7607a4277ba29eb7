"""Blame and credit after an upheaval (sim/core/rules/blame.py, sim/core/events.py's upheaval) and the other events'
effects on the world (sim/core/events.py), on hand-made arrays and the small hand-made world of tests/handmade.py."""

import types

import numpy as np
import pytest
from handmade import close, event, params, tiny_world

from sim.core import events as evs
from sim.core.rules import blame as bl
from sim.core.rules import powers as pw
from sim.core.world import NOT_YET, PENDING

# ---------------------------------------------------------------- the rules


def test_visibility_exact():
    assert close(bl.visibility(np.array([0.0, 0.8, 0.5]), np.array([0.5, 0.4, 0.2]), np.array([1.0, 1.0, 0.0])),
                 [0.0, 1.12, 0.1])


def test_inferred_blame_exact_and_zero_without_shock_or_fear():
    vis = np.array([[0.0, 1.0], [0.5, 0.2]])
    assert close(bl.inferred_blame(np.array([1.0, 0.5]), np.array([0.4, 1.0]), vis), [[0.0, 0.4], [0.25, 0.1]])
    assert close(bl.inferred_blame(np.zeros(2), np.array([0.4, 1.0]), vis), np.zeros((2, 2)))
    assert close(bl.inferred_blame(np.ones(2), np.zeros(2), vis), np.zeros((2, 2)))


def test_crisis_credit_exact():
    support = np.array([[0.5, 0.0], [0.1, 0.2]])
    assert close(bl.crisis_credit(np.array([1.0, 0.5]), np.array([0.4, 1.0]), support, 2.0),
                 [[0.4, 0.0], [0.1, 0.2]])
    assert close(bl.crisis_credit(np.array([1.0, 0.5]), np.array([0.4, 1.0]), support, 0.0), np.zeros((2, 2)))


def test_named_shares_sum_to_one_or_zero():
    assert close(bl.named_shares(np.array([0.0, 1.0, 1.0])), [0.0, 0.5, 0.5])
    assert close(bl.named_shares(np.array([1.0, 0.0, 0.0])), [1.0, 0.0, 0.0])
    assert close(bl.named_shares(np.zeros(3)), np.zeros(3))


# ---------------------------------------------------------------- the upheaval on the hand-made world

FEAR = np.array([0.8 * 0.7, 0.4 * 0.9])  # (1 - openness) x (0.5 + regime threat)
VIS = np.array([[0.0, 0.8 * 1.4, 0.1 * 0.2], [0.0, 0.8 * 0.4, 0.1 * 0.2]])  # conditions x (attention + bases)
SUPPORT = np.array([0.5, 2.0 * 0.4 * 0.5 * 0.2, 0.5 * 0.2 * 0.7 * 0.9])  # capacity x attention x reach x (1 - c)
PROMOTERS = np.array([0.32 + 0.02, 0.0 + 0.02, 0.32])  # rivals' conditions x attention


def test_unrest_blames_the_powers_the_regime_sees_and_credits_its_backers():
    w = tiny_world()
    before = {k: getattr(w.runs, k).copy() for k in ("blame", "offers", "regime_threat", "encroachment")}
    evs.apply_event(w, event(type="unrest", state="AAA", magnitude=2.0, contagion_share=0.5),
                    params(contagion=0.5, crisis_credit=0.4))
    shock = 2.0 * np.array([1.0, 0.5 * (1.0 - 0.4) * 0.5])
    r = w.runs
    assert close(r.regime_threat, before["regime_threat"] + shock)
    assert close(r.blame, before["blame"] + (shock * FEAR)[:, None] * VIS)
    assert close(r.offers, before["offers"] + 0.4 * (shock * FEAR)[:, None] * SUPPORT)
    assert close(r.encroachment, before["encroachment"] + 2.0 * PROMOTERS * (1.0 - w.schedule.conditionality))
    # the power that promotes democracy most is blamed most; the one that backs regimes, not at all
    added = r.blame - before["blame"]
    assert added[0, 1] > added[0, 2] > added[0, 0] == 0.0


def test_no_blame_when_no_power_promotes_democracy():
    w = tiny_world()
    w.schedule.conditionality[:] = 0.0
    blame0, offers0 = w.runs.blame.copy(), w.runs.offers.copy()
    evs.apply_event(w, event(type="unrest", state="BBB", magnitude=1.0), params(crisis_credit=0.4))
    assert close(w.runs.blame, blame0)
    assert (w.runs.offers > offers0).all()  # every power backs the regime: credit for all


def test_more_fear_more_blame():
    added = []
    for threat in (0.0, 1.0):
        w = tiny_world()
        w.runs.regime_threat[1] = threat
        b0 = w.runs.blame.copy()
        evs.apply_event(w, event(type="unrest", state="BBB", magnitude=1.0), params())
        added.append(w.runs.blame[1, 1] - b0[1, 1])
    assert added[1] > added[0] > 0


def test_a_base_makes_its_power_more_visible():
    added = []
    for status in (NOT_YET, 2):
        w = tiny_world()
        w.runs.slot_status[3] = status  # power 1's base in state 1
        b0 = w.runs.blame.copy()
        evs.apply_event(w, event(type="unrest", state="BBB", magnitude=1.0), params())
        added.append(w.runs.blame[1, 1] - b0[1, 1])
    assert added[1] == pytest.approx(added[0] * (0.4 + 1.0) / 0.4)


def test_a_revolution_overthrows_the_regime_that_would_blame():
    w = tiny_world()
    b0, o0 = w.runs.blame.copy(), w.runs.offers.copy()
    rt0 = w.runs.regime_threat.copy()
    ev = event(type="color_revolution", place="BBB", magnitude=1.0, new_openness=0.9, affinity_shift={"USA": 0.5})
    evs.apply_event(w, ev, params(contagion=0.5, crisis_credit=0.4))
    r = w.runs
    assert close(r.blame[1], b0[1]) and close(r.offers[1], o0[1])  # no blame, no credit by the fallen regime
    shock0 = 0.5 * (1.0 - 0.4)
    assert close(r.blame[0], b0[0] + shock0 * FEAR[0] * VIS[0])  # the neighbour's regime blames
    assert close(r.regime_threat, rt0 + np.array([shock0, 1.0]))  # the new rulers still fear
    assert r.openness[1] == 0.9 and r.openness[0] == 0.2
    assert close(r.affinity[1], [0.0, 0.0, 0.1]) and close(r.affinity[0], [0.2, -0.1, 0.0])


def test_a_revolution_abroad_frightens_by_similarity():
    w = tiny_world()
    rt0 = w.runs.regime_threat.copy()
    evs.apply_event(w, event(type="color_revolution", place="GEO", openness=0.6, magnitude=1.0,
                             affinity_shift={"USA": 0.5}), params(contagion=0.5))
    assert close(w.runs.regime_threat, rt0 + 0.5 * (1.0 - np.abs(np.array([0.2, 0.6]) - 0.6)))
    assert close(w.runs.affinity, tiny_world().runs.affinity)  # no state's rulers changed
    assert (w.runs.blame[:, 1] > tiny_world().runs.blame[:, 1]).all()


def test_a_forced_culprit_takes_all_the_blame():
    w = tiny_world()
    b0 = w.runs.blame.copy()
    evs.apply_event(w, event(type="color_revolution", place="BBB", magnitude=1.0, blame=["CHN"]),
                    params(contagion=0.5))
    added = w.runs.blame - b0
    assert close(added[:, :2], np.zeros((2, 2)))
    assert close(added[:, 2], [0.5 * 0.6, 1.0])  # every shaken regime, the new rulers included


def test_upheaval_in_a_batch_applies_only_where_drawn():
    w = tiny_world(batch=2)
    b0 = w.runs.blame.copy()
    evs.apply_event(w, event(type="unrest", state="AAA", magnitude=1.0), params(), np.array([True, False]))
    assert (w.runs.blame[0] >= b0[0]).all() and w.runs.blame[0, 0, 1] > b0[0, 0, 1]
    assert close(w.runs.blame[1], b0[1])
    one = tiny_world()
    evs.apply_event(one, event(type="unrest", state="AAA", magnitude=1.0), params())
    assert close(w.runs.blame[0], one.runs.blame) and close(w.runs.offers[0], one.runs.offers)
    assert close(w.runs.encroachment[0], one.runs.encroachment)


# ---------------------------------------------------------------- the other events


def test_terror_attack_on_a_state_and_on_a_power():
    w = tiny_world()
    evs.apply_event(w, event(type="terror_attack", targets=["BBB", "USA"], magnitude=0.7), params())
    assert close(w.runs.local_threat, [0.3, 0.8]) and close(w.runs.own_threat, [0.4, 0.7, 0.0])


def test_incursion_spills_over_by_exposure():
    w = tiny_world()
    evs.apply_event(w, event(type="incursion", targets=["AAA"], magnitude=1.0, spillover=0.5), params())
    assert close(w.runs.local_threat, [1.3, 0.1 + 0.5 * 0.2])


def test_schedule_events():
    w = tiny_world()
    p = params()
    evs.apply_event(w, event(type="afghan_insurgency", level=0.9), p)
    evs.apply_event(w, event(type="military_operation", actor="CHN", level=0.3), p)
    evs.apply_event(w, event(type="war_elsewhere", actor="RUS", level=0.4), p)
    evs.apply_event(w, event(type="power_policy", actor="USA", conditionality=0.2, attention=0.7, reach=0.9), p)
    evs.apply_event(w, event(type="power_policy", actor="CHN"), p)
    sch = w.schedule
    assert sch.insurgency == 0.9 and close(sch.operations, [0.0, 0.5, 0.3]) and close(sch.distraction, [0.4, 0.2, 0])
    assert close(sch.conditionality, [0.0, 0.2, 0.1]) and close(sch.base_attention, [0.6, 0.7, 0.2])
    assert close(sch.reach, [1.0, 0.9, 0.7])
    evs.apply_event(w, event(type="org_dissolved", org="ECON"), p)
    assert sch.org_active.tolist() == [True, False]
    evs.apply_event(w, event(type="org_founded", org="ECON"), p)
    assert sch.org_active.tolist() == [True, True]
    evs.apply_event(w, event(type="org_reformed", org="ECON", weights={"USA": 0.6}, bias_shift=0.2, security=0.3), p)
    assert close(sch.org_weights[1], [0.3, 0.6, 0.7]) and sch.org_bias[1] == pytest.approx(0.2)
    assert sch.org_security[1] == 0.3
    evs.apply_event(w, event(type="org_reformed", org="ECON", bias_shift=0.1), p)
    assert sch.org_security[1] == 0.3 and sch.org_bias[1] == pytest.approx(0.3)
    evs.apply_event(w, event(type="price_shock"), p)  # compiled into the series beforehand: no change here


def test_aid_offer_adds_goodwill():
    w = tiny_world()
    evs.apply_event(w, event(type="aid_offer", actor="CHN", targets=["AAA", "BBB"], magnitude=0.5), params())
    assert close(w.runs.offers[:, 2], [0.5, 0.8]) and close(w.runs.offers[:, :2], tiny_world().runs.offers[:, :2])


def test_leader_change():
    w = tiny_world()
    evs.apply_event(w, event(type="leader_change", state="BBB", openness=0.3, affinity_shift={"RUS": 0.4},
                             regime_threat=0.25), params())
    assert close(w.runs.openness, [0.2, 0.3]) and close(w.runs.affinity[1], [0.4, -0.5, 0.1])
    assert close(w.runs.regime_threat, [0.2, 0.65])
    w2 = tiny_world()
    evs.apply_event(w2, event(type="leader_change", state="AAA", openness=None), params())
    assert close(w2.runs.openness, [0.2, 0.6]) and close(w2.runs.affinity, tiny_world().runs.affinity)


def test_a_forced_request_opens_its_slot():
    w = tiny_world(batch=2)
    w.setup.slots[3].event_id = "req"
    evs.apply_event(w, event(id="req", type="base_request"), params(), np.array([False, True]))
    assert w.runs.slot_status[:, 3].tolist() == [NOT_YET, PENDING]
    assert w.runs.slot_status[:, 1].tolist() == [NOT_YET, NOT_YET]
    w.runs.slot_status[1, 3] = 2
    evs.apply_event(w, event(id="req", type="base_request"), params())
    assert w.runs.slot_status[:, 3].tolist() == [PENDING, 2]  # an open base is not asked again


def test_masked_events_touch_only_their_runs():
    w = tiny_world(batch=3)
    m = np.array([True, False, True])
    evs.apply_event(w, event(type="terror_attack", targets=["AAA", "RUS"], magnitude=1.0), params(), m)
    evs.apply_event(w, event(type="incursion", targets=["BBB"], magnitude=1.0), params(), m)
    evs.apply_event(w, event(type="aid_offer", actor="RUS", targets=["AAA"], magnitude=1.0), params(), m)
    evs.apply_event(w, event(type="leader_change", state="AAA", openness=0.9, affinity_shift={"RUS": 1.0},
                             regime_threat=1.0), params(), m)
    r = w.runs
    assert r.local_threat[:, 0].tolist() == [1.3, 0.3, 1.3] and r.own_threat[:, 0].tolist() == [1.4, 0.4, 1.4]
    assert r.local_threat[:, 1].tolist() == [1.1, 0.1, 1.1]
    assert r.offers[:, 0, 0].tolist() == [1.2, 0.2, 1.2] and r.openness[:, 0].tolist() == [0.9, 0.2, 0.9]
    assert r.affinity[:, 0, 0].tolist() == [1.2, 0.2, 1.2] and r.regime_threat[:, 0].tolist() == [1.2, 0.2, 1.2]
    evs.apply_event(w, event(type="color_revolution", place="AAA", new_openness=0.5), params(), m)
    assert r.openness[:, 0].tolist() == [0.5, 0.2, 0.5]


def test_where_and_named_helpers():
    assert evs._where(None, 1.0, 2.0) == 1.0
    assert close(evs._where(np.array([True, False]), np.ones((2, 3)), np.zeros((2, 3))), [[1, 1, 1], [0, 0, 0]])
    assert close(evs._named(["USA"], ("RUS", "USA", "CHN")), [0.0, 1.0, 0.0])


def test_hazard_mask_draws_deterministically_per_seed():
    w = tiny_world(batch=200)
    m = evs.hazard_mask(w, 0, 3, 0.3)
    assert m.tolist() == evs.hazard_mask(tiny_world(batch=200), 0, 3, 0.3).tolist()
    assert 30 < m.sum() < 90
    assert not evs.hazard_mask(w, 0, 3, 0.0).any() and evs.hazard_mask(w, 0, 3, 1.0).all()
    assert m.tolist() != evs.hazard_mask(w, 1, 3, 0.3).tolist()
    assert m.tolist() != evs.hazard_mask(w, 0, 4, 0.3).tolist()


def test_promoters_feed_the_encroachment_of_regime_backers_only():
    w = tiny_world()
    w.schedule.conditionality[:] = [0.0, 1.0, 0.0]
    e0 = w.runs.encroachment.copy()
    evs.apply_event(w, event(type="unrest", state="AAA", magnitude=1.0), params())
    assert close(w.runs.encroachment - e0, pw.toward_rivals(w.schedule.conditionality * w.runs.attention,
                                                            w.setup.rivals) * [1.0, 0.0, 1.0])


def test_hazard_mask_is_the_uniform_draw_of_the_month():
    from sim.core.rng import STREAM_HAZARD, uniform

    w = tiny_world(batch=50)
    u = uniform(w.runs.seed, w.setup.start + 3, 1, STREAM_HAZARD)
    assert evs.hazard_mask(w, 1, 3, 0.4).tolist() == (u < 0.4).tolist()


def test_a_drawn_hazard_upheaval_uses_the_parameters():
    from sim.core import step

    w = tiny_world(batch=40)
    w.setup.hazards = [types.SimpleNamespace(probability=0.5)]
    w.setup.hazard_events = [event(type="unrest", state="AAA", magnitude=1.0)]
    w.setup.hazard_steps = [(0, 5)]
    w.setup.events_by_step[0] = [event(type="unrest", state="BBB", magnitude=1.0)]
    b0 = w.runs.blame.copy()
    applied = step.events_phase(w, params(contagion=0.0))
    mask = applied[1][1]
    assert (w.runs.blame[:, 1, 1] > b0[:, 1, 1]).all()  # the scheduled unrest, in every run
    assert ((w.runs.blame[:, 0, 1] > b0[:, 0, 1]) == mask).all()  # the hazard, where drawn (no contagion)


def test_a_forced_energy_offer_opens_its_contract():
    w = tiny_world()
    w.setup.slots[2].event_id = "pipe"
    evs.apply_event(w, event(id="pipe", type="energy_deal"), params())
    assert w.runs.slot_status[2] == PENDING and w.runs.slot_status[3] == NOT_YET


def test_a_revolution_at_home_frightens_the_neighbours_by_their_likeness():
    w = tiny_world()
    rt0 = w.runs.regime_threat.copy()
    evs.apply_event(w, event(type="color_revolution", place="AAA", magnitude=1.0), params(contagion=0.5))
    assert close(w.runs.regime_threat, rt0 + [1.0, 0.5 * (1.0 - 0.4)])


FIELDS = ("blame", "offers", "regime_threat", "encroachment", "openness", "affinity")


def test_a_masked_upheaval_leaves_the_other_runs_untouched():
    for ev in (event(type="unrest", state="AAA", magnitude=1.0),
               event(type="color_revolution", place="BBB", magnitude=1.0, new_openness=0.9,
                     affinity_shift={"USA": 0.5})):
        w = tiny_world(batch=2)
        evs.apply_event(w, ev, params(), np.array([True, False]))
        one = tiny_world()
        evs.apply_event(one, ev, params())
        untouched = tiny_world()
        for f in FIELDS:
            assert close(getattr(w.runs, f)[0], getattr(one.runs, f)), f
            assert close(getattr(w.runs, f)[1], getattr(untouched.runs, f)), f
