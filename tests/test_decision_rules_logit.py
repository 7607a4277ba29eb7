"""The states' choices (sim/core/rules/decisions.py and the decision helpers of sim/core/step.py): utilities, bloc
conflicts, hysteresis, the logistic tastes of the random-utility choice and what a signed deal changes, on
hand-made arrays and the small hand-made world of tests/handmade.py."""

import numpy as np
import pytest
from handmade import close, params, tiny_world

from sim.core import rng, step
from sim.core.rules import decisions as dc
from sim.core.world import CLOSED, NOT_YET, OPEN, PENDING, REFUSED

W = np.array([[1.0, -0.5, 0.0], [0.3, 0.0, 0.7]])


def test_membership_utility_exact():
    u = dc.membership_utility(np.array([0.6, 0.4, 0.3]), W, np.array([0.1, 0.0]), np.array(0.5), 0.4)
    assert close(u, [0.1 + 0.6 - 0.2 - 0.2, 0.18 + 0.21 - 0.2])
    batch = dc.membership_utility(np.array([[0.6, 0.4, 0.3], [0.0, 0.0, 0.0]]), W, np.array([0.1, 0.0]),
                                  np.array([0.5, 0.0]), 0.4)
    assert close(batch, [[0.3, 0.19], [0.1, 0.0]])


def test_membership_next_thresholds_are_strict_and_months_count():
    member = np.array([False, False, True, True, True])
    months = np.array([12, 11, 12, 3, 12])
    util = np.array([0.6, 0.9, 0.3, 0.1, 0.4])
    active = np.array([True, True, True, True, False])
    m, mo, j, lv = dc.membership_next(member, months, util, active, 0.6, 0.3, 12)
    # at the join line: no join; unsettled: no join; at the leave line: stays; unsettled: stays; ended: leaves
    assert m.tolist() == [False, False, True, True, False]
    assert j.tolist() == [False] * 5 and lv.tolist() == [False, False, False, False, True]
    assert mo.tolist() == [13, 12, 13, 4, 0]
    m, mo, j, lv = dc.membership_next(np.array([False, True]), np.array([12, 12]), np.array([0.61, 0.29]),
                                      np.array([True, True]), 0.6, 0.3, 12)
    assert m.tolist() == [True, False] and j.tolist() == [True, False] and lv.tolist() == [False, True]
    assert mo.tolist() == [0, 0]


def test_bloc_hostility_takes_the_largest_patron_hostility():
    member = np.array([True, True, True])
    sec = np.array([0.5, 0.5, 0.0])
    weights = np.array([[0.5, 0.0, 0.0], [0.0, 0.6, 0.0], [0.0, 0.0, 1.0]])  # org 2 has no security role
    H = np.array([[0.0, 0.2, 0.7], [0.9, 0.0, 0.4], [1.0, 1.0, 0.0]])
    assert close(dc.bloc_hostility(member, sec, weights, H), [0.9, 0.2, 0.7])
    assert close(dc.bloc_hostility(np.array([True, False, True]), sec, weights, H), [0.0, 0.2, 0.7])
    assert close(dc.bloc_hostility(np.array([False, False, True]), sec, weights, H), [0.0, 0.0, 0.0])
    weak = np.array([[0.49, 0.0, 0.0], [0.0, 0.6, 0.0], [0.0, 0.0, 1.0]])
    assert close(dc.bloc_hostility(member, sec, weak, H), [0.9, 0.0, 0.4])


def test_base_utility_exact():
    assert dc.base_utility(0.7, 0.5, 0.4, 0.6, 0.5) == pytest.approx(0.7 - 0.3 - 0.2)


def test_slot_next_window_dwell_and_thresholds():
    status = np.array([PENDING, PENDING, PENDING, OPEN, OPEN, OPEN, REFUSED, CLOSED, NOT_YET])
    months = np.array([0, 4, 5, 6, 5, 6, 2, 3, 0])
    util = np.array([0.5, 0.4, 0.4, 0.2, 0.0, 0.1, 0.9, 0.9, 0.9])
    window = np.full(9, 6)
    s, m, o, c, r = dc.slot_next(status, months, util, window, 0.5, 0.2, 6)
    # at the grant line: waits; window not yet over: waits; last month of the window: refused;
    # at the revoke line: stays; unsettled: stays; below after the dwell: closed; settled statuses stay
    assert s.tolist() == [PENDING, PENDING, REFUSED, OPEN, OPEN, CLOSED, REFUSED, CLOSED, NOT_YET]
    assert o.tolist() == [False] * 9
    assert r.tolist() == [False, False, True] + [False] * 6
    assert c.tolist() == [False] * 5 + [True] + [False] * 3
    assert m.tolist() == [1, 5, 0, 7, 6, 0, 3, 4, 1]
    s, m, o, c, r = dc.slot_next(np.array([PENDING]), np.array([5]), np.array([0.51]), np.array([6]), 0.5, 0.2, 6)
    assert s.tolist() == [OPEN] and o.tolist() == [True] and r.tolist() == [False] and m.tolist() == [0]


