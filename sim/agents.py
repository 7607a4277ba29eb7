"""The Mesa agents: the three powers and the five states.

Each agent is a window onto its own row of the world's arrays and acts by the model's rules (sim.core.step),
so a single Mesa run and the batch engine compute the same numbers. Every agent reads month t and writes
month t+1: ``step`` computes, ``advance`` stores. Within the model's step, what every agent of a kind computes
alike from month t (the states' pulls and re-alignment, the powers' attention and stance, the states'
decisions) is computed once for all of them (``GreatGameModel.shared``) and each agent takes its own row;
an agent stepped on its own calls the rules with its own index, for the same numbers.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.codes import POWER_NAMES, STANCES, STATE_NAMES
from sim.core import step as rules


class Power(mesa.Agent):
    """A great power (Russia, the United States, China, or one a scenario declares).

    It holds its capacity (driven by series such as the oil price), its attention to the region, its
    conditions on democracy and its stance toward rivals, chosen each month by the stance rule.
    """

    def __init__(self, model, index: int, code: str):
        super().__init__(model)
        self.index = index
        self.code = code
        self.name = POWER_NAMES.get(code, code)
        self._next: dict | None = None
        self._policy: dict | None = None

    # what a student inspects
    @property
    def stance(self) -> str:
        return STANCES[int(self.model.world.runs.stance[self.index])]

    @property
    def attention(self) -> float:
        return float(self.model.world.runs.attention[self.index])

    @property
    def capacity(self) -> float:
        w = self.model.world
        return float(w.setup.capacity[min(w.step, w.setup.months - 1), self.index])

    @property
    def conditionality(self) -> float:
        return float(self.model.world.schedule.conditionality[self.index])

    @property
    def controller(self):
        """Who chooses this power's asks and offers (sim.core.controllers): its rules, a script, or a team."""
        return self.model.controllers[self.index]

    def settle(self) -> None:
        """Start at rest: the stance the rule calls for, the attention the situation settles at, and the
        spread of its help; no asks yet."""
        w, params = self.model.world, self.model.params
        self._next = rules.settle_power(w, params, self.index)
        self._policy = rules.settle_policy(w, params, self.model.controllers, self.index)

    def step(self) -> None:
        """Choose attention and stance, and what to ask and offer, from the situation at month t."""
        w, params = self.model.world, self.model.params
        month = self.model.shared("powers", lambda: rules.power_phase(w, params))
        self._next = rules.power_phase(w, params, self.index) if month is None else rules.power_row(w, month, self.index)
        self._policy = rules.policy_phase(w, params, self.model.controllers, self.index)

    def advance(self) -> None:
        rules.commit(self.model.world, self._next, {}, {}, power_idx=self.index)
        rules.commit_policy(self.model.world, self.model.params, self._policy)
        self._next = self._policy = None

    def __repr__(self) -> str:
        return f"Power({self.code}, stance={self.stance}, attention={self.attention:.2f})"


class State(mesa.Agent):
    """A Central Asian state: its alignment toward each power (0 estranged, 1 client), its threat
    perceptions, its energy and trade ties, and its commitments (organisations, bases, deals)."""

    def __init__(self, model, index: int, code: str):
        super().__init__(model)
        self.index = index
        self.code = code
        self.name = STATE_NAMES.get(code, code)
        self._next: dict | None = None
        self.drivers: np.ndarray | None = None  # (P, n_drivers) of the last month

    @property
    def alignment(self) -> dict[str, float]:
        w = self.model.world
        return dict(zip(w.setup.powers, w.runs.alignment[self.index].tolist()))

    @property
    def leading_power(self) -> str:
        a = self.alignment
        return max(a, key=a.get)

    @property
    def security_threat(self) -> float:
        w = self.model.world
        return float(w.runs.local_threat[self.index] + w.setup.exposure[self.index] * w.runs.afghan_threat)

    @property
    def regime_threat(self) -> float:
        return float(self.model.world.runs.regime_threat[self.index])

    @property
    def economic_ties(self) -> dict[str, float]:
        w = self.model.world
        return {p: float(w.runs.economy[self.index, j]) for j, p in enumerate(w.setup.powers)}

    @property
    def trade_shares(self) -> dict[str, float]:
        """Share of the state's trade with each power (the rest goes to the rest of the world)."""
        w = self.model.world
        return {p: float(w.runs.trade_share[self.index, j]) for j, p in enumerate(w.setup.powers)}

    @property
    def memberships(self) -> list[str]:
        w = self.model.world
        return [o for j, o in enumerate(w.setup.orgs) if w.runs.member[self.index, j]]

    @property
    def bases(self) -> list[str]:
        from sim.core.world import OPEN

        w = self.model.world
        return [f"{w.setup.powers[sl.power]}: {sl.name}" for k, sl in enumerate(w.setup.slots)
                if sl.kind == "base" and sl.state == self.index and w.runs.slot_status[k] == OPEN]

    def settle_stocks(self) -> None:
        """Start at rest: offers and regime fear at the level their monthly inflows sustain."""
        rules.commit(self.model.world, {}, rules.settle_stocks(self.model.world, self.model.params, self.index), {},
                     state_idx=self.index)

    def settle(self) -> None:
        """Start at rest: the affinity that makes the initial alignment the target."""
        from sim.core.rules.alignment import affinity_at_rest

        w = self.model.world
        terms = rules.state_pulls(w, self.model.params, self.index)
        w.runs.affinity[self.index] = affinity_at_rest(w.runs.alignment[self.index], terms)

    def step(self) -> None:
        """Perceive threats, weigh the powers and re-align (reads month t)."""
        w, params = self.model.world, self.model.params
        month = self.model.shared("states", lambda: rules.state_phase(w, params))
        self._next = rules.state_phase(w, params, self.index) if month is None else rules.state_row(w, month, self.index)

    def advance(self) -> None:
        self.drivers = self._next["drivers"]
        rules.commit(self.model.world, {}, self._next, {}, state_idx=self.index)
        self._next = None

    def decide(self) -> dict:
        """Join or leave organisations, grant or close bases, sign or end deals, with the new scores."""
        w, params = self.model.world, self.model.params
        month = self.model.shared("decisions", lambda: rules.decision_phase(w, params))
        decision = (rules.decision_phase(w, params, self.index) if month is None
                    else rules.decision_row(w, month, self.index))
        rules.commit_decisions(w, decision, self.index)
        return decision

    def __repr__(self) -> str:
        a = ", ".join(f"{p}={v:.2f}" for p, v in self.alignment.items())
        return f"State({self.code}: {a})"
