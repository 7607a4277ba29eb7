"""The kernels (sim/core/rules/kernels.py), compiled (numba) and as their numpy twins, give the same bits as the
numpy loops they replaced, for one run and for batches, on random inputs (the numpy loops are restated here
as the reference); the two forms agree with each other on awkward numbers too (NaN, infinities, -0.0), and a
whole replay is the same to the bit whichever form runs."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from sim.core import rng
from sim.core.rules import alignment as al
from sim.core.rules import compiled, kernels
from sim.core.rules import decisions as dc
from sim.core.rules import policy as pl
from sim.core.rules import powers as pw


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


def _bloc_hostility(member, org_security, org_weights, hostility):
    led = (org_security[:, None] > 0) & (org_weights >= 0.5)
    bloc = np.zeros(member.shape[:-1] + (org_weights.shape[1],), dtype=bool)
    for o in range(member.shape[-1]):
        bloc = bloc | (member[..., o:o + 1] & led[o])
    P = bloc.shape[-1]
    veto = np.zeros(np.broadcast_shapes(bloc.shape, hostility.shape[:-1]))
    for p in range(P):
        for q in range(P):
            veto[..., p] = np.maximum(veto[..., p], bloc[..., q] * hostility[..., q, p])
    return veto


def _bloc_conflict(member, org_security, org_weights):
    O, P = org_weights.shape
    led = ((org_security[:, None] > 0) & (org_weights > 0.5)).astype(float)
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


KINDS = ["numpy", "compiled"]


@pytest.fixture(params=KINDS)
def kind(request):
    with kernels.forced(request.param):
        yield request.param


@pytest.mark.parametrize("lead", [(), (1,), (7,)])
def test_kernels_match_the_numpy_loops(lead, kind):
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
    _same(dc.bloc_hostility(member, security, weights, hostility[..., None, :, :]),
          _bloc_hostility(member, security, weights, hostility[..., None, :, :]))
    _same(dc.bloc_conflict(member, security, weights), _bloc_conflict(member, security, weights))
    _same(pl.patron_weights(member, weights), _patron_weights(member, weights))
    _same(pl.clients(member, weights, base_open), _clients(member, weights, base_open))


def test_random_bits_kernel_matches_numpy_mixing(kind):
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


def _awkward(g, shape):
    """Random numbers with NaN, infinities, zeros of both signs and ties sprinkled in."""
    x = g.normal(size=shape)
    pick = g.random(shape)
    x[pick < 0.05] = np.nan
    x[(pick >= 0.05) & (pick < 0.1)] = np.inf
    x[(pick >= 0.1) & (pick < 0.15)] = -np.inf
    x[(pick >= 0.15) & (pick < 0.25)] = -0.0
    x[(pick >= 0.25) & (pick < 0.35)] = 0.0
    x[(pick >= 0.35) & (pick < 0.45)] = 0.5
    return x


@pytest.mark.parametrize("M", [0, 1, 9, 300])
def test_numpy_twins_match_the_compiled_loops_bit_for_bit(M):
    g = np.random.default_rng(M)
    S, P, O, K = 5, 3, 6, 11
    member = g.random((M, S, O)) > 0.5
    calls = {
        "toward_rivals": (_awkward(g, (M, P)), _awkward(g, (P, P))),
        "rival_pressure": (_awkward(g, (M, P)), _awkward(g, (M, P, P))),
        "bloc_hostility": (member, g.random((O, P)) > 0.5, _awkward(g, (M, P, P))),
        "bloc_conflict": (member[:, 0], _awkward(g, (O, O))),
        "patron_weights": (member[:, 0], _awkward(g, (O, P)), _awkward(g, (P,))),
        "clients": (member, _awkward(g, (O, P)), _awkward(g, (M, S, P))),
        "bases_present": (g.integers(0, 4, size=(M, K)), g.permutation(K)[:8], g.integers(0, S, 8),
                          g.integers(0, P, 8), 2, S, P),
        "random_bits": tuple(g.integers(0, 2**63, size=M * 4, dtype=np.uint64) * np.uint64(3) for _ in range(4)),
    }
    for name, args in calls.items():
        with kernels.forced("numpy"), np.errstate(all="ignore"):
            twin = getattr(kernels, name)(*args)
        _same_or_nan(twin, getattr(compiled, name)(*args))


def _same_or_nan(a, b):
    """The same bits, but that a NaN may carry either sign (numpy's vector loops and the compiled loop can
    differ there; a NaN in the model's state stops the run, sim.core.world_checks)."""
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        assert (nan == np.isnan(b)).all()
        a, b = np.where(nan, 0.0, a), np.where(nan, 0.0, b)
    assert a.tobytes() == b.tobytes()


def test_the_compiled_loops_start_once_they_pay(monkeypatch):
    monkeypatch.setitem(kernels._choice, "compiled", False)
    monkeypatch.setitem(kernels._choice, "calls", 0)
    small = np.zeros((1, 3))
    kernels.toward_rivals(small, np.eye(3))
    assert not kernels._choice["compiled"]  # one run: the numpy twins
    kernels.toward_rivals(np.zeros((kernels.COMPILED_ROWS, 3)), np.eye(3))
    assert kernels._choice["compiled"]  # a batch: the compiled loops, from then on
    monkeypatch.setitem(kernels._choice, "compiled", False)
    monkeypatch.setitem(kernels._choice, "calls", kernels.NUMPY_CALLS)
    kernels.toward_rivals(small, np.eye(3))
    assert kernels._choice["compiled"]  # many calls: the compiled loops
    with pytest.raises(ValueError, match="unknown kind"), kernels.forced("fast"):
        pass


def test_a_replay_is_the_same_to_the_bit_with_either_form():
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario import load_scenario

    sc = load_scenario("scenarios/replay_1999_2008.yaml")
    ends = {}
    for kind in KINDS:
        with kernels.forced(kind):
            eng = BatchEngine(sc, [make_params(sc.spec.parameters)] * 2, [3, 4])
            eng.run()
        ends[kind] = eng.world.runs
    for f in fields(ends["numpy"]):
        _same(getattr(ends["numpy"], f.name), getattr(ends["compiled"], f.name))