def test_bloc_conflict_is_symmetric_and_needs_a_single_patron():
    dc._CLASH.clear()  # compute the clashes afresh (they are kept per set of organisations)
    weights = np.array([[1.0, 0.0, 0.0], [-0.6, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.0, 0.0]])
    # org 0 is led by power 0 alone (a bloc or an economic union alike), org 1 is set against power 0, org 2
    # is led by power 2, org 3's patron weight is exactly 0.5: it leads nothing
    c = dc.bloc_conflict(np.array([True, False, False, False]), weights)
    assert close(c, [0.0, 0.6, 0.0, 0.0])
    c = dc.bloc_conflict(np.array([False, True, False, False]), weights)
    assert close(c, [0.6, 0.0, 0.0, 0.0])
    c = dc.bloc_conflict(np.array([False, False, False, True]), weights)
    assert close(c, [0.0, 0.0, 0.0, 0.0])
    c = dc.bloc_conflict(np.array([True, True, True, True]), weights)
    assert close(c, [0.6, 0.6, 0.0, 0.0])  # its own membership is no clash
    rng_ = np.random.default_rng(0)
    for _ in range(5):  # pairwise clash symmetric: o given o' equals o' given o
        w = rng_.uniform(-1, 1, (3, 3))
        for a in range(3):
            for b in range(3):
                ma, mb = np.zeros(3, bool), np.zeros(3, bool)
                ma[a], mb[b] = True, True
                assert dc.bloc_conflict(mb, w)[a] == pytest.approx(dc.bloc_conflict(ma, w)[b])
    batch = dc.bloc_conflict(np.array([[True, False, False, False], [False, True, False, False]]), weights)
    assert close(batch, [[0.0, 0.6, 0.0, 0.0], [0.6, 0.0, 0.0, 0.0]])


# ---------------------------------------------------------------- the step's decisions


def dparams(**kw):
    base = {"neutrality_weight": 0.4, "veto_weight": 0.5, "base_security_weight": 0.8, "base_blame_weight": 1.5,
                "hostility_integrate": 0.1, "hostility_cooperate": 0.3, "hostility_counterbalance": 0.9,
                "bloc_conflict": 0.5, "join_threshold": 0.5, "leave_threshold": 0.3, "min_dwell": 12, "base_grant": 0.35,
                "base_revoke": 0.05, "deal_accept": 0.6, "deal_end": 0.1, "choice_scale": 0.05}
    base.update(kw)
    return params(**base)


def test_slot_utility_exact():
    w = tiny_world()
    u = step.slot_utility(w, dparams(), [0, 1, 2, 3])
    # slot 0: power 1's base in state 0, a member of power 0's bloc (cooperating: hostility 0.3); blame 0.1
    u0 = 0.4 - 0.0 - 0.5 * 0.3 + 0.8 * 0.5 * (0.3 + 0.8 * 0.5) - 1.5 * 0.1
    u1 = 0.5 - 0.4 * 0.5  # power 0 is not at war
    u2 = 0.45 + 0.5 * 0.4  # a deal: alignment + half its value
    u3 = 0.2 - 0.4 * 0.5 + 0.8 * 0.5 * (0.1 + 0.2 * 0.5)
    assert close(u, [u0, u1, u2, u3])
    assert close(step.slot_utility(w, dparams(), [3, 2]), [u3, u2])
    many = step.slot_utility(tiny_world(batch=2), dparams(), [0, 2])
    assert close(many, [[u0, u2], [u0, u2]])


def test_access_asks_less_of_a_state_than_a_garrison():
    """A site with a smaller footprint: the patron's veto and the blame weigh in proportion, and the line it
    must clear is lower by (1 - footprint) x base_grant; a declared neutrality weighs the same."""
    import dataclasses

    full = step.slot_utility(tiny_world(), dparams(), [0])[0]
    w = tiny_world()
    w.setup.slots[0] = dataclasses.replace(w.setup.slots[0], footprint=0.25)
    light = step.slot_utility(w, dparams(), [0])[0]
    expect = 0.4 - 0.0 - 0.25 * (0.5 * 0.3) + 0.8 * 0.5 * (0.3 + 0.8 * 0.5) - 0.25 * (1.5 * 0.1) + 0.75 * 0.35
    assert close(light, expect) and light > full
    neutral_full, neutral_light = tiny_world(), tiny_world()
    neutral_light.setup.slots[0] = w.setup.slots[0]
    for x in (neutral_full, neutral_light):
        x.setup.neutrality[0] = 1.0
    cost_full = full - step.slot_utility(neutral_full, dparams(), [0])[0]
    cost_light = light - step.slot_utility(neutral_light, dparams(), [0])[0]
    assert cost_full > 0 and close(cost_light, cost_full)


