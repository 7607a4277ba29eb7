"""One month of the model, in phases that both engines run.

Each phase is a function of the world and an index: one power or one state (an agent stepped on its own),
or ``slice(None)`` (all of them, for every run at once: the batch engine, and the Mesa model's step, whose
agents then take their rows with ``power_row``, ``state_row`` and ``decision_row``, the same numbers as
their own index gives). Every agent reads month t and writes month t+1: phases return new values, and
``commit`` stores them together. The work is done in compiled loops (sim.core.rules.kernels) that both
engines call, so their numbers agree to the bit.

Order within a month (the model's table of contents):
1. the scenario's events of the month and the hazards drawn for it (world shocks);
2. powers: attention, stance, own threat and sense of encroachment (``power_phase``);
3. states: threats, pulls, alignment and its drivers, ties and offers (``state_phase``);
4. the environment: the Afghan threat (``environment_phase``);
5. commit; then states decide on organisations, bases and deals with their new scores (``decision_phase``).
"""

from __future__ import annotations

import numpy as np

from sim.core import rng
from sim.core.events import apply_event, hazard_mask
from sim.core.rules import alignment as al
from sim.core.rules import decisions as dc
from sim.core.rules import economy as ec
from sim.core.rules import policy as pl
from sim.core.rules import powers as pw
from sim.core.rules import threats as th
from sim.core.rules.arrays import per_run
from sim.core.world import CLOSED, NOT_YET, OPEN, PENDING, REFUSED, World


def events_phase(world: World, params) -> list[tuple]:
    """Apply the month's scheduled events and draw its hazards; return what was applied.

    Returns a list of (event, mask) with mask None for scheduled events (every run).
    """
    applied = []
    for ev in world.setup.events_by_step[world.step]:
        apply_event(world, ev, params)
        applied.append((ev, None))
    for k, (first, last) in enumerate(world.setup.hazard_steps):
        if first <= world.step <= last:
            mask = hazard_mask(world, k, world.step, world.setup.hazards[k].probability)
            if np.any(mask):
                apply_event(world, world.setup.hazard_events[k], params, mask)
                applied.append((world.setup.hazard_events[k], mask))
    return applied


def bases_present(world: World, state_idx=slice(None)) -> np.ndarray:
    """Open bases of each power in the chosen state(s), each counted by its footprint (a full garrison 1,
    access less): (..., S, P) for all states, (..., P) for one.

    The counts are shared by every caller that reads the same slot status (``_memo``): do not change them in
    place."""
    r = world.runs
    table = slot_table(world)
    S, P = r.alignment.shape[-2:]

    def count():
        status = np.ascontiguousarray(r.slot_status, dtype=np.int64)
        lead = status.shape[:-1]
        M = int(np.prod(lead, dtype=np.int64))
        return _kernels().bases_present(status.reshape(M, status.shape[-1]), *table["bases"], OPEN, S,
                                        P).reshape(lead + (S, P))

    # nine callers a month (powers, controllers, states) read the same slots: counted once per slot status
    return _memo(world, "bases_present", None, (r.slot_status, table["base_slots"]), count)[..., state_idx, :]


def rival_bases(world: World) -> np.ndarray:
    """The rivals' bases in each state, seen by each power (..., S, P): sim.core.rules.powers.toward_rivals of
    ``bases_present``, counted once per slot status (every power's controller reads its column). Shared: do
    not change it in place."""
    table = slot_table(world)
    return _memo(world, "rival_bases", None, (world.runs.slot_status, table["base_slots"]),
                 lambda: pw.toward_rivals(bases_present(world), world.setup.rivals))


def stance_situation(world: World, params, idx=slice(None)) -> dict:
    """What a power's stance rule reads: rival presence, the threat it shares with rivals fighting it, and its
    sense of encroachment; plus the threat it feels from the region."""
    st, sch, r = world.setup, world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))
    k = 0 if one else 1
    region_bases = _region_bases(world)  # (..., P)
    rival_bases = pw.toward_rivals(region_bases, st.rivals)[..., idx]
    rival_ops = pw.toward_rivals(sch.operations, st.rivals)[idx]
    felt = r.own_threat[..., idx] + st.power_exposure[idx] * (r.afghan_threat if one else r.afghan_threat[..., None])
    t = min(world.step, st.months - 1)
    tolerance = pw.tolerance(per_run(params["stance_tolerance"], k), st.capacity_ratio[t][idx],
                             per_run(params["assertiveness"], k))
    proposal = pw.stance_proposal(rival_bases + rival_ops, felt * np.minimum(1.0, rival_ops),
                                  r.encroachment[..., idx] + per_run(params["presence_weight"], k) * rival_bases,
                                  per_run(params["cooperation_weight"], k), tolerance)
    return {"felt": felt, "proposal": proposal}


def power_phase(world: World, params, idx=slice(None)) -> dict:
    """Powers decide: attention to the region and stance toward rivals (see sim.core.rules.powers). For all
    powers at once, one compiled loop (``power_phase_kernel``) gives the bits of ``power_phase_numpy``."""
    if isinstance(idx, slice) and idx == slice(None):
        return power_phase_kernel(world, params)
    return power_phase_numpy(world, params, idx)


_POWER_NAMES = ("presence_weight", "cooperation_weight", "stance_dwell", "threat_attention_gain", "attention_rate",
                "own_threat_decay", "encroachment_decay", "promotion_encroachment", "war_encroachment",
                "client_loss", "war_attention")


