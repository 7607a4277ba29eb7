"""Outcomes: each run of a sweep boiled down to a few named numbers, without keeping its time series.

``OutcomeRecorder`` follows the engine's recorder protocol (``record(world, drivers, decisions, applied)``
once a month) and keeps, per outcome, only what that outcome needs, as arrays over the N runs of a batch:
the alignment at one month, a running sum and count for a mean, the first month a decision happens, a
count of months in an organisation or with a base open. Memory is O(N x outcomes), whatever the length
of the period. It can also keep the monthly alignments of a few chosen runs (the sweep's ``timeseries``).

Month conventions follow the full record of ``run.py run``: the values "at" a month are those at the end
of that month, after its decisions; a window counts its first and last months.
"""

from __future__ import annotations

import numpy as np

from sim.core.world import OPEN
from sim.scenario.schema import month_index


def decimal_year(month: int) -> float:
    """Month index (year * 12 + month - 1) -> year + (month - 1) / 12: 2005-07 is 2005.5."""
    return month // 12 + (month % 12) / 12.0


class _Outcome:
    """Base: an outcome watches months [first, last] (step indices) of the period."""

    def __init__(self, spec, setup, n: int):
        self.spec = spec
        start = getattr(spec, "start", None)
        end = getattr(spec, "end", None)
        date = getattr(spec, "date", None)
        if date is not None:
            start = end = date
        self.first = 0 if start is None else month_index(start) - setup.start
        self.last = setup.months - 1 if end is None else month_index(end) - setup.start
        self.n = n

    def watching(self, step: int) -> bool:
        return self.first <= step <= self.last


def _slots(setup, kind: str | None, state=None, power=None, name=None) -> list[int]:
    return [k for k, sl in enumerate(setup.slots)
            if (kind is None or sl.kind == kind) and (name is None or sl.name == name)
            and (state is None or setup.states[sl.state] == state) and (power is None or setup.powers[sl.power] == power)]


class AlignmentAt(_Outcome):
    def __init__(self, spec, setup, n):
        super().__init__(spec, setup, n)
        self.s, self.p = setup.states.index(spec.state), setup.powers.index(spec.power)
        self.value = np.full(n, np.nan)

    def update(self, world, dec):
        if world.step == self.first:
            self.value = world.runs.alignment[:, self.s, self.p].copy()

    def values(self):
        return self.value


class AlignmentMean(_Outcome):
    """Mean over the window: the monthly values are added in month order, then divided by their count."""

    def __init__(self, spec, setup, n):
        super().__init__(spec, setup, n)
        self.s, self.p = setup.states.index(spec.state), setup.powers.index(spec.power)
        self.total = np.zeros(n)
        self.count = 0

    def update(self, world, dec):
        if self.watching(world.step):
            self.total = self.total + world.runs.alignment[:, self.s, self.p]
            self.count += 1

    def values(self):
        return self.total / self.count


class _DecisionFlags(_Outcome):
    """Which runs took the chosen decision this month (any matching state, counterpart, base or deal)."""

    def __init__(self, spec, setup, n):
        super().__init__(spec, setup, n)
        d = spec.decision
        self.org_decision = d in ("joined", "left")
        if self.org_decision:
            self.states = [i for i, c in enumerate(setup.states) if spec.state in (None, c)]
            self.orgs = [o for o, c in enumerate(setup.orgs) if spec.counterpart in (None, c)]
        else:
            kind = "base" if d.startswith("base") else "deal"
            self.flag = ("opened" if d in ("base_opened", "deal_signed")
                         else "asked" if d in ("base_requested", "deal_offered") else "closed")
            self.slots = _slots(setup, kind, spec.state, spec.counterpart, spec.name)

    def flags(self, dec) -> np.ndarray:
        """(N,) count of matching decisions this month."""
        count = np.zeros(self.n, dtype=np.int64)
        if self.org_decision:
            m = dec[self.spec.decision]
            for s in self.states:
                for o in self.orgs:
                    count += m[:, s, o]
            return count
        ks = dec["slots"]
        if not self.slots or not ks:
            return count
        pos = {k: j for j, k in enumerate(ks)}
        f = dec[self.flag]
        for k in self.slots:
            if k in pos:
                count += f[:, pos[k]]
        return count