def test_membership_utilities_pay_for_clashing_blocs():
    w = tiny_world()
    w.schedule.org_weights[1] = [-0.6, 0.0, 0.7]  # ECON now set against power 0, the patron of BLOC
    u = step.membership_utilities(w, dparams())
    a = w.runs.alignment
    base = np.array([[0.1 + a[s] @ w.schedule.org_weights[0], a[s] @ w.schedule.org_weights[1]] for s in (0, 1)])
    base = base - 0.4 * np.array([[0.0], [0.5]])
    assert close(u, base - 0.5 * np.array([[0.0, 0.6], [0.6, 0.0]]))
    assert close(step.membership_utilities(w, dparams(), 1), u[1])


def test_decision_phase_joins_when_taste_lifts_the_utility_past_the_line():
    w = tiny_world()
    p = dparams()
    u = step.membership_utilities(w, p)
    assert u[1, 0] < 0.5  # state 1 does not want BLOC on the public scores
    out = step.decision_phase(w, p)
    assert not out["member"][1, 0] and not out["joined"][1, 0]
    w.runs.member_taste[1, 0] = 0.5 - u[1, 0] + 0.01
    out = step.decision_phase(w, p)
    assert out["member"][1, 0] and out["joined"][1, 0] and out["member_months"][1, 0] == 0
    assert out["slots"] == [0, 1, 2, 3, 4]
    one = step.decision_phase(w, p, 1)
    assert one["member"].tolist() == out["member"][1].tolist() and one["slots"] == [1, 2, 3]


def test_decision_phase_grants_and_refuses_asks_with_their_tastes():
    w = tiny_world()
    p = dparams()
    w.step = 2
    r = w.runs
    r.slot_status[1:4] = PENDING
    r.slot_months[1:4] = [0, 0, 5]
    r.slot_asked[1:4] = [w.setup.start + 2, w.setup.start + 2, w.setup.start]
    u = step.slot_utility(w, p, [1, 2, 3])
    r.slot_taste[1:4] = [0.35 - u[0] + 0.01, 0.6 - u[1] - 0.01, 0.0]
    out = step.decision_phase(w, p)
    assert out["opened"].tolist() == [False, True, False, False, False]  # the base, not the deal
    assert out["refused"].tolist() == [False, False, False, bool(u[2] <= 0.35), False]
    assert out["asked"].tolist() == [False, True, True, False, False]
    r.slot_taste[2] = 0.6 - u[1] + 0.01  # the deal's own line (deal_accept) now passed
    assert step.decision_phase(w, p)["opened"].tolist() == [False, True, True, False, False]
    assert step.decision_phase(w, dparams(deal_accept=0.9))["opened"][2] == bool(u[1] + r.slot_taste[2] > 0.9)


def test_decision_phase_evicts_a_blamed_power():
    w = tiny_world()
    p = dparams(base_revoke=0.2)
    assert not step.decision_phase(w, p)["closed"][0]
    w.runs.blame[0, 1] = 1.0
    assert step.decision_phase(w, p)["closed"][0]
    w.runs.slot_months[0] = 11  # within the dwell: kept
    assert not step.decision_phase(w, p)["closed"][0]


def test_decision_phase_uses_deal_end_for_deals():
    w = tiny_world()
    w.runs.slot_status[2] = OPEN
    p = dparams(deal_end=0.64, base_revoke=0.0)
    assert not step.decision_phase(w, p)["closed"][2]  # 0.65 above the deal's end line
    assert step.decision_phase(w, dparams(deal_end=0.66, base_revoke=0.0))["closed"][2]
    assert not step.decision_phase(w, dparams(deal_end=0.0, base_revoke=0.66))["closed"][2]


def test_settle_tastes_are_logistic_draws_deterministic_per_seed():
    w = tiny_world()
    step.settle_tastes(w, params(choice_scale=0.1))
    t = w.runs.member_taste.copy()
    agents = np.arange(2)[:, None] * 2 + np.arange(2)
    assert close(t, 0.1 * rng.logistic_noise(w.runs.seed, w.setup.start, agents, rng.STREAM_MEMBER_TASTE))
    assert len(set(t.ravel().tolist())) == 4
    again = tiny_world()
    step.settle_tastes(again, params(choice_scale=0.1))
    assert again.runs.member_taste.tolist() == t.tolist()
    other = tiny_world(seed=8)
    step.settle_tastes(other, params(choice_scale=0.1))
    assert other.runs.member_taste.tolist() != t.tolist()
    batch = tiny_world(batch=2)
    step.settle_tastes(batch, params(choice_scale=0.1))
    assert batch.runs.member_taste[0].tolist() == t.tolist()
    assert batch.runs.member_taste[1].tolist() == other.runs.member_taste.tolist()