def power_phase_kernel(world: World, params) -> dict:
    """``power_phase_numpy`` for all powers, to the bit: numpy takes the tolerance's exp and log,
    sim.core.rules.policy.clients this month's clients, and sim.core.rules.kernels_month.power_month the rest."""
    from sim.core.rules import kernels_month as km

    st, sch, r = world.setup, world.schedule, world.runs
    S, P = r.alignment.shape[-2:]
    lead = r.attention.shape[:-1]
    t = min(world.step, st.months - 1)
    tolerance = pw.tolerance(per_run(params["stance_tolerance"], 1), st.capacity_ratio[t],
                             per_run(params["assertiveness"], 1))
    clients_now = power_clients(world)

    def vec(x, dtype=np.float64):
        return np.ascontiguousarray(x, dtype=dtype)

    attention, stance, months, own, enc = km.power_month(
        _rows(bases_present(world), S, P), vec(st.rivals), vec(sch.operations), vec(sch.distraction),
        vec(sch.conditionality), vec(sch.base_attention), vec(st.power_exposure), pw.ATTENTION_BONUS,
        _rows(r.own_threat, P), _rows(r.encroachment, P), _rows(r.attention, P), _rows(r.clients, P),
        _rows(clients_now, P), _rows(r.stance, P, dtype=np.int64), _rows(r.stance_months, P, dtype=np.int64),
        _rows(r.afghan_threat), _rows(tolerance, P), _param_rows(params, _POWER_NAMES))
    shape = lead + (P,)
    return {"attention": attention.reshape(shape), "stance": stance.reshape(shape),
            "stance_months": months.reshape(shape), "own_threat": own.reshape(shape),
            "encroachment": enc.reshape(shape), "clients": clients_now}


def power_phase_numpy(world: World, params, idx=slice(None)) -> dict:
    """The powers' phase as numpy statements of the rules (sim.core.rules.powers, threats), for one power or
    all of them."""
    sch, r = world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))
    k = 0 if one else 1

    def par(name):
        return per_run(params[name], k)

    sit = stance_situation(world, params, idx)
    stance, months = pw.stance_next(r.stance[..., idx], r.stance_months[..., idx], sit["proposal"],
                                    par("stance_dwell"))
    target = pw.attention_target(sch.base_attention[idx], sit["felt"], par("threat_attention_gain"),
                                 r.stance[..., idx], sch.distraction[idx], sch.operations[idx], par("war_attention"))
    attention = r.attention[..., idx] + par("attention_rate") * (target - r.attention[..., idx])
    clients_now = power_clients(world)[..., idx]
    return {
        "attention": attention,
        "stance": stance,
        "stance_months": months,
        "own_threat": th.decay(r.own_threat[..., idx], par("own_threat_decay")),
        "encroachment": th.decay(r.encroachment[..., idx], par("encroachment_decay"))
        + promotion_encroachment(world, params, idx) + war_encroachment(world, params, idx)
        + pw.client_loss(r.clients[..., idx], clients_now, par("client_loss")),
        "clients": clients_now,
    }


def power_clients(world: World) -> np.ndarray:
    """Each power's clients this month (..., P): memberships of the blocs it leads plus its bases."""
    return pl.clients(world.runs.member, world.schedule.org_weights, bases_present(world))


def war_encroachment(world: World, params, idx=slice(None)) -> np.ndarray:
    """Encroachment a power feels each month from its rivals' wars beyond the region (Iraq, say):
    war_encroachment x sum over rivals q of the attention q's wars absorb x (1 - own conditionality)."""
    st, sch = world.setup, world.schedule
    k = 0 if isinstance(idx, (int, np.integer)) else 1
    wars = pw.toward_rivals(sch.distraction, st.rivals)[idx]
    return per_run(params["war_encroachment"], k) * wars * (1.0 - sch.conditionality[idx])


def promotion_encroachment(world: World, params, idx=slice(None)) -> np.ndarray:
    """Encroachment a power feels each month from its rivals' democracy promotion (NGOs, support of the
    opposition, criticism of the regimes it backs):

    promotion_encroachment x sum over rivals q of (q's conditionality x q's attention) x (1 - own conditionality).
    A power that itself presses for democracy does not see it as an assault.
    """
    st, sch, r = world.setup, world.schedule, world.runs
    k = 0 if isinstance(idx, (int, np.integer)) else 1
    promotion = pw.toward_rivals(sch.conditionality * r.attention, st.rivals)[..., idx]
    return per_run(params["promotion_encroachment"], k) * promotion * (1.0 - sch.conditionality[idx])


def settle_power(world: World, params, idx=slice(None)) -> dict:
    """A power at rest at the start: the stance its rule calls for, the attention that stance and the
    threat it feels settle at, and the sense of encroachment its rivals' democracy promotion sustains."""
    sch = world.schedule
    one = isinstance(idx, (int, np.integer))
    sit = stance_situation(world, params, idx)
    attention = pw.attention_target(sch.base_attention[idx], sit["felt"],
                                    per_run(params["threat_attention_gain"], 0 if one else 1), sit["proposal"],
                                    sch.distraction[idx], sch.operations[idx],
                                    per_run(params["war_attention"], 0 if one else 1))
    k = 0 if one else 1
    steady = promotion_encroachment(world, params, idx) / (1.0 - per_run(params["encroachment_decay"], k))
    return {"stance": sit["proposal"], "attention": attention,
            "encroachment": world.runs.encroachment[..., idx] + steady,
            "clients": power_clients(world)[..., idx]}


