"""The compiled loops of sim/core/rules/kernels_month.py give the same bits as the numpy statements of the
rules they serve (the Box-Muller noise, the month's trade shares and routes, the powers' phase, the finite
check), for one run and for batches, on random inputs with their edge cases."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.core import rng
from sim.core import step as stp
from sim.core.rules import kernels_month as km


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize(("seed", "agent"), [
    (12345, 4), (7, np.arange(3)), (0, np.arange(15).reshape(5, 3)),
    (np.arange(40, dtype=np.int64).reshape(40, 1, 1) * 2654435761, np.arange(15).reshape(5, 3)),
    (np.array([2**63 - 1, 0, 99]), np.array([1, 2, 3]))])
@pytest.mark.parametrize("month", [0, 13, 119])
def test_normal_kernels_match_the_box_muller_statement(seed, agent, month):
    _same(rng.normal(seed, month, agent, rng.STREAM_ALIGNMENT_NOISE),
          rng.normal_numpy(seed, month, agent, rng.STREAM_ALIGNMENT_NOISE))


def test_normal_of_many_draws_matches_and_is_normal():
    seed = np.arange(100_000, dtype=np.int64)
    z = rng.normal(seed, 5, 3, 2)
    _same(z, rng.normal_numpy(seed, 5, 3, 2))
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1.0) < 0.02
    # another month, agent or stream draws other numbers
    assert not np.array_equal(z, rng.normal(seed, 6, 3, 2))
    assert not np.array_equal(z, rng.normal(seed, 5, 4, 2))
    assert not np.array_equal(z, rng.normal(seed, 5, 3, 1))


def test_normal_with_array_months_keeps_the_statement():
    seed, months = 3, np.arange(12)
    _same(rng.normal(seed, months, 2, 1), rng.normal_numpy(seed, months, 2, 1))


def _trade_inputs(g, lead, S=5, P=3):
    J = P + 1
    data = SimpleNamespace(
        mass_reference=g.random(J) * 10 + 0.5, distance_km=g.random((S, J)) * 6000,
        legacy=g.choice([0.0, 0.5, 1.0], size=(S, J)), border=g.choice([0.0, 1.0], size=(S, J)),
        active=np.array([1.0] * (P - 1) + [0.0, 1.0]), transit=np.array([1.0] + [0.0] * P),
        hydrocarbon_share=g.random(S) * 0.6, commodity_share=g.random(S) * 0.3)
    route = g.random(lead + (S, J)) * g.choice([0.0, 1.0], size=lead + (S, J))
    route[..., 0, :] = 0.0  # a state with no routes: its hydrocarbons go to the rest of the world
    if route.ndim > 2:
        route[0, 1, 2] = -0.0  # as np.maximum keeps it
        route[-1, 2, 1] = -0.25  # a negative capacity counts as none
    signed = g.random(lead + (S, J))
    fixed = g.random((S, P))
    M = lead[0] if lead else None

    def par(lo, hi):
        return np.asarray(lo + (hi - lo) * g.random()) if M is None else lo + (hi - lo) * g.random(M)

    params = {"trade_mass_elasticity": par(0.5, 1.5), "trade_growth_elasticity": par(0.5, 2.0),
              "trade_distance_decay": par(0.1, 1.0), "trade_legacy": par(0.0, 2.0), "trade_border": par(0.0, 1.0),
              "oil_value_elasticity": par(0.2, 1.2), "transit_share": par(0.0, 1.0), "route_rate": par(0.01, 0.2)}
    price = par(0.3, 3.0)
    mass = data.mass_reference * (0.5 + g.random(J) * 2)
    return mass, price, route, signed, data, fixed, params


@pytest.mark.parametrize("lead", [(), (1,), (8,)])
def test_trade_month_kernels_match_the_trade_rules(lead):
    g = np.random.default_rng(21 + len(lead) + sum(lead))
    args = _trade_inputs(g, lead)
    got = stp.trade_month_numbers(*args)
    expect = stp.trade_month_numpy(*args)
    assert set(got) == set(expect)
    for name in expect:
        _same(got[name], expect[name])
    # the power without a mass series keeps the file's tie; the others are the trade rule's
    assert (got["tie"][..., 2] == args[5][:, 2]).all() and not (got["tie"][..., 0] == args[5][:, 0]).any()


def test_trade_month_kernels_with_one_price_and_shared_parameters():
    """A batch whose parameters are shared (0-d) and whose oil price is one number, as the fit calls it."""
    g = np.random.default_rng(5)
    mass, _, route, signed, data, fixed, _ = _trade_inputs(g, (6,))
    _, price, _, _, _, _, params = _trade_inputs(g, ())
    for mixed in (params, {**params, "route_rate": np.full(6, 0.05), "transit_share": np.linspace(0, 1, 6)}):
        got = stp.trade_month_numbers(mass, price, route, signed, data, fixed, mixed)
        expect = stp.trade_month_numpy(mass, price, route, signed, data, fixed, mixed)
        for name in expect:
            _same(got[name], expect[name])


def test_all_finite_is_numpys_isfinite_all():
    def finite(x):
        return km.all_finite(np.ascontiguousarray(x, dtype=np.float64).view(np.uint64))

    x = np.random.default_rng(0).normal(size=50)
    assert finite(x)
    for bad in (np.nan, -np.nan, np.inf, -np.inf, np.frombuffer(np.uint64(0x7FF0000000000001).tobytes())[0]):
        for at in (0, 17, 49):
            y = x.copy()
            y[at] = bad
            assert not finite(y) and not np.isfinite(y).all()
    edge = np.array([0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324, np.finfo(float).max, -np.finfo(float).max])
    assert finite(edge) and np.isfinite(edge).all()
    assert finite(np.zeros(0))


def test_route_shares_kernel_matches_the_trade_rule():
    from sim.core.rules.trade import route_shares

    g = np.random.default_rng(4)
    route = g.random((7, 5, 4)) * g.choice([0.0, 1.0], size=(7, 5, 4))
    route[0, 0] = 0.0
    route[1, 2, 1], route[2, 3, 0], route[3, 1] = -0.0, -0.5, -1.0
    _same(km.route_shares(route, 3), route_shares(route)[..., :3])


@pytest.mark.parametrize("M", [1, 6])
def test_state_stocks_kernel_matches_the_threat_and_offer_rules(M):
    from sim.core.rules import economy as ec
    from sim.core.rules import threats as th
    from sim.core.rules.powers import EFFORT

    g = np.random.default_rng(M)
    S, P = 5, 3
    local, regime, openness = g.random((M, S)), g.random((M, S)), g.random((M, S))
    blame, offers, aid = g.random((M, S, P)), g.random((M, S, P)), g.random((M, S, P))
    attention, stance = g.random((M, P)), g.integers(0, 3, size=(M, P))
    capacity, reach, cond = g.random(P) * 2, g.random(P), g.random(P)
    w = g.random((6, M))
    got = km.state_stocks(local, regime, openness, blame, offers, attention, stance, aid, EFFORT, capacity, reach,
                          cond, w)

    def par(i, trailing):
        return w[i].reshape((M,) + (1,) * trailing)

    att = attention[:, None, :]
    expect = (th.decay(local, par(0, 1)),
              th.decay(regime, par(1, 1)) + th.democracy_pressure(cond, att, openness, par(2, 1)),
              th.decay(blame, par(3, 2)),
              ec.offers_next(offers, par(4, 2), par(5, 2), EFFORT[stance][:, None, :], capacity, att, reach, aid))
    for a, b in zip(got, expect):
        _same(a, b)


def _randomised_batch(n=12, months=30, seed=3):
    """A batch of the replay some months in, with random parameters, then its powers' and states' stocks,
    stances and months in stance scrambled (signed zeros and ties of the stance rule included)."""
    from conftest import REPLAY

    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario.loader import load_scenario

    sc = load_scenario(REPLAY)
    base = make_params(dict(sc.spec.parameters))
    g = np.random.default_rng(seed)
    rows = [make_params({**base, **{k: base[k] * (0.75 + 0.5 * g.random()) for k in stp._POWER_NAMES + _TRADE}})
            for _ in range(n)]
    engine = BatchEngine(sc, rows, list(range(n)))
    for _ in range(months):
        engine.step()
    r = engine.world.runs
    r.stance[...] = g.integers(0, 3, size=r.stance.shape)
    r.stance_months[...] = g.integers(0, 30, size=r.stance.shape)
    r.encroachment[...] = g.random(r.encroachment.shape) * g.choice([0.0, 1.0, 5.0], size=r.encroachment.shape)
    r.own_threat[...] = g.random(r.own_threat.shape) * 3
    r.clients[...] = g.integers(0, 4, size=r.clients.shape)
    r.attention[0, 0] = -0.0
    return engine.world, engine.params


_TRADE = ("trade_distance_decay", "transit_share", "route_rate", "oil_value_elasticity")


@pytest.mark.parametrize("seed", [3, 4])
def test_power_month_kernel_matches_the_numpy_power_phase(seed):
    world, params = _randomised_batch(seed=seed)
    got = stp.power_phase(world, params)
    expect = stp.power_phase_numpy(world, params)
    assert got.keys() == expect.keys()
    for name in expect:
        _same(got[name], expect[name])
    for p in range(world.setup.P):  # one power's own call is the numpy statement
        for name, value in stp.power_phase(world, params, p).items():
            _same(got[name][..., p], value)
    assert len(np.unique(got["stance"])) == 3 and (got["stance_months"] == 0).any()


def test_trade_month_kernels_match_in_a_running_batch():
    world, params = _randomised_batch(months=50)
    st, r = world.setup, world.runs
    t = world.step
    args = (st.trade_mass[t], st.trade_price[t], r.route, r.route_signed, st.trade, st.fixed_tie, params)
    got, expect = stp.trade_month_numbers(*args), stp.trade_month_numpy(*args)
    for name in expect:
        _same(got[name], expect[name])


@pytest.mark.parametrize("lead", [(), (9,)])
def test_deal_routes_kernel_adds_deal_after_deal_as_the_numpy_loop(lead):
    """Deals signed and ended change the capacity signed in place, in the order of the slots (two deals of
    one state and power included), the same bits as commit_decisions' numpy loop (taken for flags that are
    not booleans)."""
    from sim.core.world import Slot

    g = np.random.default_rng(8 + len(lead))
    S, P, O, K = 5, 3, 4, 9
    slots = [Slot("deal" if k % 3 else "base", int(g.integers(S)), int(g.integers(P)), -1, 6, f"s{k}",
                  float(g.normal()), source="rule", askable=True) for k in range(K)]
    slots[7] = Slot("deal", slots[2].state, slots[2].power, -1, 6, "again", -0.3, source="rule", askable=True)
    ks = [0, 2, 4, 5, 7, 8]

    def world():
        runs = SimpleNamespace(member=np.zeros(lead + (S, O), bool), member_months=np.zeros(lead + (S, O), np.int64),
                               slot_status=np.zeros(lead + (K,), np.int64), slot_months=np.zeros(lead + (K,), np.int64),
                               route_signed=np.random.default_rng(1).random(lead + (S, P + 1)))
        return SimpleNamespace(setup=SimpleNamespace(slots=slots), runs=runs)

    opened = g.random(lead + (len(ks),)) > 0.5
    closed = ~opened & (g.random(lead + (len(ks),)) > 0.5)
    dec = {"member": np.ones(lead + (S, O), bool), "member_months": np.ones(lead + (S, O), np.int64), "slots": ks,
           "slot_status": np.ones(lead + (len(ks),), np.int64), "slot_months": np.ones(lead + (len(ks),), np.int64),
           "opened": opened, "closed": closed}
    a, b = world(), world()
    stp.commit_decisions(a, dec)
    stp.commit_decisions(b, {**dec, "opened": opened.astype(np.uint8), "closed": closed.astype(np.uint8)})
    _same(a.runs.route_signed, b.runs.route_signed)
    assert not np.array_equal(a.runs.route_signed, world().runs.route_signed)
