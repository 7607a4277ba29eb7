"""The powers' asks, offers and help (sim/core/rules/policy.py, sim/core/controllers.py, the policy helpers of
sim/core/step.py), on hand-made arrays and the small hand-made world of tests/handmade.py."""

import numpy as np
import pytest
from handmade import close, params, tiny_world

from sim.core import rng, step
from sim.core.controllers import RuleController, ScriptedController, default_controllers, rule_aid_priority
from sim.core.rules import policy as pl
from sim.core.rules import powers as pw
from sim.core.step import export_route_share
from sim.core.world import CLOSED, NOT_YET, OPEN, PENDING, REFUSED

# ---------------------------------------------------------------- the rules


def test_acceptance_is_a_half_at_the_threshold_and_rises_with_utility():
    assert pl.acceptance(0.4, 0.4, 0.1) == 0.5
    assert pl.acceptance(0.5, 0.4, 0.1) == pytest.approx(1.0 / (1.0 + np.exp(-1.0)))
    assert pl.acceptance(0.3, 0.4, 0.1) == pytest.approx(1.0 / (1.0 + np.exp(1.0)))
    # a smaller spread of tastes makes the estimate sharper
    assert pl.acceptance(0.5, 0.4, 0.05) > pl.acceptance(0.5, 0.4, 0.1)
    u = np.linspace(0.0, 1.0, 11)
    assert (np.diff(pl.acceptance(u, 0.5, 0.1)) > 0).all()


def test_base_motive_exact():
    assert pl.base_motive(0.5, 0.8, 0.0, 0.3, 2.0) == pytest.approx(0.4)  # war only
    assert pl.base_motive(0.0, 0.8, 1.0, 0.3, 2.0) == pytest.approx(2.3)  # counterbalancing only
    assert pl.base_motive(0.5, 0.8, 1.0, 0.3, 0.0) == pytest.approx(0.7)
    assert pl.base_motive(0.0, 0.8, 0.0, 0.3, 2.0) == 0.0  # neither at war nor counterbalancing: no motive


def test_deal_motive_exact_and_zero_below_the_reference_means():
    # hydrocarbons x max(0, interest x (means - 1) - haul x (1 - route share) / price)
    assert pl.deal_motive(2.0, 1.5, 1.0, 0.5, 0.0, 0.0) == pytest.approx(0.5)
    assert pl.deal_motive(2.0, 2.0, 2.0, 0.5, 1.0, 0.5) == pytest.approx(0.5 * (2.0 * 1.0 - 1.0 * 0.5 / 2.0))
    assert pl.deal_motive(2.0, 1.0, 1.0, 0.5, 0.0, 0.0) == 0.0
    assert pl.deal_motive(2.0, 0.5, 1.0, 0.5, 0.0, 0.0) == 0.0  # means below the reference: no negative motive
    assert pl.deal_motive(0.0, 3.0, 1.0, 1.0, 0.0, 0.0) == 0.0
    assert pl.deal_motive(2.0, 3.0, 1.0, 0.0, 0.0, 0.0) == 0.0


def test_deal_motive_a_far_buyer_waits_for_more_growth_or_a_higher_price():
    """The haul over the distance delays a far buyer: at the same means and price, the near one wants the
    contract and the far one not yet; a price high enough pays the haul; routes already toward the buyer
    spare it; a buyer that wants the energy more pays for a longer haul."""
    near, far = 0.2, 0.9  # haul: cost per 1000 km x thousands of km
    assert pl.deal_motive(1.0, 1.6, 1.0, 1.0, near, 0.0) > 0.0
    assert pl.deal_motive(1.0, 1.6, 1.0, 1.0, far, 0.0) == 0.0
    assert pl.deal_motive(1.0, 1.6, 2.0, 1.0, far, 0.0) > 0.0
    assert pl.deal_motive(1.0, 1.6, 1.0, 1.0, far, 0.9) > 0.0
    assert pl.deal_motive(1.0, 2.0, 1.0, 1.0, far, 0.0) > 0.0
    assert pl.deal_motive(2.0, 1.6, 1.0, 1.0, far, 0.0) > 0.0
    # the motive rises with the price, the means and the interest
    assert pl.deal_motive(1.0, 1.6, 1.5, 1.0, near, 0.0) > pl.deal_motive(1.0, 1.6, 1.2, 1.0, near, 0.0)
    assert pl.deal_motive(1.0, 1.8, 1.2, 1.0, near, 0.0) > pl.deal_motive(1.0, 1.6, 1.2, 1.0, near, 0.0)
    assert pl.deal_motive(1.5, 1.6, 1.2, 1.0, near, 0.0) > pl.deal_motive(1.0, 1.6, 1.2, 1.0, near, 0.0)