def settle_stocks(world: World, params, idx=slice(None)) -> dict:
    """Steady states of the stocks that flows fill every month, for the chosen state(s) at the start:

    offers = effort inflow (more for members) / (1 - offers_decay); regime threat = given initial fear + democracy-pressure
    inflow / (1 - regime_decay). Starting there means a world without shocks stays at rest.
    """
    st, sch, r = world.setup, world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))
    k = 1 if one else 2
    capacity = st.capacity[0]
    pwr = (lambda v: v) if one else (lambda v: v[..., None, :])
    inflow = ec.offers_next(0.0 * r.offers[..., idx, :], 0.0, per_run(params["effort_rate"], k),
                            pwr(pw.EFFORT[r.stance]), capacity, pwr(r.attention), sch.reach,
                            r.aid_share[..., idx, :])
    pressure = th.democracy_pressure(sch.conditionality, pwr(r.attention), r.openness[..., idx],
                                     per_run(params["democracy_pressure"], k - 1))
    trade = trade_month(world, params)
    return {
        "economy": trade["tie"][..., idx, :],
        "trade_share": trade["trade"][..., idx, :],
        "offers": r.offers[..., idx, :] + inflow / (1.0 - per_run(params["offers_decay"], k)),
        "regime_threat": r.regime_threat[..., idx] + pressure / (1.0 - per_run(params["regime_decay"], k - 1)),
    }


def _region_bases(world: World) -> np.ndarray:
    """Open bases of each power summed over the five states (..., P), in a fixed order."""
    present = bases_present(world)  # (..., S, P)
    total = present[..., 0, :].copy()
    for s in range(1, present.shape[-2]):
        total = total + present[..., s, :]
    return total


def hostility_matrix(world: World, params) -> np.ndarray:
    """H[..., q, p]: how hostile power q is toward power p this month (by q's stance and its rivals); computed
    once per month's stances (the states' pulls and the blocs' vetoes read it): do not change it in place."""
    def compute():
        levels = pw.hostility_levels(world.runs.stance, per_run(params["hostility_integrate"], 1),
                                     per_run(params["hostility_cooperate"], 1),
                                     per_run(params["hostility_counterbalance"], 1))
        return pw.hostility_matrix(levels, world.setup.rivals)

    return _memo(world, "hostility_matrix", params, (world.runs.stance,), compute)


def state_inputs(world: World, params, idx=slice(None)) -> dict:
    """Everything a state (or all states) reads to compute its pulls, shaped (..., P) per state."""
    st, sch, r = world.setup, world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))

    def pwr(x):  # a power-indexed array, broadcast over the chosen states
        return x if one else x[..., None, :]

    def sv(x):  # a state-indexed array, with a trailing axis for powers
        return x[..., idx, None]

    t = min(world.step, st.months - 1)
    capacity = st.capacity[t]
    hostility = hostility_matrix(world, params)
    present = bases_present(world, idx)
    member = r.member[..., idx, :]
    W = sch.org_weights
    sec_w = np.maximum(W, 0.0) * sch.org_security[:, None]  # (O, P)
    bloc_security = np.zeros(present.shape)
    for o in range(W.shape[0]):
        bloc_security = bloc_security + member[..., o:o + 1] * sec_w[o]
    afghan = r.afghan_threat[..., None] if one else r.afghan_threat[..., None, None]
    security_threat = th.security_threat(sv(r.local_threat), st.exposure[idx, None], afghan)
    regime_threat = sv(r.regime_threat)
    return dict(
        one=one, capacity=capacity, hostility=hostility if one else hostility[..., None, :, :], present=present,
        member=member,
        security_threat=security_threat, regime_threat=regime_threat,
        fear=al.regime_fear(sv(r.openness), regime_threat),
        offer=al.security_offer(capacity, pwr(r.attention), sch.operations, sch.reach, present,
                                per_run(params["base_presence_bonus"], 1 if one else 2), bloc_security),
        support=al.regime_support(capacity, pwr(r.attention), sch.reach, sch.conditionality),
        pressure=sch.conditionality * pwr(r.attention),
    )


def state_pulls(world: World, params, idx=slice(None), inputs: dict | None = None) -> np.ndarray:
    """The seven pulls (..., P, 7) on the chosen state(s), from the world at month t: the quantities of
    ``state_inputs`` and the pull rule (sim.core.rules.alignment.pulls), computed in one compiled loop
    (sim.core.rules.alignment.state_pulls) with the same operations in the same order. ``inputs`` is
    ignored (kept for callers that computed them already)."""
    st, sch, r = world.setup, world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))
    S, P = r.alignment.shape[-2:]
    O = r.member.shape[-1]
    lead = r.alignment.shape[:-2]
    t = min(world.step, st.months - 1)
    states = np.arange(S)[idx].reshape(-1)

    def runs(x, *trailing):  # a per-run array with the batch axes flattened into one
        return np.reshape(x, (-1,) + trailing)

    terms = al.state_pulls(
        states, capacity=st.capacity[t], attention=runs(r.attention, P), operations=sch.operations,
        reach=sch.reach, conditionality=sch.conditionality, present=runs(bases_present(world), S, P),
        member=runs(r.member, S, O), security_weights=np.maximum(sch.org_weights, 0.0) * sch.org_security[:, None],
        local_threat=runs(r.local_threat, S), exposure=st.exposure, afghan=runs(r.afghan_threat),
        regime_threat=runs(r.regime_threat, S), openness=runs(r.openness, S), economy=runs(r.economy, S, P),
        blame=runs(r.blame, S, P), offers=runs(r.offers, S, P), alignment=runs(r.alignment, S, P),
        hostility=runs(hostility_matrix(world, params), P, P),
        **{name: params[name] for name in ("w_security", "w_regime", "w_conditions", "w_economy", "w_blame",
                                           "w_offers", "w_rivalry")},
        base_bonus=params["base_presence_bonus"])
    return terms.reshape(P, 7) if one else terms.reshape(lead + (len(states), P, 7))


