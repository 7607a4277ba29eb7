"""The equations of alignment, powers, threats, offers and the month's phases (sim/core/rules, sim/core/step.py), each
checked on hand-made arrays or the small hand-made world of tests/handmade.py: exact values for simple
inputs, then signs, monotonicity and edge cases."""

import numpy as np
import pytest
from handmade import batch_pair, close, event, params, same, tiny_world, with_trade

from sim.core import events as evs
from sim.core import step
from sim.core.rules import alignment as al
from sim.core.rules import arrays as ar
from sim.core.rules import economy as ec
from sim.core.rules import powers as pw
from sim.core.rules import threats as th
from sim.core.world import CLOSED, OPEN

# ---------------------------------------------------------------- arrays


def test_array_helpers_exact():
    x = np.array([[1.0, 2.0, 6.0], [0.0, -3.0, 3.0]])
    assert ar.sum_last(x).tolist() == [9.0, 0.0]
    assert ar.mean_last(x).tolist() == [3.0, 0.0]
    assert ar.relative(x).tolist() == [[-2.0, -1.0, 3.0], [0.0, -3.0, 3.0]]
    assert ar.sum_last(np.array([5.0])) == 5.0
    assert ar.per_run(np.array(2.0), 2).shape == ()
    assert ar.per_run(np.array([1.0, 2.0]), 2).shape == (2, 1, 1)
    assert ar.per_run(np.array([1.0, 2.0]), 0).shape == (2,)
    assert ar.logistic(np.array(0.0)) == 0.5
    assert ar.logistic(np.array(np.log(3.0))) == pytest.approx(0.75)
    assert ar.logit(np.array(0.75)) == pytest.approx(np.log(3.0))
    assert ar.logit(np.array(0.0)) == pytest.approx(np.log(1e-6 / (1 - 1e-6)))
    assert ar.logit(np.array(1.0)) == pytest.approx(-np.log(1e-6 / (1 - 1e-6)))


def test_standing_is_a_share_of_the_average_and_blind_to_common_growth():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [0.0, 0.0, 6.0]])
    assert ar.standing(x).tolist() == [[-0.5, 0.0, 0.5], [0.0, 0.0, 0.0], [-1.0, -1.0, 2.0]]
    assert np.array_equal(ar.standing(4.0 * x), ar.standing(x))  # every power's means grow alike: no change
    faster = x[:1] * np.array([1.0, 1.0, 2.0])  # the third power grows faster than the others
    assert ar.standing(faster)[0, 2] > ar.standing(x)[0, 2]
    assert ar.standing(faster)[0, 0] < ar.standing(x)[0, 0]


def test_security_pull_does_not_move_when_every_power_grows_alike():
    kw = dict(security_threat=np.array([[0.5]]), regime_threat=np.array([[0.3]]), fear=np.array([[0.4]]),
              pressure=np.zeros((1, 3)), economy=np.zeros((1, 3)), blame=np.zeros((1, 3)), offers=np.zeros((1, 3)),
              hostility=np.zeros((3, 3)), presence=np.zeros((1, 3)), w_security=1.5, w_regime=2.0,
              w_conditions=1.0, w_economy=1.0, w_blame=1.0, w_offers=1.0, w_rivalry=1.0)
    offer, support = np.array([[1.0, 2.0, 0.5]]), np.array([[0.8, 0.2, 0.5]])
    base = al.pulls(offer=offer, support=support, **kw)
    grown = al.pulls(offer=3.0 * offer, support=3.0 * support, **kw)
    assert np.allclose(base, grown, rtol=0, atol=1e-15)
    assert base[0, 1, 0] == pytest.approx(1.5 * 0.5 * (2.0 / (3.5 / 3.0) - 1.0))
    assert base[0, 0, 1] == pytest.approx(2.0 * 0.3 * (0.8 / 0.5 - 1.0))
    china_grows = al.pulls(offer=offer * np.array([1.0, 1.0, 3.0]), support=support, **kw)
    assert china_grows[0, 2, 0] > base[0, 2, 0] and china_grows[0, 1, 0] < base[0, 1, 0]


def test_sum_last_does_not_change_its_input():
    x = np.array([[1.0, 2.0]])
    ar.sum_last(x)
    assert x.tolist() == [[1.0, 2.0]]


# ---------------------------------------------------------------- alignment


def test_security_offer_exact_and_base_bonus():
    no_base = al.security_offer(2.0, 0.5, 0.25, 0.5, 0.0, 0.4, 0.1)
    assert no_base == pytest.approx(2.0 * 0.75 * 0.5 + 0.1)
    two_bases = al.security_offer(2.0, 0.5, 0.25, 0.5, 2.0, 0.4, 0.1)  # a second base adds nothing more
    assert two_bases == pytest.approx(2.0 * 0.75 * 0.5 * 1.4 + 0.1)
    assert al.security_offer(2.0, 0.0, 0.0, 1.0, 1.0, 0.4, 0.0) == 0.0  # zero attention, no war: no offer


def test_regime_support_and_fear_exact():
    assert al.regime_support(2.0, 0.5, 0.8, 0.25) == pytest.approx(2.0 * 0.5 * 0.8 * 0.75)
    assert al.regime_support(2.0, 0.5, 0.8, 1.0) == 0.0
    assert al.regime_fear(0.2, 0.3) == pytest.approx(0.8 * 0.8)
    assert al.regime_fear(1.0, 5.0) == 0.0
    assert al.regime_fear(0.0, 0.0) == 0.5


