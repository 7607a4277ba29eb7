"""Compiled loops (numba) for the month's noise draw, its trade shares, the powers' phase and the check that
every number is finite: the parts of the month step that were numpy statements on tiny arrays.

As in sim.core.rules.kernels, each kernel does the same floating-point operations in the same order as the
numpy statement of the rule it serves (sim.core.rng.normal, sim.core.rules.trade.month_shares,
sim.core.rules.powers), so every result is the same to the last bit; tests/test_kernels_month.py compares
them on random inputs. Arrays come with a leading run axis (length 1 for a single run, or for a parameter
every run shares). No kernel calls exp, log, log1p or cos: numpy's vectorised versions may differ from the
C library's in the last bit, so those stay in numpy, between two kernels. Square roots, sums, products and
quotients are correctly rounded in both. Like every kernel made by ``_jit``, they run as Python or compiled
with numpy's error model (a float divided by zero gives inf or NaN either way; tests/test_kernel_modes.py).
"""

from __future__ import annotations

import numpy as np

from sim.core.rng import _GOLDEN, _K_AGENT, _K_MONTH, _K_STREAM
from sim.core.rules.kernels import _jit, _mix

_TWO_PI = 2.0 * np.pi  # as numpy evaluates ``2.0 * np.pi * u``: the constant first


@_jit
def _bits(s, m, a, k):
    """SplitMix64 of the four keys, as sim.core.rules.kernels.random_bits for one element."""
    x = _mix(s * _GOLDEN + _GOLDEN)
    x = _mix(x ^ (m * _K_MONTH + _GOLDEN))
    x = _mix(x ^ (a * _K_AGENT + _GOLDEN))
    return _mix(x ^ (k * _K_STREAM + _GOLDEN))


@_jit
def box_muller_angles(seed, agent, month, stream1, stream2):
    """The two uniform draws of the Box-Muller transform (sim.core.rng.normal), already turned into the
    arguments numpy's log1p and cos take: -u1 and 2 pi x u2, where u = (bits >> 11) x 2^-53 are the uniforms
    of streams stream1 and stream2 (seed, agent flat uint64 arrays of one length; month, stream scalars)."""
    E = seed.shape[0]
    minus_u1 = np.empty(E)
    angle = np.empty(E)
    m = np.uint64(month)
    k1 = np.uint64(stream1)
    k2 = np.uint64(stream2)
    scale = 2.0**-53
    for i in range(E):
        b1 = _bits(seed[i], m, agent[i], k1) >> np.uint64(11)
        b2 = _bits(seed[i], m, agent[i], k2) >> np.uint64(11)
        minus_u1[i] = -(float(b1) * scale)
        angle[i] = _TWO_PI * (float(b2) * scale)
    return minus_u1, angle


@_jit
def box_muller_radius(log_term, cos_term):
    """z = sqrt(-2 x log1p(-u1)) x cos(2 pi u2), given numpy's log1p(-u1) and cos(2 pi u2)."""
    E = log_term.shape[0]
    out = np.empty(E)
    for i in range(E):
        out[i] = np.sqrt(-2.0 * log_term[i]) * cos_term[i]
    return out


@_jit
def gravity_exponent(ref, growth, distance_km, legacy, border, w):
    """exponent[n, s, j] = a x ref[j] + g x growth[j] - b x (distance_km[s, j] / 1000) + lw x legacy[s, j]
    + bw x border[s, j], with w (5, 1 or M) = mass_elasticity a, growth_elasticity g, distance_decay b,
    legacy_weight lw, border_weight bw (sim.core.rules.trade.gravity_weights before its exp)."""
    M = w.shape[1]
    S, J = distance_km.shape
    out = np.empty((M, S, J))
    for n in range(M):
        a, g, b, lw, bw = w[0, n], w[1, n], w[2, n], w[3, n], w[4, n]
        for s in range(S):
            for j in range(J):
                out[n, s, j] = (a * ref[j] + g * growth[j] - b * (distance_km[s, j] / 1000.0)
                                + lw * legacy[s, j] + bw * border[s, j])
    return out


