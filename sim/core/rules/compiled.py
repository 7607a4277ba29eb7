"""Compiled loops (numba) for the rules whose work is many tiny sums over powers, organisations and slots.

Each kernel computes exactly what the numpy loop it replaces computed: the same operations on the same
numbers in the same order, so every result is the same to the last bit, for one run (the Mesa model) and
for a batch alike. Arrays come in with a leading batch axis (length 1 for a single run) and contiguous;
the callers in sim.core.rules and sim.core.step reach them through sim.core.rules.kernels, which uses
these loops once they pay for numba's start and its numpy twins before. No kernel calls exp or log:
numpy's vectorised exp and log may differ from the C library's in the last bit, so those stay in numpy.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.core.rng import (  # the generator's own keys (sim.core.rng)
    _GOLDEN,
    _K_AGENT,
    _K_MONTH,
    _K_STREAM,
    _M1,
    _M2,
)

_jit = numba.njit(cache=True, nogil=True)


@_jit
def toward_rivals(x, rivals):
    """out[n, p] = ((0 x x[n, 0] + rivals[p, 0] x x[n, 0]) + rivals[p, 1] x x[n, 1]) + ... (x (M, P))."""
    M, P = x.shape
    out = np.zeros((M, P))
    for n in range(M):
        for p in range(P):
            total = 0.0 * x[n, 0]
            for q in range(P):
                total = total + rivals[p, q] * x[n, q]
            out[n, p] = total
    return out


@_jit
def rival_pressure(presence, hostility):
    """out[n, p] = sum over q, in order, of hostility[n, q, p] x presence[n, q] (presence (M, P))."""
    M, P = presence.shape
    out = np.zeros((M, P))
    for n in range(M):
        for p in range(P):
            total = 0.0 * presence[n, 0]
            for q in range(P):
                total = total + hostility[n, q, p] * presence[n, q]
            out[n, p] = total
    return out


@_jit
def bloc_hostility(member, led, hostility):
    """veto[n, s, p] = max(0, bloc[q] x H[n, q, p] over q in order), bloc[q] = any org o with member & led[o, q].

    member (M, S, O) bool; led (O, P) bool; hostility (M, P, P)."""
    M, S, O = member.shape
    P = led.shape[1]
    veto = np.zeros((M, S, P))
    bloc = np.zeros(P, dtype=np.bool_)
    for n in range(M):
        for s in range(S):
            for q in range(P):
                b = False
                for o in range(O):
                    b = b | (member[n, s, o] & led[o, q])
                bloc[q] = b
            for p in range(P):
                v = 0.0
                for q in range(P):
                    c = (1.0 if bloc[q] else 0.0) * hostility[n, q, p]
                    v = v if v >= c else c  # noqa: FURB136 - as np.maximum(v, c) keeps v on ties
                veto[n, s, p] = v
    return veto


@_jit
def bloc_conflict(member, clash):
    """out[n, o] = sum over the other organisations, in order, of member[n, other] x clash[o, other]
    (member (M, O) bool)."""
    M, O = member.shape
    out = np.zeros((M, O))
    for n in range(M):
        for o in range(O):
            total = 0.0 * out[n, o]
            for other in range(O):
                if other == o:
                    continue
                total = total + (1.0 if member[n, other] else 0.0) * clash[o, other]
            out[n, o] = total
    return out


@_jit
def patron_weights(member, positive_weights, first_weights):
    """out[n, p] = 0 x first_weights[p] + sum over o, in order, of member[n, o] x positive_weights[o, p]
    (member (M, O) bool)."""
    M, O = member.shape
    P = positive_weights.shape[1]
    out = np.zeros((M, P))
    for n in range(M):
        m0 = 1.0 if member[n, 0] else 0.0
        for p in range(P):
            total = 0.0 * m0 * first_weights[p]
            for o in range(O):
                total = total + (1.0 if member[n, o] else 0.0) * positive_weights[o, p]
            out[n, p] = total
    return out


@_jit
def clients(member, led, base_open):
    """out[n, p] = sum over states s, in order, of (sum over o of member[n, s, o] x led[o, p]) then
    + base_open[n, s, p], accumulated as one running total (member (M, S, O) bool)."""
    M, S, O = member.shape
    P = led.shape[1]
    out = np.zeros((M, P))
    for n in range(M):
        for p in range(P):
            total = 0.0 * base_open[n, 0, p]
            for s in range(S):
                for o in range(O):
                    total = total + (1.0 if member[n, s, o] else 0.0) * led[o, p]
                total = total + base_open[n, s, p]
            out[n, p] = total
    return out


@_jit
def bases_present(status, slot_k, slot_state, slot_power, open_code, S, P):
    """out[n, s, p] = number of the base slots of power p in state s that are open (status (M, K))."""
    M = status.shape[0]
    out = np.zeros((M, S, P))
    for n in range(M):
        for j in range(slot_k.shape[0]):
            if status[n, slot_k[j]] == open_code:
                out[n, slot_state[j], slot_power[j]] += 1.0
    return out




@_jit
def _mix(x):
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@_jit
def random_bits(s, m, a, k):
    """SplitMix64 of the four keys (sim.core.rng.random_bits), for flat uint64 arrays of one length."""
    out = np.empty(s.shape[0], dtype=np.uint64)
    for i in range(s.shape[0]):
        x = _mix(s[i] * _GOLDEN + _GOLDEN)
        x = _mix(x ^ (m[i] * _K_MONTH + _GOLDEN))
        x = _mix(x ^ (a[i] * _K_AGENT + _GOLDEN))
        out[i] = _mix(x ^ (k[i] * _K_STREAM + _GOLDEN))
    return out