def pull_inputs(**kw):
    base = {"security_threat": np.array([0.0]), "regime_threat": np.array([0.0]), "fear": np.array([0.0]),
                "offer": np.zeros(3), "support": np.zeros(3), "pressure": np.zeros(3), "economy": np.zeros(3),
                "blame": np.zeros(3), "offers": np.zeros(3), "hostility": np.zeros((3, 3)), "presence": np.zeros(3),
                "w_security": 1.0, "w_regime": 2.0, "w_conditions": 3.0, "w_economy": 4.0, "w_blame": 5.0, "w_offers": 6.0,
                "w_rivalry": 7.0}
    base.update(kw)
    return base


def test_each_pull_exact_and_signed():
    t = al.pulls(**pull_inputs(security_threat=np.array([0.5]), offer=np.array([1.0, 0.0, 2.0])))
    assert t.shape == (3, 7)
    assert t[:, 0].tolist() == pytest.approx([0.0, -0.5, 0.5])  # 1 x 0.5 x (offer - mean 1)
    t = al.pulls(**pull_inputs(regime_threat=np.array([0.5]), support=np.array([3.0, 0.0, 0.0])))
    assert t[:, 1].tolist() == pytest.approx([2.0, -1.0, -1.0])
    t = al.pulls(**pull_inputs(fear=np.array([0.5]), pressure=np.array([0.0, 0.4, 0.0])))
    assert t[:, 2].tolist() == pytest.approx([0.0, -0.6, 0.0])
    t = al.pulls(**pull_inputs(economy=np.array([0.5, 0.0, 0.25])))
    assert t[:, 3].tolist() == pytest.approx([2.0, 0.0, 1.0])
    t = al.pulls(**pull_inputs(blame=np.array([0.0, 0.2, 0.0])))
    assert t[:, 4].tolist() == pytest.approx([0.0, -1.0, 0.0])
    t = al.pulls(**pull_inputs(offers=np.array([0.5, 0.0, 0.0])))
    assert t[:, 5].tolist() == pytest.approx([3.0, 0.0, 0.0])
    H = np.zeros((3, 3))
    H[0, 1] = 0.5  # power 0 is hostile to power 1
    t = al.pulls(**pull_inputs(hostility=H, presence=np.array([0.8, 0.0, 0.0])))
    assert t[:, 6].tolist() == pytest.approx([0.0, -7.0 * 0.4, 0.0])  # leaning to 1 costs, near hostile 0
    assert (al.pulls(**pull_inputs())[..., :6] == 0).all()


def test_rival_pressure_reads_hostility_of_q_toward_p():
    H = np.array([[0.0, 1.0, 0.5], [0.2, 0.0, 0.0], [0.0, 0.0, 0.0]])
    presence = np.array([1.0, 0.5, 2.0])
    r = al.rival_pressure(presence, H)
    assert r.tolist() == pytest.approx([0.2 * 0.5, 1.0 * 1.0, 0.5 * 1.0])
    batch = al.rival_pressure(np.stack([presence, 2 * presence]), H)
    assert close(batch[1], 2 * r)
    per_run_h = al.rival_pressure(presence, np.stack([H, 2 * H]))  # one state, a hostility matrix per run
    assert close(per_run_h, [r, 2 * r])
    assert close(al.rival_pressure(np.array([0.0, 0.5, 2.0]), H), [0.1, 0.0, 0.0])


def test_others_sum():
    assert al.others_sum(np.array([1.0, 2.0, 4.0])).tolist() == [6.0, 5.0, 3.0]


def test_alignment_step_exact_without_pulls_and_noise():
    new, drivers = al.alignment_step(np.array([0.3]), np.array([0.0]), np.zeros((1, 7)), 0.5, 0.0)
    assert new[0] == pytest.approx(0.3 + 0.5 * (0.5 - 0.3))
    assert drivers.shape == (1, 10)
    assert drivers[0, 7] == pytest.approx(0.1)  # inertia toward logistic(affinity)
    assert (drivers[0, :7] == 0).all() and drivers[0, 8] == 0 and drivers[0, 9] == 0


def test_alignment_step_follows_the_pulls_and_splits_them_exactly():
    terms = np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    new, drivers = al.alignment_step(np.array([0.5]), np.array([0.0]), terms, 0.2, 0.01)
    target = 1.0 / (1.0 + np.exp(-2.0))
    assert new[0] == pytest.approx(0.5 + 0.2 * (target - 0.5) + 0.01)
    assert drivers[0, 0] == pytest.approx(drivers[0, 3]) and drivers[0, 0] > 0
    assert drivers[0, 0] == pytest.approx(0.2 * (target - 0.5) / 2)
    assert drivers[0, 8] == pytest.approx(0.01)
    assert drivers[0].sum() == pytest.approx(new[0] - 0.5)
    neg, _ = al.alignment_step(np.array([0.5]), np.array([0.0]), -terms, 0.2, 0.0)
    assert neg[0] < 0.5


def test_alignment_step_tiny_pulls_use_the_slope_and_bounds_clip():
    terms = np.zeros((1, 7))
    terms[0, 0] = 1e-13
    new, drivers = al.alignment_step(np.array([0.5]), np.array([0.0]), terms, 1.0, 0.0)
    assert drivers[0, 0] == pytest.approx(0.25 * 1e-13, rel=1e-6, abs=0.0)
    new, drivers = al.alignment_step(np.array([0.2]), np.array([np.log(0.25)]), terms, 1.0, 0.0)
    assert drivers[0, 0] == pytest.approx(0.2 * 0.8 * 1e-13, rel=1e-6, abs=0.0)
    terms[0, 0] = 0.5  # not small: the secant of the logistic, not its slope
    new, drivers = al.alignment_step(np.array([0.5]), np.array([0.0]), terms, 1.0, 0.0)
    assert drivers[0, 0] == pytest.approx(1.0 / (1.0 + np.exp(-0.5)) - 0.5)
    new, drivers = al.alignment_step(np.array([0.99]), np.array([0.0]), np.zeros((1, 7)), 0.0, 0.05)
    assert new[0] == 1.0 and drivers[0, 9] == pytest.approx(-0.04)
    new, drivers = al.alignment_step(np.array([0.01]), np.array([0.0]), np.zeros((1, 7)), 0.0, -0.05)
    assert new[0] == 0.0 and drivers[0, 9] == pytest.approx(0.04)


