"""The world's state: what is shared by every run (the scenario's schedule) and what each run holds.

``Setup`` is fixed for a scenario: codes, each state's exposure and neutrality, the series after price
shocks, the base and deal slots opened by requests and offers, the events by month.
``Schedule`` is what the scenario's dated events change for every run alike: insurgent strength,
military operations, wars elsewhere, the powers' conditions and attention, the organisations.
``RunState`` is each run's own state, with a leading batch axis of N runs (or none, for the Mesa model).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.codes import STANCES, STATES
from sim.core.rules.powers import capacity as power_capacity
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import month_index

PENDING, OPEN, REFUSED, CLOSED, NOT_YET = 1, 2, 3, 4, 0  # slot status codes (bases and deals)


@dataclass
class Slot:
    """A base requested (or hosted from the start), or an energy deal offered."""

    kind: str  # "base" or "deal"
    state: int
    power: int
    month: int  # step index at which a scenario's forced request or offer arrives (-1: none scheduled)
    window: int
    name: str
    value: float = 0.0
    event_id: str = ""
    source: str = "event"  # "start" (in place at the start), "event" (a what-if's forced ask), "rule"
    askable: bool = False  # the power's rule controller may ask (again) for this slot
    footprint: float = 1.0  # a base: the share of a full garrison it stations (access < 1); a deal: 1


@dataclass
class Setup:
    """What stays fixed for a scenario."""

    name: str
    states: tuple[str, ...]
    powers: tuple[str, ...]
    orgs: tuple[str, ...]
    start: int  # month index of the first step
    months: int
    exposure: np.ndarray  # (S,) afghan exposure of each state
    neutrality: np.ndarray  # (S,)
    power_exposure: np.ndarray  # (P,)
    capacity: np.ndarray  # (T, P) capacity of each power each month (series and shocks applied)
    capacity_ratio: np.ndarray  # (T, P) capacity relative to the first month
    means_index: np.ndarray  # (T, P) capacity relative to its level at the series' reference values
    basing: np.ndarray  # (P,) how much the power projects power through bases abroad
    series_names: tuple[str, ...]
    series: np.ndarray  # (T, n_series) after price shocks
    trade: object  # sim.trade_data.TradeData: partners (the powers, then the rest of the world), distances, routes
    trade_mass: np.ndarray  # (T, J) each trade partner's economic mass each month
    trade_price: np.ndarray  # (T,) the oil price over its reference each month (after price shocks)
    fixed_tie: np.ndarray  # (S, P) the tie a file gives a power that has no mass series (trade shares skip it)
    rivals: np.ndarray  # (P, P) 1 where power p (row) contests the region with power q (column)
    hydrocarbons: np.ndarray  # (S,) oil and gas export potential
    energy_interest: np.ndarray  # (P,) how much each power seeks the region's oil and gas
    haul_km: np.ndarray  # (S, P) thousands of km from each state to each power (0 without trade data)
    exports_gas: np.ndarray  # (S,) True where the state's hydrocarbons are mostly gas
    rule_powers: np.ndarray  # (P,) bool: powers whose asks and offers come from their rules
    slots: list[Slot]
    events_by_step: list[list]  # step -> events (schema objects) dated that month
    hazards: list  # schema Hazard objects with parsed events
    hazard_events: list
    hazard_steps: list[tuple[int, int]]  # each hazard's first and last step (month index from the start)

    @property
    def S(self) -> int:
        return len(self.states)

    @property
    def P(self) -> int:
        return len(self.powers)

    @property
    def O(self) -> int:
        return len(self.orgs)

    def date(self, step: int) -> str:
        m = self.start + step
        return f"{m // 12:04d}-{m % 12 + 1:02d}"


@dataclass
class Schedule:
    """What dated events change for every run alike."""

    insurgency: float
    operations: np.ndarray  # (P,) military operations in Afghanistan, 0-1
    distraction: np.ndarray  # (P,) attention absorbed by wars elsewhere
    conditionality: np.ndarray  # (P,)
    base_attention: np.ndarray  # (P,)
    reach: np.ndarray  # (P,)
    org_active: np.ndarray  # (O,) bool
    org_weights: np.ndarray  # (O, P)
    org_bias: np.ndarray  # (O,)
    org_security: np.ndarray  # (O,)



@dataclass
class RunState:
    """Each run's state. Arrays carry a leading batch axis of N runs, or none for a single Mesa run."""

    seed: np.ndarray  # () or (N,) uint64
    alignment: np.ndarray  # (S, P) 0-1
    affinity: np.ndarray  # (S, P) logit-scale historical leaning (the anchor of inertia)
    local_threat: np.ndarray  # (S,)
    regime_threat: np.ndarray  # (S,)
    blame: np.ndarray  # (S, P)
    offers: np.ndarray  # (S, P)
    economy: np.ndarray  # (S, P) the economic tie with each power (sim.core.rules.trade.economic_tie)
    trade_share: np.ndarray  # (S, P) share of the state's trade with each power (sim.core.rules.trade.trade_shares)
    route: np.ndarray  # (S, J) export route capacity in service toward each partner (the powers, then the rest)
    route_signed: np.ndarray  # (S, J) export route capacity signed: in service at the start, plus deals signed
    openness: np.ndarray  # (S,)
    member: np.ndarray  # (S, O) bool
    member_months: np.ndarray  # (S, O)
    afghan_threat: np.ndarray  # ()
    own_threat: np.ndarray  # (P,)
    encroachment: np.ndarray  # (P,)
    attention: np.ndarray  # (P,)
    stance: np.ndarray  # (P,) int: 0 integrate, 1 cooperate, 2 counterbalance
    stance_months: np.ndarray  # (P,)
    slot_status: np.ndarray  # (K,) int
    slot_months: np.ndarray  # (K,)
    slot_taste: np.ndarray  # (K,) the state's own idiosyncratic taste for the slot, drawn when it is asked
    slot_asked: np.ndarray  # (K,) int: step of the latest ask or offer (-1: never)
    member_taste: np.ndarray  # (S, O) each state's own idiosyncratic taste for each organisation
    clients: np.ndarray  # (P,) the power's clients last month: memberships of its blocs plus its bases
    aid_share: np.ndarray  # (S, P) each state's share of each power's help (the shares of a power sum to S)

    def take(self, i: int) -> RunState:
        """Run i of a batch, without the batch axis."""
        return RunState(**{f.name: np.array(getattr(self, f.name)[i]) for f in fields(self)})  # 0-d stay arrays

    @staticmethod
    def stack(runs: list[RunState]) -> RunState:
        return RunState(**{f.name: np.stack([getattr(r, f.name) for r in runs]) for f in fields(RunState)})