@_jit
def trade_month(weights, active, route, route_signed, transit, hydro, commodity, q, fixed_tie, w):
    """The month's trade shares, ties and routes (sim.core.rules.trade.month_shares, then the step's
    choice of the file's fixed tie for a power without a mass series, then route_next), given the gravity
    weights exp(exponent) and q = price_ratio ^ oil_value_elasticity (both computed by numpy):

      gravity = normalise(weights x active);  energy = normalise(max(route, 0))
      passed[j] = energy[j] x (transit_share x transit[j]);  kept = energy - passed
      buyers = kept, with the rest of the world (the last partner) + (passed[0] + passed[1] + ...)
      oil = h x q;  total = oil + c + (1 - h - c);  x_h = oil / total;  x_c = c / total
      ordinary = (1 - x_h - x_c) x gravity;  energy_part = x_h x buyers
      trade = ordinary + energy_part, the rest of the world + (0 if any buyer share else x_h) + x_c
      tie = (1 - x_h) x trade + x_h x energy
      tie_p, share_p = tie, trade of power p if active[p] > 0, else fixed_tie;  route_next = route + rate x
      (route_signed - route)

    normalise(x) divides each row by its sum (x[0] + x[1] + ... in order) when the sum is positive, else
    gives 0. weights, route, route_signed (M, S, J) (weights may be (1, S, J) for all runs); q (1 or M,);
    w (2, 1 or M) = transit_share, route_rate. Returns tie, share (M, S, P) and route (M, S, J)."""
    M, S, J = route.shape
    P = fixed_tie.shape[1]
    Mg, Mq, Mw = weights.shape[0], q.shape[0], w.shape[1]
    tie = np.empty((M, S, P))
    share = np.empty((M, S, P))
    route_next = np.empty((M, S, J))
    grav = np.empty(J)
    energy = np.empty(J)
    buyers = np.empty(J)
    for n in range(M):
        ng = n if Mg > 1 else 0
        qn = q[n if Mq > 1 else 0]
        ts = w[0, n if Mw > 1 else 0]
        rate = w[1, n if Mw > 1 else 0]
        for s in range(S):
            total = 0.0
            for j in range(J):
                grav[j] = weights[ng, s, j] * active[j]
                total = grav[j] if j == 0 else total + grav[j]
            for j in range(J):
                grav[j] = grav[j] / (total if total > 0.0 else 1.0) if total > 0.0 else 0.0
            rtotal = 0.0
            for j in range(J):
                x = route[n, s, j]
                energy[j] = 0.0 if x < 0.0 else x  # noqa: FURB136 - as np.maximum(x, 0.0): NaN and -0.0 kept
                rtotal = energy[j] if j == 0 else rtotal + energy[j]
            for j in range(J):
                energy[j] = energy[j] / (rtotal if rtotal > 0.0 else 1.0) if rtotal > 0.0 else 0.0
            onward = 0.0
            for j in range(J):
                passed = energy[j] * (ts * transit[j])
                buyers[j] = energy[j] - passed
                onward = passed if j == 0 else onward + passed
            buyers[J - 1] = buyers[J - 1] + onward
            btotal = buyers[0]
            for j in range(1, J):
                btotal = btotal + buyers[j]
            oil = hydro[s] * qn
            denominator = oil + commodity[s] + (1.0 - hydro[s] - commodity[s])
            x_h = oil / denominator
            x_c = commodity[s] / denominator
            unrouted = (0.0 if btotal > 0.0 else x_h) + x_c
            for j in range(J):
                ordinary = (1.0 - x_h - x_c) * grav[j]
                trade = ordinary + x_h * buyers[j]
                if j == J - 1:
                    trade = trade + unrouted
                if j < P:
                    if active[j] > 0.0:
                        tie[n, s, j] = (1.0 - x_h) * trade + x_h * energy[j]
                        share[n, s, j] = trade
                    else:
                        tie[n, s, j] = fixed_tie[s, j]
                        share[n, s, j] = fixed_tie[s, j]
                x = route[n, s, j]
                route_next[n, s, j] = x + rate * (route_signed[n, s, j] - x)
    return tie, share, route_next


_EXPONENT = np.uint64(0x7FF0000000000000)  # the exponent bits of a float64: all set for NaN and the infinities


@_jit
def all_finite(bits):
    """True when every float64 of x is finite (np.isfinite(x).all()), given its bits x.view(np.uint64): a
    float is NaN or infinite exactly when all its exponent bits are set. (Integer operations, no early exit,
    so the loop runs in vector registers.)"""
    top = np.uint64(0)
    for i in range(bits.shape[0]):
        e = bits[i] & _EXPONENT
        top = max(top, e)
    return top != _EXPONENT


