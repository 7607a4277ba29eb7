"""A classroom team playing a power: its budget for a turn, its choices, and the events they become.

The budget rule (what a team may do each turn, in words a student can follow):

- A team has ``BUDGET`` = 10 points of attention and means per turn.
- Asking one state for a military base costs 3 points (at most one base ask a turn, as a rule power).
- Offering one state an energy contract costs 2 points (at most one offer a turn; only states that export
  oil or gas).
- Pressing the regimes on human rights costs 1 point (it sets the power's conditions on its help to
  ``PRESS`` = 0.8); keeping silent is free (conditions 0.0); "as before" is free and changes nothing.
  The choice stands until the team changes it.
- Every point left may go to aid, split between states as the team likes: each point is aid worth
  ``AID_UNIT`` = 0.1 in the model's units (an ``aid_offer`` of magnitude 0.1 per point).
- Points not spent are lost.

The choices become scenario events dated the turn's first month (``base_request``, ``energy_deal``,
``aid_offer``, ``power_policy``), so the turn replays exactly from a scenario file. ``TeamController`` is
the controller of a team's power: like a scripted power it asks nothing on its own and spreads its
routine help evenly over the states; everything the team chose arrives through those events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.codes import POWER_NAMES, STATE_NAMES
from sim.core.controllers import ScriptedController

BUDGET = 10
COST_BASE = 3
COST_DEAL = 2
COST_PRESS = 1
AID_UNIT = 0.1
PRESS, SILENT = 0.8, 0.0
RIGHTS = ("as before", "press", "silent")


class ChoiceError(ValueError):
    """A team's choice that breaks the rules; the message says which field and why."""


@dataclass
class Choice:
    """One team's choices for one turn."""

    base: str | None = None  # state asked for a base
    deal: str | None = None  # state offered an energy contract
    aid: dict[str, int] = field(default_factory=dict)  # state -> points of aid
    rights: str = "as before"

    def cost(self) -> int:
        return (COST_BASE * (self.base is not None) + COST_DEAL * (self.deal is not None)
                + COST_PRESS * (self.rights == "press") + sum(self.aid.values()))

    def to_json(self) -> dict:
        return {"base": self.base, "deal": self.deal, "aid": dict(self.aid), "rights": self.rights}


def parse_choice(data, states: tuple[str, ...], exporters: tuple[str, ...]) -> Choice:
    """Check a team's form against the budget rule; raise ChoiceError naming the field at fault."""
    if not isinstance(data, dict):
        raise ChoiceError("choice: expected a form with base, deal, aid and rights")
    unknown = set(data) - {"base", "deal", "aid", "rights"}
    if unknown:
        raise ChoiceError(f"{min(unknown)}: unknown field (expected base, deal, aid or rights)")

    def state(name, allowed):
        v = data.get(name) or None
        if v is not None and v not in allowed:
            raise ChoiceError(f"{name}: expected one of {', '.join(allowed)} or nothing, got {v!r}")
        return v

    base = state("base", states)
    deal = state("deal", exporters)
    rights = data.get("rights") or "as before"
    if rights not in RIGHTS:
        raise ChoiceError(f"rights: expected one of {', '.join(RIGHTS)}, got {rights!r}")
    aid_in = data.get("aid") or {}
    if not isinstance(aid_in, dict):
        raise ChoiceError("aid: expected points by state, e.g. {'KGZ': 2}")
    aid = {}
    for code, pts in aid_in.items():
        if code not in states:
            raise ChoiceError(f"aid: expected states among {', '.join(states)}, got {code!r}")
        whole = isinstance(pts, int) and not isinstance(pts, bool)
        if not (whole or (isinstance(pts, str) and pts.strip().lstrip("-").isdigit())):
            raise ChoiceError(f"aid.{code}: expected a whole number of points, got {pts!r}")
        n = int(pts)
        if n < 0:
            raise ChoiceError(f"aid.{code}: expected 0 or more points, got {n}")
        if n:
            aid[code] = n
    choice = Choice(base, deal, {c: aid[c] for c in states if c in aid}, rights)
    if choice.cost() > BUDGET:
        raise ChoiceError(f"budget: these choices cost {choice.cost()} points; a turn has {BUDGET} "
                          f"(base {COST_BASE}, contract {COST_DEAL}, pressing on rights {COST_PRESS}, "
                          "aid 1 a point)")
    return choice


def choice_events(choice: Choice, power: str, turn: int, date: str, deal_size: float) -> list[dict]:
    """The scenario events (as plain dicts, ready for YAML) that carry a team's choices for a turn."""
    pname = POWER_NAMES.get(power, power)
    tag = f"turn{turn}-{power.lower()}"
    src = f"classroom team {pname}, turn {turn}"
    out = []
    if choice.base:
        out.append({"id": f"{tag}-base", "title": f"Turn {turn}: {pname} asks {STATE_NAMES[choice.base]} for a base"[:60],
                    "date": date, "type": "base_request", "actor": power, "state": choice.base,
                    "name": f"a base for {pname} (turn {turn})", "source": src})
    if choice.deal:
        out.append({"id": f"{tag}-deal", "title": f"Turn {turn}: {pname} offers {STATE_NAMES[choice.deal]} a contract"[:60],
                    "date": date, "type": "energy_deal", "actor": power, "state": choice.deal,
                    "name": f"a contract with {pname} (turn {turn})", "value": deal_size, "source": src})
    for code, pts in choice.aid.items():
        out.append({"id": f"{tag}-aid-{code.lower()}", "title": f"Turn {turn}: {pname} aid to {STATE_NAMES[code]}"[:60],
                    "date": date, "type": "aid_offer", "actor": power, "targets": [code],
                    "magnitude": round(pts * AID_UNIT, 6), "source": src})
    if choice.rights != "as before":
        level = PRESS if choice.rights == "press" else SILENT
        verb = "presses on human rights" if choice.rights == "press" else "keeps silent on rights"
        out.append({"id": f"{tag}-rights", "title": f"Turn {turn}: {pname} {verb}"[:60], "date": date,
                    "type": "power_policy", "actor": power, "conditionality": level, "source": src})
    return out


class TeamController(ScriptedController):
    """The controller of a power a team plays: it holds the team's choices turn by turn, turns them into
    the turn's events (``events``), asks for nothing on its own and spreads its routine help evenly (a
    scripted power). The team's asks, offers, aid and pressure arrive through those events, so a scenario
    file with ``controller: scripted`` and the same events replays it exactly.

    ``choices`` maps a turn number to the team's Choice; ``budget_left(turn)`` is what it may still spend."""

    def __init__(self, power: str, choices: dict[int, Choice] | None = None, deal_size: float = 0.3):
        super().__init__()
        self.power = power
        self.deal_size = float(deal_size)
        self.choices = dict(choices or {})

    def budget_left(self, turn: int) -> int:
        c = self.choices.get(turn)
        return BUDGET - (c.cost() if c else 0)

    def events(self, turn: int, date: str) -> list[dict]:
        """The scenario events of the team's choices for ``turn``, dated ``date`` (its first month)."""
        return choice_events(self.choices.get(turn, Choice()), self.power, turn, date, self.deal_size)