def test_pick_best_takes_the_largest_eligible_score_above_the_threshold():
    score = np.array([0.2, 0.5, 0.4])
    assert pl.pick_best(score, np.array([True, True, True]), 0.1).tolist() == [False, True, False]
    assert pl.pick_best(score, np.array([True, False, True]), 0.1).tolist() == [False, False, True]
    assert pl.pick_best(score, np.array([True, True, True]), 0.5).tolist() == [False, False, False]  # strict
    assert pl.pick_best(score, np.array([True, True, True]), 0.49).tolist() == [False, True, False]
    assert pl.pick_best(score, np.array([False, False, False]), -1.0).tolist() == [False, False, False]
    assert pl.pick_best(np.array([0.3, 0.3]), np.array([True, True]), 0.0).tolist() == [True, False]  # ties
    batch = pl.pick_best(np.array([[0.2, 0.5], [0.6, 0.1]]), np.array([[True, True], [True, True]]), 0.0)
    assert batch.tolist() == [[False, True], [True, False]]


def test_aid_priority_exact():
    assert close(pl.aid_priority(np.array([0.0, 1.0, 0.5]), np.array([0.0, 0.0, 1.0]), 0.4, 2.0),
                 [1.0, 1.4, 3.2])


def test_aid_allocation_sums_to_the_number_of_states():
    pri = np.array([[1.0, 2.0], [3.0, 2.0], [4.0, 2.0]])  # (S=3, P=2)
    shares = pl.aid_allocation(pri)
    assert close(shares.sum(axis=0), [3.0, 3.0])
    assert close(shares, [[0.375, 1.0], [1.125, 1.0], [1.5, 1.0]])
    batch = pl.aid_allocation(np.stack([pri, 2 * pri]))
    assert close(batch[1], shares)  # only the proportions count


def test_patron_weights_count_positive_weights_of_the_memberships():
    W = np.array([[1.0, -0.5, 0.0], [0.3, 0.0, 0.7]])
    assert close(pl.patron_weights(np.array([True, True]), W), [1.3, 0.0, 0.7])
    assert close(pl.patron_weights(np.array([False, True]), W), [0.3, 0.0, 0.7])
    assert close(pl.patron_weights(np.array([[True, False], [False, False]]), W), [[1.0, 0.0, 0.0], [0.0] * 3])