@_jit
def route_shares(route, P):
    """The energy-export shares toward the powers (M, S, P) (sim.core.rules.trade.route_shares: each route's
    max(route, 0) over the row's sum, in order, when that is positive, else 0), route (M, S, J)."""
    M, S, J = route.shape
    out = np.empty((M, S, P))
    for n in range(M):
        for s in range(S):
            total = 0.0
            for j in range(J):
                x = route[n, s, j]
                x = 0.0 if x < 0.0 else x  # noqa: FURB136 - as np.maximum(x, 0.0)
                total = x if j == 0 else total + x
            for p in range(P):
                x = route[n, s, p]
                x = 0.0 if x < 0.0 else x  # noqa: FURB136
                out[n, s, p] = x / (total if total > 0.0 else 1.0) if total > 0.0 else 0.0
    return out


@_jit
def state_stocks(local_threat, regime_threat, openness, blame, offers, attention, stance, aid_share, effort,
                 capacity, reach, conditionality, w):
    """The states' stocks one month on (sim.core.step.state_phase; sim.core.rules.threats, economy):

      local_threat x security_decay;  blame x blame_decay
      regime_threat x regime_decay + democracy_pressure x (conditionality[0] x attention[0] + ...) x (1 - openness)
      offers x offers_decay + effort_rate x effort[stance[p]] x capacity[p] x attention[p] x reach[p] x aid_share

    local_threat, regime_threat, openness (M, S); blame, offers, aid_share (M, S, P); attention, stance (M, P);
    w (6, 1 or M) = security_decay, regime_decay, democracy_pressure, blame_decay, offers_decay, effort_rate."""
    M, S, P = offers.shape
    Mw = w.shape[1]
    new_local = np.empty((M, S))
    new_regime = np.empty((M, S))
    new_blame = np.empty((M, S, P))
    new_offers = np.empty((M, S, P))
    inflow = np.empty(P)
    for n in range(M):
        nw = n if Mw > 1 else 0
        pressure = conditionality[0] * attention[n, 0]
        for p in range(1, P):
            pressure = pressure + conditionality[p] * attention[n, p]
        for p in range(P):
            inflow[p] = w[5, nw] * effort[stance[n, p]] * capacity[p] * attention[n, p] * reach[p]
        for s in range(S):
            new_local[n, s] = local_threat[n, s] * w[0, nw]
            new_regime[n, s] = regime_threat[n, s] * w[1, nw] + w[2, nw] * pressure * (1.0 - openness[n, s])
            for p in range(P):
                new_blame[n, s, p] = blame[n, s, p] * w[3, nw]
                new_offers[n, s, p] = offers[n, s, p] * w[4, nw] + inflow[p] * aid_share[n, s, p]
    return new_local, new_regime, new_blame, new_offers


