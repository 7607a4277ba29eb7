"""Compiled loops (numba) for the rules whose work is many tiny sums over powers, organisations and slots.

Each kernel computes exactly what the numpy loop it replaces computed: the same operations on the same
numbers in the same order, so every result is the same to the last bit, for one run (the Mesa model) and
for a batch alike. Arrays come in with a leading batch axis (length 1 for a single run) and contiguous;
the callers in sim.core.rules and sim.core.step reshape them. No kernel calls exp or log: numpy's vectorised exp
and log may differ from the C library's in the last bit, so those stay in numpy, between two kernels where a
rule needs them (the alignment step: ``row_sums``, then numpy's logistic, then ``alignment_step``).
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
def state_pulls(states, capacity, attention, operations, reach, conditionality, present, member, security_weights,
                local_threat, exposure, afghan, regime_threat, openness, economy, blame, offers, alignment,
                hostility, w):
    """The seven pulls terms[n, j, p, :] on state s = states[j] of run n toward power p, from the world's raw
    quantities, in the order of operations of sim.core.rules.alignment (security_offer, regime_support,
    regime_fear, pulls) and sim.core.rules.threats.security_threat:

      threat = local[n, s] + exposure[s] x afghan[n];  fear = (1 - openness[n, s]) x (0.5 + regime[n, s])
      bloc = 0 + member[n, s, 0] x security_weights[0, p] + ... (in order of organisations)
      offer[p] = capacity[p] x (attention[n, p] + operations[p]) x reach[p] x (1 + w[0] x min(1, present)) + bloc
      support[p] = capacity[p] x attention[n, p] x reach[p] x (1 - conditionality[p])
      presence[q] = alignment[n, s, q] + 0.5 x present[n, s, q]
      terms = (w[1] x threat x (offer - mean offer), w[2] x regime x (support - mean support),
               -w[3] x conditionality x attention x fear, w[4] x economy, -w[5] x blame, w[6] x offers,
               -w[7] x sum over q of hostility[n, q, p] x presence[q])

    alignment, present, member, economy, blame, offers (M, S, P or O); local_threat, regime_threat, openness
    (M, S); attention (1 or M, P); afghan (1 or M,); hostility (1 or M, P, P); w (8, 1 or M): base_presence_bonus
    and the seven weights. A leading axis of length 1 is shared by every run."""
    M, _, P = alignment.shape
    O = member.shape[2]
    J = states.shape[0]
    Ma, Mh, Mw = attention.shape[0], hostility.shape[0], w.shape[1]
    terms = np.empty((M, J, P, 7))
    offer = np.empty(P)
    support = np.empty(P)
    presence = np.empty(P)
    for n in range(M):
        na = n if Ma > 1 else 0
        nh = n if Mh > 1 else 0
        nw = n if Mw > 1 else 0
        for j in range(J):
            s = states[j]
            threat = local_threat[n, s] + exposure[s] * afghan[na]
            regime = regime_threat[n, s]
            fear = (1.0 - openness[n, s]) * (0.5 + regime)
            for p in range(P):
                bloc = 0.0
                for o in range(O):
                    bloc = bloc + (1.0 if member[n, s, o] else 0.0) * security_weights[o, p]
                x = present[n, s, p]
                has_base = 1.0 if 1.0 <= x else x  # noqa: FURB136 - as np.minimum(1.0, x), NaN kept
                att = attention[na, p]
                offer[p] = capacity[p] * (att + operations[p]) * reach[p] * (1.0 + w[0, nw] * has_base) + bloc
                support[p] = capacity[p] * att * reach[p] * (1.0 - conditionality[p])
                presence[p] = alignment[n, s, p] + 0.5 * x
            mean_offer = offer[0]
            mean_support = support[0]
            for p in range(1, P):
                mean_offer = mean_offer + offer[p]
                mean_support = mean_support + support[p]
            mean_offer = mean_offer / P
            mean_support = mean_support / P
            for p in range(P):
                rivals = 0.0 * presence[0]
                for q in range(P):
                    rivals = rivals + hostility[nh, q, p] * presence[q]
                terms[n, j, p, 0] = w[1, nw] * threat * (offer[p] - mean_offer)
                terms[n, j, p, 1] = w[2, nw] * regime * (support[p] - mean_support)
                terms[n, j, p, 2] = -w[3, nw] * (conditionality[p] * attention[na, p]) * fear
                terms[n, j, p, 3] = w[4, nw] * economy[n, s, p]
                terms[n, j, p, 4] = -w[5, nw] * blame[n, s, p]
                terms[n, j, p, 5] = w[6, nw] * offers[n, s, p]
                terms[n, j, p, 6] = -w[7, nw] * rivals
    return terms


@_jit
def row_sums(x):
    """out[i] = x[i, 0] + x[i, 1] + ... in order (x (E, K)): sim.core.rules.arrays.sum_last."""
    E, K = x.shape
    out = np.empty(E)
    for i in range(E):
        total = x[i, 0]
        for k in range(1, K):
            total = total + x[i, k]
        out[i] = total
    return out


@_jit
def alignment_step(alignment, terms, total, base, target, rate, noise):
    """The alignment step of sim.core.rules.alignment for E flat elements, given total = row_sums(terms),
    base = logistic(affinity) and target = logistic(affinity + total) (computed by numpy):

      slope = base x (1 - base) if |total| < 1e-12 else (target - base) / total
      parts[k] = (rate x slope) x terms[k];  inertia = rate x (base - alignment)
      raw = alignment + (parts[0] + parts[1] + ...) + inertia + noise;  new = raw clipped to [0, 1]
      drivers = (parts..., inertia, noise, new - raw)

    The clip keeps raw where it is inside or not a number, as np.clip does."""
    E, K = terms.shape
    new = np.empty(E)
    drivers = np.empty((E, K + 3))
    for i in range(E):
        b = base[i]
        t = total[i]
        if abs(t) < 1e-12:
            slope = b * (1.0 - b)
        else:
            slope = (target[i] - b) / t
        scale = rate[i] * slope
        parts = scale * terms[i, 0]
        drivers[i, 0] = parts
        for k in range(1, K):
            part = scale * terms[i, k]
            drivers[i, k] = part
            parts = parts + part
        inertia = rate[i] * (b - alignment[i])
        raw = alignment[i] + parts + inertia + noise[i]
        v = raw
        if v < 0.0:  # noqa: PLR1730 - as np.clip: -0.0 and NaN kept
            v = 0.0
        if v > 1.0:  # noqa: PLR1730
            v = 1.0
        new[i] = v
        drivers[i, K] = inertia
        drivers[i, K + 1] = noise[i]
        drivers[i, K + 2] = v - raw
    return new, drivers


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
