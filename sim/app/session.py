"""A role-play session: teams play powers turn by turn; saved to disk, exported as a scenario file.

What a session holds (``session.json`` in its folder, rewritten atomically after every change):
the scenario it plays, the seed, the length of a turn (3 or 12 months), a teacher key, each power's
team (its join code, whether it has joined), the choices of every turn played and those waiting for
the next one. Nothing else: the world is recomputed from the start by running the session's own
scenario file (``scenario_file``: the base scenario, the team powers ``controller: scripted``, and the
teams' choices as events, sim.app.teams) with the batch engine. The runs are deterministic, so a reload
or a server restart finds the same world, and the exported file replays it exactly.

The debrief puts each team's choices beside the pulls through which they work on each state's alignment
toward the team's power, summed over the turn's months from the model's drivers (``CHANNELS``), and the
same months run with every power on its rules (the base scenario as it is).
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from sim.app.teams import BUDGET, TeamController, parse_choice
from sim.codes import POWER_NAMES, STATE_NAMES
from sim.core.rules.alignment import DRIVERS
from sim.scenario.schema import month_index, month_text

#: the pulls on alignment through which each kind of choice works (sim.core.rules.alignment)
CHANNELS = {"base": ("security",), "deal": ("economy",), "aid": ("offers",), "rights": ("conditions", "regime")}
#: how the timeline words a state's decision (asks and offers show as the team's own events)
DECISION_WORDS = {"joined": "", "left": "", "base_opened": "grants", "base_closed": "closes",
                  "deal_signed": "signs", "deal_ended": "ends"}
TURN_MONTHS = {"quarter": 3, "year": 12}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector


class SessionError(ValueError):
    """Something a session cannot do (a bad code, a turn past the end); the message says what."""


def _code(n: int = 5) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Session:
    """One class's game (see the module docstring)."""

    def __init__(self, folder: Path, data: dict):
        self.folder = Path(folder)
        self.data = data
        self._runs: dict = {}

    # creation, saving, loading ------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: Path, scenario: Path, seed: int = 0, turn: str = "year",
               powers: tuple[str, ...] = ("RUS", "USA", "CHN")) -> Session:
        if turn not in TURN_MONTHS:
            raise SessionError(f"turn: expected one of {', '.join(TURN_MONTHS)}, got {turn!r}")
        from sim.scenario import load_scenario

        sc = load_scenario(scenario)
        for p in powers:
            if p not in sc.powers:
                raise SessionError(f"teams: {p!r} is not a power of {scenario} ({', '.join(sc.powers)})")
        codes: set[str] = set()
        teams = {}
        for p in powers:
            c = _code()
            while c in codes:
                c = _code()
            codes.add(c)
            teams[p] = {"code": c, "joined": False}
        data = {"version": 1, "scenario": str(Path(scenario).resolve()), "seed": int(seed), "turn": turn,
                "teacher_key": secrets.token_urlsafe(9), "teams": teams, "turns": [], "pending": {},
                "ended": False}
        s = cls(folder, data)
        s.save()
        return s

    @classmethod
    def load(cls, folder: Path) -> Session:
        path = Path(folder) / "session.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise SessionError(f"{path}: cannot read the session ({e})") from None
        need = {"scenario": str, "seed": int, "turn": str, "teacher_key": str, "teams": dict, "turns": list,
                "pending": dict, "ended": bool}
        for key, kind in need.items():
            if not isinstance(data, dict) or not isinstance(data.get(key), kind):
                raise SessionError(f"{path}: field {key!r} is missing or not a {kind.__name__}; "
                                   "the file is not a session this program wrote")
        if data["turn"] not in TURN_MONTHS:
            raise SessionError(f"{path}: turn: expected one of {', '.join(TURN_MONTHS)}, got {data['turn']!r}")
        return cls(folder, data)

    def save(self) -> None:
        atomic_write(self.folder / "session.json", json.dumps(self.data, indent=1))

    # the scenario --------------------------------------------------------------------------------------
    @cached_property
    def base(self):
        from sim.scenario import load_scenario

        return load_scenario(self.data["scenario"])

    @cached_property
    def setup(self):
        from sim.core.world import build_setup

        return build_setup(self.base)

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.setup.states)

    @property
    def powers(self) -> tuple[str, ...]:
        return tuple(self.setup.powers)

    @property
    def exporters(self) -> tuple[str, ...]:
        """States that export oil or gas: the ones a contract may be offered to."""
        return tuple(c for i, c in enumerate(self.states) if self.setup.hydrocarbons[i] > 0)

    @property
    def turn_months(self) -> int:
        return TURN_MONTHS[self.data["turn"]]

    @property
    def played(self) -> int:
        return len(self.data["turns"])

    @property
    def start(self) -> int:
        return month_index(self.base.spec.period.start)

    def turn_start(self, n: int) -> int:
        """Month index of the first month of turn n (1-based)."""
        return self.start + (n - 1) * self.turn_months

    @property
    def months_total(self) -> int:
        return month_index(self.base.spec.period.end) - self.start + 1

    @property
    def finished(self) -> bool:
        return self.data["ended"] or self.played * self.turn_months >= self.months_total

    def months_played(self) -> int:
        return min(self.months_total, self.played * self.turn_months)

    def scenario_data(self) -> dict:
        """The session as a scenario file: the base scenario, team powers scripted, choices as events."""
        end = month_text(self.start + max(1, self.months_played()) - 1)
        teams = self.team_controllers()
        events = []
        for t in self.data["turns"]:
            date = month_text(self.turn_start(t["number"]))
            for power in (p for p in self.powers if p in teams):  # a fixed order: the scenario's
                events += teams[power].events(t["number"], date)
        return {
            "extends": self.data["scenario"],
            "name": "classroom-session",
            "title": "A classroom session replayed",
            "description": (f"{self.played} turn(s) of {self.turn_months} months played by teams as "
                            f"{', '.join(POWER_NAMES.get(p, p) for p in self.data['teams'])}; run it with "
                            f"seed {self.data['seed']} to replay the session exactly."),
            "period": {"start": self.base.spec.period.start, "end": end},
            "powers": {p: {"controller": "scripted"} for p in self.data["teams"]},
            "events": events,
        }

    def team_controllers(self) -> dict[str, TeamController]:
        """Each team's controller, holding its choices of every turn played."""
        out = {}
        for p in (p for p in self.powers if p in self.data["teams"]):
            choices = {t["number"]: parse_choice(t["choices"][p], self.states, self.exporters)
                       for t in self.data["turns"] if p in t["choices"]}
            out[p] = TeamController(p, choices, float(self.base.spec.powers[p].deal_size))
        return out

    def scenario_yaml(self) -> str:
        return ("# A classroom session as a scenario file (python run.py run FILE --seed "
                f"{self.data['seed']} replays it)\n" + yaml.safe_dump(self.scenario_data(), sort_keys=False,
                                                                     allow_unicode=True))

    def scenario_file(self) -> Path:
        path = self.folder / "scenario.yaml"
        text = self.scenario_yaml()
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text)
        return path

    # runs ----------------------------------------------------------------------------------------------
    def _run(self, loaded, months: int, controllers=None) -> dict:
        from sim.core.parameters import make_params
        from sim.engine import BatchEngine
        from sim.recorders import FullRecorder

        eng = BatchEngine(loaded, [make_params(loaded.spec.parameters)], [self.data["seed"]],
                          controllers=controllers)
        rec = FullRecorder()
        a0 = np.array(eng.world.runs.alignment[0], copy=True)
        for _ in range(months):
            eng.step(rec)
        out = {"dates": list(rec.dates), "alignment0": a0,
               "alignment": rec.stacked("alignment")[:, 0] if months else np.zeros((0,) + a0.shape),
               "drivers": rec.stacked("drivers")[:, 0] if months else np.zeros((0,) + a0.shape + (len(DRIVERS),)),
               "decisions": list(rec.decisions), "refusals": list(rec.refusals), "events": rec.events,
               "bases": _bases(eng.world)}
        return out

    def session_run(self) -> dict:
        """The session's world, month by month, to the end of the last turn played."""
        key = ("session", self.played)
        if key not in self._runs:
            from sim.core.controllers import RuleController
            from sim.scenario import load_scenario

            loaded = load_scenario(self.scenario_file())
            teams = self.team_controllers()
            ctrl = [teams.get(p) or RuleController() for p in loaded.powers]
            self._runs = {key: self._run(loaded, self.months_played(), ctrl)}
        return self._runs[key]

    def rule_run(self) -> dict:
        """The same months with every power on its rules (the base scenario as it is)."""
        key = ("rule", self.played)
        if key not in self._runs:
            self._runs[key] = self._run(self.base, self.months_played())
        return self._runs[key]

    # teams ---------------------------------------------------------------------------------------------
    def power_of(self, code: str) -> str:
        code = str(code or "").strip().upper()
        for p, t in self.data["teams"].items():
            if secrets.compare_digest(t["code"], code):
                return p
        raise SessionError("code: no team has this code; read it again from the teacher's screen")

    def join(self, code: str) -> str:
        p = self.power_of(code)
        if not self.data["teams"][p]["joined"]:
            self.data["teams"][p]["joined"] = True
            self.save()
        return p

    def submit(self, code: str, form) -> dict:
        """A team's choices for the coming turn (replacing any it sent before)."""
        p = self.power_of(code)
        if self.finished:
            raise SessionError("the game is over: no more turns")
        choice = parse_choice(form, self.states, self.exporters)
        self.data["pending"][p] = choice.to_json()
        self.data["teams"][p]["joined"] = True
        self.save()
        return choice.to_json()

    def run_turn(self) -> int:
        """Run the next turn with the choices sent (a team that sent none does nothing this turn)."""
        if self.finished:
            raise SessionError("the game is over: no more turns")
        n = self.played + 1
        choices = {p: self.data["pending"].get(p, {"base": None, "deal": None, "aid": {}, "rights": "as before"})
                   for p in self.data["teams"]}
        self.data["turns"].append({"number": n, "start": month_text(self.turn_start(n)), "choices": choices})
        self.data["pending"] = {}
        self.save()
        self.session_run()
        return n

    def end(self) -> None:
        self.data["ended"] = True
        self.save()

    # views ---------------------------------------------------------------------------------------------
    def now(self) -> str:
        """The last month simulated ('start' before the first turn)."""
        return month_text(self.start + self.months_played() - 1) if self.played else "start"

    def alignment_now(self) -> np.ndarray:
        run = self.session_run()
        return run["alignment"][-1] if len(run["alignment"]) else run["alignment0"]

    def public(self) -> dict:
        """What every power knows: the month, each state's alignment scores, the bases open, the turns."""
        a = self.alignment_now()
        run = self.session_run()
        return {"month": self.now(), "turn": self.played, "next_turn": None if self.finished else self.played + 1,
                "next_start": None if self.finished else month_text(self.turn_start(self.played + 1)),
                "turn_months": self.turn_months, "finished": self.finished, "budget": BUDGET,
                "states": list(self.states), "powers": list(self.powers), "exporters": list(self.exporters),
                "names": {**{c: STATE_NAMES.get(c, c) for c in self.states},
                          **{c: POWER_NAMES.get(c, c) for c in self.powers}},
                "alignment": {s: {p: round(float(a[i, j]), 3) for j, p in enumerate(self.powers)}
                              for i, s in enumerate(self.states)},
                "bases": run["bases"],
                "map": self.map_svg()}

    def map_svg(self) -> str:
        from sim.app.svg import map_svg

        return map_svg(self.alignment_now(), self.states, self.powers, self.now(), self.session_run()["bases"])

    def team_view(self, code: str) -> dict:
        """What a team sees: the public scores and its own choices, never another team's."""
        p = self.power_of(code)
        own = [{"number": t["number"], "start": t["start"], "choices": t["choices"][p]} for t in self.data["turns"]]
        return {**self.public(), "power": p, "power_name": POWER_NAMES.get(p, p), "history": own,
                "pending": self.data["pending"].get(p)}

    def teacher_view(self) -> dict:
        run = self.session_run()
        timeline = [{"date": e["date"], "title": e["event"].title} for e in run["events"]]
        for d in run["decisions"]:
            word = DECISION_WORDS.get(d["decision"])
            if word is not None:  # joined and left: the detail says it ('joined the SCO')
                timeline.append({"date": d["date"], "title": f"{STATE_NAMES.get(d['state'], d['state'])} "
                                 f"{word} {d.get('detail') or d.get('counterpart') or ''}".replace("  ", " ").strip()})
        for d in run["refusals"]:
            timeline.append({"date": d["date"], "title": f"{STATE_NAMES.get(d['state'], d['state'])} lets "
                             f"{d.get('detail') or d.get('request')} lapse"})
        order = {id(r): i for i, r in enumerate(timeline)}  # within a month: events, then decisions
        timeline.sort(key=lambda r: (-month_index(r["date"]), order[id(r)]))  # the newest month first
        return {**self.public(),
                "teams": {p: {"name": POWER_NAMES.get(p, p), "code": t["code"], "joined": t["joined"],
                              "played": p in self.data["pending"]} for p, t in self.data["teams"].items()},
                "timeline": timeline[:60], "debrief": self.debrief() if self.played and self.finished else None}

    # the debrief ---------------------------------------------------------------------------------------
    def driver_rows(self) -> list[dict]:
        """The session's drivers as a tidy table: month, state, power, driver, value (the model's own)."""
        run = self.session_run()
        rows = []
        for t, date in enumerate(run["dates"]):
            for i, s in enumerate(self.states):
                for j, p in enumerate(self.powers):
                    for d, name in enumerate(DRIVERS):
                        rows.append({"date": date, "state": s, "power": p, "driver": name,
                                     "value": float(run["drivers"][t, i, j, d])})
        return rows

    def debrief(self) -> dict:
        """Per turn and team: its choices, and for each state the pulls they work through toward the team's
        power summed over the turn's months; then the change of alignment in the session and in the rule
        run over the whole session."""
        key = ("debrief", self.played)
        if key not in self._runs:
            self._runs[key] = self._debrief()
        return self._runs[key]

    def _debrief(self) -> dict:
        run, rule = self.session_run(), self.rule_run()
        L = self.turn_months
        idx = {name: d for d, name in enumerate(DRIVERS)}
        turns = []
        for t in self.data["turns"]:
            a, b = (t["number"] - 1) * L, min(t["number"] * L, len(run["dates"]))
            teams = {}
            for p, ch in t["choices"].items():
                j = self.powers.index(p)
                per_state = {}
                for i, s in enumerate(self.states):
                    sums = {kind: round(float(sum(run["drivers"][a:b, i, j, idx[d]].sum() for d in ds)), 4)
                            for kind, ds in CHANNELS.items()}
                    before = run["alignment"][a - 1, i, j] if a else run["alignment0"][i, j]
                    per_state[s] = {"pulls": sums, "change": round(float(run["alignment"][b - 1, i, j] - before), 4)}
                teams[p] = {"choices": ch, "states": per_state}
            turns.append({"number": t["number"], "start": t["start"], "end": run["dates"][b - 1], "teams": teams})
        end_s, end_r = run["alignment"][-1], rule["alignment"][-1]
        compare = {s: {p: {"session": round(float(end_s[i, j]), 3), "rules": round(float(end_r[i, j]), 3)}
                       for j, p in enumerate(self.powers)} for i, s in enumerate(self.states)}
        return {"channels": {k: list(v) for k, v in CHANNELS.items()}, "turns": turns, "compare": compare,
                "month": self.now()}


def _bases(world) -> dict[str, list[str]]:
    from sim.core.world import OPEN

    st = world.setup
    out: dict[str, list[str]] = {}
    status = np.asarray(world.runs.slot_status).reshape(-1, len(st.slots))[0]
    for k, sl in enumerate(st.slots):
        if sl.kind == "base" and status[k] == OPEN:
            out.setdefault(st.states[sl.state], []).append(st.powers[sl.power])
    return out