def test_affinity_at_rest_makes_the_start_the_target():
    terms = np.array([[0.3, -0.1, 0.0, 0.2, 0.0, 0.0, -0.1]])
    aff = al.affinity_at_rest(np.array([0.6]), terms)
    assert aff[0] == pytest.approx(np.log(0.6 / 0.4) - 0.3)
    new, _ = al.alignment_step(np.array([0.6]), aff, terms, 0.5, 0.0)
    assert new[0] == pytest.approx(0.6)


# ---------------------------------------------------------------- powers


def test_capacity_and_tolerance_exact():
    assert pw.capacity(2.0, np.log(1.5)) == pytest.approx(3.0)
    assert pw.tolerance(0.4, 2.0, 1.0) == pytest.approx(0.2)
    assert pw.tolerance(0.4, 1.0, 3.0) == pytest.approx(0.4)
    assert pw.tolerance(0.4, 2.0, 0.0) == pytest.approx(0.4)
    assert pw.tolerance(0.4, 4.0, 0.5) == pytest.approx(0.2)


def test_attention_target_exact_and_floored():
    assert pw.attention_target(0.3, 0.5, 0.4, pw.INTEGRATE, 0.0) == pytest.approx(0.3 + 0.2 + 0.1)
    assert pw.attention_target(0.3, 0.5, 0.4, pw.COOPERATE, 0.1) == pytest.approx(0.4)
    assert pw.attention_target(0.3, 0.0, 0.4, pw.COUNTERBALANCE, 0.0) == pytest.approx(0.5)
    assert pw.attention_target(0.1, 0.0, 0.4, pw.COOPERATE, 0.5) == 0.0
    # a war next door holds attention (war_attention x operations); a war elsewhere draws it away
    assert pw.attention_target(0.2, 0.0, 0.4, pw.COOPERATE, 0.4, 1.0, 0.3) == pytest.approx(0.1)
    assert pw.attention_target(0.2, 0.0, 0.4, pw.COOPERATE, 0.4, 0.0, 0.3) == 0.0
    assert pw.attention_target(0.2, 0.5, 0.4, pw.COOPERATE, 0.0, 0.5, 0.3) == pytest.approx(0.2 + 0.2 + 0.15)
    assert pw.ATTENTION_BONUS.tolist() == [0.1, 0.0, 0.2] and pw.EFFORT.tolist() == [1.0, 0.6, 1.4]


def test_stance_proposal_edges():
    # no rival present below half a unit: integrate whatever the encroachment
    assert pw.stance_proposal(0.49, 0.0, 5.0, 1.0, 0.0) == pw.INTEGRATE
    assert pw.stance_proposal(0.5, 0.0, 5.0, 1.0, 0.0) == pw.COUNTERBALANCE
    # cooperation holds while weight x shared threat + tolerance >= encroachment (equality included)
    assert pw.stance_proposal(1.0, 0.5, 0.7, 0.8, 0.3) == pw.COOPERATE
    assert pw.stance_proposal(1.0, 0.5, 0.71, 0.8, 0.3) == pw.COUNTERBALANCE
    assert pw.stance_proposal(1.0, 0.5, 0.69, 0.8, 0.3) == pw.COOPERATE


def test_stance_next_keeps_the_stance_until_dwell():
    s, m = pw.stance_next(np.array([1, 1, 2]), np.array([5, 5, 3]), np.array([1, 2, 0]), 5)
    assert s.tolist() == [1, 2, 2] and m.tolist() == [6, 0, 4]


def test_hostility_levels_and_matrix():
    lv = pw.hostility_levels(np.array([0, 1, 2]), 0.1, 0.3, 0.9)
    assert lv.tolist() == [0.1, 0.3, 0.9]
    rivals = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    H = pw.hostility_matrix(lv, rivals)
    assert H.tolist() == [[0.0, 0.1, 0.0], [0.3, 0.0, 0.3], [0.0, 0.0, 0.0]]


def test_toward_rivals_sums_over_rivals_only():
    rivals = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    x = np.array([1.0, 2.0, 4.0])
    assert pw.toward_rivals(x, rivals).tolist() == [6.0, 1.0, 0.0]
    assert pw.toward_rivals(np.stack([x, -x]), rivals)[1].tolist() == [-6.0, -1.0, 0.0]


def test_client_loss_counts_losses_only():
    out = pw.client_loss(np.array([3.0, 1.0, 2.0]), np.array([1.0, 2.0, 2.0]), 0.5)
    assert out.tolist() == [1.0, 0.0, 0.0]


# ---------------------------------------------------------------- threats


def test_afghan_threat_moves_toward_its_level():
    assert th.afghan_threat_next(0.5, 1.0, 0.5, 0.25, 0.8) == pytest.approx(0.5 + 0.25 * (0.6 - 0.5))
    assert th.afghan_threat_next(0.5, 0.2, 1.0, 0.5, 1.0) == pytest.approx(0.25)  # level floored at 0
    assert th.afghan_threat_next(0.5, 1.0, 0.0, 0.0, 1.0) == 0.5


