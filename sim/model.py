"""GreatGameModel: the contest for influence in Central Asia as a Mesa model.

Three powers (Russia, the United States, China) court five states. Each month the scenario's shocks
arrive (attacks, incursions, wars, revolutions, price moves, offers and requests), powers choose their
attention and stance, and states re-align toward the power that best answers the threats they perceive,
weighed against the conditions it attaches, their energy and trade ties, blame and rivalry. With their
new scores the states join or leave organisations, grant or close bases and sign or end deals.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.agents import Power, State
from sim.codes import STANCES
from sim.core import step as rules
from sim.core.parameters import DEFAULTS, make_params, single_params
from sim.core.world import World, build_schedule, build_setup, initial_run_state
from sim.core.world_checks import check_finite
from sim.scenario.loader import LoadedScenario, load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "replay_1999_2008.yaml"


class GreatGameScenario(MesaScenario):
    """The model's parameters in Mesa's Scenario form.

    Every model parameter (sim.core.parameters) is declared here with the default None, meaning "as the scenario
    file sets it, else the documented default"; only values given explicitly override the file.
    """

    scenario_file: str = str(DEFAULT_SCENARIO)


for _name in DEFAULTS:  # declare every model parameter; None leaves it to the scenario file
    setattr(GreatGameScenario, _name, None)
    GreatGameScenario.__annotations__[_name] = float | None
GreatGameScenario.__init_subclass__()


class GreatGameModel(mesa.Model):
    """One run of a scenario, with agents to inspect.

    Args:
        scenario_file: path of a scenario YAML file (or an already loaded scenario).
        seed: the run's seed (every random draw is keyed by it, the month and the agent).
        rng: Mesa's seed argument (``mesa.batch_run`` passes it); an integer here is the run's seed.
        controllers: one policy controller per power (sim.core.controllers); by default those the scenario's
            powers declare (their rules, or the scenario's script).
        **parameters: overrides of model parameters (names as in docs/odd.md), e.g. ``w_blame=4``.
    """

    def __init__(self, scenario_file: str | Path | LoadedScenario = DEFAULT_SCENARIO, seed: int = 0,
                 rng=None, scenario: GreatGameScenario | None = None, controllers=None, **parameters):
        if scenario is not None:  # Mesa's Scenario object: file and parameters in one
            values = {k: v for k, v in scenario.to_dict().items() if k in DEFAULTS and v is not None}
            scenario_file = getattr(scenario, "scenario_file", scenario_file)
            parameters = {**values, **parameters}
            seed = int(scenario.rng) if scenario.rng is not None else seed
        if isinstance(rng, (int, np.integer)):
            seed = int(rng)
        if int(seed) < 0:
            raise ValueError(f"seed {seed}: expected 0 or more")
        super().__init__(rng=seed if rng is None else rng)
        self.seed = int(seed)
        self.loaded = scenario_file if isinstance(scenario_file, LoadedScenario) else load_scenario(scenario_file)
        values = make_params({**self.loaded.spec.parameters, **parameters})
        self.param_values = values
        self.params = single_params(values)
        self.world = self._initial_world()
        setup = self.world.setup
        from sim.core.controllers import default_controllers

        self.controllers = controllers or default_controllers(setup)  # one per power (sim.core.controllers)
        self.world.extra["controllers"] = self.controllers
        self.power_agents = [Power(self, i, c) for i, c in enumerate(setup.powers)]
        self.state_agents = [State(self, i, c) for i, c in enumerate(setup.states)]
        if not self.loaded.spec.continues:
            for agent in self.power_agents:  # all read the start, then all commit
                agent.settle()
            for agent in self.power_agents:
                agent.advance()
            for agent in self.state_agents:
                agent.settle_stocks()
            for agent in self.state_agents:
                agent.settle()
            rules.settle_tastes(self.world, self.params)
        self.recorder = None  # an optional sim.recorders recorder, fed each month like the batch engine's
        self.decisions: list[dict] = []  # every decision taken: date, state, counterpart, decision, detail
        self.applied_events: list[dict] = []
        self.last_drivers: np.ndarray | None = None
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "date": "date",
                "afghan_threat": lambda m: float(m.world.runs.afghan_threat),
                **{f"stance_{p}": (lambda m, j=j: STANCES[int(m.world.runs.stance[j])])
                   for j, p in enumerate(setup.powers)},
            },
            agent_reporters={
                "code": "code",
                "alignment": lambda a: getattr(a, "alignment", None),
                "stance": lambda a: getattr(a, "stance", None) if isinstance(a, Power) else None,
            },
        )
        self._shared: dict | None = None  # what agents of a kind compute alike this month (``shared``)
        self.running = True

    def shared(self, name: str, compute):
        """What every agent of one kind computes alike from the same month (all states' pulls and
        re-alignment, say), computed once within a step of the model and then shared: each agent takes its
        own row. Outside the model's step (an agent stepped on its own) there is nothing to share: None."""
        if self._shared is None:
            return None
        if name not in self._shared:
            self._shared[name] = compute()
        return self._shared[name]

    def _initial_world(self) -> World:
        if self.loaded.spec.continues:  # resolved before the model starts: the run of a batch of one
            from sim.core.start import initial_world, single_run

            return single_run(initial_world(self.loaded, [self.param_values], [self.seed]))
        setup = build_setup(self.loaded)
        return World(setup, build_schedule(self.loaded), initial_run_state(self.loaded, setup, self.seed),
                     step=0, batch_ndim=0)

    @property
    def date(self) -> str:
        """The month being simulated next (or the last one, once the run is over)."""
        w = self.world
        return w.setup.date(min(w.step, w.setup.months - 1))

    @property
    def powers(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[Power]

    @property
    def states(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[State]

    def step(self) -> None:
        """One month: shocks, powers, states, environment, commit, decisions, data."""
        w = self.world
        if w.step >= w.setup.months:
            self.running = False
            return
        date = w.setup.date(w.step)
        applied = rules.events_phase(w, self.params)
        for ev, _mask in applied:
            self.applied_events.append({"date": date, "event": ev})
        self._shared = {}  # all agents read month t: what they compute alike is computed once
        try:
            with rules.read_only(w):
                self.powers.do("step")
                self.states.do("step")
                env = rules.environment_phase(w, self.params)
        finally:
            self._shared = None
        self.powers.do("advance")
        self.states.do("advance")
        rules.commit(w, {}, {}, env)
        self.last_drivers = np.stack([a.drivers for a in self.state_agents])
        self._shared = {}  # the states decide from the same new scores (each reads its own rows only)
        try:
            month_decisions = [agent.decide() for agent in self.state_agents]
        finally:
            self._shared = None
        check_finite(w)  # no NaN or infinity ever reaches a recorder
        for agent, dec in zip(self.state_agents, month_decisions):
            self._log_decisions(date, agent, dec)
        if self.recorder is not None:
            self.recorder.record(w, self.last_drivers, _merge_decisions(w, month_decisions), applied)
        self.datacollector.collect(self)
        w.step += 1
        if w.step >= w.setup.months:
            self.running = False

    def _log_decisions(self, date: str, agent: State, dec: dict) -> None:
        from sim.decision_log import decision_rows

        for row in decision_rows(self.world, dec, agent.index):
            self.decisions.append({"date": date, **row})

    def run(self) -> GreatGameModel:
        while self.running:
            self.step()
        return self


def _merge_decisions(world: World, per_state: list[dict]) -> dict:
    """The five states' decision flags of a month, in the layout the batch engine produces."""
    slots, opened, closed, refused, asked = [], [], [], [], []
    for dec in per_state:
        slots += dec["slots"]
        if dec["slots"]:
            opened.append(dec["opened"])
            closed.append(dec["closed"])
            refused.append(dec["refused"])
            asked.append(dec["asked"])
    order = np.argsort(slots, kind="stable")
    cat = (lambda xs: np.concatenate(xs)[order]) if slots else (lambda xs: np.zeros(0, dtype=bool))
    return {
        "joined": np.stack([d["joined"] for d in per_state]),
        "left": np.stack([d["left"] for d in per_state]),
        "slots": [slots[i] for i in order],
        "opened": cat(opened), "closed": cat(closed), "refused": cat(refused), "asked": cat(asked),
    }
