"""The classroom page: the 1999-2008 replay (or any scenario), month by month, for a class.

Start it with ``python run.py app`` (which serves this file offline on 127.0.0.1). The page is laid out
here with Solara around Mesa's model (not Mesa's generic SolaraViz page, whose controls speak of threads,
render intervals and pages): the sidebar holds the run's controls (Reset, Back, Play, Step, jump to a
month), the scenario, the seed and the parameter sliders, each with its plain name, its meaning from the
parameter registry and its exact value. A slider applies on Reset, and only the sliders a user moved
change the new run. The main area shows the month, then tabs: the run (map, chart, why panel, what-if
form, log), several seeds at once, export, and Info (from the teaching guide).

Every panel draws the same month: the page keeps one value, the model with the number of months done at
the month on screen (and a revision that a what-if or a reset moves), and passes it to all of them. Steps forward replay months already simulated (after a step
back) or simulate the next one; a what-if injected while an earlier month is shown recomputes the run
from the start up to that month first (runs are deterministic), then applies the what-if.
"""

from __future__ import annotations

import threading
import time

import solara
import solara.lab

from sim.app.classroom import ClassroomModel, ParameterChoices, exact, scenario_choices, slider_specs
from sim.app.components import (
    AlignmentChart,
    EventLog,
    LeadingTable,
    MapPanel,
    MonthPanel,
    WhatIfPanel,
    WhyPanel,
)
from sim.app.runs import MAX_BAND_RUNS, lead_in, seed_band

SCENARIOS = scenario_choices()
SLIDERS = slider_specs()
PLAY_SECONDS = 0.35  # pause between months while playing
CSS = """
.gg-param { margin-bottom: 2px; }
.gg-param .v-input__slot { margin-bottom: 0 !important; }
.gg-param .v-messages { display: none; }
.gg-meaning { font-size: 11px; color: #555; line-height: 1.25; margin-top: -6px; }
.gg-controls .v-btn { min-width: 0 !important; padding: 0 10px !important; }
.gg-info h2, .gg-info h3 { margin-top: 10px; }
"""


@solara.component
def ParameterSlider(name: str, in_use: float, moved: float | None, on_move, on_forget):
    """One parameter: its plain name and exact value, a slider, its meaning in one line."""
    spec = SLIDERS[name]
    value = moved if moved is not None else in_use
    status = (f" &rarr; <b class='gg-param-new'>{exact(moved)}</b> on Reset" if moved is not None else "")

    def change(v):
        v = float(v)
        if moved is None and abs(v - _snap(in_use, spec)) < 1e-12:
            return  # the slider echoing its own snapped position: not a move
        on_move(name, v)

    with solara.Column(classes=["gg-param"], gap="0px", style="margin:0"):
        solara.HTML(tag="div", classes=["gg-param-row"], style="font-size:13px", unsafe_innerHTML=(
            f"{spec['label']} <span style='color:#888;font-size:11px'>({name})</span>: "
            f"<span class='gg-param-value' data-param='{name}'>{exact(in_use)}</span>{status}"))
        slider = solara.SliderInt if spec["integer"] else solara.SliderFloat
        slider("", value=value, min=spec["min"], max=spec["max"], step=spec["step"], on_value=change,
               thumb_label=False)
        solara.HTML(tag="div", classes=["gg-meaning"], unsafe_innerHTML=spec["meaning"])
        if moved is not None:
            solara.Button("undo", text=True, small=True, on_click=lambda: on_forget(name), style="margin-top:-4px")


def _snap(value: float, spec: dict) -> float:
    """Where a slider with this step shows ``value``."""
    step = spec["step"]
    return round(spec["min"] + round((value - spec["min"]) / step) * step, 10)


@solara.component
def InfoTab():
    from sim.app.info import info_sections

    with solara.Column(classes=["gg-info"], style="max-width: 760px; padding: 4px 8px"):
        for heading, body in info_sections().items():
            solara.Markdown(f"## {heading}\n\n{body}")


@solara.component
def ExportTab(model, k: int, rev: int):
    from sim.app.export import export_zip

    with solara.Column(style="padding: 8px 16px; max-width: 800px"):
        solara.Markdown(
            f"**Export this run** ({model.loaded.spec.title}, seed {model.seed}, simulated to "
            f"{model.last_date if model.months_done else 'the start'}): the tables (`timeseries.csv`, "
            "`drivers.csv`, `events.csv` with the what-ifs, `decisions.csv`, `states.csv`, `powers.csv`), the "
            "figures (each state's alignment, the map), `report.md` and `manifest.json` (scenario, seed, "
            "the parameters moved and the what-ifs, to get the same run again), as one zip file.")
        if model.months_done:
            solara.FileDownload(lambda: export_zip(model), filename=f"{model.loaded.spec.name}-seed{model.seed}.zip",
                                label="Download the run (zip)")
        else:
            solara.Info("Nothing to export yet: press Step or Play first.")