def test_security_threat_decay_and_contagion_exact():
    assert th.security_threat(0.2, 0.5, 0.6) == pytest.approx(0.5)
    assert th.decay(2.0, 0.75) == 1.5
    assert th.contagion_weight(0.2, 0.6, 0.5) == pytest.approx(0.5 * 0.6)
    assert th.contagion_weight(0.6, 0.2, 0.5) == pytest.approx(0.5 * 0.6)  # symmetric in the two regimes
    assert th.contagion_weight(0.4, 0.4, 0.5) == 0.5


def test_democracy_pressure_exact_and_zero_without_promoters():
    cond, att = np.array([0.0, 0.8, 0.5]), np.array([0.3, 0.5, 0.2])
    assert th.democracy_pressure(cond, att, 0.25, 0.1) == pytest.approx(0.1 * 0.5 * 0.75)
    assert th.democracy_pressure(np.zeros(3), att, 0.0, 0.1) == 0.0
    assert th.democracy_pressure(cond, att, 1.0, 0.1) == 0.0


# ---------------------------------------------------------------- economy (goodwill from offers)


def test_offers_next_exact():
    assert ec.offers_next(1.0, 0.5, 0.2, 1.4, 2.0, 0.5, 0.5) == pytest.approx(0.5 + 0.2 * 1.4 * 0.5)
    assert ec.offers_next(1.0, 0.5, 0.2, 1.0, 1.0, 1.0, 1.0, 3.0) == pytest.approx(0.5 + 0.6)
    assert ec.offers_next(1.0, 0.5, 0.2, 1.0, 1.0, 0.0, 1.0) == 0.5  # zero attention: it only fades


def test_membership_share_counts_positive_patron_weights():
    W = np.array([[1.0, -0.5, 0.0], [0.3, 0.0, 0.7]])
    share = ec.membership_share(np.array([True, True]), W, 0.5)
    assert share.tolist() == pytest.approx([1.0 + 0.5 * 1.3, 1.0, 1.0 + 0.5 * 0.7])
    assert ec.membership_share(np.array([False, False]), W, 0.5).tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------- step phases on the hand-made world


def test_bases_present_counts_open_bases():
    w = tiny_world()
    b = step.bases_present(w)
    assert b.shape == (2, 3) and b.tolist() == [[0, 1, 0], [0, 0, 0]]
    assert step.bases_present(w, 0).tolist() == [0, 1, 0]
    assert step.bases_present(w, 1).tolist() == [0, 0, 0]
    w.runs.slot_status[:] = OPEN  # the contract (slot 2) is no base
    assert step.bases_present(w).tolist() == [[0, 2, 0], [1, 1, 0]]  # two bases of power 1 in state 0
    assert step.bases_present(w, 0).tolist() == [0, 2, 0]
    assert step.bases_present(w, 1).tolist() == [1, 1, 0]
    assert step._region_bases(w).tolist() == [1, 3, 0]
    w.runs.slot_status[0] = CLOSED
    assert step.bases_present(w, 0).tolist() == [0, 1, 0]
    w.runs.slot_status[4] = CLOSED
    assert step.bases_present(w, 0).tolist() == [0, 0, 0]


def test_bases_present_counts_each_base_by_its_footprint():
    import dataclasses

    w = tiny_world()
    w.setup.slots[4] = dataclasses.replace(w.setup.slots[4], footprint=0.25)  # access, not a garrison
    w.runs.slot_status[:] = OPEN
    assert step.bases_present(w).tolist() == [[0, 1.25, 0], [1, 1, 0]]
    w.runs.slot_status[0] = CLOSED
    assert step.bases_present(w, 0).tolist() == [0, 0.25, 0]


def test_power_clients_are_bloc_memberships_plus_bases():
    w = tiny_world()
    # state 0 is in BLOC (led by power 0); ECON has no patron at 0.5 or more... power 2 leads it (0.7)
    assert step.power_clients(w).tolist() == [1.0, 1.0, 1.0]


def test_war_and_promotion_encroachment_exact():
    w = tiny_world()
    p = params(war_encroachment=0.5, promotion_encroachment=2.0)
    wars = step.war_encroachment(w, p)
    # rivals' distraction: power 1 is at war elsewhere (0.2); a power that presses for democracy feels less
    assert wars.tolist() == pytest.approx([0.5 * 0.2 * 1.0, 0.0, 0.5 * 0.2 * 0.9])
    assert step.war_encroachment(w, p, 0) == pytest.approx(0.1)
    promo = step.promotion_encroachment(w, p)
    ca = np.array([0.0, 0.8 * 0.4, 0.1 * 0.2])
    expect = [2.0 * (ca[1] + ca[2]) * 1.0, 2.0 * (ca[0] + ca[2]) * 0.2, 2.0 * (ca[0] + ca[1]) * 0.9]
    assert promo.tolist() == pytest.approx(expect)
    assert step.promotion_encroachment(w, p, 2) == pytest.approx(expect[2])


def test_stance_situation_reads_rival_presence_and_shared_threat():
    w = tiny_world()
    p = params(stance_tolerance=0.3, assertiveness=0.0, presence_weight=0.5, cooperation_weight=1.0)
    sit = step.stance_situation(w, p)
    felt = np.array([0.4 + 0.5 * 0.5, 0.0 + 0.1 * 0.5, 0.0])
    assert close(sit["felt"], felt)
    # power 0: rival bases 1 + rival operations 0.5 -> present; encroachment 0.1 + 0.5 x 1 = 0.6 against
    # 1 x felt x min(1, 0.5) + 0.3 = 0.625: cooperate. Power 1: rivals keep no base, no war: integrate.
    # Power 2 feels no threat: encroachment 0.5 x 1 beyond its tolerance 0.3: counterbalance.
    assert sit["proposal"].tolist() == [pw.COOPERATE, pw.INTEGRATE, pw.COUNTERBALANCE]
    sit0 = step.stance_situation(w, p, 0)
    assert sit0["felt"] == pytest.approx(felt[0]) and sit0["proposal"] == pw.COOPERATE
    p2 = params(stance_tolerance=0.3, assertiveness=0.0, presence_weight=0.6, cooperation_weight=1.0)
    assert step.stance_situation(w, p2)["proposal"][0] == pw.COUNTERBALANCE


