"""The model as the classroom app runs it: one run of a scenario, with every month kept.

``ClassroomModel`` is the GreatGameModel with what a page needs:
- it keeps every month (``history``): alignments, drivers, bases, memberships and the shares of the
  blame and regime-threat stocks each event filled, so the page can show any month already simulated
  (step back, jump) and every panel reads the same month;
- a bad choice (a scenario file that does not load, a seed that is not a whole number) never raises:
  the model falls back to the replay and says why in ``notice``;
- only the parameters given to it change the run: the page passes the sliders a user moved, never the
  others, so an untouched parameter keeps its exact value (the scenario's, else the registry default);
- ``replayed_to(k)`` recomputes the run from the start to month k with the same what-ifs (a run depends
  only on scenario, parameters, seed and what-ifs, so this is the same run);
- stocks are explained by the events that filled them: blame held in 2005-07 is partly the Andijan
  unrest's (2005-05) and partly the revolutions' before it, each share what is left of its inflow.
Nothing here imports Solara: it is tested without a browser.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from sim.codes import POWER_NAMES, STATE_NAMES
from sim.core.parameters import DEFAULTS, PARAMETERS
from sim.core.rules.alignment import DRIVERS
from sim.model import DEFAULT_SCENARIO, GreatGameModel
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import month_text

_REGISTRY = {p.name: p for p in PARAMETERS}
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"

#: the parameters offered as sliders, with the plain name the page shows (the meaning comes from the registry)
SLIDERS: dict[str, str] = {
    "w_security": "Weight of security",
    "w_regime": "Weight of regime survival",
    "w_conditions": "Weight of democracy conditions",
    "w_economy": "Weight of energy and trade",
    "w_blame": "Weight of blame",
    "w_offers": "Weight of aid and offers",
    "w_rivalry": "Cost of courting rivals",
    "alignment_rate": "Speed of realignment",
    "contagion": "Contagion of revolutions",
    "blame_decay": "Memory of blame",
    "base_grant": "Alignment needed to grant a base",
    "base_revoke": "Alignment below which a base closes",
}
SLIDER_PARAMETERS = tuple(SLIDERS)

#: stocks explained by the events that filled them: driver -> (run-state field, its monthly persistence)
STOCKS = {"blame": ("blame", "blame_decay"), "regime": ("regime_threat", "regime_decay")}
#: event types that can add to those stocks (and those that change who is blamed, applied in order with them)
_STOCK_EVENTS = ("color_revolution", "unrest", "leader_change", "power_policy")


def scenario_choices(folder: Path = SCENARIO_DIR) -> list[str]:
    """Every scenario file under ``folder`` that loads, as paths relative to it (the replay first)."""
    from sim.scenario.loader import load_scenario

    out = []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            load_scenario(path)
        except Exception:  # noqa: BLE001, S112 - a data file that is not a scenario (checkpoints, sweeps)
            continue
        out.append(path.relative_to(folder).as_posix())
    first = DEFAULT_SCENARIO.relative_to(folder).as_posix() if DEFAULT_SCENARIO.is_relative_to(folder) else None
    return sorted(out, key=lambda p: (p != first, "/" in p, p))


def slider_specs() -> dict[str, dict]:
    """One entry per slider: plain label, one-line meaning, range, step and registry default."""
    specs = {}
    for name, label in SLIDERS.items():
        p = _REGISTRY[name]
        span = p.high - p.low
        step = 1 if p.integer else float(f"{span / 100:.1g}")
        specs[name] = {"label": label, "meaning": p.meaning, "unit": p.unit, "min": p.low, "max": p.high,
                       "step": step, "default": p.default, "integer": p.integer}
    return specs


def exact(value: float) -> str:
    """A parameter's value as the run uses it, not rounded: 3.3962 -> '3.3962', 0.1 -> '0.1'."""
    return repr(float(value)) if float(value) != int(value) else str(int(value))


class ParameterChoices:
    """The parameters a user has moved, and nothing else: what a Reset passes to the new model.

    A slider snaps to its step (3.36 for 3.3962), so passing every slider's position would change the
    parameters nobody touched. Only a slider that was moved is recorded; ``clear`` forgets them all.
    """

    def __init__(self, moved: dict[str, float] | None = None):
        self.moved = dict(moved or {})

    def move(self, name: str, value: float) -> ParameterChoices:
        return ParameterChoices({**self.moved, name: float(value)})

    def forget(self, name: str) -> ParameterChoices:
        return ParameterChoices({k: v for k, v in self.moved.items() if k != name})

    def kwargs(self) -> dict[str, float]:
        return dict(self.moved)


