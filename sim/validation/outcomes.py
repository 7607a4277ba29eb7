"""What validation keeps of a batch of runs: month-by-month arrays, with the state before the first month.

``Outcomes`` holds, for N runs and T+1 moments (the start, then the end of each month):
alignment (N, T+1, S, P), membership (N, T+1, S, O), slot status (N, T+1, K), the powers' stances
(N, T+1, P) and energy and trade ties (N, T+1, S, P). Index 0 is the world before the first month;
index t+1 is the world after month t. Every checkpoint and counterfactual is computed from these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.parameters import make_params
from sim.core.world import OPEN, Setup, World
from sim.engine import BatchEngine
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import month_index


class OutcomeRecorder:
    """A recorder (see sim.recorders) that keeps only the arrays validation needs."""

    def __init__(self):
        self.alignment: list[np.ndarray] = []
        self.member: list[np.ndarray] = []
        self.slot_status: list[np.ndarray] = []
        self.slot_asked: list[np.ndarray] = []
        self.stance: list[np.ndarray] = []
        self.economy: list[np.ndarray] = []
        self.trade_share: list[np.ndarray] = []

    def snapshot(self, world: World) -> None:
        r = world.runs
        self.alignment.append(r.alignment.copy())
        self.member.append(r.member.copy())
        self.slot_status.append(r.slot_status.copy())
        self.slot_asked.append(r.slot_asked.copy())
        self.stance.append(r.stance.copy())
        self.economy.append(r.economy.copy())
        self.trade_share.append(r.trade_share.copy())

    def record(self, world: World, drivers, decisions, applied) -> None:  # the recorder protocol
        self.snapshot(world)


@dataclass
class Outcomes:
    """The arrays of a batch of runs (see the module docstring) and the scenario's setup."""

    setup: Setup
    seeds: list[int]
    alignment: np.ndarray
    member: np.ndarray
    slot_status: np.ndarray
    slot_asked: np.ndarray
    stance: np.ndarray
    economy: np.ndarray
    trade_share: np.ndarray | None = None  # (N, T+1, S, P) shares of each state's trade with each power

    @property
    def n(self) -> int:
        return self.alignment.shape[0]

    def index(self, month: str) -> int:
        """Moment index of the end of ``month`` (YYYY-MM), clipped to the period."""
        k = month_index(month) - self.setup.start + 1
        return int(min(max(k, 0), self.alignment.shape[1] - 1))

    def window(self, start: str, end: str) -> slice:
        """Moments from the end of month ``start`` to the end of month ``end``, inclusive."""
        return slice(self.index(start), self.index(end) + 1)

    def date(self, k: int) -> str:
        """The month whose end moment k is (k = 0, the start, is dated the first month)."""
        return self.setup.date(max(k - 1, 0))

    def state(self, code: str) -> int:
        return self.setup.states.index(code)

    def power(self, code: str) -> int:
        return self.setup.powers.index(code)

    def org(self, code: str) -> int:
        return self.setup.orgs.index(code)

    def is_open(self) -> np.ndarray:
        return self.slot_status == OPEN

    def subset(self, runs: np.ndarray) -> Outcomes:
        """The outcomes of some runs only (an index array or a boolean mask over runs)."""
        return Outcomes(self.setup, list(np.asarray(self.seeds)[runs]), self.alignment[runs], self.member[runs],
                        self.slot_status[runs], self.slot_asked[runs], self.stance[runs], self.economy[runs],
                        None if self.trade_share is None else self.trade_share[runs])


def simulate(scenario: LoadedScenario, seeds: list[int], param_rows: list[dict] | None = None,
             overrides: dict | None = None) -> Outcomes:
    """Run the scenario once per seed with the batch engine and keep the validation arrays.

    param_rows: one complete parameter dict per run (a calibration batch); otherwise every run uses the
    defaults with the scenario's parameters and ``overrides`` applied.
    """
    if param_rows is None:
        param_rows = [make_params({**scenario.spec.parameters, **(overrides or {})})] * len(seeds)
    eng = BatchEngine(scenario, param_rows, seeds)
    rec = OutcomeRecorder()
    rec.snapshot(eng.world)
    eng.run(rec)
    return Outcomes(eng.world.setup, list(seeds), *(np.stack(getattr(rec, k), axis=1) for k in
                                                    ("alignment", "member", "slot_status", "slot_asked", "stance",
                                                     "economy", "trade_share")))