def test_clients_count_led_memberships_and_bases():
    W = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.49]])  # org 0 led by 0; org 1 led by 1 (0.5 counts), not by 2
    member = np.array([[True, True], [True, False]])
    bases = np.array([[0.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
    assert close(pl.clients(member, W, bases), [2.0, 3.0, 1.0])


# ---------------------------------------------------------------- the step's policy helpers


def test_askable_slots_respect_status_and_cooldown():
    w = tiny_world()
    p = params(ask_cooldown=24)
    r = w.runs
    r.slot_status[:4] = [NOT_YET, REFUSED, CLOSED, PENDING]
    r.slot_months[:4] = [0, 23, 24, 99]
    assert step.askable(w, p, [0, 1, 2, 3]).tolist() == [True, False, True, False]
    r.slot_months[1] = 24
    r.slot_status[3] = OPEN
    assert step.askable(w, p, [1, 3]).tolist() == [True, False]


def test_commit_policy_opens_asks_with_a_seeded_taste_and_splits_help():
    w = tiny_world()
    p = params(choice_scale=0.1)
    w.step = 3
    step.commit_policy(w, p, {"asks": {1: np.asarray(True), 3: np.asarray(False)},
                              "aid": {0: np.array([1.0, 3.0])}})
    r, month = w.runs, w.setup.start + 3
    assert r.slot_status[1] == PENDING and r.slot_months[1] == 0 and r.slot_asked[1] == month
    assert r.slot_taste[1] == pytest.approx(0.1 * rng.logistic_noise(r.seed, month, 1, rng.STREAM_SLOT_TASTE))
    assert r.slot_taste[1] != 0.0
    assert r.slot_status[3] == NOT_YET and r.slot_months[3] == 999 and r.slot_asked[3] == -1
    assert r.slot_taste[3] == 0.0
    assert close(r.aid_share[:, 0], [0.5, 1.5]) and close(r.aid_share[:, 1], [1.0, 1.0])


def test_slot_taste_is_deterministic_per_seed():
    tastes = []
    for seed in (7, 7, 8):
        w = tiny_world(seed=seed)
        step.commit_policy(w, params(choice_scale=0.1), {"asks": {1: np.asarray(True)}, "aid": {}})
        tastes.append(float(w.runs.slot_taste[1]))
    assert tastes[0] == tastes[1] != tastes[2]


def test_rule_aid_priority_favours_members_and_hosts():
    w = tiny_world()
    p = params(membership_benefit=0.5, host_aid=2.0)
    assert close(rule_aid_priority(w, p, 0), [1.5, 1.15])  # BLOC (weight 1) and ECON (0.3)
    assert close(rule_aid_priority(w, p, 1), [3.0, 1.0])  # hosts its base in state 0
    assert close(rule_aid_priority(w, p, 2), [1.0, 1.35])


def rule_params(**kw):
    base = {"ask_threshold": 0.0, "offer_threshold": 0.0, "counter_base_drive": 0.5, "choice_scale": 0.05,
                "base_grant": 0.35, "deal_accept": 0.16, "ask_cooldown": 24, "oil_haul_cost": 0.1, "gas_haul_ratio": 3.0}
    base.update(kw)
    return params(**base)


def test_a_power_at_war_asks_where_the_front_is_near():
    w = tiny_world()
    out = RuleController().decide(w, rule_params(), 1)
    # power 1 is at war (operations 0.5): its open base in state 0 cannot be asked again; it asks state 1
    assert set(out["asks"]) == {0, 3}
    assert not out["asks"][0] and out["asks"][3]
    utility = step.slot_utility(w, rule_params(), [3])[0]
    score = 0.5 * 0.2 * pl.acceptance(utility, 0.35, 0.05)
    assert not RuleController().decide(w, rule_params(ask_threshold=score + 1e-9), 1)["asks"][3]
    assert RuleController().decide(w, rule_params(ask_threshold=score - 1e-9), 1)["asks"][3]
    w.schedule.operations[1] = 0.0  # no war, not counterbalancing: no motive, no ask
    assert not RuleController().decide(w, rule_params(), 1)["asks"][3]


def test_a_counterbalancing_power_asks_only_if_it_projects_power_through_bases():
    w = tiny_world()
    assert not RuleController().decide(w, rule_params(), 0)["asks"][1]  # cooperating: no motive
    w.runs.stance[0] = pw.COUNTERBALANCE
    assert RuleController().decide(w, rule_params(), 0)["asks"][1]
    assert not RuleController().decide(w, rule_params(counter_base_drive=0.0), 0)["asks"][1]
    w.setup.basing[0] = 0.0  # basing 0: never asks for a base
    assert not RuleController().decide(w, rule_params(), 0)["asks"][1]


def test_counterbalancing_motive_grows_with_rival_bases_in_the_state():
    w = tiny_world()
    w.runs.stance[0] = pw.COUNTERBALANCE
    p = rule_params(counter_base_drive=0.0)
    assert not RuleController().decide(w, p, 0)["asks"][1]
    w.runs.slot_status[3] = OPEN  # a rival (power 1) now keeps a base in state 1
    assert RuleController().decide(w, p, 0)["asks"][1]


def test_a_power_offers_energy_contracts_as_its_means_grow():
    w = tiny_world()
    out = RuleController().decide(w, rule_params(), 2)
    assert out["asks"][2]
    utility = step.slot_utility(w, rule_params(), [2])[0]
    # interest 1 x hydrocarbons 1 x (means 1.5 - 1 - gas haul cost 0.3 x 0.5 thousand km / price 1)
    score = 1.0 * 1.0 * (1.5 - 1.0 - 0.3 * 0.5) * pl.acceptance(utility, 0.16, 0.05)
    assert not RuleController().decide(w, rule_params(offer_threshold=score + 1e-9), 2)["asks"][2]
    assert RuleController().decide(w, rule_params(offer_threshold=score - 1e-9), 2)["asks"][2]
    # the base threshold does not govern contracts
    assert RuleController().decide(w, rule_params(ask_threshold=5.0), 2)["asks"][2]
    w.setup.means_index[:, 2] = 1.0
    assert not RuleController().decide(w, rule_params(), 2)["asks"][2]


def test_a_far_buyer_offers_only_once_the_price_pays_the_haul():
    """The controller reads the distance, the kind of hydrocarbons and the price of the month."""
    w = tiny_world()
    w.setup.haul_km[1, 2] = 3.0  # six times farther: the gas haul (0.3 x 3) exceeds the means' gain (0.5)
    assert not RuleController().decide(w, rule_params(), 2)["asks"][2]
    w.setup.exports_gas[1] = False  # oil is cheaper to carry (0.1 x 3 < 0.5)
    assert RuleController().decide(w, rule_params(), 2)["asks"][2]
    w.setup.exports_gas[1] = True
    w.setup.trade_price[:] = 2.5  # a higher price pays the haul: 1.5 - 1 - 0.9 / 2.5 > 0
    assert RuleController().decide(w, rule_params(), 2)["asks"][2]
    assert not RuleController().decide(w, rule_params(gas_haul_ratio=5.0), 2)["asks"][2]


def test_routes_already_running_toward_the_buyer_spare_it_the_haul():
    """With trade data the controller reads each state's route shares: a route to the buyer in service
    spares it that share of the haul; without trade data there are no shares."""
    w = tiny_world()
    w.setup.haul_km[1, 2] = 3.0  # the gas haul (0.3 x 3 = 0.9) exceeds the means' gain (0.5): no offer
    w.runs.route[1] = [0.05, 0.0, 0.9, 0.05]  # 90% of state 1's exports already go toward power 2
    assert (export_route_share(w) == 0.0).all()  # no trade data: the shares are not read
    assert export_route_share(tiny_world(batch=4)).shape == (4, 2, 3)  # one row of shares per run
    assert not RuleController().decide(w, rule_params(), 2)["asks"][2]
    w.setup.trade = object()  # the scenario has trade data
    share = export_route_share(w)
    assert share.shape == (2, 3) and share[1, 2] == pytest.approx(0.9) and share[0].sum() == 0.0
    assert RuleController().decide(w, rule_params(), 2)["asks"][2]  # 0.5 - 0.9 x 0.1 > 0


def test_rule_controller_reads_the_means_of_the_month():
    w = tiny_world()
    w.setup.means_index[:6, 2] = 1.0  # means grow only in the second half-year
    assert not RuleController().decide(w, rule_params(), 2)["asks"][2]
    w.step = 6
    assert RuleController().decide(w, rule_params(), 2)["asks"][2]
    w.step = 10
    assert RuleController().decide(w, rule_params(), 2)["asks"][2]
    w.step = 11  # the last month: means back below the reference
    assert not RuleController().decide(w, rule_params(), 2)["asks"][2]
    w.step = 40  # past the period: the last month's means
    assert not RuleController().decide(w, rule_params(), 2)["asks"][2]


def test_a_refused_slot_is_not_asked_again_within_its_cooldown():
    w = tiny_world()
    w.runs.slot_status[3] = REFUSED
    w.runs.slot_months[3] = 23
    assert not RuleController().decide(w, rule_params(), 1)["asks"][3]
    w.runs.slot_months[3] = 24
    assert RuleController().decide(w, rule_params(), 1)["asks"][3]


def test_a_state_already_hosting_the_base_is_not_asked_again():
    w = tiny_world()
    w.runs.slot_status[3] = OPEN
    out = RuleController().decide(w, rule_params(), 1)
    assert not out["asks"][0] and not out["asks"][3]


def test_rule_controller_in_a_batch_matches_one_run():
    one = RuleController().decide(tiny_world(), rule_params(), 1)
    many = RuleController().decide(tiny_world(batch=3), rule_params(), 1)
    assert many["asks"][3].tolist() == [bool(one["asks"][3])] * 3
    assert close(many["aid"][0], one["aid"])


def test_rule_controller_asks_only_for_askable_slots_of_its_power():
    w = tiny_world()
    for sl in w.setup.slots:
        sl.askable = False
    assert RuleController().decide(w, rule_params(), 1)["asks"] == {}
    assert RuleController().decide(w, rule_params(), 2)["asks"] == {}


def test_scripted_controller_replays_its_list():
    w = tiny_world()
    c = ScriptedController(asks={0: [3, 1], "2": [0]}, aid={2: [2.0, 1.0], 5: [1.0, 3.0]})
    out = c.decide(w, params(), 1)
    assert list(out["asks"]) == [3] and out["asks"][3]  # slot 1 is another power's
    assert close(out["aid"], [1.0, 1.0])  # equal priorities before the first entry
    w.step = 2
    out = c.decide(w, params(), 1)
    assert list(out["asks"]) == [0] and not out["asks"][0]  # its open base cannot be asked again
    assert close(out["aid"], [2.0, 1.0])
    w.step = 4
    assert close(c.decide(w, params(), 1)["aid"], [2.0, 1.0]) and c.decide(w, params(), 1)["asks"] == {}
    w.step = 5
    assert close(c.decide(w, params(), 0)["aid"], [1.0, 3.0])
    assert close(ScriptedController().decide(tiny_world(batch=2), params(), 0)["aid"], np.ones((2, 2)))


def test_default_controllers_follow_the_scenario():
    w = tiny_world()
    w.setup.rule_powers = np.array([True, False, True])
    cs = default_controllers(w.setup)
    assert [type(c) for c in cs] == [RuleController, ScriptedController, RuleController]


def test_policy_phase_gathers_every_power_and_settle_asks_nothing():
    w = tiny_world()
    p = rule_params()
    cs = [RuleController(), RuleController(), RuleController()]
    out = step.policy_phase(w, p, cs)
    assert set(out["aid"]) == {0, 1, 2} and out["asks"][3] and out["asks"][2]
    one = step.policy_phase(w, p, cs, 2)
    assert set(one["aid"]) == {2} and set(one["asks"]) == {2}
    settled = step.settle_policy(w, p, cs)
    assert settled["asks"] == {} and close(settled["aid"][1], out["aid"][1])


def test_two_bases_count_as_hosting_once_in_the_aid_priority():
    w = tiny_world()
    w.runs.slot_status[4] = OPEN  # a second base of power 1 in state 0
    assert close(rule_aid_priority(w, params(membership_benefit=0.5, host_aid=2.0), 1), [3.0, 1.0])


def test_scripted_aid_does_not_depend_on_the_alignment():
    w = tiny_world()
    w.runs.alignment[:, 1] = 0.0
    out = ScriptedController(aid={0: [2.0, 1.0]}).decide(w, params(), 1)
    assert close(out["aid"], [2.0, 1.0])


def test_policy_phase_passes_each_controllers_help_on():
    w = tiny_world()
    cs = [ScriptedController(aid={0: [1.0, 2.0]}), ScriptedController(aid={0: [3.0, 1.0]}), RuleController()]
    out = step.policy_phase(w, rule_params(), cs)
    assert close(out["aid"][0], [1.0, 2.0]) and close(out["aid"][1], [3.0, 1.0])
    settled = step.settle_policy(w, rule_params(), cs, 1)
    assert settled == {"asks": {}, "aid": settled["aid"]} and list(settled["aid"]) == [1]
    assert close(settled["aid"][1], [3.0, 1.0])


def test_an_ask_for_access_is_weighed_per_unit_of_what_it_asks():
    """score / footprint: the same motive and acceptance make access (footprint 0.2) five times the ask a
    garrison is, so the power asks for it where a garrison would fall short of its threshold."""
    score = np.array([[0.1, 0.1]])
    per = pl.per_footprint(score, np.array([1.0, 0.2]))
    assert np.allclose(per, [[0.1, 0.5]])
    chosen = pl.pick_best(per, np.array([[True, True]]), 0.3)
    assert chosen.tolist() == [[False, True]]
    assert not pl.pick_best(score, np.array([[True, True]]), 0.3).any()