@solara.component
def Page():
    first = solara.use_memo(lambda: (ClassroomModel(SCENARIOS[0], seed=0), 0, 0), [])
    # (model, months shown, revision) in one value, so no panel ever sees a new model with an old month
    view = solara.use_reactive(first)
    playing = solara.use_reactive(False)
    choices = solara.use_reactive(solara.use_memo(ParameterChoices, []))
    scenario = solara.use_reactive(SCENARIOS[0])
    seed_text = solara.use_reactive("0")
    jump_text = solara.use_reactive("")
    message = solara.use_reactive(None)
    band_runs = solara.use_reactive(0)
    tab = solara.use_reactive(0)
    lock = solara.use_memo(threading.Lock, [])

    m, k, rev = view.value
    months = m.world.setup.months

    def forward() -> bool:
        """One month on: replay a month already simulated, or simulate the next. False at the end."""
        with lock:
            mm, kk, rr = view.value
            if kk >= mm.world.setup.months:
                return False
            if kk >= mm.months_done:
                mm.step()
            view.set((mm, kk + 1, rr))
            return True

    def back():
        playing.set(False)
        with lock:
            mm, kk, rr = view.value
            view.set((mm, max(0, kk - 1), rr))

    def jump():
        playing.set(False)
        target = m.month_index(jump_text.value)
        if target is None:
            st = m.world.setup
            message.set(f"month: expected YYYY-MM from {st.date(0)} to {st.date(st.months - 1)}, "
                        f"got {jump_text.value!r}")
            return
        message.set(None)
        with lock:
            mm, _, rr = view.value
            while mm.months_done < target:
                mm.step()
            view.set((mm, target, rr))

    def reset():
        playing.set(False)
        with lock:
            new = ClassroomModel(scenario.value, seed=seed_text.value, **choices.value.kwargs())
            view.set((new, 0, view.value[2] + 1))
        choices.set(ParameterChoices())
        message.set(None)

    def inject(fields: dict) -> str:
        with lock:
            mm, kk, rr = view.value
            if kk < mm.months_done:  # the past is rewritten: recompute to the month shown
                mm = mm.replayed_to(kk)
            text = mm.inject(fields)
            view.set((mm, kk, rr + 1))
        return text

    def play_loop():
        while playing.value:
            time.sleep(PLAY_SECONDS)
            if not playing.value:
                break
            if not forward():
                playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing.value])

    band = seed_band(m, band_runs.value) if band_runs.value >= 2 else None
    lead = lead_in(m)

    solara.Style(CSS)
    solara.Title("greatgame: the contest for influence in Central Asia")
    with solara.AppBar():
        solara.AppBarTitle("greatgame: the contest for influence in Central Asia, 1999 onward")

    with solara.Sidebar():
        with solara.Card("The run", margin=0, classes=["gg-controls"]):
            with solara.Row(gap="4px", style="flex-wrap: wrap"):
                solara.Button("Reset", color="primary", on_click=reset, classes=["gg-reset"])
                solara.Button("◀ Back", color="primary", outlined=True, on_click=back, disabled=k == 0,
                              classes=["gg-back"])
                solara.Button("Pause" if playing.value else "Play", color="primary",
                              on_click=lambda: playing.set(not playing.value), disabled=k >= months,
                              classes=["gg-play"])
                solara.Button("Step ▶", color="primary", on_click=forward, disabled=playing.value or k >= months,
                              classes=["gg-step"])
            with solara.Row(gap="4px"):
                solara.InputText("Jump to month (YYYY-MM)", value=jump_text, continuous_update=True,
                                 classes=["gg-jump"])
                solara.Button("Go", color="primary", outlined=True, on_click=jump, classes=["gg-go"])
            if message.value:
                solara.Error(message.value, classes=["gg-jump-error"])
        with solara.Card("Scenario and seed (apply on Reset)", margin=0):
            solara.Select("Scenario", value=scenario, values=SCENARIOS, classes=["gg-scenario"])
            solara.InputText("Seed (a whole number)", value=seed_text, continuous_update=True, classes=["gg-seed"])
        with solara.Card("Parameters (apply on Reset)", margin=0):
            solara.HTML(tag="div", style="font-size:11px;color:#555;margin-bottom:6px", unsafe_innerHTML=(
                "The value after each name is the one this run uses, exactly. Only the sliders you move "
                "change the next run; the others keep their values."))
            for name in SLIDERS:
                ParameterSlider(name, m.param_values[name], choices.value.moved.get(name),
                                on_move=lambda n, v: choices.set(choices.value.move(n, v)),
                                on_forget=lambda n: choices.set(choices.value.forget(n)))

    MonthPanel(m, k, rev)
    with solara.lab.Tabs(value=tab, lazy=True):
        with solara.lab.Tab("The run"):
            with solara.Columns([5, 6], gutters_dense=True):
                with solara.Column(gap="0px"):
                    MapPanel(m, k, rev)
                    LeadingTable(m, k, rev)
                AlignmentChart(m, k, rev, band=band, lead=lead)
            with solara.Columns([5, 3, 3], gutters_dense=True):
                WhyPanel(m, k, rev)
                WhatIfPanel(m, k, rev, on_inject=inject)
                EventLog(m, k, rev)
        with solara.lab.Tab("Several seeds"), solara.Column(style="padding: 4px 12px"):
            solara.Markdown(
                "Chance plays a part (hazards, small random drift): run the same scenario with several seeds "
                "and see which outcomes hold in most of them. The shaded bands are the 10%-90% range of the "
                "seeds counted from this run's seed, with the parameters of this run and without its "
                "what-ifs; the lines are this run.")
            with solara.Div(classes=["gg-band-slider"], style="max-width: 520px"):
                solara.SliderInt("Seeds in the band (0: none)", value=band_runs, min=0, max=MAX_BAND_RUNS,
                                 step=1, thumb_label="always")
            with solara.Div(style="max-width: 760px"):
                AlignmentChart(m, k, rev, band=band, lead=lead)
        with solara.lab.Tab("Export"):
            ExportTab(m, k, rev)
        with solara.lab.Tab("Info"):
            InfoTab()


page = Page