def state_phase(world: World, params, idx=slice(None)) -> dict:
    """States perceive and re-align: new alignment with its drivers, threats, blame, ties and offers."""
    st, sch, r = world.setup, world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))
    k = 1 if one else 2

    def par(name, trailing=k):
        return per_run(params[name], trailing)

    terms = state_pulls(world, params, idx)
    P = st.P
    state_ids = (np.asarray(idx) if one else np.arange(st.S)[:, None])
    agents = state_ids * P + np.arange(P)
    seed = r.seed if world.batch_ndim == 0 else r.seed.reshape(r.seed.shape + (1, 1))
    z = rng.normal(seed, st.start + world.step, agents, rng.STREAM_ALIGNMENT_NOISE)
    alignment, drivers = al.alignment_step(r.alignment[..., idx, :], r.affinity[..., idx, :], terms,
                                           par("alignment_rate"), par("noise_sd") * z)
    trade = trade_month(world, params)
    if isinstance(idx, slice) and idx == slice(None):  # all states: their stocks in one compiled loop, the same bits
        from sim.core.rules import kernels_month as km

        S, P = r.alignment.shape[-2:]
        local, regime, blame, offers = km.state_stocks(
            _rows(r.local_threat, S), _rows(r.regime_threat, S), _rows(r.openness, S), _rows(r.blame, S, P),
            _rows(r.offers, S, P), _rows(r.attention, P), _rows(r.stance, P, dtype=np.int64),
            _rows(r.aid_share, S, P), pw.EFFORT, _rows(st.capacity[min(world.step, st.months - 1)], P)[0],
            _rows(sch.reach, P)[0], _rows(sch.conditionality, P)[0], _param_rows(params, _STOCK_NAMES))
        lead = r.alignment.shape[:-2]
        return {"alignment": alignment, "drivers": drivers, "local_threat": local.reshape(lead + (S,)),
                "regime_threat": regime.reshape(lead + (S,)), "blame": blame.reshape(lead + (S, P)),
                "economy": trade["tie"], "trade_share": trade["trade"], "route": trade["route"],
                "offers": offers.reshape(lead + (S, P))}
    effort = pw.EFFORT[r.stance]
    pwr = (lambda v: v) if one else (lambda v: v[..., None, :])
    return {
        "alignment": alignment,
        "drivers": drivers,
        "local_threat": th.decay(r.local_threat[..., idx], par("security_decay", k - 1)),
        "regime_threat": th.decay(r.regime_threat[..., idx], par("regime_decay", k - 1))
        + th.democracy_pressure(sch.conditionality, r.attention if one else r.attention[..., None, :],
                                r.openness[..., idx], par("democracy_pressure", k - 1)),
        "blame": th.decay(r.blame[..., idx, :], par("blame_decay")),
        "economy": trade["tie"][..., idx, :],
        "trade_share": trade["trade"][..., idx, :],
        "route": trade["route"][..., idx, :],
        "offers": ec.offers_next(r.offers[..., idx, :], par("offers_decay"), par("effort_rate"), pwr(effort),
                                 st.capacity[min(world.step, st.months - 1)], pwr(r.attention), sch.reach, r.aid_share[..., idx, :]),
    }


_STOCK_NAMES = ("security_decay", "regime_decay", "democracy_pressure", "blame_decay", "offers_decay", "effort_rate")


def power_row(world: World, new: dict, p: int) -> dict:
    """Power p's part of ``power_phase`` computed for all powers: what ``power_phase(world, params, p)`` gives."""
    return {name: value[..., p] for name, value in new.items()}


def state_row(world: World, new: dict, s: int) -> dict:
    """State s's part of ``state_phase`` computed for all states: what ``state_phase(world, params, s)`` gives
    (every state's numbers are computed element by element, so a row is the state's own computation)."""
    b = world.batch_ndim
    return {name: value[(slice(None),) * b + (s,)] for name, value in new.items()}


def decision_row(world: World, dec: dict, s: int) -> dict:
    """State s's part of ``decision_phase`` computed for all states: what ``decision_phase(world, params, s)``
    gives (a state's decisions read its own memberships and slots only)."""
    lead = (slice(None),) * world.batch_ndim
    out = {name: dec[name][lead + (s,)] for name in ("member", "member_months", "joined", "left")}
    ks, js = _state_slots(world, dec["slots"], s)
    out["slots"] = ks
    if ks:
        for name in ("slot_status", "slot_months", "opened", "closed", "refused", "asked"):
            out[name] = dec[name][..., js]
    return out


def _state_slots(world: World, slots: list[int], s: int) -> tuple[list[int], object]:
    """Which of the decided slots belong to state s: their indices, and their positions in ``slots`` (a
    slice when they follow one another, an index array else); kept for the setup's slots and this list."""
    cached = world.extra.get("_state_slots")
    key = tuple(slots)
    if cached is None or cached[0] is not world.setup.slots or cached[1] != key:
        by_state = {}
        states = slot_table(world)["state"][list(slots)] if slots else np.zeros(0, dtype=np.int64)
        for state in range(world.setup.S):
            js = np.flatnonzero(states == state)
            contiguous = len(js) and js[-1] - js[0] + 1 == len(js)
            by_state[state] = ([slots[j] for j in js], slice(int(js[0]), int(js[-1]) + 1) if contiguous else js)
        cached = (world.setup.slots, key, by_state)
        world.extra["_state_slots"] = cached
    return cached[2][s]


