"""How close each historical decision came to going the other way, and whether it survives +-10% on each
free parameter.

The historical decisions are the checkpoints of kind ``decision`` that say a decision happens (``occurs``
true): a base opened, a bloc joined or left, a deal signed. For each run in which the decision happens in its
window, its **margin** is how far the deciding utility was past its threshold at the month of the decision,
in the utility's own units (alignment units): utility - threshold for a decision taken when the utility
rises above it (join, grant a base, sign a deal), threshold - utility for one taken when it falls below (leave,
close a base, end a deal). The report gives the median over the runs in which the decision happened.

A decision **survives** +-10% on a free parameter when, with that parameter multiplied by 0.9 and, separately,
by 1.1 (kept in the registry's range) and every other parameter as in the validated runs, the decision still
happens in its window in at least half of the runs.

The utilities are those of sim.core.step.decision_phase (sim.core.step.membership_utilities and sim.core.step.slot_utility,
plus each state's own taste), recomputed from the world after the month's decisions (alignment, threats and
blame are not changed by the decisions; the bloc veto and conflicts are taken from the new memberships). tests/test_calibration.py checks them against the decisions the engine took.
"""

from __future__ import annotations

import numpy as np

from sim.core import step as stp
from sim.core.parameters import BY_NAME
from sim.core.rules.arrays import per_run
from sim.core.world import OPEN, World
from sim.engine import BatchEngine
from sim.validation.checkpoints import Checker
from sim.validation.outcomes import OutcomeRecorder, Outcomes

SURVIVES_SHARE = 0.5
STEP = 0.10


def decision_utilities(world: World, params) -> dict[str, np.ndarray]:
    """Each run's deciding utilities and thresholds this month: membership (N, S, O) with join and leave
    thresholds (N, 1, 1), and slots (N, K) with their grant and revoke thresholds (N, K)."""
    st, sch, r = world.setup, world.schedule, world.runs

    def par(name, trailing):
        return per_run(params[name], trailing)

    a = r.alignment
    out = {"member_u": stp.membership_utilities(world, params) + r.member_taste,
           "join": np.broadcast_to(par("join_threshold", 2), a.shape[:1] + (1, 1)).copy(),
           "leave": np.broadcast_to(par("leave_threshold", 2), a.shape[:1] + (1, 1)).copy()}
    K = len(st.slots)
    if not K:
        z = np.zeros(a.shape[:1] + (0,))
        return {**out, "slot_u": z, "grant": z, "revoke": z}
    is_deal = np.array([sl.kind == "deal" for sl in st.slots])
    slot_u = stp.slot_utility(world, params, list(range(K))) + r.slot_taste
    shape = slot_u.shape
    out["slot_u"] = slot_u
    out["grant"] = np.broadcast_to(np.where(is_deal, par("deal_accept", 1), par("base_grant", 1)), shape).copy()
    out["revoke"] = np.broadcast_to(np.where(is_deal, par("deal_end", 1), par("base_revoke", 1)), shape).copy()
    return out


class UtilityRecorder(OutcomeRecorder):
    """The validation arrays plus each month's deciding utilities and thresholds."""

    def __init__(self, params):
        super().__init__()
        self.params = params
        self.utilities: list[dict] = []

    def record(self, world, drivers, decisions, applied) -> None:
        super().record(world, drivers, decisions, applied)
        self.utilities.append(decision_utilities(world, self.params))


def simulate_utilities(scenario, seeds: list[int], rows: list[dict]) -> tuple[Outcomes, dict[str, np.ndarray]]:
    """Run the batch; return its Outcomes and the utilities stacked as (N, T, ...), month t at index t."""
    eng = BatchEngine(scenario, rows, seeds)
    rec = UtilityRecorder(eng.params)
    rec.snapshot(eng.world)
    eng.run(rec)
    out = Outcomes(eng.world.setup, list(seeds), *(np.stack(getattr(rec, k), axis=1) for k in
                                                   ("alignment", "member", "slot_status", "slot_asked", "stance",
                                                    "economy", "trade_share")))
    util = {k: np.stack([u[k] for u in rec.utilities], axis=1) for k in rec.utilities[0]}
    return out, util


def historical_decisions(validation) -> list[int]:
    """Indices of the checkpoints that say a decision happens."""
    return [i for i, c in enumerate(validation.spec.checkpoints) if c.kind == "decision" and c.occurs]


def decision_margins(validation, out: Outcomes, util: dict) -> list[dict]:
    """Per historical decision: the share of runs in which it happens and the median margin over them."""
    checker = Checker(validation, out.setup)
    rows = []
    for i in historical_decisions(validation):
        c = validation.spec.checkpoints[i]
        margins = _margins(checker, i, c, out, util)
        took = ~np.isnan(margins)
        rows.append({"id": c.id, "claim": c.claim, "window": f"{c.window.start} to {c.window.end}",
                     "share": float(took.mean()),
                     "median_margin": float(np.median(margins[took])) if took.any() else float("nan")})
    return rows


