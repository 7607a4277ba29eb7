"""A small hand-made world for the rule tests: two states, three powers, two organisations, no scenario file.

Every number is set here, so a test can work out by hand what a rule should give. Powers 0, 1, 2 play
the parts of a regional power (it leads organisation 0, a security bloc), a distant power (it leads nothing)
and an economic power (patron of organisation 1, no security role); all are rivals of one another unless a
test says otherwise. ``tiny_world(batch=N)`` gives the same world with a leading batch axis of N runs.
"""

from __future__ import annotations

import types

import numpy as np

from sim.core.parameters import make_params
from sim.core.world import NOT_YET, OPEN, RunState, Schedule, Setup, Slot, World

S, P, O, T = 2, 3, 2, 12


def params(**overrides):
    """The model's parameters with the overrides a test needs (each test states the values it relies on)."""
    return make_params(overrides)


def slots() -> list[Slot]:
    """Slot 0: power 1's base in state 0 (open at the start); slot 1: power 0's base in state 1 (askable);
    slot 2: power 2's energy contract with state 1 (askable, value 0.4); slot 3: power 1's base in state 1
    (askable); slot 4: a second base of power 1 in state 0, forced by a what-if (not askable, not yet asked)."""
    return [
        Slot("base", 0, 1, -1, 6, "base A", source="start", askable=True),
        Slot("base", 1, 0, -1, 6, "base B", source="rule", askable=True),
        Slot("deal", 1, 2, -1, 6, "contract", 0.4, source="rule", askable=True),
        Slot("base", 1, 1, -1, 6, "base C", source="rule", askable=True),
        Slot("base", 0, 1, -1, 6, "base D", source="event", askable=False),
    ]


def tiny_world(batch: int | None = None, seed: int = 7) -> World:
    sl = slots()
    K = len(sl)
    capacity = np.tile(np.array([1.0, 2.0, 0.5]), (T, 1))
    capacity[6:, 2] = 1.0  # power 2's capacity doubles half-way through the year
    capacity[T - 1] = [1.5, 2.0, 1.2]  # and the last month differs from the one before
    capacity[1:6, 0] = 1.1  # power 0's capacity moves after the first month
    means = np.tile(np.array([1.2, 1.0, 1.5]), (T, 1))
    means[T - 1, 2] = 0.9  # power 2's means fall back below the reference in the last month
    setup = Setup(
        name="tiny", states=("AAA", "BBB"), powers=("RUS", "USA", "CHN"), orgs=("BLOC", "ECON"),
        start=2000 * 12, months=T,
        exposure=np.array([0.8, 0.2]), neutrality=np.array([0.0, 0.5]),
        power_exposure=np.array([0.5, 0.1, 0.0]),
        capacity=capacity, capacity_ratio=capacity / capacity[:1],
        means_index=means,
        basing=np.array([1.0, 1.0, 0.0]),
        series_names=(), series=np.zeros((T, 0)), trade=None, trade_mass=np.ones((T, 1)), trade_price=np.ones(T),
        fixed_tie=np.array([[0.5, 0.1, 0.2], [0.3, 0.05, 0.4]]),
        rivals=1.0 - np.eye(P),
        hydrocarbons=np.array([0.0, 1.0]), energy_interest=np.array([0.0, 0.0, 1.0]),
        rule_powers=np.array([True, True, True]), slots=sl,
        haul_km=np.array([[2.0, 9.0, 3.0], [2.5, 10.0, 0.5]]), exports_gas=np.array([False, True]),
        events_by_step=[[] for _ in range(T)], hazards=[], hazard_events=[], hazard_steps=[],
    )
    schedule = Schedule(
        insurgency=0.6, operations=np.array([0.0, 0.5, 0.0]), distraction=np.array([0.0, 0.2, 0.0]),
        conditionality=np.array([0.0, 0.8, 0.1]), base_attention=np.array([0.6, 0.3, 0.2]),
        reach=np.array([1.0, 0.5, 0.7]), org_active=np.array([True, True]),
        org_weights=np.array([[1.0, -0.5, 0.0], [0.3, 0.0, 0.7]]), org_bias=np.array([0.1, 0.0]),
        org_security=np.array([0.5, 0.0]),
    )
    status = np.array([OPEN if s.source == "start" else NOT_YET for s in sl], dtype=np.int64)
    runs = RunState(
        seed=np.asarray(seed, dtype=np.uint64),
        alignment=np.array([[0.6, 0.4, 0.3], [0.5, 0.2, 0.45]]),
        affinity=np.array([[0.2, -0.1, 0.0], [0.0, -0.5, 0.1]]),
        local_threat=np.array([0.3, 0.1]), regime_threat=np.array([0.2, 0.4]),
        blame=np.array([[0.0, 0.1, 0.0], [0.0, 0.0, 0.0]]), offers=np.array([[0.2, 0.1, 0.0], [0.1, 0.0, 0.3]]),
        economy=np.array([[0.5, 0.1, 0.2], [0.3, 0.05, 0.4]]), trade_share=np.zeros((S, P)),
        route=np.zeros((S, P + 1)), route_signed=np.zeros((S, P + 1)),
        openness=np.array([0.2, 0.6]),
        member=np.array([[True, False], [False, True]]), member_months=np.full((S, O), 999, dtype=np.int64),
        afghan_threat=np.asarray(0.5), own_threat=np.array([0.4, 0.0, 0.0]), encroachment=np.array([0.1, 0.0, 0.0]),
        attention=np.array([0.5, 0.4, 0.2]), stance=np.array([1, 1, 0], dtype=np.int64),
        stance_months=np.full(P, 999, dtype=np.int64),
        slot_status=status, slot_months=np.full(K, 999, dtype=np.int64), slot_taste=np.zeros(K),
        slot_asked=np.full(K, -1, dtype=np.int64), member_taste=np.zeros((S, O)),
        clients=np.array([1.0, 1.0, 0.0]), aid_share=np.ones((S, P)),
    )
    if batch is not None:
        runs = RunState.stack([runs] * batch)
        runs.seed = np.arange(seed, seed + batch, dtype=np.uint64)
    return World(setup=setup, schedule=schedule, runs=runs, step=0, batch_ndim=0 if batch is None else 1)


