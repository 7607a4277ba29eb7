"""Decisions: states join and leave organisations, grant and close bases, sign and end deals.

Every decision compares a utility with two thresholds (hysteresis): a state joins when the utility rises
above the upper one and leaves only when it falls below the lower one, and never reverses a decision it
took less than ``dwell`` months ago. Nothing flips month to month.
"""

from __future__ import annotations

import numpy as np

from sim.core.world import CLOSED, OPEN, PENDING, REFUSED


def membership_utility(alignment, weights, bias, neutrality, neutrality_weight):
    """Appeal of each organisation (..., O): bias + sum over powers of patron weight x alignment - neutrality.

    alignment (..., P); weights (O, P); bias (O,).
    """
    u = bias + 0.0 * alignment[..., :1]
    for p in range(weights.shape[1]):
        u = u + weights[:, p] * alignment[..., p:p + 1]
    return u - neutrality_weight * neutrality[..., None]


def membership_next(member, months, utility, active, join_threshold, leave_threshold, dwell):
    """Join above join_threshold, leave below leave_threshold (or when the organisation ends)."""
    settled = months >= dwell
    join = ~member & active & (utility > join_threshold) & settled
    leave = member & (~active | ((utility < leave_threshold) & settled))
    changed = join | leave
    return member ^ changed, np.where(changed, 0, months + 1), join, leave


def bloc_hostility(member, org_security, org_weights, hostility):
    """For each power p, the hostility toward p of the patrons of the security blocs the state belongs to.

    bloc[q] = 1 when the state is in a bloc with a security role led (weight >= 0.5) by q;
    veto[p] = the largest bloc[q] x H[q, p] over the patrons q (H: hostility matrix, q toward p).
    """
    from sim.core.rules import kernels

    led = (org_security[:, None] > 0) & (org_weights >= 0.5)  # (O, P)
    if member.ndim >= 2 and hostility.ndim >= 3 and hostility.shape[-3] == 1 and member.dtype == bool:
        # member (..., S, O), hostility (..., 1, P, P): one matrix per run for all its states
        S, O = member.shape[-2:]
        P = org_weights.shape[1]
        lead = np.broadcast_shapes(member.shape[:-2], hostility.shape[:-3])
        m = np.ascontiguousarray(np.broadcast_to(member, lead + (S, O))).reshape(-1, S, O)
        h = np.ascontiguousarray(np.broadcast_to(np.asarray(hostility, dtype=np.float64)[..., 0, :, :],
                                                 lead + (P, P))).reshape(-1, P, P)
        return kernels.bloc_hostility(m, np.ascontiguousarray(led), h).reshape(lead + (S, P))
    bloc = np.zeros(member.shape[:-1] + (org_weights.shape[1],), dtype=bool)
    for o in range(member.shape[-1]):
        bloc = bloc | (member[..., o:o + 1] & led[o])
    P = bloc.shape[-1]
    veto = np.zeros(np.broadcast_shapes(bloc.shape, hostility.shape[:-1]))
    for p in range(P):
        for q in range(P):
            veto[..., p] = np.maximum(veto[..., p], bloc[..., q] * hostility[..., q, p])
    return veto


def base_utility(alignment, neutrality, veto, neutrality_weight, veto_weight, footprint=1.0):
    """Case for hosting a power's base: alignment - neutrality_weight x neutrality
    - footprint x veto_weight x bloc veto.

    The footprint is the share of a full garrison the site stations (1 for a base with troops and aircraft,
    less for access: overflight, refuelling): a bloc's patron minds a garrison more than a refuelling stop,
    while a declared neutrality forbids both alike.
    (The step adds base_security_weight x the power's military operations x the state's security threat:
    a base for a power at war with the state's own enemies is worth more; subtracts footprint x
    base_blame_weight x the blame the state holds against the power: a regime evicts at once the base of a
    power it accuses of stirring unrest against it, before its alignment has time to follow; and adds
    (1 - footprint) x base_grant, since a smaller site asks less: a full base must clear base_grant, access
    only footprint x base_grant.)"""
    return alignment - neutrality_weight * neutrality - footprint * (veto_weight * veto)


def slot_next(status, months, utility, window, grant, revoke, dwell):
    """Advance base or deal slots one month.

    pending: granted (open) when utility > grant; refused once the window has passed.
    open: closed when utility < revoke, if it has stood at least ``dwell`` months.
    Returns status, months, opened, closed, refused.
    """
    pending = status == PENDING
    is_open = status == OPEN
    opened = pending & (utility > grant)
    refused = pending & ~opened & (months + 1 >= window)
    closed = is_open & (utility < revoke) & (months >= dwell)
    new = np.where(opened, OPEN, np.where(refused, REFUSED, np.where(closed, CLOSED, status)))
    changed = opened | refused | closed
    return new, np.where(changed, 0, months + 1), opened, closed, refused