def _margins(checker: Checker, i: int, c, out: Outcomes, util: dict) -> np.ndarray:
    """Margin of the decision in each run (NaN where it did not happen): at its first month in the window."""
    where = ("checkpoints", i)
    w = out.window(c.window.start, c.window.end)
    start = max(w.start, 1)
    ss = checker.states(where + ("state",), c.state)
    counterparts = [c.counterpart] if isinstance(c.counterpart, str) else c.counterpart
    if c.decision in ("joined", "left"):
        os_ = [checker.org(where + ("counterpart",), o) for o in counterparts]
        now = out.member[:, start:w.stop][:, :, ss][:, :, :, os_]
        before = out.member[:, start - 1:w.stop - 1][:, :, ss][:, :, :, os_]
        flag = (now & ~before) if c.decision == "joined" else (~now & before)
        u = util["member_u"][:, start - 1:w.stop - 1][:, :, ss][:, :, :, os_]
        th = util["join" if c.decision == "joined" else "leave"][:, start - 1:w.stop - 1]
        m = (u - th) if c.decision == "joined" else (th - u)
    else:
        ks = checker.decision_slots(where, c, counterparts)
        now = out.slot_status[:, start:w.stop][:, :, ks]
        before = out.slot_status[:, start - 1:w.stop - 1][:, :, ks]
        rising = c.decision in ("base_opened", "deal_signed")
        flag = ((now == OPEN) & (before != OPEN)) if rising else ((now != OPEN) & (before == OPEN))
        u = util["slot_u"][:, start - 1:w.stop - 1][:, :, ks]
        th = util["grant" if rising else "revoke"][:, start - 1:w.stop - 1][:, :, ks]
        m = (u - th) if rising else (th - u)
    flag = flag.reshape(flag.shape[0], flag.shape[1], -1)
    m = m.reshape(flag.shape)
    result = np.full(out.n, np.nan)
    for n in range(out.n):
        hits = np.argwhere(flag[n])
        if len(hits):
            t, j = hits[0]
            result[n] = m[n, t, j]
    return result


def perturbed_rows(rows: list[dict], names: list[str]) -> list[tuple[str, float, list[dict]]]:
    """For each free parameter and each factor (0.9, 1.1): the runs' parameters with that one scaled."""
    out = []
    for name in names:
        p = BY_NAME[name]
        for factor in (1 - STEP, 1 + STEP):
            out.append((name, factor, [{**r, name: float(min(max(r[name] * factor, p.low), p.high))} for r in rows]))
    return out


def robustness(validation, scenario, seeds: list[int], rows: list[dict], names: list[str]) -> list[dict]:
    """Per historical decision and free parameter: pass rates at -10% and +10% and whether it survives.

    All perturbed runs (2 x parameters x runs) go through the batch engine in one call."""
    from sim.validation.scoring import run_checkpoints

    checks = historical_decisions(validation)
    if not checks or not names:
        return []
    variants = perturbed_rows(rows, names)
    all_rows = [r for _, _, rs in variants for r in rs]
    passed, _ = run_checkpoints(validation, scenario, all_rows, list(seeds) * len(variants), checks)
    rates = passed.reshape(len(variants), len(rows), len(checks)).mean(axis=1)  # (V, C)
    table = []
    for j, i in enumerate(checks):
        c = validation.spec.checkpoints[i]
        for k, name in enumerate(names):
            down, up = float(rates[2 * k, j]), float(rates[2 * k + 1, j])
            table.append({"id": c.id, "parameter": name, "pass_minus_10": down, "pass_plus_10": up,
                          "survives": bool(min(down, up) >= SURVIVES_SHARE)})
    return table


NEAR = 0.05  # a starting utility this close to a threshold would make a decision hinge on a hand-set value


def start_proximity(scenario, rows: list[dict]) -> list[dict]:
    """Memberships whose public utility at the start lies within NEAR of the join or leave threshold, for each
    parameter set of ``rows`` (one run each, at rest): a decision that rests on the 1999 values the file sets by
    hand rather than on what happens. Returns one row per (set, state, organisation) that is that close."""
    from sim.core.parameters import batch_params
    from sim.core.start import initial_world

    world = initial_world(scenario, rows, list(range(len(rows))))
    params = batch_params(rows)
    u = stp.membership_utilities(world, params)  # (N, S, O), before the states' tastes
    join = per_run(params["join_threshold"], 2)
    leave = per_run(params["leave_threshold"], 2)
    member = world.runs.member
    active = world.schedule.org_active
    st = world.setup
    # a member is judged against the leave threshold, a non-member against the join threshold
    distance = np.where(member, u - leave, join - u)
    out = []
    for i, s, o in zip(*np.nonzero((np.abs(distance) < NEAR) & active)):
        out.append({"set": int(i), "state": st.states[s], "org": st.orgs[o], "utility": float(u[i, s, o]),
                    "threshold": "leave" if member[i, s, o] else "join", "distance": float(distance[i, s, o])})
    return out


def proximity_markdown(near: list[dict]) -> list[str]:
    """The report's section on decisions resting on the starting values."""
    lines = ["", "## Decisions resting on the starting values", "",
             (f"Memberships whose public utility at the start lies within {NEAR} of the threshold that would "
              "change them (join for a non-member, leave for a member): such a decision would hinge on the "
              "hand-set 1999 values. The calibration is penalised for each."), ""]
    lines += [f"- {r['state']} and {r['org']}: utility {r['utility']:.3f}, {r['threshold']} threshold "
              f"{r['distance']:+.3f} away" for r in near] or ["- none"]
    return lines