def test_logistic_noise_has_the_logistic_spread():
    z = rng.logistic_noise(np.uint64(1), 0, np.arange(20000), rng.STREAM_MEMBER_TASTE)
    assert abs(z.mean()) < 0.05 and z.std() == pytest.approx(np.pi / np.sqrt(3), rel=0.03)


def test_commit_decisions_moves_routes_for_deals_only():
    w = tiny_world()
    dec = {"member": np.array([[True, True], [False, True]]), "member_months": np.zeros((2, 2), dtype=np.int64),
           "slots": [0, 2], "slot_status": np.array([CLOSED, OPEN]), "slot_months": np.array([0, 0]),
           "opened": np.array([False, True]), "closed": np.array([True, False])}
    step.commit_decisions(w, dec)
    r = w.runs
    assert r.member.tolist() == [[True, True], [False, True]] and r.slot_status[[0, 2]].tolist() == [CLOSED, OPEN]
    assert r.route_signed[1, 2] == pytest.approx(0.4) and r.route_signed.sum() == pytest.approx(0.4)
    dec.update(slot_status=np.array([CLOSED, CLOSED]), opened=np.array([False, False]),
               closed=np.array([False, True]))
    step.commit_decisions(w, dec)
    assert r.route_signed[1, 2] == pytest.approx(0.0)
    step.commit_decisions(w, {"member": np.array([False, False]), "member_months": np.array([1, 1]), "slots": []},
                          0)
    assert r.member.tolist() == [[False, False], [False, True]] and r.member_months[0].tolist() == [1, 1]


def test_each_run_of_a_batch_decides_by_its_own_thresholds():
    from sim.core.parameters import DEFAULTS, batch_params

    w = tiny_world(batch=2)
    w.runs.member_months[:] = 5
    rows = [dict(DEFAULTS, join_threshold=-5.0, leave_threshold=5.0, min_dwell=0),
            dict(DEFAULTS, join_threshold=5.0, leave_threshold=-5.0, min_dwell=0)]
    out = step.decision_phase(w, batch_params(rows))
    assert out["joined"][0].tolist() == [[False, True], [True, False]]  # run 0 joins all, leaves all it was in
    assert out["left"][0].tolist() == [[True, False], [False, True]]
    assert not out["joined"][1].any() and not out["left"][1].any()
    rows[0]["min_dwell"] = 6  # months 5: not settled in run 0
    out = step.decision_phase(w, batch_params(rows))
    assert not out["joined"][0].any() and not out["left"][0].any()


def test_bloc_rules_broadcast_over_runs_and_organisations():
    member = np.array([True, False, False])
    sec = np.array([0.5, 0.5, 0.0])
    weights = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.0], [0.0, 0.0, 1.0]])
    H = np.array([[0.0, 0.2, 0.7], [0.9, 0.0, 0.4], [1.0, 1.0, 0.0]])
    veto = dc.bloc_hostility(member, sec, weights, np.stack([H, 2 * H]))  # one state, hostility per run
    assert close(veto, [[0.0, 0.2, 0.7], [0.0, 0.4, 1.4]])
    u = dc.membership_utility(np.array([0.5, 0.5, 0.5]), weights, np.array([0.1, 0.2, 0.3]), np.array(0.0), 0.4)
    assert close(u, [0.6, 0.5, 0.8])
    # an economic union led by one patron clashes with a grouping set against that patron, security role or not
    against = np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0]])
    assert close(dc.bloc_conflict(np.array([False, True]), against), [1.0, 0.0])
    shared = np.array([[0.0, 0.0, -1.0], [0.0, 0.5, 0.5]])  # a forum two patrons share: led by neither
    assert close(dc.bloc_conflict(np.array([False, True]), shared), [0.0, 0.0])


def test_a_deal_that_neither_opens_nor_closes_leaves_the_routes_alone():
    w = tiny_world()
    dec = {"member": w.runs.member.copy(), "member_months": w.runs.member_months.copy(), "slots": [2, 3],
           "slot_status": np.array([PENDING, NOT_YET]), "slot_months": np.array([1, 0]),
           "opened": np.array([False, False]), "closed": np.array([False, False])}
    step.commit_decisions(w, dec)
    assert close(w.runs.route_signed, np.zeros((2, 4))) and w.runs.slot_months[2] == 1
