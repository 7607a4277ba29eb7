"""The batch engine: N runs of one scenario advanced at once as arrays, with the same step functions as the
Mesa model (sim.core.step), each run with its own parameters and seed.

    engine = BatchEngine(scenario, [params_run0, params_run1, ...], seeds=[1, 2, ...])
    engine.run(recorder)

A recorder receives each month's world, drivers, decisions and applied events; ``FullRecorder`` keeps the
full time series (for ``run.py run``), others keep only what a sweep's outcomes need.
"""

from __future__ import annotations

from sim.core import step as st
from sim.core.parameters import batch_params
from sim.core.start import initial_world, settle_affinity
from sim.core.world import World
from sim.scenario.loader import LoadedScenario


class BatchEngine:
    def __init__(self, scenario: LoadedScenario, param_rows: list[dict], seeds: list[int], controllers=None,
                 world: World | None = None):
        """N runs of ``scenario``, one parameter dict and one seed each; ``world`` a batch's initial world made
        by sim.core.start.initial_world (by default the scenario's own: fresh and at rest, or continued)."""
        if len(param_rows) != len(seeds):
            raise ValueError("one parameter set per seed is needed")
        self.scenario = scenario
        self.params = batch_params(param_rows)
        self.seeds = [int(s) for s in seeds]
        self.world = world if world is not None else initial_world(scenario, param_rows, self.seeds, controllers)
        self.controllers = self.world.extra["controllers"]

    @property
    def n(self) -> int:
        return len(self.seeds)

    def step(self, recorder=None) -> None:
        """One month of every run (sim.core.step.advance_month)."""
        st.advance_month(self.world, self.params, self.controllers, recorder)

    def run(self, recorder=None):
        for _ in range(self.world.setup.months - self.world.step):
            self.step(recorder)
        return recorder


__all__ = ["BatchEngine", "initial_world", "settle_affinity"]