def test_power_phase_attention_and_encroachment_exact():
    w = tiny_world()
    p = params(stance_tolerance=0.3, assertiveness=0.0, presence_weight=0.5, cooperation_weight=1.0,
               threat_attention_gain=0.4, attention_rate=0.5, own_threat_decay=0.9, encroachment_decay=0.8,
               war_encroachment=0.5, promotion_encroachment=2.0, client_loss=0.3, stance_dwell=6, war_attention=0.25)
    out = step.power_phase(w, p)
    felt = np.array([0.65, 0.05, 0.0])
    assert w.schedule.operations.any()  # the hand-made world has a power at war next door
    target = np.maximum(0.0, w.schedule.base_attention + 0.4 * felt + 0.25 * w.schedule.operations
                        + pw.ATTENTION_BONUS[w.runs.stance] - w.schedule.distraction)
    assert close(out["attention"], w.runs.attention + 0.5 * (target - w.runs.attention))
    assert out["own_threat"].tolist() == pytest.approx([0.36, 0.0, 0.0])
    expect = 0.8 * w.runs.encroachment + step.promotion_encroachment(w, p) + step.war_encroachment(w, p)
    assert close(out["encroachment"], expect)
    assert out["stance"].tolist() == [1, 0, 2] and out["stance_months"].tolist() == [1000, 0, 0]
    assert out["clients"].tolist() == [1.0, 1.0, 1.0]
    one = step.power_phase(w, p, 1)
    assert one["attention"] == pytest.approx(out["attention"][1])


def test_power_phase_feels_the_loss_of_a_client():
    w = tiny_world()
    p = params(client_loss=0.3, encroachment_decay=0.8, war_encroachment=0.0, promotion_encroachment=0.0)
    w.runs.clients = np.array([1.0, 2.0, 1.0])  # power 1 had two clients last month, now one
    out = step.power_phase(w, p)
    assert out["encroachment"].tolist() == pytest.approx([0.08, 0.3, 0.0])


def test_settle_power_starts_at_the_steady_encroachment():
    w = tiny_world()
    p = params(stance_tolerance=0.3, assertiveness=0.0, presence_weight=0.5, cooperation_weight=1.0,
               threat_attention_gain=0.4, encroachment_decay=0.75, promotion_encroachment=2.0, war_attention=0.25)
    out = step.settle_power(w, p)
    steady = step.promotion_encroachment(w, p) / 0.25
    assert close(out["encroachment"], w.runs.encroachment + steady)
    assert out["stance"].tolist() == [1, 0, 2]
    felt = np.array([0.65, 0.05, 0.0])
    att = np.maximum(0.0, w.schedule.base_attention + 0.4 * felt + 0.25 * w.schedule.operations
                     + pw.ATTENTION_BONUS[[1, 0, 2]] - w.schedule.distraction)
    assert close(out["attention"], att)
    assert step.settle_power(w, p, 0)["attention"] == pytest.approx(att[0])
    assert out["clients"].tolist() == [1.0, 1.0, 1.0]


def test_settle_stocks_are_the_steady_states_of_their_flows():
    w = tiny_world()
    p = params(effort_rate=0.2, offers_decay=0.75, democracy_pressure=0.1, regime_decay=0.5)
    out = step.settle_stocks(w, p)
    r, sch = w.runs, w.schedule
    inflow = 0.2 * pw.EFFORT[r.stance] * w.setup.capacity[0] * r.attention * sch.reach  # aid shares are 1
    assert close(out["offers"], r.offers + inflow / 0.25)
    press = 0.1 * (sch.conditionality * r.attention).sum() * (1.0 - r.openness)
    assert close(out["regime_threat"], r.regime_threat + press / 0.5)
    assert out["economy"].tolist() == w.setup.fixed_tie.tolist()
    one = step.settle_stocks(w, p, 1)
    assert close(one["offers"], out["offers"][1])
    assert one["regime_threat"] == pytest.approx(out["regime_threat"][1])


def test_hostility_matrix_of_the_world():
    w = tiny_world()
    p = params(hostility_integrate=0.1, hostility_cooperate=0.3, hostility_counterbalance=0.9)
    H = step.hostility_matrix(w, p)
    assert H.tolist() == [[0.0, 0.3, 0.3], [0.3, 0.0, 0.3], [0.1, 0.1, 0.0]]