class ClassroomModel(GreatGameModel):
    """One run for the classroom: see the module docstring.

    Args:
        scenario_file: a path, absolute or relative to scenarios/.
        seed: the run's seed (a whole number; text such as "7" is accepted).
        **parameters: model parameters to override (every one given is applied, if it is in range).
    """

    def __init__(self, scenario_file: str | Path = DEFAULT_SCENARIO, seed: int | str = 0, scenario=None,
                 rng=None, **parameters):
        from sim.recorders import FullRecorder
        from sim.scenario.loader import load_scenario

        notices = []
        try:
            seed = int(str(seed).strip())
            if seed < 0:
                raise ValueError
        except ValueError:
            notices.append(f"seed: expected a whole number of 0 or more, got {seed!r}; using 0")
            seed = 0
        overrides, bad = {}, []
        for name, value in parameters.items():
            if name not in DEFAULTS:
                bad.append(name)
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                notices.append(f"{name}: expected a number, got {value!r}; using the scenario's value")
                continue
            spec = _REGISTRY[name]
            if not spec.low <= value <= spec.high:
                notices.append(f"{name}: expected a value from {spec.low} to {spec.high} ({spec.unit}), got {value}; "
                               "using the scenario's value")
                continue
            overrides[name] = value
        if bad:
            notices.append(f"unknown parameters ignored: {', '.join(bad)}")
        path = Path(scenario_file)
        if not path.is_absolute():
            path = SCENARIO_DIR / path
        try:
            loaded = load_scenario(path)
        except (ScenarioError, ValueError, OSError) as e:
            notices.append(f"could not use {scenario_file}: {e}; showing the 1999-2008 replay instead")
            loaded, overrides = load_scenario(DEFAULT_SCENARIO), {}
            path = DEFAULT_SCENARIO
        super().__init__(loaded, seed=seed, **overrides)
        self.scenario_file = str(scenario_file)
        self.scenario_path = path
        self.notice = "; ".join(notices) or None
        self.overrides = overrides
        self.whatifs: list[dict] = []
        self.recorder = FullRecorder()  # the tables an export writes
        self._portions: dict[str, dict[int, np.ndarray]] = {d: {} for d in STOCKS}  # driver -> event -> stock
        self._pending: list[tuple[int, dict[str, np.ndarray]]] = []  # what-ifs' inflows, for the next month
        self._records: list[dict] = []
        self.history: list[dict] = [self._snapshot(month_text(self.world.setup.start - 1), None, {})]

    # ------------------------------------------------------------------ running
    def _snapshot(self, date: str, drivers, shares: dict) -> dict:
        st, r = self.world.setup, self.world.runs
        return {"date": date, "alignment": r.alignment.copy(),
                "drivers": None if drivers is None else np.array(drivers, copy=True),
                "bases": {s.code: [b.split(":")[0] for b in s.bases] for s in self.state_agents},
                "members": {s.code: list(s.memberships) for s in self.state_agents},
                "events": len(self.applied_events), "decisions": len(self.decisions),
                "shares": shares, "step": self.world.step, "months": st.months}

    def step(self) -> None:
        w = self.world
        if w.step >= w.setup.months:
            self.running = False
            return
        date = w.setup.date(w.step)
        before = _world_copy(w)
        n_applied = len(self.applied_events)
        super().step()
        self._records = []  # event_records is recomputed when events were added
        month_events = [(n_applied + k, rec["event"]) for k, rec in enumerate(self.applied_events[n_applied:])]
        shares = self._fill_stocks(before, month_events)
        self.history.append(self._snapshot(date, self.last_drivers, shares))

    def _fill_stocks(self, before, month_events: list[tuple[int, object]]) -> dict:
        """Decay each event's portion of the blame and regime-threat stocks by the stock's persistence, add
        this month's inflows (what-ifs injected before the month, then the month's events, each measured by
        applying it, in order, to a copy of the world as it stood), and return each event's share of the
        stock the month's pulls used: {driver: {event index: (S, P) or (S,) share}}."""
        from sim.core.events import apply_event

        for driver, (_field, persistence) in STOCKS.items():
            keep = float(self.param_values[persistence])
            self._portions[driver] = {e: p * keep for e, p in self._portions[driver].items()}
        for e, inflow in self._pending:
            for driver, add in inflow.items():
                self._portions[driver][e] = self._portions[driver].get(e, 0.0) + add
        self._pending = []
        for e, ev in month_events:
            if ev.type not in _STOCK_EVENTS:
                continue
            old = {d: getattr(before.runs, f).copy() for d, (f, _) in STOCKS.items()}
            apply_event(before, ev, self.params)
            for driver, (f, _) in STOCKS.items():
                add = getattr(before.runs, f) - old[driver]
                if np.any(add != 0):
                    self._portions[driver][e] = self._portions[driver].get(e, 0.0) + add
        out = {}
        for driver, (f, _) in STOCKS.items():
            stock = getattr(before.runs, f)  # after the month's events: what the pulls read
            safe = np.where(np.abs(stock) > 1e-15, stock, 1.0)
            out[driver] = {e: np.where(np.abs(stock) > 1e-15, p / safe, 0.0)
                           for e, p in self._portions[driver].items() if np.any(np.abs(p) > 1e-12)}
        return out

    def inject(self, fields: dict) -> str:
        """A what-if now (sim.whatif.inject), with its inflow into the stocks kept for the explanations."""
        from sim.whatif import inject

        old = {d: getattr(self.world.runs, f).copy() for d, (f, _) in STOCKS.items()}
        text = inject(self, fields)
        self.whatifs[-1].update(fields=dict(fields), step=self.world.step, index=len(self.applied_events) - 1)
        inflow = {d: getattr(self.world.runs, f) - old[d] for d, (f, _) in STOCKS.items()}
        self._pending.append((len(self.applied_events) - 1, {d: v for d, v in inflow.items() if np.any(v != 0)}))
        self._records = []
        return text

    def replayed_to(self, months: int) -> ClassroomModel:
        """The same run recomputed from the start up to ``months`` months done, with the what-ifs made
        before then, injected in the same months (runs are deterministic, so it is the same run)."""
        model = ClassroomModel(self.scenario_path, seed=self.seed, **self.overrides)
        model.notice = self.notice
        months = max(0, min(months, self.world.setup.months))
        todo = [w for w in self.whatifs if w["step"] < months]
        while model.world.step < months:
            for w in todo:
                if w["step"] == model.world.step:
                    model.inject(w["fields"])
            model.step()
        return model

    # ------------------------------------------------------------------ what a page reads
    @property
    def months_done(self) -> int:
        return self.world.step

    @property
    def last_date(self) -> str:
        """The month last simulated (the month before the start, before the first step)."""
        return self.history[-1]["date"]

    def date_of(self, k: int) -> str:
        """The month shown after k months done ('start' before the first)."""
        return self.history[k]["date"] if k else "start"

    def month_index(self, text: str) -> int | None:
        """Months done at the end of month ``text`` (YYYY-MM) of this run's period, or None if outside it."""
        st = self.world.setup
        try:
            from sim.scenario.schema import month_index

            k = month_index(text.strip()) - st.start + 1
        except ValueError:
            return None
        return k if 0 <= k <= st.months else None

    def alignment_series(self, k: int | None = None) -> tuple[list[str], np.ndarray]:
        """Dates and alignments (T, S, P) from the start to month k (default: the last simulated)."""
        hist = self.history[: (len(self.history) if k is None else k + 1)]
        return [h["date"] for h in hist], np.stack([h["alignment"] for h in hist])

    def leading(self, k: int | None = None) -> dict[str, tuple[str, float]]:
        """Each state's leading power and its score at month k (default: now)."""
        st = self.world.setup
        a = self.history[-1 if k is None else k]["alignment"]
        return {s: (st.powers[int(np.argmax(a[i]))], float(np.max(a[i]))) for i, s in enumerate(st.states)}

    def event_records(self, k: int | None = None) -> list[dict]:
        """Events up to month k (scheduled, drawn and injected), oldest first: date, id, title, type, fields,
        whatif, index (its place in ``applied_events``)."""
        if len(self._records) != len(self.applied_events):
            self._records = [
                {**rec["event"].model_dump(exclude_none=True), "date": rec["date"], "whatif": bool(rec.get("whatif")),
                 "index": n}
                for n, rec in enumerate(self.applied_events)]
        if k is None:
            return list(self._records)
        count = self.history[k]["events"]
        pending = [self._records[w["index"]] for w in self.whatifs if w["step"] == k and w["index"] >= count]
        return self._records[:count] + pending  # with what-ifs waiting for the next month

    def decisions_until(self, k: int | None = None) -> list[dict]:
        return list(self.decisions if k is None else self.decisions[: self.history[k]["decisions"]])

    def credit(self, k: int, driver: str, state: str, power: str) -> list[tuple[dict | None, float]]:
        """The driver's contribution in month k split among the events that filled its stock, largest first:
        [(event record, part), ...]; the part no event filled (initial fear, democracy pressure) comes with
        None. For drivers without a stock here, the whole contribution with the event most likely behind it."""
        from sim.outputs.report import event_behind

        st = self.world.setup
        i, j = st.states.index(state), st.powers.index(power)
        h = self.history[k]
        c = float(h["drivers"][i, j, DRIVERS.index(driver)])
        events = self.event_records(k)
        if driver not in STOCKS:
            return [(event_behind(events, driver, state, power, h["date"]), c)]
        by_index = {e["index"]: e for e in events}
        parts = []
        for e, share in h["shares"].get(driver, {}).items():
            s = float(share[i, j] if share.ndim == 2 else share[i])
            if abs(s) > 1e-12 and e in by_index:
                parts.append((by_index[e], c * s))
        rest = c - sum(p for _, p in parts)
        if abs(rest) > 1e-9:
            parts.append((None, rest))
        return sorted(parts, key=lambda x: -abs(x[1]))

    def why(self, state: str, power: str, months: int = 6, k: int | None = None) -> list[dict]:
        """The drivers of the last ``months`` changes up to month k of ``state``'s alignment with ``power``,
        latest first. Each row: date, before, after, change, one entry per driver (they add up to the
        change), and ``because``: the largest drivers, a stock's split among the events that filled it."""
        st = self.world.setup
        i, j = st.states.index(state), st.powers.index(power)
        last = len(self.history) - 1 if k is None else k
        rows = []
        for m in range(last, 0, -1):
            h, prev = self.history[m], self.history[m - 1]
            d = {name: float(h["drivers"][i, j, n]) for n, name in enumerate(DRIVERS)}
            before, after = float(prev["alignment"][i, j]), float(h["alignment"][i, j])
            top = sorted(d, key=lambda n: -abs(d[n]))[:3]
            parts = [self.driver_text(m, n, state, power) for n in top if abs(d[n]) >= 0.0005]
            rows.append({"date": h["date"], "before": before, "after": after, "change": after - before,
                         "drivers": d, "because": ", ".join(parts)})
            if len(rows) >= months:
                break
        return rows

    def driver_text(self, k: int, driver: str, state: str, power: str) -> str:
        """'-0.021 from blame (-0.012 for the Andijan unrest (2005-05), -0.006 for the Tulip revolution
        (2005-03), ...)' or '+0.004 from the security threat ..., after the IMU raid on Batken (1999-08)'."""
        from sim.outputs.report import DRIVER_WORDS, driver_phrase, event_name

        credit = self.credit(k, driver, state, power)
        total = sum(p for _, p in credit)
        if driver not in STOCKS:
            return f"{total:+.3f} from {driver_phrase(driver, credit[0][0])}"
        named = [(e, p) for e, p in credit if e is not None and abs(p) >= 0.0005]
        if not named:
            return f"{total:+.3f} from {DRIVER_WORDS[driver]}"
        if len(named) == 1 and abs(total - named[0][1]) < 0.0005:
            return f"{total:+.3f} from {driver_phrase(driver, named[0][0])}"
        word = "for" if driver == "blame" else "after"
        inner = ", ".join(f"{p:+.3f} {word} {event_name(e)} ({e['date']})" for e, p in named[:3])
        more = " and earlier" if len(named) > 3 or any(e is None and abs(p) >= 0.0005 for e, p in credit) else ""
        return f"{total:+.3f} from {DRIVER_WORDS[driver]} ({inner}{more})"

    def decision_reason(self, decision: dict, months: int = 6) -> str:
        """Why a state took a decision with a power, in words.

        A base granted or a deal signed answers a request or an offer: 'answering the United States'
        request of 2001-10 (alignment 0.49)'. A base closed or a deal ended follows a fall in the state's
        alignment with that power: the pull that pulled it down most over the ``months`` up to the
        decision is named, with the events that filled its stock counted by what each left in it over
        those months, e.g. 'over 6 months its alignment with the United States moved -0.21, most by blame
        (-0.19: -0.12 for the Andijan unrest (2005-05), -0.05 for the Tulip revolution (2005-03))'.
        Decisions about organisations get no reason here (their appeal depends on all the powers at once).
        """
        from sim.core.rules.alignment import PULLS
        from sim.outputs.report import DRIVER_WORDS, driver_phrase, event_name

        st = self.world.setup
        state, power, kind = decision.get("state"), decision.get("counterpart"), decision.get("decision")
        if power not in st.powers or state not in st.states:
            return ""
        k = next((n for n, h in enumerate(self.history) if h["date"] == decision["date"]), None)
        if not k:
            return ""
        i, j = st.states.index(state), st.powers.index(power)
        name = POWER_NAMES.get(power, power)
        if kind in ("base_opened", "deal_signed"):
            asks = [d for d in self.decisions if d["state"] == state and d["counterpart"] == power
                    and d["detail"] == decision.get("detail") and d["date"] <= decision["date"]
                    and d["decision"] in ("base_requested", "deal_offered")]
            if not asks:
                return ""
            what = "request" if asks[-1]["decision"] == "base_requested" else "offer"
            owner = f"{name}'" if name.endswith("s") else f"{name}'s"
            return (f"answering {owner} {what} of {asks[-1]['date']} "
                    f"(alignment {self.history[k]['alignment'][i, j]:.2f})")
        lo = max(1, k - months + 1)
        total = sum(self.history[m]["drivers"][i, j] for m in range(lo, k + 1))
        change = float(self.history[k]["alignment"][i, j] - self.history[lo - 1]["alignment"][i, j])
        pulls = {n: float(total[d]) for d, n in enumerate(DRIVERS) if n in PULLS}
        top = min(pulls, key=pulls.get)
        if pulls[top] > -0.005:
            return ""
        head = (f"over {k - lo + 1} months its alignment with {name} moved {change:+.2f}, most by ")
        if top not in STOCKS:
            from sim.outputs.report import event_behind

            ev = event_behind(self.event_records(k), top, state, power, decision["date"])
            return head + f"{driver_phrase(top, ev)} ({pulls[top]:+.2f})"
        sums: dict = {}
        for m in range(lo, k + 1):
            for e, p in self.credit(m, top, state, power):
                key = None if e is None else e["index"]
                sums[key] = (e, sums.get(key, (e, 0.0))[1] + p)
        named = sorted([v for key, v in sums.items() if key is not None and abs(v[1]) >= 0.005],
                       key=lambda x: x[1])
        if not named:
            return head + f"{DRIVER_WORDS[top]} ({pulls[top]:+.2f})"
        if len(named) == 1 and abs(named[0][1] - pulls[top]) < 0.005:
            return head + f"{driver_phrase(top, named[0][0])} ({pulls[top]:+.2f})"
        word = "for" if top == "blame" else "after"
        inner = ", ".join(f"{p:+.2f} {word} {event_name(e)} ({e['date']})" for e, p in named[:3])
        return head + f"{DRIVER_WORDS[top]} ({pulls[top]:+.2f}: {inner})"

    def why_sentence(self, state: str, power: str, k: int | None = None) -> str:
        """'2005-05: Uzbekistan's alignment with the United States fell by 0.040, of which ...'."""
        rows = self.why(state, power, 1, k)
        if not rows:
            return "Nothing has happened yet: press Step or Play."
        r = rows[0]
        verb = "rose" if r["change"] > 0 else "fell" if r["change"] < 0 else "stayed"
        head = (f"{r['date']}: {STATE_NAMES.get(state, state)}'s alignment with {POWER_NAMES.get(power, power)} "
                f"{verb} by {abs(r['change']):.3f} to {r['after']:.2f}")
        return head + (f", of which {r['because']}." if r["because"] else ".")


def _world_copy(world):
    """A copy of a single run's world to measure events on: its own run state and schedule, the shared setup."""
    from sim.core.world import World

    return World(world.setup, copy.deepcopy(world.schedule), copy.deepcopy(world.runs), world.step,
                 world.batch_ndim)