@_jit
def power_month(present, rivals, operations, distraction, conditionality, base_attention, exposure, bonus,
                own_threat, encroachment, attention, clients_before, clients_now, stance, stance_months, afghan,
                tolerance, w):
    """Every power's month (sim.core.step.power_phase for all powers, in its order of operations), given
    the tolerance (numpy's exp and log) and this month's clients (sim.core.rules.policy.clients):

      bases[p] = present[0, p] + present[1, p] + ...;  rival_bases, rival_ops, promotion, wars = the sums over
      p's rivals (0 x x[0] + rivals[p, 0] x x[0] + ...) of bases, operations, conditionality x attention and
      distraction;  felt = own_threat + exposure x afghan
      proposal = integrate if rival_bases + rival_ops < 0.5, else cooperate if cooperation_weight x felt x
      min(1, rival_ops) + tolerance >= encroachment + presence_weight x rival_bases, else counterbalance
      stance changes to the proposal when it differs and months >= dwell (months restart at 0, else count on)
      attention += attention_rate x (max(0, base_attention + gain x felt + war_attention x operations
      + bonus[old stance] - distraction) - attention);  own_threat x own_threat_decay
      encroachment x encroachment_decay + promotion_encroachment x promotion x (1 - conditionality)
      + war_encroachment x wars x (1 - conditionality) + client_loss x max(0, clients_before - clients_now)

    present (M, S, P); own_threat, encroachment, attention, clients_*, stance, stance_months (M, P); afghan (M,);
    tolerance (1 or M, P); w (11, 1 or M) = presence_weight, cooperation_weight, stance_dwell,
    threat_attention_gain, attention_rate, own_threat_decay, encroachment_decay, promotion_encroachment,
    war_encroachment, client_loss, war_attention. Returns attention, stance, stance_months, own_threat, encroachment (M, P)."""
    M, S, P = present.shape
    Mt, Mw = tolerance.shape[0], w.shape[1]
    new_attention = np.empty((M, P))
    new_stance = np.empty((M, P), dtype=np.int64)
    new_months = np.empty((M, P), dtype=np.int64)
    new_threat = np.empty((M, P))
    new_encroachment = np.empty((M, P))
    bases = np.empty(P)
    rival_ops = np.empty(P)
    wars = np.empty(P)
    for p in range(P):
        ops = 0.0 * operations[0]
        war = 0.0 * distraction[0]
        for q in range(P):
            ops = ops + rivals[p, q] * operations[q]
            war = war + rivals[p, q] * distraction[q]
        rival_ops[p] = ops
        wars[p] = war
    for n in range(M):
        nt = n if Mt > 1 else 0
        nw = n if Mw > 1 else 0
        for p in range(P):
            total = present[n, 0, p]
            for s in range(1, S):
                total = total + present[n, s, p]
            bases[p] = total
        for p in range(P):
            rival_bases = 0.0 * bases[0]
            promotion = 0.0 * (conditionality[0] * attention[n, 0])
            for q in range(P):
                rival_bases = rival_bases + rivals[p, q] * bases[q]
                promotion = promotion + rivals[p, q] * (conditionality[q] * attention[n, q])
            felt = own_threat[n, p] + exposure[p] * afghan[n]
            x = rival_ops[p]
            fighting = 1.0 if 1.0 <= x else x  # noqa: FURB136 - as np.minimum(1.0, x), NaN kept
            cooperate = w[1, nw] * (felt * fighting) + tolerance[nt, p] >= encroachment[n, p] + w[0, nw] * rival_bases
            if rival_bases + x < 0.5:
                proposal = 0
            elif cooperate:
                proposal = 1
            else:
                proposal = 2
            old = stance[n, p]
            change = proposal != old and stance_months[n, p] >= w[2, nw]
            new_stance[n, p] = proposal if change else old
            new_months[n, p] = 0 if change else stance_months[n, p] + 1
            target = base_attention[p] + w[3, nw] * felt + w[10, nw] * operations[p] + bonus[old] - distraction[p]
            target = 0.0 if target <= 0.0 else target  # noqa: FURB136 - as np.maximum(0.0, x): NaN kept, 0.0 on a tie
            new_attention[n, p] = attention[n, p] + w[4, nw] * (target - attention[n, p])
            new_threat[n, p] = own_threat[n, p] * w[5, nw]
            lost = clients_before[n, p] - clients_now[n, p]
            lost = 0.0 if lost <= 0.0 else lost  # noqa: FURB136 - as np.maximum(0.0, x)
            new_encroachment[n, p] = (encroachment[n, p] * w[6, nw]
                                      + w[7, nw] * promotion * (1.0 - conditionality[p])
                                      + w[8, nw] * wars[p] * (1.0 - conditionality[p]) + w[9, nw] * lost)
    return new_attention, new_stance, new_months, new_threat, new_encroachment


@_jit
def add_deal_routes(route_signed, opened, closed, js, states, powers, values):
    """The routes' capacity signed, changed in place by the month's deals, one deal after the other
    (sim.core.step.commit_decisions): for deal j = js[i] of state states[i] toward power powers[i],

      route_signed[n, s, p] = route_signed[n, s, p] + values[i] x (opened[n, j] - closed[n, j])

    with the flags as 1.0 or 0.0. route_signed (M, S, J); opened, closed (M, number of slots decided)."""
    M = route_signed.shape[0]
    for n in range(M):
        for i in range(js.shape[0]):
            j = js[i]
            o = 1.0 if opened[n, j] else 0.0
            c = 1.0 if closed[n, j] else 0.0
            s, p = states[i], powers[i]
            route_signed[n, s, p] = route_signed[n, s, p] + values[i] * (o - c)