def test_state_inputs_exact():
    w = tiny_world()
    p = params(base_presence_bonus=0.5)
    x = step.state_inputs(w, p)
    r, sch, cap = w.runs, w.schedule, w.setup.capacity[0]
    has_base = np.array([[0, 1, 0], [0, 0, 0]])
    bloc = np.array([[0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])  # state 0 in BLOC (security 0.5, weight 1 to power 0)
    offer = cap * (r.attention + sch.operations) * sch.reach * (1 + 0.5 * has_base) + bloc
    assert close(x["offer"], offer)
    assert x["security_threat"][:, 0].tolist() == pytest.approx([0.3 + 0.8 * 0.5, 0.1 + 0.2 * 0.5])
    assert x["fear"][:, 0].tolist() == pytest.approx([0.8 * 0.7, 0.4 * 0.9])
    assert close(np.broadcast_to(x["support"], (2, 3)), np.broadcast_to(cap * r.attention * sch.reach * (1 - sch.conditionality), (2, 3)))
    assert close(x["pressure"][0], sch.conditionality * r.attention)
    one = step.state_inputs(w, p, 0)
    assert close(one["offer"], offer[0])
    assert one["security_threat"].tolist() == pytest.approx([0.7])


def test_state_pulls_match_the_pull_rule():
    w = tiny_world()
    p = params()
    terms = step.state_pulls(w, p)
    x = step.state_inputs(w, p)
    r = w.runs
    expect = al.pulls(security_threat=x["security_threat"], regime_threat=x["regime_threat"], fear=x["fear"],
                      offer=x["offer"], support=x["support"], pressure=x["pressure"], economy=r.economy,
                      blame=r.blame, offers=r.offers, hostility=x["hostility"],
                      presence=r.alignment + 0.5 * x["present"],
                      **{k: p[k] for k in ("w_security", "w_regime", "w_conditions", "w_economy", "w_blame",
                                           "w_offers", "w_rivalry")})
    assert close(terms, expect)
    assert close(step.state_pulls(w, p, 1), expect[1])


def test_state_phase_stocks_exact():
    w = tiny_world()
    p = params(noise_sd=0.0, security_decay=0.5, regime_decay=0.5, democracy_pressure=0.1, blame_decay=0.5,
               offers_decay=0.5, effort_rate=0.2, alignment_rate=0.1)
    out = step.state_phase(w, p)
    r, sch = w.runs, w.schedule
    assert close(out["local_threat"], 0.5 * r.local_threat)
    press = 0.1 * (sch.conditionality * r.attention).sum() * (1.0 - r.openness)
    assert close(out["regime_threat"], 0.5 * r.regime_threat + press)
    assert close(out["blame"], 0.5 * r.blame)
    inflow = 0.2 * pw.EFFORT[r.stance] * w.setup.capacity[0] * r.attention * sch.reach
    assert close(out["offers"], 0.5 * r.offers + inflow)
    assert out["economy"].tolist() == w.setup.fixed_tie.tolist()
    terms = step.state_pulls(w, p)
    new, _ = al.alignment_step(r.alignment, r.affinity, terms, 0.1, 0.0)
    assert close(out["alignment"], new)
    one = step.state_phase(w, p, 1)
    assert close(one["alignment"], new[1])
    assert close(one["offers"], out["offers"][1])


def test_state_phase_noise_is_seeded_per_state_and_power():
    w = tiny_world()
    p = params(noise_sd=0.01)
    a = step.state_phase(w, p)["alignment"]
    assert step.state_phase(tiny_world(), p)["alignment"].tolist() == a.tolist()
    b = step.state_phase(tiny_world(seed=8), p)["alignment"]
    assert not np.allclose(a, b)
    assert step.state_phase(w, p, 1)["alignment"].tolist() == a[1].tolist()


def test_environment_phase_exact():
    w = tiny_world()
    out = step.environment_phase(w, params(afghan_relax=0.5, suppression=0.4))
    assert out["afghan_threat"] == pytest.approx(0.5 + 0.5 * (0.6 - 0.4 * 0.5 - 0.5))


def test_commit_stores_the_phases_values():
    w = tiny_world()
    step.commit(w, {"attention": np.array([0.9, 0.8, 0.7])}, {"blame": np.ones((2, 3)), "drivers": None,
                                                            "local_threat": np.array([2.0, 3.0])},
                {"afghan_threat": np.asarray(0.1)})
    assert w.runs.attention.tolist() == [0.9, 0.8, 0.7]
    assert w.runs.blame.tolist() == [[1.0] * 3] * 2 and w.runs.local_threat.tolist() == [2.0, 3.0]
    assert float(w.runs.afghan_threat) == 0.1
    step.commit(w, {"attention": 0.5}, {"blame": np.zeros(3), "local_threat": 9.0}, {}, power_idx=1, state_idx=0)
    assert w.runs.attention.tolist() == [0.9, 0.5, 0.7]
    assert w.runs.blame.tolist() == [[0.0] * 3, [1.0] * 3] and w.runs.local_threat.tolist() == [9.0, 3.0]


def test_events_phase_applies_the_month_events_and_drawn_hazards():
    w = tiny_world(batch=64)
    w.setup.events_by_step[0] = [event(type="afghan_insurgency", level=0.9)]
    w.setup.hazards = [types_hazard(0.5)]
    w.setup.hazard_events = [event(type="terror_attack", targets=["AAA"], magnitude=1.0)]
    w.setup.hazard_steps = [(0, 0)]
    before = w.runs.local_threat[:, 0].copy()
    applied = step.events_phase(w, params())
    assert w.schedule.insurgency == 0.9
    assert applied[0][1] is None and len(applied) == 2
    mask = applied[1][1]
    assert 10 < mask.sum() < 54  # about half the runs drew the hazard
    assert (w.runs.local_threat[:, 0] == before + mask).all()
    w.step = 1
    assert step.events_phase(w, params()) == []  # outside the hazard's months, nothing


def types_hazard(probability):
    import types

    return types.SimpleNamespace(probability=probability)


# ---------------------------------------------------------------- one run in a batch = the run alone


def each_run(fn):
    """fn(world, params) on a batch of two different runs, run by run against the runs alone."""
    w, p, singles = batch_pair()
    out = fn(w, p)
    for i, (one, p1) in enumerate(singles):
        same(out, fn(one, p1), i)


@pytest.mark.parametrize("phase", [
    step.stance_situation, step.power_phase, step.settle_power, step.settle_stocks, step.state_pulls,
    step.state_phase, step.environment_phase, step.war_encroachment, step.promotion_encroachment,
    step.hostility_matrix, step.membership_utilities, step.decision_phase, step.power_clients,
    step.bases_present, step.trade_month,
])
def test_a_phase_gives_each_run_of_a_batch_what_it_gives_the_run_alone(phase):
    each_run(lambda w, p: phase(w, p) if phase not in (step.power_clients, step.bases_present) else phase(w))


def test_state_inputs_and_slot_utility_give_each_run_its_own_values():
    each_run(lambda w, p: {k: v for k, v in step.state_inputs(w, p).items() if k != "one"})
    each_run(lambda w, p: step.slot_utility(w, p, [0, 1, 2, 3, 4]))
    each_run(lambda w, p: step.askable(w, p, [0, 1, 2, 3, 4]))


def test_controllers_give_each_run_its_own_choice():
    from sim.core.controllers import RuleController, ScriptedController

    for p_ in range(3):
        each_run(lambda w, p, p_=p_: RuleController().decide(w, p, p_))
        each_run(lambda w, p, p_=p_: ScriptedController(asks={0: [3]}, aid={0: [1.0, 2.0]}).decide(w, p, p_))


def test_stateful_steps_give_each_run_its_own_result():
    def after(fn):
        def go(w, p):
            fn(w, p)
            return {f: getattr(w.runs, f) for f in ("blame", "offers", "regime_threat", "encroachment", "openness",
                                                    "affinity", "slot_status", "slot_taste", "aid_share",
                                                    "member_taste", "local_threat", "own_threat")}
        return go

    each_run(after(lambda w, p: evs.apply_event(w, event(type="unrest", state="BBB", magnitude=1.0), p)))
    each_run(after(lambda w, p: evs.apply_event(w, event(type="color_revolution", place="AAA", magnitude=1.0,
                                                         new_openness=0.7, affinity_shift={"USA": 0.3}), p)))
    each_run(after(lambda w, p: evs.apply_event(w, event(type="color_revolution", place="GEO", openness=0.3,
                                                         magnitude=0.5), p)))
    each_run(after(lambda w, p: step.settle_tastes(w, p)))
    each_run(after(lambda w, p: step.commit_policy(
        w, p, {"asks": {1: np.asarray(True) if w.batch_ndim == 0 else np.array([True, True])},
               "aid": {0: np.array([1.0, 3.0]) if w.batch_ndim == 0 else np.array([[1.0, 3.0], [1.0, 3.0]])}})))


@pytest.mark.parametrize("run", [0, 1])
def test_one_agent_gets_what_all_agents_get(run):
    """The Mesa agents call a phase with their own index on one run (no batch axis)."""
    w, p = batch_pair()[2][run]
    for power in range(3):
        for fn in (step.power_phase, step.settle_power, step.stance_situation):
            same_cut(fn(w, p, power), fn(w, p), (power,))
        for fn in (step.war_encroachment, step.promotion_encroachment):
            np.testing.assert_array_equal(fn(w, p, power), fn(w, p)[power])
    for state in range(2):
        for fn in (step.state_phase, step.settle_stocks):
            same_cut({k: v for k, v in fn(w, p, state).items() if k != "drivers"},
                     {k: v for k, v in fn(w, p).items() if k != "drivers"}, (state,))
        np.testing.assert_array_equal(step.state_pulls(w, p, state), step.state_pulls(w, p)[state])
        np.testing.assert_array_equal(step.membership_utilities(w, p, state), step.membership_utilities(w, p)[state])
        one, alls = step.decision_phase(w, p, state), step.decision_phase(w, p)
        np.testing.assert_array_equal(one["member"], alls["member"][state])
        np.testing.assert_array_equal(one["member_months"], alls["member_months"][state])
        ks = one["slots"]
        pos = [alls["slots"].index(k) for k in ks]
        for key in ("slot_status", "slot_months", "opened", "closed", "refused", "asked"):
            np.testing.assert_array_equal(one[key], alls[key][pos])


def same_cut(one, alls, cut):
    for key, value in one.items():
        np.testing.assert_array_equal(np.asarray(value), np.asarray(alls[key])[cut], err_msg=key, strict=True)


def test_phases_read_the_month_or_the_last_month_past_the_period():
    def at(step_no, fn):
        w = tiny_world()
        w.step = step_no
        return fn(w)

    p = params(assertiveness=1.0, stance_tolerance=0.3, presence_weight=0.5, cooperation_weight=1.0)
    for fn in (lambda w: step.stance_situation(w, p)["proposal"], lambda w: step.state_inputs(w, p)["offer"],
               lambda w: step.state_phase(w, p)["offers"]):
        last = at(11, fn)
        assert close(at(30, fn), last)
        assert not np.allclose(at(10, fn), last)


def test_the_upheaval_reads_the_capacity_of_the_month():
    def credit(step_no):
        w = tiny_world()
        w.step = step_no
        o0 = w.runs.offers.copy()
        evs.apply_event(w, event(type="unrest", state="AAA", magnitude=1.0), params(crisis_credit=1.0))
        return w.runs.offers - o0

    assert close(credit(11), credit(30)) and not np.allclose(credit(10), credit(11))


TRADE_NAMES = ("trade_mass_elasticity", "trade_growth_elasticity", "trade_distance_decay", "trade_legacy",
               "trade_border", "oil_value_elasticity", "transit_share")


def test_trade_month_follows_the_trade_rules_of_the_month():
    from sim.core.rules import trade as tr

    w = with_trade(tiny_world())
    p = params(route_rate=0.1)
    w.step = 3
    out = step.trade_month(w, p)
    x = tr.month_shares(w.setup.trade_mass[3], w.setup.trade_price[3], w.runs.route, w.setup.trade,
                        {n: p[n] for n in TRADE_NAMES})
    assert close(out["tie"][:, [0, 2]], x["tie"][:, [0, 2]]) and close(out["trade"][:, [0, 2]], x["trade"][:, [0, 2]])
    assert close(out["tie"][:, 1], w.setup.fixed_tie[:, 1]) and close(out["trade"][:, 1], w.setup.fixed_tie[:, 1])
    assert close(out["route"], w.runs.route + 0.1 * (w.runs.route_signed - w.runs.route))
    assert out["tie"][1, 2] > 0 and out["trade"][0, 0] > out["trade"][0, 2]
    w.step = 11
    last = step.trade_month(w, p)
    w.step = 30
    assert close(step.trade_month(w, p)["tie"], last["tie"])
    w.step = 10
    assert not np.allclose(step.trade_month(w, p)["tie"], last["tie"])


def test_state_phase_and_settle_stocks_take_their_ties_from_trade():
    w = with_trade(tiny_world())
    p = params(route_rate=0.1)
    month = step.trade_month(w, p)
    out = step.state_phase(w, p)
    for key, name in (("economy", "tie"), ("trade_share", "trade"), ("route", "route")):
        assert close(out[key], month[name]), key
    settled = step.settle_stocks(w, p)
    assert close(settled["economy"], month["tie"]) and close(settled["trade_share"], month["trade"])
    one = step.state_phase(w, p, 1)
    assert close(one["route"], month["route"][1]) and close(one["trade_share"], month["trade"][1])
    s1 = step.settle_stocks(w, p, 1)
    assert close(s1["trade_share"], month["trade"][1])


def test_trade_month_gives_each_run_of_a_batch_its_own_ties():
    w, p, singles = batch_pair()
    with_trade(w)
    w.runs.route[1] = [[0.2, 0.0, 0.0, 0.0], [0.1, 0.0, 0.9, 0.0]]
    out = step.trade_month(w, p)
    for i, (one, p1) in enumerate(singles):
        one.setup = w.setup
        one.runs.route, one.runs.route_signed = w.runs.route[i].copy(), w.runs.route_signed[i].copy()
        same(out, step.trade_month(one, p1), i)


def test_stance_situation_counts_rival_wars_as_presence_and_caps_the_shared_threat():
    w = tiny_world()
    p = params(stance_tolerance=0.0, assertiveness=0.0, presence_weight=0.7, cooperation_weight=1.0)
    w.runs.slot_status[0] = CLOSED  # no rival base left: power 1's war alone makes it present for power 0
    assert step.stance_situation(w, p)["proposal"][0] != pw.INTEGRATE
    w = tiny_world()
    w.schedule.operations[1] = 1.5  # a war of more than one unit shares no more than the whole threat
    # power 0: encroachment 0.1 + 0.7 x 1 = 0.8 against felt 0.65 x min(1, 1.5): counterbalance
    assert step.stance_situation(w, p)["proposal"][0] == pw.COUNTERBALANCE
    w = tiny_world()
    w.runs.slot_status[4] = OPEN  # two rival bases: presence counts both
    p2 = params(stance_tolerance=0.0, assertiveness=0.0, presence_weight=0.2, cooperation_weight=1.0)
    # encroachment 0.1 + 0.2 x 2 = 0.5 > 0.65 x 0.5: counterbalance (with one base, 0.3: cooperate)
    assert step.stance_situation(w, p2)["proposal"][0] == pw.COUNTERBALANCE
    w.runs.slot_status[4] = 0
    assert step.stance_situation(w, p2)["proposal"][0] == pw.COOPERATE


def test_state_phase_noise_is_the_seeded_normal_draw_of_each_state_and_power():
    from sim.core import rng

    w = tiny_world()
    w.step = 4
    out = step.state_phase(w, params(noise_sd=0.01))
    agents = np.arange(2)[:, None] * 3 + np.arange(3)
    z = rng.normal(w.runs.seed, w.setup.start + 4, agents, rng.STREAM_ALIGNMENT_NOISE)
    assert out["drivers"].shape == (2, 3, 10)
    assert close(out["drivers"][..., 8], 0.01 * z)
    quiet = step.state_phase(w, params(noise_sd=0.0))
    assert close(out["alignment"], np.clip(quiet["alignment"] + 0.01 * z, 0.0, 1.0))


def test_help_follows_the_aid_shares():
    w = tiny_world()
    w.runs.aid_share = np.array([[0.5, 1.5, 1.0], [1.5, 0.5, 1.0]])
    p = params(effort_rate=0.2, offers_decay=0.5)
    r, sch = w.runs, w.schedule
    inflow = 0.2 * pw.EFFORT[r.stance] * w.setup.capacity[0] * r.attention * sch.reach * r.aid_share
    assert close(step.state_phase(w, p)["offers"], 0.5 * r.offers + inflow)
    assert close(step.settle_stocks(w, p)["offers"], r.offers + inflow / 0.5)
    assert close(step.settle_stocks(w, p, 0)["offers"], (r.offers + inflow / 0.5)[0])


def test_settle_stocks_use_the_first_month_capacity():
    w = tiny_world()
    w.step = 3
    p = params(effort_rate=0.2, offers_decay=0.5)
    r, sch = w.runs, w.schedule
    inflow = 0.2 * pw.EFFORT[r.stance] * w.setup.capacity[0] * r.attention * sch.reach
    assert close(step.settle_stocks(w, p)["offers"], r.offers + inflow / 0.5)


def test_commit_writes_one_state_of_a_batch():
    w = tiny_world(batch=2)
    step.commit(w, {}, {"blame": np.ones((2, 3)), "local_threat": np.array([5.0, 6.0])}, {}, state_idx=1)
    assert close(w.runs.blame[:, 1], np.ones((2, 3))) and close(w.runs.blame[:, 0], tiny_world(batch=2).runs.blame[:, 0])
    assert close(w.runs.local_threat, [[0.3, 5.0], [0.3, 6.0]])