def _memo(world: World, name: str, params, inputs: tuple | None, compute):
    """The value ``compute()`` gave last time for these very inputs (compared exactly) and parameters, else a
    fresh one: what every state reads from the same month (the trade shares, the blocs' vetoes) is computed
    once, not once per agent or per call. Inputs count as the same when their bits are (so -0.0 is not 0.0). The value is shared: callers must not change it in place.

    Within a phase that only reads the world (``read_only``), a value computed or checked in that phase is
    reused without comparing its inputs again: nothing can have changed them. ``inputs=None`` (a value that
    reads too much of the world to compare) is reused only there, and computed afresh outside such a phase."""
    cache = world.extra.setdefault("_memo", {})
    hit = cache.get(name)
    phase = world.extra.get("_read_only")
    if (phase is not None and hit is not None and hit[4] is phase and hit[0] is params
            and hit[1] is world.setup):
        return hit[3]
    if inputs is None:
        value = compute()
        if phase is not None:
            cache[name] = (params, world.setup, None, value, phase)
        return value
    key = tuple((a.shape, a.dtype.str, a.tobytes()) for a in map(np.asarray, inputs))  # the inputs' bits
    if hit is not None and hit[0] is params and hit[1] is world.setup and hit[2] == key:
        if phase is not None:
            cache[name] = hit[:4] + (phase,)
        return hit[3]
    value = compute()
    cache[name] = (params, world.setup, key, value, phase)
    return value


class read_only:
    """``with read_only(world):`` marks a phase in which nothing writes to the world (the month's phases that
    compute month t+1 from month t, before ``commit``): the memoised values of ``_memo`` are then checked once
    per phase instead of once per call."""

    def __init__(self, world: World):
        self.world = world

    def __enter__(self):
        self.outer = self.world.extra.get("_read_only")
        self.world.extra["_read_only"] = object()  # a new phase: earlier values are checked again
        return self.world

    def __exit__(self, *exc):
        self.world.extra["_read_only"] = self.outer
        return False


def trade_month(world: World, params) -> dict:
    """The month's economic ties and export routes of every state (sim.core.rules.trade): the tie with each power
    from the trade shares the partners' masses, the oil price and the routes in service give; a power with no
    mass series keeps the file's fixed tie. The routes move toward the capacity signed."""
    st, r = world.setup, world.runs
    t = min(world.step, st.months - 1)
    month = (np.array(t), np.asarray(st.trade_mass[t]), np.asarray(st.trade_price[t]))
    return _memo(world, "trade_month", params, month + (r.route, r.route_signed, r.economy),
                 lambda: _trade_month(world, params))


def export_route_share(world: World) -> np.ndarray:
    """The share of each state's export routes in service that runs toward each power (..., S, P), computed
    once for the routes of the month (each power's controller reads it); 0 without trade data. One compiled
    loop (kernels_month.route_shares) gives the bits of sim.core.rules.trade.route_shares."""
    st, r = world.setup, world.runs
    if st.trade is None:
        return np.zeros(r.route.shape[:-1] + (st.P,))
    def shares():
        from sim.core.rules import kernels_month as km

        S, J = r.route.shape[-2:]
        return km.route_shares(_rows(r.route, S, J), st.P).reshape(r.route.shape[:-1] + (st.P,))

    return _memo(world, "export_route_share", None, (r.route,), shares)


def _trade_month(world: World, params) -> dict:
    st, r = world.setup, world.runs
    if st.trade is None:
        tie = np.broadcast_to(st.fixed_tie, r.economy.shape).copy()
        return {"tie": tie, "trade": tie.copy(), "route": r.route.copy()}
    t = min(world.step, st.months - 1)
    return trade_month_numbers(st.trade_mass[t], st.trade_price[t], r.route, r.route_signed, st.trade,
                               st.fixed_tie, params)


_TRADE_NAMES = ("trade_mass_elasticity", "trade_growth_elasticity", "trade_distance_decay", "trade_legacy",
                "trade_border", "oil_value_elasticity", "transit_share")


def trade_month_numpy(mass, price_ratio, route, route_signed, data, fixed_tie, params) -> dict:
    """The month's ties, trade shares (..., S, P) and next routes (..., S, J) by the numpy statement of the
    trade rules (sim.core.rules.trade.month_shares, route_next); a power without a mass series (``data.active``
    0) keeps the file's fixed tie. ``trade_month_numbers`` computes the same bits in compiled loops."""
    from sim.core.rules import trade as tr

    P = fixed_tie.shape[-1]
    x = tr.month_shares(mass, price_ratio, route, data, {n: params[n] for n in _TRADE_NAMES})
    active = data.active[:P] > 0
    tie = np.where(active, x["tie"][..., :P], fixed_tie)
    share = np.where(active, x["trade"][..., :P], fixed_tie)
    return {"tie": tie, "trade": share, "route": tr.route_next(route, route_signed, params["route_rate"])}


def trade_month_numbers(mass, price_ratio, route, route_signed, data, fixed_tie, params) -> dict:
    """What ``trade_month_numpy`` gives, to the bit: numpy takes the exponentials and logarithms (the gravity
    weights' exp, the oil value's power) and one compiled loop the rest (sim.core.rules.kernels_month:
    gravity_exponent, trade_month)."""
    from sim.core.rules import kernels_month as km

    P = fixed_tie.shape[-1]
    S, J = route.shape[-2:]
    lead = route.shape[:-2]
    ref = np.log(np.asarray(data.mass_reference, dtype=np.float64))
    growth = np.log(np.asarray(mass, dtype=np.float64)) - ref
    exponent = km.gravity_exponent(ref, growth, _rows(data.distance_km, S, J)[0], _rows(data.legacy, S, J)[0],
                                   _rows(data.border, S, J)[0], _param_rows(params, _TRADE_NAMES[:5]))
    ve = np.reshape(params["oil_value_elasticity"], -1)[:, None]
    q = np.exp(ve * np.log(np.reshape(np.asarray(price_ratio, dtype=np.float64), -1)[:, None]))[:, 0]
    tie, share, route_next = km.trade_month(
        np.exp(exponent), np.ascontiguousarray(data.active, dtype=np.float64), _rows(route, S, J),
        _rows(route_signed, S, J), np.ascontiguousarray(data.transit, dtype=np.float64),
        np.ascontiguousarray(data.hydrocarbon_share, dtype=np.float64),
        np.ascontiguousarray(data.commodity_share, dtype=np.float64), np.ascontiguousarray(q),
        np.ascontiguousarray(fixed_tie, dtype=np.float64), _param_rows(params, ("transit_share", "route_rate")))
    return {"tie": tie.reshape(lead + (S, P)), "trade": share.reshape(lead + (S, P)),
            "route": route_next.reshape(lead + (S, J))}


