"""Judge each run against the checkpoints: every checkpoint gives one pass or fail per run.

The rules, in words (a window runs from the end of its first month to the end of its last):
- stance: the power holds the stance in at least ``share`` of the window's months;
- membership: the state is (or is not) a member in at least ``share`` of the months (all states, and
  for a list of organisations: a member of any / of none);
- base_open: the base or deal is open (or not) in at least ``share`` of the months;
- decision: the state takes the decision at least once within the window (``occurs: false``: never);
- order: the window-average of the higher score exceeds the lower one's by more than ``margin``;
- top: the state's window-average score is the highest (or lowest) among the states listed;
- change: the window-average score minus its average over ``before`` is at least ``at_least`` and
  at most ``at_most``;
- level: the window-average score is at least ``at_least`` and at most ``at_most``;
- bounds: every monthly alignment of the states toward the powers lies within [at_least, at_most].
A checkpoint with premises (``given``: other checkpoints' ids) passes only in the runs that pass them too.
"""

from __future__ import annotations

import numpy as np

from sim.codes import STANCES
from sim.core.world import CLOSED, OPEN
from sim.scenario.schema import month_index
from sim.validation.outcomes import Outcomes
from sim.validation.spec import LoadedValidation, Score


class Checker:
    """Evaluates the checkpoints of a validation file on the outcomes of one scenario's runs."""

    def __init__(self, validation: LoadedValidation, setup, absent: frozenset = frozenset()):
        """absent: ids of requests and offers the judged scenario dropped (a what-if): a base or deal they
        would have opened never opens, instead of being an error in the checkpoint file."""
        self.v = validation
        self.setup = setup
        self.absent = absent

    # --- codes, checked against the scenario with the file's line in the message ---------------------
    def _code(self, where, code, known, what):
        if code not in known:
            raise self.v.error(where, f"unknown {what} {code!r}; expected one of {', '.join(known)}")
        return known.index(code)

    def states(self, where, codes) -> list[int]:
        codes = [codes] if isinstance(codes, str) else codes
        return [self._code(where, c, self.setup.states, "state") for c in codes]

    def power(self, where, code) -> int:
        return self._code(where, code, self.setup.powers, "power")

    def org(self, where, code) -> int:
        return self._code(where, code, self.setup.orgs, "organisation")

    def slots(self, where, state: str, power: str, kind: str, event: str | None, power_field: str = "power") -> list[int]:
        s = self.states(where + ("state",), state)[0]
        p = self.power(where + (power_field,), power)
        ks = [k for k, sl in enumerate(self.setup.slots) if sl.state == s and sl.power == p and sl.kind == kind
              and (event is None or sl.event_id == event)]
        if not ks and self.absent and (event is None or event in self.absent):
            return []  # judging a what-if that dropped the request: nothing to open
        if not ks:
            what = f"request or offer {event!r}" if event else f"{kind} of {power} in {state}"
            raise self.v.error(where, f"no {what} in the scenario")
        return ks

    def decision_slots(self, where, check, counterparts: list[str]) -> list[int]:
        """The slots a base or deal decision checkpoint is about: its states' bases or deals with its powers."""
        kind = "base" if check.decision.startswith("base") else "deal"
        ks = []
        for s in (check.state if isinstance(check.state, list) else [check.state]):
            for c in counterparts:
                ks += self.slots(where, s, c, kind, check.event, "counterpart")
        return ks

    def months(self, where, window) -> None:
        """Refuse a window outside the scenario's period (the arrays would clip it to the first or last month)."""
        start, end = self.setup.start, self.setup.start + self.setup.months - 1
        for m in (window.start, window.end):
            if not start <= month_index(m) <= end:
                raise self.v.error(where, f"month {m} is outside the scenario's period {self.setup.date(0)} to "
                                          f"{self.setup.date(self.setup.months - 1)}")

    # --- scores --------------------------------------------------------------------------------------
    def score(self, where, score: Score, out: Outcomes, window: slice) -> np.ndarray:
        """Window-average of a score per run (N,): alignment toward a power, or the difference for 'A-B'."""
        ss = self.states(where + ("state",), score.state)
        a = out.alignment[:, window][:, :, ss, :].mean(axis=(1, 2))  # (N, P)
        parts = score.power.split("-")
        value = a[:, self.power(where + ("power",), parts[0])]
        if len(parts) == 2:
            value = value - a[:, self.power(where + ("power",), parts[1])]
        return value

    # --- the checks ----------------------------------------------------------------------------------
    def evaluate(self, i: int, check, out: Outcomes) -> np.ndarray:
        """Pass (True) or fail for each run, shape (N,): the claim itself, and each of its premises."""
        passed = self._claim(i, check, out)
        if check.given:
            where = {c.id: j for j, c in enumerate(self.v.spec.checkpoints)}
            for g in check.given:
                passed = passed & self.evaluate(where[g], self.v.spec.checkpoints[where[g]], out)
        return passed

    def _claim(self, i: int, check, out: Outcomes) -> np.ndarray:
        """The claim alone, without its premises (N,)."""
        where = ("checkpoints", i)
        self.months(where + ("window",), check.window)
        if check.kind == "change":
            self.months(where + ("before",), check.before)
        w = out.window(check.window.start, check.window.end)
        kind = check.kind
        if kind == "stance":
            p = self.power(where + ("power",), check.power)
            return (out.stance[:, w, p] == STANCES.index(check.stance)).mean(axis=1) >= check.share - 1e-9
        if kind == "membership":
            ss = self.states(where + ("state",), check.state)
            orgs = [check.org] if isinstance(check.org, str) else check.org
            os_ = [self.org(where + ("org",), o) for o in orgs]
            m = out.member[:, w][:, :, ss][:, :, :, os_].any(axis=3)  # (N, T, states)
            held = m if check.member else ~m
            return (held.mean(axis=1) >= check.share - 1e-9).all(axis=1)
        if kind == "base_open":
            ks = self.slots(where, check.state, check.power, "base", check.event)
            is_open = (out.slot_status[:, w][:, :, ks] == OPEN).any(axis=2)
            held = is_open if check.open else ~is_open
            return held.mean(axis=1) >= check.share - 1e-9
        if kind == "decision":
            return self._decision(where, check, out, w)
        if kind == "order":
            hi = self.score(where + ("higher",), check.higher, out, w)
            lo = self.score(where + ("lower",), check.lower, out, w)
            return hi - lo > check.margin
        if kind == "top":
            mine = self.score(where, Score(state=check.state, power=check.power), out, w)
            others = [self.score(where + ("among",), Score(state=s, power=check.power), out, w)
                      for s in check.among if s != check.state]
            self.states(where + ("among",), check.among)
            if check.rank == "highest":
                return np.all([mine > o for o in others], axis=0)
            return np.all([mine < o for o in others], axis=0)
        if kind == "change":
            after = self.score(where + ("score",), check.score, out, w)
            before = self.score(where + ("score",), check.score, out, out.window(check.before.start,
                                                                                 check.before.end))
            return _within(after - before, check)
        if kind == "level":
            return _within(self.score(where + ("score",), check.score, out, w), check)
        if kind == "bounds":
            ss = self.states(where + ("state",), check.state)
            ps = [self.power(where + ("powers",), c) for c in (check.powers or self.setup.powers)]
            a = out.alignment[:, w][:, :, ss][:, :, :, ps]
            return ((a >= check.at_least) & (a <= check.at_most)).all(axis=(1, 2, 3))
        raise ValueError(kind)  # pragma: no cover - the schema admits no other kind

    def margin(self, i: int, check, out: Outcomes) -> np.ndarray | None:
        """How far each run is from the checkpoint's bound, signed (positive: passes by that much), in the
        checkpoint's own unit: alignment units for order, level and change; a share of the window's months for
        stance, membership and base_open. None for the kinds that have no distance (decision, top, bounds)."""
        where = ("checkpoints", i)
        w = out.window(check.window.start, check.window.end)
        kind = check.kind
        if kind == "stance":
            p = self.power(where + ("power",), check.power)
            return (out.stance[:, w, p] == STANCES.index(check.stance)).mean(axis=1) - check.share
        if kind == "membership":
            ss = self.states(where + ("state",), check.state)
            orgs = [check.org] if isinstance(check.org, str) else check.org
            m = out.member[:, w][:, :, ss][:, :, :, [self.org(where + ("org",), o) for o in orgs]].any(axis=3)
            held = m if check.member else ~m
            return (held.mean(axis=1) - check.share).min(axis=1)
        if kind == "base_open":
            ks = self.slots(where, check.state, check.power, "base", check.event)
            is_open = (out.slot_status[:, w][:, :, ks] == OPEN).any(axis=2)
            return (is_open if check.open else ~is_open).mean(axis=1) - check.share
        if kind == "order":
            return (self.score(where + ("higher",), check.higher, out, w)
                    - self.score(where + ("lower",), check.lower, out, w) - check.margin)
        if kind in ("change", "level"):
            value = self.score(where + ("score",), check.score, out, w)
            if kind == "change":
                value = value - self.score(where + ("score",), check.score, out,
                                           out.window(check.before.start, check.before.end))
            gaps = [value - check.at_least] if check.at_least is not None else []
            gaps += [check.at_most - value] if check.at_most is not None else []
            return np.min(gaps, axis=0)
        return None

    def _decision(self, where, check, out: Outcomes, w: slice) -> np.ndarray:
        ss = self.states(where + ("state",), check.state)
        counterparts = [check.counterpart] if isinstance(check.counterpart, str) else check.counterpart
        start = max(w.start, 1)  # a decision at moment k happened in month k-1: compare k with k-1
        happened = np.zeros(out.n, dtype=bool)
        if check.decision in ("joined", "left"):
            os_ = [self.org(where + ("counterpart",), c) for c in counterparts]
            now = out.member[:, start:w.stop][:, :, ss][:, :, :, os_]
            before = out.member[:, start - 1:w.stop - 1][:, :, ss][:, :, :, os_]
            flag = (now & ~before) if check.decision == "joined" else (~now & before)
            happened = flag.any(axis=(1, 2, 3))
        else:
            ks = self.decision_slots(where, check, counterparts)
            now = out.slot_status[:, start:w.stop][:, :, ks]
            before = out.slot_status[:, start - 1:w.stop - 1][:, :, ks]
            if check.decision in ("base_requested", "deal_offered"):
                flag = out.slot_asked[:, start:w.stop][:, :, ks] != out.slot_asked[:, start - 1:w.stop - 1][:, :, ks]
            elif check.decision in ("base_opened", "deal_signed"):
                flag = (now == OPEN) & (before != OPEN)
            else:
                flag = (now == CLOSED) & (before == OPEN)
            happened = flag.any(axis=(1, 2))
        return happened if check.occurs else ~happened


