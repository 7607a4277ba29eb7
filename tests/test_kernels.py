"""The compiled loops (sim/core/rules/kernels.py) give the same bits as the numpy loops they replaced, for one
run and for batches, on random inputs (the numpy loops are restated here as the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import rng
from sim.core.rules import alignment as al
from sim.core.rules import decisions as dc
from sim.core.rules import kernels
from sim.core.rules import policy as pl
from sim.core.rules import powers as pw
from sim.core.rules import threats as th
from sim.core.rules.arrays import logistic, sum_last


def _toward_rivals(x, rivals):
    out = np.zeros(x.shape)
    for p in range(rivals.shape[0]):
        total = 0.0 * x[..., 0]
        for q in range(rivals.shape[0]):
            total = total + rivals[p, q] * x[..., q]
        out[..., p] = total
    return out


def _rival_pressure(presence, hostility):
    P = presence.shape[-1]
    out = np.zeros(np.broadcast_shapes(presence.shape, hostility.shape[:-1]))
    for p in range(P):
        total = 0.0 * presence[..., 0]
        for q in range(P):
            total = total + hostility[..., q, p] * presence[..., q]
        out[..., p] = total
    return out


def _bloc_conflict(member, org_weights):
    O, P = org_weights.shape
    led = (org_weights > 0.5).astype(float)
    against = np.maximum(-org_weights, 0.0)
    out = np.zeros(member.shape[:-1] + (O,))
    for o in range(O):
        total = 0.0 * out[..., o]
        for other in range(O):
            if other == o:
                continue
            clash = 0.0
            for q in range(P):
                clash = clash + against[o, q] * led[other, q] + led[o, q] * against[other, q]
            total = total + member[..., other] * clash
        out[..., o] = total
    return out


def _patron_weights(member, org_weights):
    total = 0.0 * member[..., :1] * org_weights[0]
    for o in range(org_weights.shape[0]):
        total = total + member[..., o:o + 1] * np.maximum(org_weights[o], 0.0)
    return total


def _clients(member, org_weights, base_open_sp):
    led = (org_weights >= 0.5).astype(float)
    total = 0.0 * base_open_sp[..., 0, :]
    for s in range(member.shape[-2]):
        for o in range(org_weights.shape[0]):
            total = total + member[..., s, o:o + 1] * led[o]
        total = total + base_open_sp[..., s, :]
    return total


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("lead", [(), (1,), (7,)])
def test_kernels_match_the_numpy_loops(lead):
    g = np.random.default_rng(len(lead) * 10 + sum(lead))
    S, P, O = 5, 3, 6
    rivals = (g.random((P, P)) > 0.3) * (1.0 - np.eye(P))
    weights = g.choice([-0.5, 0.0, 0.3, 0.5, 0.8, 1.0], size=(O, P))
    security = g.choice([0.0, 1.0], size=O)
    member = g.random(lead + (S, O)) > 0.5
    x = g.normal(size=lead + (S, P))
    hostility = g.random(lead + (P, P)) * rivals
    base_open = g.integers(0, 3, size=lead + (S, P)).astype(float)
    _same(pw.toward_rivals(x, rivals), _toward_rivals(x, rivals))
    _same(al.rival_pressure(x, hostility[..., None, :, :]), _rival_pressure(x, hostility[..., None, :, :]))
    # the rule's own numpy loop runs when each state has a matrix of its own (shape[-3] = S, not 1)
    _same(dc.bloc_hostility(member, security, weights, hostility[..., None, :, :]),
          dc.bloc_hostility(member, security, weights, np.broadcast_to(hostility[..., None, :, :],
                                                                       lead + (S, P, P))))
    _same(dc.bloc_conflict(member, weights), _bloc_conflict(member, weights))
    _same(pl.patron_weights(member, weights), _patron_weights(member, weights))
    _same(pl.clients(member, weights, base_open), _clients(member, weights, base_open))


def test_random_bits_kernel_matches_numpy_mixing():
    seed = np.arange(40, dtype=np.uint64).reshape(40, 1, 1) * np.uint64(2654435761)
    agents = np.arange(5)[:, None] * 3 + np.arange(3)
    with np.errstate(over="ignore"):
        s, m = np.asarray(seed, dtype=np.uint64), np.uint64(117)
        a, k = agents.astype(np.uint64), np.uint64(1002)
        x = rng._mix(s * rng._GOLDEN + rng._GOLDEN)
        x = rng._mix(x ^ (m * rng._K_MONTH + rng._GOLDEN))
        x = rng._mix(x ^ (a * rng._K_AGENT + rng._GOLDEN))
        x = rng._mix(x ^ (k * rng._K_STREAM + rng._GOLDEN))
    _same(rng.random_bits(seed, 117, agents, 1002), x)
    _same(rng.random_bits(3, 5, 7, 1), rng.random_bits(np.array([3]), 5, 7, 1)[0])


def _alignment_step(alignment, affinity, pull_terms, rate, noise):
    """The numpy alignment step the kernels replaced."""
    total = sum_last(pull_terms)
    base = logistic(affinity)
    target = logistic(affinity + total)
    small = np.abs(total) < 1e-12
    slope = np.where(small, base * (1.0 - base), (target - base) / np.where(small, 1.0, total))
    parts = (rate * slope)[..., None] * pull_terms
    inertia = rate * (base - alignment)
    raw = alignment + sum_last(parts) + inertia + noise
    new = np.clip(raw, 0.0, 1.0)
    drivers = np.concatenate([parts, inertia[..., None], np.broadcast_to(noise, new.shape)[..., None],
                              (new - raw)[..., None]], axis=-1)
    return new, drivers


@pytest.mark.parametrize("lead", [(), (1,), (9,)])
def test_alignment_step_kernel_matches_the_numpy_step(lead):
    """Exactly, bounds and tiny pulls included: the logistics are numpy's in both (computed between the two
    kernels), the rest is the same operations in the same order."""
    g = np.random.default_rng(3 + len(lead))
    shape = lead + (5, 3)
    alignment = g.random(shape)
    alignment.flat[0], alignment.flat[-1] = 0.0, 1.0
    affinity = g.normal(size=shape)
    terms = g.normal(size=shape + (7,)) * g.choice([0.0, 1e-14, 0.3, 4.0], size=shape + (1,))
    rate = g.random(lead + (1, 1))
    noise = g.normal(size=shape) * 0.4
    noise.flat[1], noise.flat[2] = 2.0, -2.0  # scores pushed out of [0, 1]: the clip
    terms[..., 4, 2, :] = 1e-14  # pulls too small to divide by: the slope
    new, drivers = al.alignment_step(alignment, affinity, terms, rate, noise)
    ref_new, ref_drivers = _alignment_step(alignment, affinity, terms, rate, noise)
    _same(new, ref_new)
    _same(drivers, ref_drivers)
    assert (new == 0.0).any() and (new == 1.0).any() and (np.abs(sum_last(terms)) < 1e-12).any()
    # a scalar rate and noise, as the rule's own tests call it
    for args in ((alignment, affinity, terms, 0.2, 0.0), (alignment[..., 0, :], affinity[..., 0, :], terms[..., 0, :, :],
                                                         0.7, -0.01)):
        for a, b in zip(al.alignment_step(*args), _alignment_step(*args)):
            _same(a, b)


def test_alignment_step_kernel_keeps_numpy_clip_on_signed_zero_and_nan():
    terms = np.zeros((3, 7))
    alignment = np.array([-0.0, np.nan, 0.5])
    args = (alignment, np.zeros(3), terms, 0.0, 0.0)
    for a, b in zip(al.alignment_step(*args), _alignment_step(*args)):
        assert np.array_equal(a, b, equal_nan=True) and (np.signbit(a) == np.signbit(b)).all()


@pytest.mark.parametrize("lead", [(1,), (6,)])
def test_state_pulls_kernel_matches_the_rule_functions(lead):
    """The fused pulls equal the composition of the numpy rule functions (security_threat, regime_fear,
    security_offer, regime_support, pulls) to the bit, for all states and for one."""
    g = np.random.default_rng(11 + lead[0])
    S, P, O = 5, 3, 6
    M = lead[0]
    rivals = (g.random((P, P)) > 0.3) * (1.0 - np.eye(P))
    sec_w = np.maximum(g.choice([-0.5, 0.0, 0.3, 0.5, 1.0], size=(O, P)), 0.0) * g.choice([0.0, 1.0], size=O)[:, None]
    world = {
        "capacity": g.random(P) * 2, "attention": g.random((M, P)), "operations": g.random(P),
        "reach": g.random(P), "conditionality": g.random(P), "present": g.integers(0, 3, size=(M, S, P)).astype(float),
        "member": g.random((M, S, O)) > 0.5, "local_threat": g.random((M, S)), "exposure": g.random(S),
        "afghan": g.random(M), "regime_threat": g.random((M, S)), "openness": g.random((M, S)),
        "economy": g.random((M, S, P)), "blame": g.random((M, S, P)), "offers": g.random((M, S, P)),
        "alignment": g.random((M, S, P)), "hostility": g.random((M, P, P)) * rivals}
    names = ("base_bonus", "w_security", "w_regime", "w_conditions", "w_economy", "w_blame", "w_offers", "w_rivalry")
    par = {n: g.random(M) * 3 for n in names}
    got = al.state_pulls(np.arange(S), security_weights=sec_w, **world, **par)

    def pr(name):
        return par[name][:, None, None]

    bloc = np.zeros((M, S, P))
    for o in range(O):
        bloc = bloc + world["member"][..., o:o + 1] * sec_w[o]
    att = world["attention"][:, None, :]
    regime = world["regime_threat"][..., None]
    expect = al.pulls(
        security_threat=th.security_threat(world["local_threat"][..., None], world["exposure"][:, None],
                                           world["afghan"][:, None, None]),
        regime_threat=regime, fear=al.regime_fear(world["openness"][..., None], regime),
        offer=al.security_offer(world["capacity"], att, world["operations"], world["reach"], world["present"],
                                pr("base_bonus"), bloc),
        support=al.regime_support(world["capacity"], att, world["reach"], world["conditionality"]),
        pressure=world["conditionality"] * att, economy=world["economy"], blame=world["blame"],
        offers=world["offers"], hostility=world["hostility"][:, None, :, :],
        presence=world["alignment"] + 0.5 * world["present"],
        **{n: pr(n) for n in names[1:]})
    _same(got, expect)
    _same(al.state_pulls(np.array([3]), security_weights=sec_w, **world, **par), expect[:, 3:4])


@pytest.mark.parametrize("M", [1, 8])
def test_membership_step_kernel_matches_the_rule_functions(M):
    """Appeal (membership_utility - bloc_conflict x clashes + taste) and membership_next, to the bit."""
    g = np.random.default_rng(20 + M)
    S, P, O = 5, 3, 6
    weights = g.choice([-0.5, 0.0, 0.3, 0.5, 0.8, 1.0], size=(O, P))
    bias = g.normal(size=O)
    active = g.random(O) > 0.2
    alignment, taste = g.random((M, S, P)), g.normal(size=(M, S, O))
    member, months = g.random((M, S, O)) > 0.5, g.integers(0, 30, size=(M, S, O))
    neutrality = g.random(S)
    par = {n: g.random(M) for n in ("neutrality_weight", "conflict_weight", "join", "leave")}
    par["join"] = par["join"] + 0.5  # a gap between the thresholds, as in the scenarios
    dwell = g.integers(0, 25, size=M).astype(float)
    got = dc.membership_step(np.arange(S), alignment, member, months, taste, weights, bias, active,
                             neutrality, par["neutrality_weight"], par["conflict_weight"], par["join"], par["leave"],
                             dwell)

    def pr(x):
        return x[:, None, None]

    util = dc.membership_utility(alignment, weights, bias, neutrality, pr(par["neutrality_weight"])) \
        - pr(par["conflict_weight"]) * dc.bloc_conflict(member, weights) + taste
    expect = dc.membership_next(member, months, util, active, pr(par["join"]), pr(par["leave"]), pr(dwell))
    for a, b in zip(got, expect):
        _same(a, b)
    if M > 1:
        assert expect[2].any() and expect[3].any()  # some join, some leave
    one = dc.membership_step(np.array([2]), alignment, member, months, taste, weights, bias, active,
                             neutrality, par["neutrality_weight"], par["conflict_weight"], par["join"], par["leave"],
                             dwell)
    for a, b in zip(one, expect):
        _same(a, b[:, 2:3])


@pytest.mark.parametrize("M", [1, 8])
def test_slot_step_kernel_matches_slot_next(M):
    from sim.core.world import CLOSED, NOT_YET, OPEN, PENDING, REFUSED

    g = np.random.default_rng(30 + M)
    K = 12
    is_deal = g.random(K) > 0.5
    window = g.integers(1, 6, size=K)
    status = g.choice([NOT_YET, PENDING, OPEN, REFUSED, CLOSED], size=(M, K))
    months = g.integers(0, 10, size=(M, K))
    ks = np.array([0, 2, 3, 5, 7, 8, 11])
    utility = g.normal(size=(M, len(ks)))
    par = {n: g.normal(size=M) * 0.5 for n in ("deal_accept", "base_grant", "deal_end", "base_revoke")}
    dwell = g.integers(0, 8, size=M).astype(float)
    got = dc.slot_step(ks, is_deal, window, status, months, utility, par["deal_accept"], par["base_grant"],
                       par["deal_end"], par["base_revoke"], dwell)
    grant = np.where(is_deal[ks], par["deal_accept"][:, None], par["base_grant"][:, None])
    revoke = np.where(is_deal[ks], par["deal_end"][:, None], par["base_revoke"][:, None])
    expect = dc.slot_next(status[:, ks], months[:, ks], utility, window[ks], grant, revoke, dwell[:, None])
    for a, b in zip(got, expect):
        _same(a, b)
    if M > 1:
        assert all(f.any() for f in expect[2:])  # some open, close and are refused


def test_slot_utility_kernel_matches_the_numpy_case():
    """The public case for a base or a deal, as the numpy expression it replaced."""
    from sim.core import step

    g = np.random.default_rng(41)
    M, S, P = 6, 5, 3
    K = 10
    slot_state, slot_power = g.integers(0, S, size=K), g.integers(0, P, size=K)
    is_deal, value = g.random(K) > 0.5, g.random(K)
    footprint = np.where(g.random(K) > 0.5, 1.0, g.random(K))  # full bases and access
    alignment, veto, blame = g.random((M, S, P)), g.random((M, S, P)), g.random((M, S, P))
    local, afghan, exposure, neutrality, ops = g.random((M, S)), g.random(M), g.random(S), g.random(S), g.random(P)
    w = g.random((5, M))
    ks = np.array([1, 4, 5, 9, 0])
    got = kernels.slot_utility(ks, slot_state, slot_power, is_deal, value, footprint, alignment, veto, blame, local,
                               afghan, exposure, neutrality, ops, w)
    s, p = slot_state[ks], slot_power[ks]
    a_k = alignment[:, s, p]
    threat = local[:, s] + exposure[s] * afghan[:, None]
    f = footprint[ks]
    base_u = dc.base_utility(a_k, neutrality[s], veto[:, s, p], w[0][:, None], w[1][:, None], f) \
        + w[2][:, None] * ops[p] * threat - f * (w[3][:, None] * blame[:, s, p]) + (1.0 - f) * w[4][:, None]
    expect = np.where(is_deal[ks], a_k + 0.5 * value[ks], base_u)
    _same(got, expect)
    assert step.slot_utility.__doc__ and "base_security_weight" in step.slot_utility.__doc__


def test_askable_kernel_matches_the_numpy_rule():
    from sim.core.world import CLOSED, NOT_YET, OPEN, PENDING, REFUSED

    g = np.random.default_rng(52)
    M, K = 7, 12
    status = g.choice([NOT_YET, PENDING, OPEN, REFUSED, CLOSED], size=(M, K))
    months = g.integers(0, 12, size=(M, K))
    cooldown = g.integers(0, 12, size=M).astype(float)
    ks = np.array([0, 3, 4, 6, 10, 11])
    again = ((status[:, ks] == REFUSED) | (status[:, ks] == CLOSED)) & (months[:, ks] >= cooldown[:, None])
    _same(kernels.askable(ks, status, months, cooldown, NOT_YET, REFUSED, CLOSED), (status[:, ks] == NOT_YET) | again)



def _pick_best(score, eligible, threshold):
    masked = np.where(eligible, score, -np.inf)
    best = np.argmax(masked, axis=-1)
    top = np.take_along_axis(masked, best[..., None], axis=-1)[..., 0]
    chosen = np.arange(score.shape[-1]) == best[..., None]
    return chosen & (top > threshold)[..., None]


@pytest.mark.parametrize("lead", [(), (1,), (9,)])
def test_pick_best_kernel_matches_the_numpy_rule(lead):
    g = np.random.default_rng(61 + len(lead))
    K = 6
    for _ in range(20):
        score = g.choice([-1.0, 0.0, 0.2, 0.5, 0.5, 2.0, np.inf, -np.inf, np.nan], size=lead + (K,))
        eligible = g.random(lead + (K,)) < 0.6
        for threshold in (0.1, g.choice([-np.inf, 0.0, 0.3, np.nan], size=lead)):
            _same(pl.pick_best(score, eligible, threshold), _pick_best(score, eligible, threshold))


@pytest.mark.parametrize("lead", [(), (9,)])
def test_pick_best_each_matches_the_numpy_rule_group_by_group(lead):
    g = np.random.default_rng(71 + len(lead))
    starts = [0, 3, 4, 9]
    for _ in range(20):
        score = g.choice([-1.0, 0.0, 0.2, 0.5, 0.5, 2.0, np.inf, -np.inf, np.nan], size=lead + (9,))
        eligible = g.random(lead + (9,)) < 0.6
        bars = [0.1, g.choice([-np.inf, 0.0, 0.3, np.nan], size=lead), np.float64(0.4)]
        expect = np.concatenate([_pick_best(score[..., a:b], eligible[..., a:b], bar)
                                 for a, b, bar in zip(starts[:-1], starts[1:], bars)], axis=-1)
        _same(pl.pick_best_each(score, eligible, starts, [np.asarray(b, dtype=float) for b in bars]), expect)