def event(**fields):
    """An event as the rules read it (attribute access), with the defaults of the scenario schema."""
    base = {"id": "ev", "type": "unrest", "magnitude": 1.0, "targets": [], "blame": [], "place": None, "openness": 0.5, "state": None,
                "contagion_share": 1.0, "new_openness": None, "affinity_shift": {}, "spillover": 0.0, "level": 0.0, "actor": None,
                "org": None, "weights": {}, "bias_shift": 0.0, "security": None, "conditionality": None, "attention": None,
                "reach": None, "regime_threat": 0.0, "value": 0.0}
    base.update(fields)
    return types.SimpleNamespace(**base)


def close(actual, expected, rtol=1e-9, atol=1e-12):
    """Arrays equal to rounding (same shape), with numpy's message on failure."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
    return True


def batch_pair():
    """Two different runs in one batch, with different parameters, and the same two runs one by one:
    (batch world, batch params, [(world, params) of run 0, (world, params) of run 1])."""
    import copy

    from sim.core.parameters import DEFAULTS, batch_params, single_params

    w = tiny_world(batch=2)
    r = w.runs
    r.alignment[1] = [[0.3, 0.6, 0.2], [0.7, 0.4, 0.1]]
    r.attention[1] = [0.2, 0.7, 0.5]
    r.regime_threat[1] = [0.6, 0.0]
    r.local_threat[1] = [0.0, 0.9]
    r.openness[1] = [0.5, 0.1]
    r.blame[1] = [[0.3, 0.0, 0.2], [0.0, 0.5, 0.0]]
    r.offers[1] = [[0.0, 0.4, 0.1], [0.2, 0.2, 0.0]]
    r.own_threat[1] = [0.1, 0.5, 0.2]
    r.encroachment[1] = [0.7, 0.2, 0.4]
    r.stance[1] = [2, 0, 1]
    r.clients[1] = [3.0, 0.0, 2.0]
    r.member[1] = [[True, True], [True, False]]
    r.member_months[1] = [[3, 20], [20, 20]]
    r.slot_status[1] = [2, 1, 1, 1, 0]
    r.slot_months[1] = [3, 5, 0, 2, 0]
    r.slot_taste[1] = [0.05, -0.1, 0.2, 0.0, 0.0]
    r.slot_asked[1] = [-1, w.setup.start, w.setup.start, w.setup.start - 3, -1]
    r.member_taste[1] = [[0.1, -0.2], [0.3, 0.0]]
    r.aid_share[1] = [[0.5, 1.5, 1.0], [1.5, 0.5, 1.0]]
    r.afghan_threat[1] = 0.9
    rows = [dict(DEFAULTS), {k: (v * 0.9 if isinstance(v, float) else v) for k, v in DEFAULTS.items()}]
    rows[1]["ask_threshold"] = 0.0
    rows[1]["offer_threshold"] = 0.0
    rows[1]["noise_sd"] = 0.02
    singles = []
    for i in range(2):
        one = World(setup=w.setup, schedule=copy.deepcopy(w.schedule), runs=r.take(i), step=w.step, batch_ndim=0)
        singles.append((one, single_params(rows[i])))
    return w, batch_params(rows), singles


def same(batch, single, i, path="out"):
    """Run i of a batch result equals the single-run result (dicts, tuples and arrays, to the last bit)."""
    if isinstance(batch, dict):
        assert set(batch) == set(single), path
        for key in batch:
            same(batch[key], single[key], i, f"{path}[{key!r}]")
    elif isinstance(batch, (tuple, list)):
        assert len(batch) == len(single), path
        for j, (b, s) in enumerate(zip(batch, single)):
            same(b, s, i, f"{path}[{j}]")
    elif batch is None or isinstance(batch, (bool, int, str)) and not isinstance(batch, np.ndarray):
        assert batch == single, path
    else:
        b = np.asarray(batch)
        s = np.asarray(single)
        bi = np.broadcast_to(b, (2,) + s.shape)[i] if b.ndim <= s.ndim else b[i]
        assert bi.shape == s.shape, (path, b.shape, s.shape)
        np.testing.assert_array_equal(bi, s, err_msg=path, strict=True)


def with_trade(w: World) -> World:
    """Give the hand-made world trade data: partners are the three powers and the rest of the world; power 1
    has no mass series (inactive: it keeps the fixed tie); masses grow over the year and jump in its last month;
    state 1 exports oil through power 0's pipelines, and has signed more."""
    J = P + 1
    st = w.setup
    st.trade = types.SimpleNamespace(
        distance_km=np.array([[1000.0, 9000.0, 3000.0, 5000.0], [2000.0, 9000.0, 2500.0, 5000.0]]),
        legacy=np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]), border=np.array([[1.0, 0, 1.0, 0], [0, 0, 1.0, 0]]),
        transit=np.array([1.0, 0.0, 0.0, 0.0]), mass_reference=np.array([1.0, 10.0, 2.0, 30.0]),
        active=np.array([1.0, 0.0, 1.0, 1.0]), hydrocarbon_share=np.array([0.0, 0.5]),
        commodity_share=np.array([0.2, 0.1]))
    mass = np.tile(np.array([1.0, 10.0, 2.0, 30.0]), (T, 1)) * np.linspace(1.0, 1.5, T)[:, None]
    mass[T - 1, 2] = 6.0
    st.trade_mass = mass
    st.trade_price = np.linspace(1.0, 2.0, T)
    route = np.array([[0.0, 0.0, 0.0, 0.0], [0.8, 0.0, 0.1, 0.1]])
    signed = np.array([[0.0, 0.0, 0.0, 0.0], [0.8, 0.0, 0.6, 0.1]])
    w.runs.route = np.broadcast_to(route, w.runs.route.shape).copy()
    w.runs.route_signed = np.broadcast_to(signed, w.runs.route_signed.shape).copy()
    assert J == 4
    return w
