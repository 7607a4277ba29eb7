"""The model as the classroom app runs it: one run of a scenario, with its history kept month by month.

``ClassroomModel`` is the GreatGameModel with three additions a page needs:
- it keeps every month's alignments and drivers (``history``), so a chart can draw the whole run and
  the why panel can show the drivers of recent changes;
- a bad choice (a scenario file that does not load, a seed that is not a whole number) never raises:
  the model falls back to the replay and says why in ``notice``;
- parameter sliders that sit at their registry default leave the scenario's own value in force, so a
  scenario that sets a parameter keeps it until a student moves that slider.
Nothing here imports Solara: it is tested without a browser.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.codes import POWER_NAMES, STATE_NAMES
from sim.model import DEFAULT_SCENARIO, GreatGameModel
from sim.parameters import DEFAULTS, PARAMETERS
from sim.rules.alignment import DRIVERS
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import month_text

_REGISTRY = {p.name: p for p in PARAMETERS}
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"

#: the parameters offered as sliders: the weights of the pulls, the pace of change, contagion and blame
SLIDER_PARAMETERS = ("w_security", "w_regime", "w_conditions", "w_economy", "w_blame", "w_offers", "w_rivalry",
                     "alignment_rate", "contagion", "blame_decay", "base_grant", "base_revoke")


def scenario_choices(folder: Path = SCENARIO_DIR) -> list[str]:
    """Every scenario file under ``folder`` that loads, as paths relative to it (the replay first)."""
    from sim.scenario.loader import load_scenario

    out, skipped = [], []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            load_scenario(path)
        except Exception:  # noqa: BLE001 - a data file that is not a scenario (checkpoints, sweeps)
            skipped.append(path.name)
        else:
            out.append(path.relative_to(folder).as_posix())
    first = DEFAULT_SCENARIO.relative_to(folder).as_posix() if DEFAULT_SCENARIO.is_relative_to(folder) else None
    return sorted(out, key=lambda p: (p != first, "/" in p, p))


def slider_specs() -> dict[str, dict]:
    """Mesa SolaraViz ``model_params`` entries for the key parameters, built from the registry."""
    specs = {}
    for p in PARAMETERS:
        if p.name not in SLIDER_PARAMETERS:
            continue
        span = p.high - p.low
        step = 1 if p.integer else float(f"{span / 100:.1g}")
        specs[p.name] = {"type": "SliderInt" if p.integer else "SliderFloat", "value": p.default,
                         "min": p.low, "max": p.high, "step": step, "label": p.name}
    return specs


class ClassroomModel(GreatGameModel):
    """One run for the classroom: see the module docstring.

    Args:
        scenario_file: a path, absolute or relative to scenarios/.
        seed: the run's seed (a whole number; text such as "7" is accepted).
        **parameters: model parameters; values equal to the registry default are left to the scenario.
    """

    def __init__(self, scenario_file: str | Path = DEFAULT_SCENARIO, seed: int | str = 0, scenario=None,
                 rng=None, **parameters):
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
            if value != DEFAULTS[name]:
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
        super().__init__(loaded, seed=seed, **overrides)
        self.scenario_path = path
        self.notice = "; ".join(notices) or None
        self.overrides = overrides
        self.whatifs: list[dict] = []
        self.history: list[dict] = [self._snapshot(month_text(self.world.setup.start - 1), None)]

    def _snapshot(self, date: str, drivers) -> dict:
        return {"date": date, "alignment": self.world.runs.alignment.copy(),
                "drivers": None if drivers is None else np.array(drivers, copy=True)}

    def step(self) -> None:
        if self.world.step >= self.world.setup.months:
            self.running = False
            return
        date = self.world.setup.date(self.world.step)
        super().step()
        self.history.append(self._snapshot(date, self.last_drivers))

    # ------------------------------------------------------------------ what a page reads
    @property
    def months_done(self) -> int:
        return self.world.step

    @property
    def last_date(self) -> str:
        """The month last simulated (the month before the start, before the first step)."""
        return self.history[-1]["date"]

    def alignment_series(self) -> tuple[list[str], np.ndarray]:
        """Dates and alignments (T, S, P) from the start to the month last simulated."""
        return [h["date"] for h in self.history], np.stack([h["alignment"] for h in self.history])

    def leading(self) -> dict[str, tuple[str, float]]:
        """Each state's leading power and its score now."""
        st, a = self.world.setup, self.world.runs.alignment
        return {s: (st.powers[int(np.argmax(a[i]))], float(np.max(a[i]))) for i, s in enumerate(st.states)}

    def event_records(self) -> list[dict]:
        """Events so far (scheduled, drawn and injected), oldest first: date, id, type, fields, whatif."""
        out = []
        for rec in self.applied_events:
            ev = rec["event"]
            out.append({**ev.model_dump(exclude_none=True), "date": rec["date"], "whatif": bool(rec.get("whatif"))})
        return out

    def why(self, state: str, power: str, months: int = 6) -> list[dict]:
        """The drivers of the last ``months`` changes of ``state``'s alignment with ``power``, latest first.

        Each row: date, before, after, change, and one entry per driver (they add up to the change),
        plus ``because``: the sentence naming the largest drivers and the events behind them.
        """
        from sim.outputs.report import driver_phrase, event_behind

        st = self.world.setup
        i, j = st.states.index(state), st.powers.index(power)
        events = self.event_records()
        rows = []
        for k in range(len(self.history) - 1, 0, -1):
            h, prev = self.history[k], self.history[k - 1]
            d = {name: float(h["drivers"][i, j, n]) for n, name in enumerate(DRIVERS)}
            before, after = float(prev["alignment"][i, j]), float(h["alignment"][i, j])
            top = sorted(d, key=lambda n: -abs(d[n]))[:3]
            parts = [f"{d[n]:+.3f} from {driver_phrase(n, event_behind(events, n, state, power, h['date']))}"
                     for n in top if abs(d[n]) >= 0.0005]
            rows.append({"date": h["date"], "before": before, "after": after, "change": after - before,
                         "drivers": d, "because": ", ".join(parts)})
            if len(rows) >= months:
                break
        return rows

    def decision_reason(self, decision: dict, months: int = 6) -> str:
        """Why a state took a decision with a power, in words.

        A base granted or a deal signed answers a request or an offer: 'answering the United States'
        request of 2001-10 (alignment 0.49)'. A base closed or a deal ended follows a fall in the state's
        alignment with that power: the pull that pulled it down most over the ``months`` up to the
        decision is named with the event behind it, e.g. 'over 6 months its alignment with the United
        States moved -0.21, most by blame for the Andijan unrest (2005-05) (-0.19)'. Decisions about
        organisations get no reason here (their appeal depends on all the powers at once).
        """
        from sim.outputs.report import driver_phrase, event_behind
        from sim.rules.alignment import PULLS

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
        ev = event_behind(self.event_records(), top, state, power, decision["date"])
        return (f"over {k - lo + 1} months its alignment with {name} moved {change:+.2f}, "
                f"most by {driver_phrase(top, ev)} ({pulls[top]:+.2f})")

    def why_sentence(self, state: str, power: str) -> str:
        """'2005-05: Uzbekistan's alignment with the United States fell by 0.040, of which ...'."""
        rows = self.why(state, power, 1)
        if not rows:
            return "Nothing has happened yet: press Step or play."
        r = rows[0]
        verb = "rose" if r["change"] > 0 else "fell" if r["change"] < 0 else "stayed"
        head = (f"{r['date']}: {STATE_NAMES.get(state, state)}'s alignment with {POWER_NAMES.get(power, power)} "
                f"{verb} by {abs(r['change']):.3f} to {r['after']:.2f}")
        return head + (f", of which {r['because']}." if r["because"] else ".")
