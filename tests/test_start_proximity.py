"""No decision may hinge on the hand-set starting values: validate and the calibration flag a membership
whose public utility at the start sits within 0.05 of the threshold that would change it."""

from __future__ import annotations

from conftest import REPLAY

from sim.core.parameters import make_params
from sim.scenario import load_scenario
from sim.validation.margins import NEAR, start_proximity


def test_the_calibrated_defaults_leave_every_starting_membership_clear_of_its_thresholds():
    assert start_proximity(load_scenario(REPLAY), [make_params()]) == []


def test_a_threshold_set_next_to_a_starting_utility_is_flagged():
    sc = load_scenario(REPLAY)
    # Kazakhstan starts in the CST with a utility of about 0.62 (Russia's weight 1 x its alignment 0.62)
    near = start_proximity(sc, [make_params({"leave_threshold": 0.6}), make_params()])
    kaz = [r for r in near if r["state"] == "KAZ" and r["org"] == "CSTO"]
    assert kaz and kaz[0]["set"] == 0 and kaz[0]["threshold"] == "leave" and abs(kaz[0]["distance"]) < NEAR
    assert not [r for r in near if r["set"] == 1]