def environment_phase(world: World, params) -> dict:
    """The Afghan threat follows insurgent strength minus the military operations against it."""
    sch, r = world.schedule, world.runs
    return {"afghan_threat": th.afghan_threat_next(r.afghan_threat, sch.insurgency, sch.operations.sum(),
                                                   params["afghan_relax"], params["suppression"])}


def commit(world: World, power_new: dict, state_new: dict, env_new: dict, power_idx=slice(None),
           state_idx=slice(None)) -> None:
    """Store month t+1 values computed by the phases (all read month t)."""
    r = world.runs
    for name, value in power_new.items():
        getattr(r, name)[..., power_idx] = value
    for name, value in state_new.items():
        if name == "drivers":
            continue
        arr = getattr(r, name)
        if arr.ndim - world.batch_ndim == 2:
            arr[..., state_idx, :] = value
        else:
            arr[..., state_idx] = value
    for name, value in env_new.items():
        getattr(r, name)[...] = value


def slot_utility(world: World, params, ks: list[int]) -> np.ndarray:
    """The public case for granting each of the slots ks (..., len(ks)), before the state's own taste.

    base: alignment - neutrality_weight x neutrality - footprint x veto_weight x bloc veto
          + base_security_weight x the power's military operations x the state's security threat
          - footprint x base_blame_weight x the blame the state holds against the power
          + (1 - footprint) x base_grant;
    the footprint is the share of a full garrison the site stations (scenario data): access for overflight or
    refuelling asks less of the state, so its patron's veto and its fears weigh less and the line it must
    clear (base_grant for a full base) is lower by (1 - footprint) x base_grant;
    deal: alignment + half the deal's value.
    (One compiled loop over runs and slots, sim.core.rules.kernels.slot_utility, for every slot at once and
    once for the inputs it reads; the bloc veto is sim.core.rules.decisions.bloc_hostility.)
    """
    st, sch, r = world.setup, world.schedule, world.runs
    slots = slot_table(world)

    def every_slot():
        veto = _memo(world, "bloc_veto", params, (r.member, r.stance, sch.org_security, sch.org_weights),
                     lambda: dc.bloc_hostility(r.member, sch.org_security, sch.org_weights,
                                               hostility_matrix(world, params)[..., None, :, :]))  # (..., S, P)
        S, P = r.alignment.shape[-2:]
        out = _kernels().slot_utility(
            np.arange(len(st.slots), dtype=np.int64), slots["state"], slots["power"], slots["is_deal"],
            slots["value"], slots["footprint"], _rows(r.alignment, S, P), _rows(veto, S, P), _rows(r.blame, S, P),
            _rows(r.local_threat, S), _rows(r.afghan_threat), np.ascontiguousarray(st.exposure, dtype=np.float64),
            np.ascontiguousarray(st.neutrality, dtype=np.float64),
            np.ascontiguousarray(sch.operations, dtype=np.float64),
            _param_rows(params, ("neutrality_weight", "veto_weight", "base_security_weight", "base_blame_weight",
                                 "base_grant")))
        return out.reshape(r.alignment.shape[:-2] + (len(st.slots),))

    # the controllers (six calls a month) and the decisions read every slot's case from the same world
    inputs = (r.alignment, r.blame, r.local_threat, r.afghan_threat, r.member, r.stance, sch.org_security,
              sch.org_weights, sch.operations)
    return _memo(world, "slot_utility", params, inputs, every_slot)[..., list(ks)]


def _rows(x, *trailing, dtype=np.float64) -> np.ndarray:
    """A per-run array as a contiguous array with the batch axes flattened into one (length 1 for a single
    run)."""
    return np.ascontiguousarray(np.asarray(x).reshape((-1,) + trailing), dtype=dtype)


def _param_rows(params, names) -> np.ndarray:
    """The named per-run parameters stacked (len(names), N), or (len(names), 1) for a single run."""
    try:
        return np.array([params[n] for n in names], dtype=np.float64).reshape(len(names), -1)
    except ValueError:  # some per run, some not
        return np.array([np.reshape(v, -1) for v in np.broadcast_arrays(*(params[n] for n in names))],
                        dtype=np.float64)


_KERNELS: list = []


def _kernels():
    """sim.core.rules.kernels, imported on first use (numba loads only when a month is computed)."""
    if not _KERNELS:
        from sim.core.rules import kernels

        _KERNELS.append(kernels)
    return _KERNELS[0]