def membership_step(states, alignment, member, months, taste, org_weights, org_bias, org_active,
                    neutrality, neutrality_weight, conflict_weight, join_threshold, leave_threshold, dwell):
    """The chosen states' memberships one month on (M, len(states), O) each: the appeal of each organisation
    (``membership_utility`` - conflict_weight x ``bloc_conflict`` + the state's own taste), then
    ``membership_next``; one compiled loop (sim.core.rules.kernels.membership_step) with the same operations in
    the same order, so the bits are those functions'.

    alignment (M, S, P); member, months, taste (M, S, O); the parameters per run (M,) or one for all.
    Returns member, months, joined, left."""
    from sim.core.rules import kernels

    w = np.array([np.reshape(v, -1) for v in np.broadcast_arrays(
        neutrality_weight, conflict_weight, join_threshold, leave_threshold, dwell)], dtype=np.float64)
    clash = _clash(np.asarray(org_weights, dtype=np.float64))
    return kernels.membership_step(
        np.ascontiguousarray(states, dtype=np.int64), np.ascontiguousarray(alignment, dtype=np.float64),
        np.ascontiguousarray(member, dtype=np.bool_), np.ascontiguousarray(months),
        np.ascontiguousarray(taste, dtype=np.float64), np.ascontiguousarray(org_weights, dtype=np.float64),
        np.ascontiguousarray(org_bias, dtype=np.float64), np.ascontiguousarray(neutrality, dtype=np.float64), clash,
        np.ascontiguousarray(org_active, dtype=np.bool_), w)


def slot_step(ks, is_deal, window, status, months, utility, deal_accept, base_grant, deal_end, base_revoke, dwell):
    """Slots ks one month on (M, len(ks)) each, ``slot_next`` with each slot's thresholds by its kind (a deal:
    deal_accept and deal_end; a base: base_grant and base_revoke), in one compiled loop
    (sim.core.rules.kernels.slot_step). status, months (M, K) of all slots; utility (M, len(ks)) the public
    case plus the state's taste. Returns status, months, opened, closed, refused."""
    from sim.core.rules import kernels

    w = np.array([np.reshape(v, -1) for v in np.broadcast_arrays(
        deal_accept, base_grant, deal_end, base_revoke, dwell)], dtype=np.float64)
    return kernels.slot_step(np.ascontiguousarray(ks, dtype=np.int64), np.ascontiguousarray(is_deal, dtype=np.bool_),
                             np.ascontiguousarray(window, dtype=np.int64), np.ascontiguousarray(status),
                             np.ascontiguousarray(months), np.ascontiguousarray(utility, dtype=np.float64), w,
                             PENDING, OPEN, REFUSED, CLOSED)


def bloc_conflict(member, org_weights):
    """For each organisation (..., O), how much joining or staying in it clashes with the state's other
    memberships: the sum, over pairs of its organisations, of the weight one sets against the patron who
    leads the other alone (weight above 0.5), whether the other is a security bloc or an economic union. A
    member of Russia's bloc or of its customs union pays for joining a grouping set against Russia (GUUAM,
    founded as a counterweight to the Russian-led bodies of the CIS), and a member of that grouping for
    joining them; a forum two patrons share (the SCO, 0.5 each) is led by neither.
    """
    from sim.core.rules import kernels

    O = org_weights.shape[0]
    clash = _clash(np.asarray(org_weights, dtype=np.float64))
    m = np.ascontiguousarray(np.asarray(member, dtype=bool)).reshape(-1, O)
    return kernels.bloc_conflict(m, clash).reshape(member.shape[:-1] + (O,))


_CLASH: dict = {}


def _clash(org_weights) -> np.ndarray:
    """clash[o, other] = sum over powers q, in order, of against[o, q] x led[other, q] + led[o, q] x
    against[other, q]: the weight one organisation sets against the patron who leads the other alone
    (weight above 0.5), both ways (kept per set of organisations, which changes only with the scenario's
    events)."""
    key = (org_weights.tobytes(), org_weights.shape)
    if key not in _CLASH:
        O, P = org_weights.shape
        led = (org_weights > 0.5).astype(float)  # (O, P)
        against = np.maximum(-org_weights, 0.0)  # (O, P)
        clash = np.zeros((O, O))
        for o in range(O):
            for other in range(O):
                total = 0.0
                for q in range(P):
                    total = total + against[o, q] * led[other, q] + led[o, q] * against[other, q]
                clash[o, other] = total
        if len(_CLASH) > 64:
            _CLASH.clear()
        _CLASH[key] = clash
    return _CLASH[key]