def evaluate_all(validation: LoadedValidation, out: Outcomes, absent: frozenset = frozenset()) -> dict[str, np.ndarray]:
    """Pass/fail per run (N,) of every checkpoint, keyed by id, in file order (``absent``: see Checker)."""
    checker = Checker(validation, out.setup, absent)
    return {c.id: checker.evaluate(i, c, out) for i, c in enumerate(validation.spec.checkpoints)}


def check_against(validation: LoadedValidation, scenario, absent: frozenset = frozenset()) -> None:
    """Check every checkpoint's codes, bases, deals and months against the scenario before any run, so that a
    mistake in the file stops the command at once (a ScenarioError naming the file's line), not after the runs:
    the evaluation itself, on the scenario's world before its first month held for the whole period."""
    from sim.core.start import fresh_world
    from sim.validation.outcomes import OutcomeRecorder

    world = fresh_world(scenario, [0])
    rec = OutcomeRecorder()
    rec.snapshot(world)
    moments = world.setup.months + 1
    arrays = [np.repeat(getattr(rec, k)[0][:, None], moments, axis=1) for k in
              ("alignment", "member", "slot_status", "slot_asked", "stance", "economy", "trade_share")]
    evaluate_all(validation, Outcomes(world.setup, [0], *arrays), absent)


def summary(validation: LoadedValidation, results: dict[str, np.ndarray], holdout=None) -> dict[str, float]:
    """Mean pass rate overall, on the calibration checkpoints and on the held-out ones."""
    rates = {c.id: float(results[c.id].mean()) for c in validation.spec.checkpoints}
    cal = [rates[c.id] for c in validation.spec.checkpoints if not validation.is_holdout(c, holdout)]
    held = [rates[c.id] for c in validation.spec.checkpoints if validation.is_holdout(c, holdout)]
    return {
        "overall": float(np.mean(list(rates.values()))),
        "calibration": float(np.mean(cal)) if cal else float("nan"),
        "held_out": float(np.mean(held)) if held else float("nan"),
        "n_calibration": len(cal),
        "n_held_out": len(held),
    }


def _within(values: np.ndarray, check) -> np.ndarray:
    """Runs whose value lies within the check's bounds (at_least, at_most; either may be absent)."""
    ok = np.ones(np.shape(values), dtype=bool)
    if check.at_least is not None:
        ok &= values >= check.at_least
    if check.at_most is not None:
        ok &= values <= check.at_most
    return ok