@dataclass
class World:
    """Everything a step reads and writes."""

    setup: Setup
    schedule: Schedule
    runs: RunState
    step: int = 0  # the next month to simulate (0 = the period's first month)
    batch_ndim: int = 0
    extra: dict = field(default_factory=dict)


def _series_table(sc: LoadedScenario) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Monthly values of every series over the period, interpolated linearly, then price shocks applied."""
    names = tuple(sc.spec.series)
    T = sc.months
    months = np.arange(sc.start, sc.start + T)
    table = np.ones((T, len(names)))
    refs = np.ones(len(names))
    for j, name in enumerate(names):
        s = sc.spec.series[name]
        pts = sorted((month_index(m), v) for m, v in s.values.items())
        xs = np.array([p[0] for p in pts], dtype=float)
        ys = np.array([p[1] for p in pts], dtype=float)
        table[:, j] = np.interp(months, xs, ys)
        refs[j] = s.reference
    for ev in sc.spec.events:
        if ev.type == "price_shock":
            j = names.index(ev.series)
            a = month_index(ev.date) - sc.start
            b = T if ev.months == 0 else min(T, a + ev.months)
            table[a:b, j] *= ev.factor
    return names, table, refs


def build_setup(sc: LoadedScenario) -> Setup:
    spec = sc.spec
    states, powers, orgs = STATES, sc.powers, sc.orgs
    S, P = len(states), len(powers)
    names, series, refs = _series_table(sc)
    T = sc.months
    log_sum = np.zeros((T, P))
    for p, code in enumerate(powers):
        for sname, elasticity in spec.powers[code].capacity_drivers.items():
            j = names.index(sname)
            log_sum[:, p] += elasticity * np.log(series[:, j] / refs[j])
    cap0 = np.array([spec.powers[c].capacity for c in powers])
    capacity = power_capacity(cap0[None, :], log_sum)  # the rule, once per scenario: it depends on series only
    from sim.trade_data import trade_data

    months_abs = np.arange(sc.start, sc.start + T)
    if spec.economy is not None:
        tdata = trade_data(spec)
        trade_mass = np.stack([np.interp(months_abs, *tdata.mass_points[j]) for j in range(len(tdata.partners))],
                              axis=-1)
        if spec.economy.price in names:  # the oil price as the series table has it, price shocks included
            trade_price = series[:, names.index(spec.economy.price)] / tdata.price_reference
        else:
            trade_price = tdata.price_ratio_at(months_abs)
        active = tdata.active[:P]
    else:  # no trade data: every tie is the fixed one the file gives
        tdata, trade_mass, trade_price, active = None, np.ones((T, 1)), np.ones(T), np.zeros(P)
    fixed_tie = np.zeros((S, P))
    for s, sc_code in enumerate(states):
        for p, pc in enumerate(powers):
            if not active[p]:
                fixed_tie[s, p] = spec.states[sc_code].trade.get(pc, 0.0)
    default_window = int(spec.parameters.get("request_window", 6))
    rule_powers = np.array([spec.powers[c].controller == "rule" for c in powers], dtype=bool)
    hydro = np.array([spec.states[c].hydrocarbons for c in states], dtype=float)
    interest = np.array([spec.powers[c].energy_interest for c in powers], dtype=float)
    slots = _standing_slots(spec, states, powers, rule_powers, hydro, interest, default_window)
    events_by_step: list[list] = [[] for _ in range(T)]
    for ev in spec.events:
        k = month_index(ev.date) - sc.start
        events_by_step[k].append(ev)
        if ev.type == "base_request":
            slots.append(Slot("base", states.index(ev.state), powers.index(ev.actor), k,
                              ev.window or default_window, ev.name, 0.0, ev.id,
                              footprint=site_of(spec.states[ev.state], ev.actor, ev.name)[1]))
        elif ev.type == "energy_deal":
            slots.append(Slot("deal", states.index(ev.state), powers.index(ev.actor), k,
                              ev.window or default_window, ev.name, ev.value, ev.id))
    from sim.scenario.schema import EVENT_TYPES

    hazard_events = [EVENT_TYPES[h.event["type"]].model_validate(
        {"id": h.id, "date": h.start, "source": h.source, **h.event}) for h in spec.hazards]
    return Setup(
        name=spec.name, states=states, powers=powers, orgs=orgs, start=sc.start, months=T,
        exposure=np.array([spec.states[c].afghan_exposure for c in states]),
        neutrality=np.array([spec.states[c].neutrality for c in states]),
        power_exposure=np.array([spec.powers[c].afghan_exposure for c in powers]),
        capacity=capacity, capacity_ratio=capacity / capacity[:1], means_index=np.exp(log_sum),
        basing=np.array([spec.powers[c].basing for c in powers], dtype=float),
        series_names=names, series=series, trade=tdata, trade_mass=trade_mass, trade_price=trade_price,
        fixed_tie=fixed_tie, rivals=_rivals(sc), hydrocarbons=hydro,
        energy_interest=interest, rule_powers=rule_powers, slots=slots,
        haul_km=(tdata.distance_km[:, :P] / 1000.0 if tdata is not None else np.zeros((S, P))),
        exports_gas=np.array([spec.states[c].hydrocarbon_kind == "gas" for c in states], dtype=bool),
        events_by_step=events_by_step,
        hazards=list(spec.hazards), hazard_events=hazard_events,
        hazard_steps=[(month_index(h.start) - sc.start, month_index(h.end) - sc.start) for h in spec.hazards],
    )


def site_of(state_spec, power: str, default_name: str) -> tuple[str, float]:
    """The name and footprint of the site a power would ask a state for (its ``base_sites`` entry: a name
    alone is a full base, footprint 1)."""
    site = state_spec.base_sites.get(power)
    if site is None:
        return default_name, 1.0
    return site.name, float(site.footprint)


def _standing_slots(spec, states, powers, rule_powers, hydro, interest, window) -> list[Slot]:
    """The bases in place at the start, then what each rule-driven power may ask for or offer in a state:
    one base (at the site the state's data names, or "a base") and, where the state exports oil or gas
    and the power seeks them, one energy contract adding deal_size to its export routes toward the power
    (in units of the state's 1999 hydrocarbon exports)."""
    from sim.codes import POWER_NAMES

    slots: list[Slot] = []
    for s, sc_code in enumerate(states):
        for pc, names_ in spec.states[sc_code].bases.items():
            for nm in names_:
                p = powers.index(pc)
                slots.append(Slot("base", s, p, -1, window, nm, source="start", askable=bool(rule_powers[p])))
    for s, sc_code in enumerate(states):
        st = spec.states[sc_code]
        for p, pc in enumerate(powers):
            if not rule_powers[p]:
                continue
            pname = spec.powers[pc].name or POWER_NAMES.get(pc, pc)
            if not any(sl.state == s and sl.power == p and sl.kind == "base" for sl in slots):
                name, footprint = site_of(st, pc, f"a base for {pname}")
                slots.append(Slot("base", s, p, -1, window, name, source="rule", askable=True, footprint=footprint))
            if hydro[s] > 0 and interest[p] > 0:
                slots.append(Slot("deal", s, p, -1, window, "energy contract",
                                  float(spec.powers[pc].deal_size), source="rule", askable=True))
    return slots


def _rivals(sc: LoadedScenario) -> np.ndarray:
    powers = sc.powers
    R = np.zeros((len(powers), len(powers)))
    for p, code in enumerate(powers):
        declared = sc.spec.powers[code].rivals
        for q, other in enumerate(powers):
            if q != p and (declared is None or other in declared):
                R[p, q] = 1.0
    return R


def build_schedule(sc: LoadedScenario) -> Schedule:
    spec = sc.spec
    powers, orgs = sc.powers, sc.orgs
    W = np.zeros((len(orgs), len(powers)))
    for o, oc in enumerate(orgs):
        for pc, w in spec.organisations[oc].weights.items():
            W[o, powers.index(pc)] = w
    return Schedule(
        insurgency=float(spec.afghan_insurgency),
        operations=np.zeros(len(powers)),
        distraction=np.zeros(len(powers)),
        conditionality=np.array([spec.powers[c].conditionality for c in powers]),
        base_attention=np.array([spec.powers[c].attention for c in powers]),
        reach=np.array([spec.powers[c].reach for c in powers]),
        org_active=np.array([spec.organisations[c].active for c in orgs], dtype=bool),
        org_weights=W,
        org_bias=np.array([spec.organisations[c].bias for c in orgs]),
        org_security=np.array([spec.organisations[c].security for c in orgs]),
    )


def initial_run_state(sc: LoadedScenario, setup: Setup, seed: int) -> RunState:
    """One run's state at the start of the period, from the scenario's initial conditions (no batch axis)."""
    spec = sc.spec
    S, P, O, K = setup.S, setup.P, setup.O, len(setup.slots)
    a = np.array([[spec.states[s].alignment[p] for p in setup.powers] for s in setup.states])
    member = np.array([[o in spec.states[s].members for o in setup.orgs] for s in setup.states], dtype=bool)
    status = np.array([OPEN if sl.source == "start" else NOT_YET for sl in setup.slots], dtype=np.int64)
    return RunState(
        seed=np.asarray(seed, dtype=np.uint64),
        alignment=a.astype(float),
        affinity=np.zeros((S, P)),
        local_threat=np.array([spec.states[s].local_threat for s in setup.states], dtype=float),
        regime_threat=np.array([spec.states[s].regime_threat for s in setup.states], dtype=float),
        blame=np.zeros((S, P)),
        offers=np.zeros((S, P)),
        economy=np.zeros((S, P)),
        trade_share=np.zeros((S, P)),
        route=setup.trade.routes.copy() if setup.trade is not None else np.zeros((S, P + 1)),
        route_signed=setup.trade.routes_signed.copy() if setup.trade is not None else np.zeros((S, P + 1)),
        openness=np.array([spec.states[s].openness for s in setup.states], dtype=float),
        member=member,
        member_months=np.full((S, O), 999, dtype=np.int64),
        afghan_threat=np.asarray(float(spec.afghan_insurgency)),
        own_threat=np.array([spec.powers[p].own_threat for p in setup.powers], dtype=float),
        encroachment=np.zeros(P),
        attention=np.array([spec.powers[p].attention for p in setup.powers], dtype=float),
        stance=np.array([STANCES.index(spec.powers[p].stance) for p in setup.powers], dtype=np.int64),
        stance_months=np.full(P, 999, dtype=np.int64),
        slot_status=status,
        slot_months=np.full(K, 999, dtype=np.int64),
        slot_taste=np.zeros(K),
        slot_asked=np.full(K, -1, dtype=np.int64),
        member_taste=np.zeros((S, O)),
        clients=np.zeros(P),
        aid_share=np.ones((S, P)),
    )