def slot_table(world: World) -> dict:
    """The slots' fixed attributes as arrays (state, power, kind, value, footprint, window), and the lists read
    every month, kept for the setup's slots: ``base_slots`` (the bases' indices; ``bases``: them with their
    states, powers and footprints), ``asks_of`` ((power, kind) -> the indices of the slots a rule controller
    may ask for), ``all`` (every slot's index) and ``of_state`` (state -> the indices of its slots): lists the
    callers must not change."""
    st = world.setup
    cached = world.extra.get("_slot_table")
    if cached is None or cached[0] is not st.slots or cached[1] != len(st.slots):
        table = {
            "state": np.array([sl.state for sl in st.slots], dtype=np.int64),
            "power": np.array([sl.power for sl in st.slots], dtype=np.int64),
            "is_deal": np.array([sl.kind == "deal" for sl in st.slots], dtype=np.bool_),
            "value": np.array([sl.value for sl in st.slots], dtype=np.float64),
            "footprint": np.array([sl.footprint for sl in st.slots], dtype=np.float64),
            "window": np.array([sl.window for sl in st.slots], dtype=np.int64),
            "base_slots": np.array([k for k, sl in enumerate(st.slots) if sl.kind == "base"], dtype=np.int64),
        }
        b = table["base_slots"]
        table["bases"] = (b, table["state"][b], table["power"][b], table["footprint"][b])  # bases_present's
        table["all"] = list(range(len(st.slots)))
        table["of_state"] = {s: [k for k, sl in enumerate(st.slots) if sl.state == s] for s in range(st.S)}
        table["asks_of"] = {(p, kind): [k for k, sl in enumerate(st.slots)
                                        if sl.askable and sl.power == p and sl.kind == kind]
                            for p in range(st.P) for kind in ("base", "deal")}
        cached = (st.slots, len(st.slots), table)
        world.extra["_slot_table"] = cached
    return cached[2]


def membership_utilities(world: World, params, idx=slice(None)) -> np.ndarray:
    """The public appeal of each organisation for the chosen state(s) (..., O), before the state's own taste:
    membership_utility (bias, patrons' weights x alignment, neutrality) - bloc_conflict x clashes with the
    state's other memberships."""
    st, sch, r = world.setup, world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))
    k = 1 if one else 2
    neutrality = st.neutrality[idx] if one else st.neutrality
    conflict = dc.bloc_conflict(r.member[..., idx, :], sch.org_weights)
    return dc.membership_utility(r.alignment[..., idx, :], sch.org_weights, sch.org_bias, np.asarray(neutrality),
                                 per_run(params["neutrality_weight"], k)) \
        - per_run(params["bloc_conflict"], k) * conflict


def decision_phase(world: World, params, idx=slice(None)) -> dict:
    """States decide with their new scores: organisations, then bases and deals. Returns the flags.

    Each choice is a random-utility (logit) choice with hysteresis: the public utility plus the state's own
    taste for the item (logistic, of spread choice_scale, drawn once per organisation and once per ask)
    must rise above the upper threshold to join or grant, and fall below the lower one to leave or evict."""
    st, sch, r = world.setup, world.schedule, world.runs
    one = isinstance(idx, (int, np.integer))
    S, P = r.alignment.shape[-2:]
    O = r.member.shape[-1]
    lead = r.alignment.shape[:-2]
    states = np.arange(S)[idx].reshape(-1)
    member, months, joined, left = dc.membership_step(
        states, _rows(r.alignment, S, P), np.reshape(r.member, (-1, S, O)), np.reshape(r.member_months, (-1, S, O)),
        _rows(r.member_taste, S, O), sch.org_weights, sch.org_bias, sch.org_active, st.neutrality,
        params["neutrality_weight"], params["bloc_conflict"], params["join_threshold"], params["leave_threshold"],
        params["min_dwell"])
    shape = (O,) if one else lead + (len(states), O)
    out = {"member": member.reshape(shape), "member_months": months.reshape(shape), "joined": joined.reshape(shape),
           "left": left.reshape(shape)}
    # slots belonging to the chosen state(s)
    ks = slot_table(world)["of_state"][int(idx)] if one else slot_table(world)["all"]
    out["slots"] = ks
    if ks:
        slots = slot_table(world)
        K = len(st.slots)
        utility = slot_utility(world, params, ks) + r.slot_taste[..., ks]
        flags = dc.slot_step(ks, slots["is_deal"], slots["window"], np.reshape(r.slot_status, (-1, K)),
                             np.reshape(r.slot_months, (-1, K)), np.reshape(utility, (-1, len(ks))),
                             params["deal_accept"], params["base_grant"], params["deal_end"], params["base_revoke"],
                             params["min_dwell"])
        status, smonths, opened, closed, refused = (f.reshape(lead + (len(ks),)) for f in flags)
        asked = r.slot_asked[..., ks] == st.start + world.step  # the powers' asks that arrived this month
        out.update(slot_status=status, slot_months=smonths, opened=opened, closed=closed, refused=refused,
                   asked=asked)
    return out


def policy_phase(world: World, params, controllers, idx=slice(None)) -> dict:
    """The powers' asks, offers and the spread of their help for the month, each from its controller
    (sim.core.controllers): {"asks": {slot index: mask over runs}, "aid": {power: priority over states}}."""
    powers = [idx] if isinstance(idx, (int, np.integer)) else range(world.setup.P)
    asks: dict[int, np.ndarray] = {}
    aid: dict[int, np.ndarray] = {}
    for p in powers:
        choice = controllers[p].decide(world, params, int(p))
        asks.update(choice["asks"])
        aid[int(p)] = choice["aid"]
    return {"asks": asks, "aid": aid}


def askable(world: World, params, ks: list[int]) -> np.ndarray:
    """Slots a power may ask (again) for (..., len(ks)): never asked, or refused or closed at least
    ask_cooldown months ago (a compiled loop, sim.core.rules.kernels.askable)."""
    r = world.runs
    K = r.slot_status.shape[-1]
    out = _kernels().askable(np.asarray(ks, dtype=np.int64), _rows(r.slot_status, K, dtype=np.int64),
                             _rows(r.slot_months, K, dtype=np.int64), _param_rows(params, ("ask_cooldown",))[0],
                             NOT_YET, REFUSED, CLOSED)
    return out.reshape(r.slot_status.shape[:-1] + (len(ks),))