class FirstDecision(_DecisionFlags):
    def __init__(self, spec, setup, n):
        super().__init__(spec, setup, n)
        self.start = setup.start
        self.month = np.full(n, -1, dtype=np.int64)

    def update(self, world, dec):
        if self.watching(world.step):
            new = (self.flags(dec) > 0) & (self.month < 0)
            self.month[new] = world.step

    def values(self):
        never = np.nan if self.spec.never is None else float(self.spec.never)
        years = np.array([decimal_year(self.start + int(m)) for m in self.month]) if self.n else np.zeros(0)
        return np.where(self.month >= 0, years, never)


class DecisionCount(_DecisionFlags):
    def __init__(self, spec, setup, n):
        super().__init__(spec, setup, n)
        self.count = np.zeros(n, dtype=np.int64)

    def update(self, world, dec):
        if self.watching(world.step):
            self.count += self.flags(dec)

    def values(self):
        return self.count.astype(float)


class _SlotOpen(_Outcome):
    kind = "base"

    def __init__(self, spec, setup, n):
        super().__init__(spec, setup, n)
        self.slots = _slots(setup, self.kind, spec.state, spec.power, spec.name)
        self.count = np.zeros(n, dtype=np.int64)

    def update(self, world, dec):
        if self.watching(world.step):
            status = world.runs.slot_status
            is_open = np.zeros(self.n, dtype=bool)
            for k in self.slots:
                is_open |= status[:, k] == OPEN
            self.count += is_open

    def values(self):
        return self.count.astype(float)


class BaseOpenAt(_SlotOpen):
    pass


class BaseMonths(_SlotOpen):
    pass


class DealInForceAt(_SlotOpen):
    kind = "deal"


class MemberMonths(_Outcome):
    def __init__(self, spec, setup, n):
        super().__init__(spec, setup, n)
        self.s, self.o = setup.states.index(spec.state), setup.orgs.index(spec.org)
        self.count = np.zeros(n, dtype=np.int64)

    def update(self, world, dec):
        if self.watching(world.step):
            self.count += world.runs.member[:, self.s, self.o]

    def values(self):
        return self.count.astype(float)


class StanceMonths(_Outcome):
    def __init__(self, spec, setup, n):
        from sim.codes import STANCES

        super().__init__(spec, setup, n)
        self.p, self.code = setup.powers.index(spec.power), STANCES.index(spec.stance)
        self.count = np.zeros(n, dtype=np.int64)

    def update(self, world, dec):
        if self.watching(world.step):
            self.count += world.runs.stance[:, self.p] == self.code

    def values(self):
        return self.count.astype(float)


KINDS = {
    "alignment_at": AlignmentAt, "alignment_mean": AlignmentMean, "first_decision": FirstDecision,
    "decision_count": DecisionCount, "base_open_at": BaseOpenAt, "base_months": BaseMonths,
    "deal_in_force_at": DealInForceAt, "member_at": MemberMonths, "months_in_org": MemberMonths,
    "stance_months": StanceMonths,
}


class OutcomeRecorder:
    """Keep only the sweep's outcomes (and the monthly alignment of ``keep_runs``, batch positions)."""

    def __init__(self, outcomes: dict, keep_runs: list[int] | None = None):
        self.specs = outcomes
        self.keep_runs = list(keep_runs or [])
        self.items: dict[str, _Outcome] | None = None
        self.series: list[tuple[str, np.ndarray]] = []  # (date, alignment (len(keep_runs), S, P))
        self.setup = None

    def record(self, world, drivers, dec, applied) -> None:
        if world.batch_ndim != 1:
            raise ValueError("OutcomeRecorder works with the batch engine (runs on a leading axis)")
        if self.items is None:
            self.setup = world.setup
            n = world.runs.alignment.shape[0]
            self.items = {name: KINDS[o.kind](o, world.setup, n) for name, o in self.specs.items()}
        for item in self.items.values():
            item.update(world, dec)
        if self.keep_runs:
            self.series.append((world.setup.date(world.step), world.runs.alignment[self.keep_runs].copy()))

    def values(self) -> dict[str, np.ndarray]:
        """Outcome name -> (N,) float array."""
        return {name: np.asarray(item.values(), dtype=float) for name, item in self.items.items()}
