"""Decisions: thresholds and hysteresis, so nothing flips month to month."""

import numpy as np

from sim.core.rules import decisions as dc
from sim.core.rules import powers as pw
from sim.core.world import CLOSED, OPEN, PENDING, REFUSED

JOIN, LEAVE, DWELL = 0.58, 0.38, 12


def step_membership(member, months, u, active=True):
    m, mo, j, lv = dc.membership_next(np.array([member]), np.array([months]), np.array([u]), np.array([active]),
                                      JOIN, LEAVE, DWELL)
    return bool(m[0]), int(mo[0]), bool(j[0]), bool(lv[0])


def test_join_above_the_upper_threshold_only():
    assert step_membership(False, 99, 0.60)[2]
    assert not step_membership(False, 99, 0.50)[2]


def test_members_stay_between_the_thresholds_hysteresis():
    member, _, _, left = step_membership(True, 99, 0.45)
    assert member and not left
    member, _, _, left = step_membership(True, 99, 0.30)
    assert not member and left


def test_no_reversal_within_the_dwell_time():
    assert not step_membership(True, DWELL - 1, 0.10)[3]
    assert step_membership(True, DWELL, 0.10)[3]
    assert not step_membership(False, 3, 0.90)[2]


def test_an_ended_organisation_loses_its_members_and_takes_none():
    assert step_membership(True, 0, 0.9, active=False)[3]
    assert not step_membership(False, 99, 0.9, active=False)[2]


def slot(status, months, u, window=6):
    s, m, o, c, r = dc.slot_next(np.array([status]), np.array([months]), np.array([u]), np.array([window]),
                                 0.55, 0.33, 6)
    return int(s[0]), bool(o[0]), bool(c[0]), bool(r[0])


def test_a_request_is_granted_above_the_grant_threshold_or_refused_when_the_window_closes():
    assert slot(PENDING, 0, 0.6) == (OPEN, True, False, False)
    assert slot(PENDING, 2, 0.5) == (PENDING, False, False, False)
    assert slot(PENDING, 5, 0.5) == (REFUSED, False, False, True)


def test_an_open_base_closes_only_below_the_lower_threshold_after_the_dwell():
    assert slot(OPEN, 20, 0.40)[0] == OPEN  # between the thresholds: stays
    assert slot(OPEN, 20, 0.30) == (CLOSED, False, True, False)
    assert slot(OPEN, 3, 0.10)[0] == OPEN  # too soon to reverse


def test_neutrality_and_a_hostile_bloc_patron_weigh_against_a_base():
    u = dc.base_utility(np.array([0.7, 0.7, 0.7]), np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0]), 0.6, 0.2)
    assert u[0] > u[2] > u[1]


def test_bloc_veto_comes_from_the_patron_hostile_to_that_power():
    member = np.array([True, False])  # in a security bloc led by power 0 only
    org_security = np.array([0.5, 0.0])
    weights = np.array([[1.0, 0.0], [0.0, 1.0]])
    hostility = np.array([[0.0, 1.0], [0.0, 0.0]])  # power 0 is hostile to power 1
    veto = dc.bloc_hostility(member, org_security, weights, hostility)
    assert veto[1] == 1.0 and veto[0] == 0.0


def test_stance_rule_follows_the_three_phases():
    # no rival present: integrate; rival fighting a shared threat: cooperate; encroachment beyond it: counterbalance
    prop = pw.stance_proposal(np.array([0.0, 2.0, 2.0]), np.array([0.5, 0.5, 0.1]), np.array([0.0, 0.4, 1.2]),
                              1.0, 0.3)
    assert list(prop) == [pw.INTEGRATE, pw.COOPERATE, pw.COUNTERBALANCE]


def test_stance_changes_only_after_its_dwell_time():
    s, m = pw.stance_next(np.array([0, 0]), np.array([2, 6]), np.array([2, 2]), 6)
    assert list(s) == [0, 2] and list(m) == [3, 0]