def commit_policy(world: World, params, policy: dict) -> None:
    """Store the month's asks (pending from now, with the state's taste for each drawn now) and each
    power's split of its help over the states."""
    r, st = world.runs, world.setup
    month = st.start + world.step
    scale = per_run(params["choice_scale"], 0)
    for k, ask in policy["asks"].items():
        # nothing asked in any run: nothing to store (the draw would be unused)
        if not (ask.any() if isinstance(ask, np.ndarray) else np.any(ask)):
            continue
        taste = scale * rng.logistic_noise(r.seed, month, k, rng.STREAM_SLOT_TASTE)
        r.slot_status[..., k] = np.where(ask, PENDING, r.slot_status[..., k])
        r.slot_months[..., k] = np.where(ask, 0, r.slot_months[..., k])
        r.slot_asked[..., k] = np.where(ask, month, r.slot_asked[..., k])
        r.slot_taste[..., k] = np.where(ask, taste, r.slot_taste[..., k])
    for p, priority in policy["aid"].items():
        r.aid_share[..., :, p] = pl.aid_allocation(priority[..., None])[..., 0]


def settle_policy(world: World, params, controllers, idx=slice(None)) -> dict:
    """At the start, powers spread their help as their controllers would, but ask for nothing yet."""
    policy = policy_phase(world, params, controllers, idx)
    return {"asks": {}, "aid": policy["aid"]}


def settle_tastes(world: World, params) -> None:
    """Each state's own taste for each organisation, drawn once per run at the start (logistic, of spread
    choice_scale): what makes states with equal scores choose differently across runs."""
    r, st = world.runs, world.setup
    S, O = r.member.shape[-2:]
    agents = np.arange(S)[:, None] * O + np.arange(O)
    seed = r.seed if world.batch_ndim == 0 else r.seed.reshape(r.seed.shape + (1, 1))
    z = rng.logistic_noise(seed, st.start, agents, rng.STREAM_MEMBER_TASTE)
    r.member_taste[...] = per_run(params["choice_scale"], 2) * z


def commit_decisions(world: World, dec: dict, idx=slice(None)) -> None:
    st, r = world.setup, world.runs
    r.member[..., idx, :] = dec["member"]
    r.member_months[..., idx, :] = dec["member_months"]
    ks = dec["slots"]
    if ks:
        r.slot_status[..., ks] = dec["slot_status"]
        r.slot_months[..., ks] = dec["slot_months"]
        # deals signed add their value to the tie target; deals ended take it away
        deals, columns = _deals_among(world, ks)
        if not deals:
            return
        rs = r.route_signed
        opened, closed = np.asarray(dec["opened"]), np.asarray(dec["closed"])
        if rs.dtype == np.float64 and rs.flags.c_contiguous and opened.dtype == closed.dtype == np.bool_:
            n = len(ks)  # in place (a reshaped view), deal after deal, as the loop below
            from sim.core.rules import kernels_month as km

            km.add_deal_routes(rs.reshape((-1,) + rs.shape[-2:]), _rows(opened, n, dtype=np.bool_),
                               _rows(closed, n, dtype=np.bool_), *columns)
            return
        for j, k in enumerate(ks):
            sl = st.slots[k]
            if sl.kind != "deal":
                continue
            delta = sl.value * (dec["opened"][..., j].astype(float) - dec["closed"][..., j].astype(float))
            r.route_signed[..., sl.state, sl.power] = r.route_signed[..., sl.state, sl.power] + delta


def _deals_among(world: World, ks: list[int]) -> tuple[list, tuple]:
    """The deals among slots ks: [(position in ks, slot)], and add_deal_routes' columns (positions, states,
    powers, values as arrays); kept for the setup's slots and the last lists asked (one per state and one for
    all)."""
    st = world.setup
    extra = getattr(world, "extra", {})  # (a bare world of a test may have none: nothing kept)
    cache = extra.get("_deals_among")
    if cache is None or cache[0] is not st.slots:
        cache = (st.slots, {})
        extra["_deals_among"] = cache
    key = tuple(ks)
    hit = cache[1].get(key)
    if hit is None:
        deals = [(j, st.slots[k]) for j, k in enumerate(ks) if st.slots[k].kind == "deal"]
        hit = (deals, (np.array([j for j, _ in deals], dtype=np.int64),
                       np.array([sl.state for _, sl in deals], dtype=np.int64),
                       np.array([sl.power for _, sl in deals], dtype=np.int64),
                       np.array([sl.value for _, sl in deals], dtype=np.float64)))
        if len(cache[1]) > 64:
            cache[1].clear()
        cache[1][key] = hit
    return hit


def advance_month(world: World, params, controllers, recorder=None) -> None:
    """One month for all runs of a batch, the phases in the order of the module docstring: shocks, powers and
    their controllers, states, environment, commit, decisions; then the state is checked (no NaN or infinity
    ever reaches a recorder) and the recorder gets the month. The Mesa model runs the same phases agent by
    agent (sim.model.GreatGameModel.step) and gets the same bits."""
    from sim.core.world_checks import check_finite

    applied = events_phase(world, params)
    with read_only(world):  # every phase reads month t
        power_new = power_phase(world, params)
        policy = policy_phase(world, params, controllers)
        state_new = state_phase(world, params)
        env_new = environment_phase(world, params)
    commit(world, power_new, state_new, env_new)
    commit_policy(world, params, policy)
    with read_only(world):
        dec = decision_phase(world, params)
    commit_decisions(world, dec)
    check_finite(world)
    if recorder is not None:
        recorder.record(world, state_new["drivers"], dec, applied)
    world.step += 1
