"""The rules' tiny sums over powers, organisations and slots, each written twice: as a compiled loop
(sim.core.rules.compiled, numba) and here over whole arrays with numpy (its twin).

Both forms do the same floating-point operations on the same numbers in the same order (a running total
starts from 0 x the first term and adds the terms one by one; a largest value keeps the earlier one on a
tie), so they give the same result to the last bit; tests/test_kernels.py checks every pair. Which one
runs changes no number, only the time:

- numba's start costs about half a second of CPU once per process (importing it and loading the cached
  machine code), while a single replay spends about 0.01 s in these sums compiled and about 0.05 s more
  with the twins (some tens of microseconds a call). So a process uses the twins until the compiled
  loops pay: from its first call on ``COMPILED_ROWS`` rows or more (a batch of about ten runs or more), or
  once it has made ``NUMPY_CALLS`` calls (by then the twins' extra cost is about what numba's start
  costs); from then on, always the compiled loops.
- ``forced("numpy")`` or ``forced("compiled")`` fixes the choice for a block (tests, benchmarks).

Arrays come in with a leading batch axis (length 1 for a single run) and contiguous; the callers in
sim.core.rules and sim.core.step reshape them.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from sim.core.rng import _mix  # SplitMix64's finaliser over uint64 arrays, as the compiled loop mixes

COMPILED_ROWS = 256  # a call on this many rows or more (a batch of about ten runs or more) switches to the compiled loops
NUMPY_CALLS = 10_000  # ... and so does this many calls made with the twins (their extra cost is then about
# what numba's start costs: one Mesa replay makes about 7,000 calls, one batch replay about 2,900)

_choice = {"compiled": False, "forced": None, "calls": 0}


def _use_compiled(rows: int) -> bool:
    """Whether this call runs the compiled loop (see the module's docstring)."""
    forced = _choice["forced"]
    if forced is not None:
        return forced == "compiled"
    if _choice["compiled"]:
        return True
    _choice["calls"] += 1
    if rows >= COMPILED_ROWS or _choice["calls"] > NUMPY_CALLS:
        _choice["compiled"] = True
    return _choice["compiled"]


def _compiled():
    from sim.core.rules import compiled

    return compiled


@contextmanager
def forced(kind: str | None):
    """Within the block, every kernel runs as ``kind``: "numpy" (the twins), "compiled" (the numba loops)
    or None (the automatic choice)."""
    if kind not in ("numpy", "compiled", None):
        raise ValueError(f"unknown kind of kernel {kind!r}; expected 'numpy', 'compiled' or None")
    before = _choice["forced"]
    _choice["forced"] = kind
    try:
        yield
    finally:
        _choice["forced"] = before


def toward_rivals(x, rivals):
    """out[n, p] = ((0 x x[n, 0] + rivals[p, 0] x x[n, 0]) + rivals[p, 1] x x[n, 1]) + ... (x (M, P))."""
    if _use_compiled(x.shape[0]):
        return _compiled().toward_rivals(x, rivals)
    M, P = x.shape
    out = np.zeros((M, P))
    for p in range(P):
        total = 0.0 * x[:, 0]
        for q in range(P):
            total = total + rivals[p, q] * x[:, q]
        out[:, p] = total
    return out


def rival_pressure(presence, hostility):
    """out[n, p] = sum over q, in order, of hostility[n, q, p] x presence[n, q] (presence (M, P))."""
    if _use_compiled(presence.shape[0]):
        return _compiled().rival_pressure(presence, hostility)
    M, P = presence.shape
    out = np.zeros((M, P))
    for p in range(P):
        total = 0.0 * presence[:, 0]
        for q in range(P):
            total = total + hostility[:, q, p] * presence[:, q]
        out[:, p] = total
    return out


def bloc_hostility(member, led, hostility):
    """veto[n, s, p] = max(0, bloc[q] x H[n, q, p] over q in order), bloc[q] = any org o with member & led[o, q].

    member (M, S, O) bool; led (O, P) bool; hostility (M, P, P)."""
    if _use_compiled(member.shape[0]):
        return _compiled().bloc_hostility(member, led, hostility)
    M, S, O = member.shape
    P = led.shape[1]
    bloc = np.zeros((M, S, P), dtype=bool)
    for o in range(O):
        bloc = bloc | (member[:, :, o, None] & led[o])
    on = np.where(bloc, 1.0, 0.0)
    veto = np.zeros((M, S, P))
    for p in range(P):
        v = np.zeros((M, S))
        for q in range(P):
            c = on[:, :, q] * hostility[:, None, q, p]
            v = np.where(v >= c, v, c)  # as the loop's `v if v >= c else c` (NaN included)
        veto[:, :, p] = v
    return veto


def bloc_conflict(member, clash):
    """out[n, o] = sum over the other organisations, in order, of member[n, other] x clash[o, other]
    (member (M, O) bool)."""
    if _use_compiled(member.shape[0]):
        return _compiled().bloc_conflict(member, clash)
    M, O = member.shape
    on = np.where(member, 1.0, 0.0)
    out = np.zeros((M, O))
    for o in range(O):
        total = np.zeros(M)  # 0 x out[n, o], which is 0
        for other in range(O):
            if other == o:
                continue
            total = total + on[:, other] * clash[o, other]
        out[:, o] = total
    return out


def patron_weights(member, positive_weights, first_weights):
    """out[n, p] = 0 x first_weights[p] + sum over o, in order, of member[n, o] x positive_weights[o, p]
    (member (M, O) bool)."""
    if _use_compiled(member.shape[0]):
        return _compiled().patron_weights(member, positive_weights, first_weights)
    M, O = member.shape
    P = positive_weights.shape[1]
    on = np.where(member, 1.0, 0.0)
    out = np.zeros((M, P))
    for p in range(P):
        total = 0.0 * on[:, 0] * first_weights[p]
        for o in range(O):
            total = total + on[:, o] * positive_weights[o, p]
        out[:, p] = total
    return out


def clients(member, led, base_open):
    """out[n, p] = sum over states s, in order, of (sum over o of member[n, s, o] x led[o, p]) then
    + base_open[n, s, p], accumulated as one running total (member (M, S, O) bool)."""
    if _use_compiled(member.shape[0]):
        return _compiled().clients(member, led, base_open)
    M, S, O = member.shape
    P = led.shape[1]
    on = np.where(member, 1.0, 0.0)
    out = np.zeros((M, P))
    for p in range(P):
        total = 0.0 * base_open[:, 0, p]
        for s in range(S):
            for o in range(O):
                total = total + on[:, s, o] * led[o, p]
            total = total + base_open[:, s, p]
        out[:, p] = total
    return out


def bases_present(status, slot_k, slot_state, slot_power, open_code, S, P):
    """out[n, s, p] = number of the base slots of power p in state s that are open (status (M, K))."""
    M = status.shape[0]
    if _use_compiled(M):
        return _compiled().bases_present(status, slot_k, slot_state, slot_power, open_code, S, P)
    out = np.zeros((M, S * P))
    # whole numbers (counts): adding them in any order gives the same sum
    np.add.at(out, (slice(None), np.asarray(slot_state) * P + np.asarray(slot_power)),
              np.where(status[:, slot_k] == open_code, 1.0, 0.0))
    return out.reshape(M, S, P)


def random_bits(s, m, a, k):
    """SplitMix64 of the four keys (sim.core.rng.random_bits), for flat uint64 arrays of one length."""
    if _use_compiled(s.shape[0]):
        return _compiled().random_bits(s, m, a, k)
    from sim.core.rng import _GOLDEN, _K_AGENT, _K_MONTH, _K_STREAM

    with np.errstate(over="ignore"):
        x = _mix(s * _GOLDEN + _GOLDEN)
        x = _mix(x ^ (m * _K_MONTH + _GOLDEN))
        x = _mix(x ^ (a * _K_AGENT + _GOLDEN))
        return _mix(x ^ (k * _K_STREAM + _GOLDEN))
