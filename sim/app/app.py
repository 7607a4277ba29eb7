"""The classroom page: the 1999-2008 replay (or any scenario) in Mesa's SolaraViz.

Start it with ``python run.py app`` (which serves this file offline on 127.0.0.1). The sidebar holds
Mesa's controls (Reset, play, Step), the scenario picker, the seed and sliders for the key parameters
(a slider left at its default keeps the scenario's own value; a new choice applies on Reset). The main
area shows the month, the map, the alignment chart, the why panel, the what-if form and the log.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are drawn off screen, into PNG images

from mesa.visualization import SolaraViz
from solara.toestand import KernelStoreFactory, Reactive

from sim.app.classroom import ClassroomModel, scenario_choices, slider_specs
from sim.app.components import AlignmentChart, EventLog, MapPanel, MonthPanel, WhatIfPanel, WhyPanel

SCENARIOS = scenario_choices()

model_params = {
    "scenario_file": {"type": "Select", "value": SCENARIOS[0], "values": SCENARIOS,
                      "label": "Scenario (applies on Reset)"},
    "seed": {"type": "InputText", "value": "0", "label": "Seed (a whole number; applies on Reset)"},
    **slider_specs(),
}

# one model per browser session (Solara's "kernel"), made when the session opens: students who share a
# classroom server each step their own run
model = Reactive(KernelStoreFactory(lambda: ClassroomModel(SCENARIOS[0], seed=0), key="greatgame:model"))

page = SolaraViz(
    model,
    components=[MonthPanel, MapPanel, AlignmentChart, WhyPanel, WhatIfPanel, EventLog],
    model_params=model_params,
    name="greatgame: the contest for influence in Central Asia",
    play_interval=150,
)
page  # noqa: B018
