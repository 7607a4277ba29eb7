"""The app's panels, as Solara components that Mesa's SolaraViz lays out and refreshes.

Each panel takes the model and re-draws when Mesa's ``update_counter`` moves (after a step, a reset, or
a what-if). Figures are drawn with matplotlib into PNG images, which need no script from outside the
machine. Every control that takes typed input checks it and shows a message instead of failing.
"""

from __future__ import annotations

import html

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import force_update, update_counter

from sim.app.mapview import draw_map, power_colour
from sim.codes import DECISIONS, POWER_NAMES, STATE_NAMES
from sim.outputs.report import event_label
from sim.rules.alignment import DRIVERS
from sim.whatif import WhatIfError, describe, inject

PANEL = "padding: 4px 8px; height: 100%; overflow-y: auto;"


def _years(dates: list[str]) -> np.ndarray:
    return np.array([int(d[:4]) + (int(d[5:7]) - 1) / 12 for d in dates])


@solara.component
def MonthPanel(model):
    """The scenario, the month last simulated and how far the run has gone; any notice about the inputs."""
    update_counter.get()
    st = model.world.setup
    with solara.Column(classes=["gg-month-panel"], style=PANEL):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"<div style='font-size:1.1em;font-weight:600'>{html.escape(model.loaded.spec.title)}</div>"
            f"<div class='gg-month' style='font-size:1.6em'>{model.last_date if model.months_done else 'start'}"
            f"</div><div>month {model.months_done} of {st.months} "
            f"({st.date(0)} to {st.date(st.months - 1)}), seed {model.seed}"
            + (" &mdash; the run is over: press Reset" if model.months_done >= st.months else "") + "</div>"))
        if model.notice:
            solara.Warning(model.notice, classes=["gg-notice"])
        lead = model.leading()
        rows = "".join(
            f"<tr><td>{STATE_NAMES.get(s, s)}</td><td style='color:{power_colour(p, st.powers)}'><b>{p}</b></td>"
            f"<td>{v:.2f}</td><td>{', '.join(model.state_agents[i].memberships) or '-'}</td></tr>"
            for i, (s, (p, v)) in enumerate(lead.items()))
        solara.HTML(tag="table", classes=["gg-leading"], style="font-size:12px;border-spacing:8px 2px",
                    unsafe_innerHTML="<tr><th>state</th><th>leans to</th><th>score</th><th>member of</th></tr>" + rows)


@solara.component
def MapPanel(model):
    """The region, each state coloured by the power it leans to most."""
    update_counter.get()
    st = model.world.setup
    bases = {s.code: [b.split(":")[0] for b in s.bases] for s in model.state_agents}
    fig = Figure(figsize=(6.2, 4.1), dpi=90)
    ax = fig.add_axes([0.01, 0.01, 0.98, 0.92])
    draw_map(ax, model.world.runs.alignment, st.states, st.powers, model.last_date, bases)
    with solara.Column(classes=["gg-map"], style=PANEL):
        solara.FigureMatplotlib(fig, format="png")


@solara.component
def AlignmentChart(model):
    """Each state's alignment with each power over time; dashed lines mark what-ifs."""
    update_counter.get()
    st = model.world.setup
    dates, a = model.alignment_series()
    x = _years(dates)
    fig = Figure(figsize=(6.6, 4.3), dpi=90)
    axes = fig.subplots(2, 3, sharex=True, sharey=True).ravel()
    x_end = int(st.date(st.months - 1)[:4]) + (int(st.date(st.months - 1)[5:]) - 1) / 12
    whatif_x = _years([e["date"] for e in model.whatifs]) if model.whatifs else []
    for i, s in enumerate(st.states):
        ax = axes[i]
        for j, p in enumerate(st.powers):
            ax.plot(x, a[:, i, j], color=power_colour(p, st.powers), lw=1.4, label=p)
            ax.plot(x[-1:], a[-1:, i, j], "o", color=power_colour(p, st.powers), ms=3)  # where it is now
        for wx in whatif_x:
            ax.axvline(wx, color="#111111", ls="--", lw=0.8)
        ax.set_title(STATE_NAMES.get(s, s), fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_xlim(x[0], max(x_end, x[-1]))
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[-1].axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    axes[-1].legend(handles, [POWER_NAMES.get(p, p) for p in labels], loc="center", fontsize=8,
                    title="alignment with", title_fontsize=8)
    fig.suptitle("Alignment (0 estranged, 1 client); dashed: what-ifs", fontsize=9)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.07, top=0.88, wspace=0.12, hspace=0.25)  # fixed: fast
    with solara.Column(classes=["gg-chart"], style=PANEL):
        solara.FigureMatplotlib(fig, format="png")


DRIVER_SHORT = {"security": "secur.", "regime": "regime", "conditions": "cond.", "economy": "econ.",
                "blame": "blame", "offers": "offers", "rivalry": "rivals", "inertia": "inertia", "noise": "noise",
                "bounds": "bounds"}


def _cell(v: float) -> str:
    if abs(v) < 0.0005:
        return "<td style='color:#aaa'>0</td>"
    colour = "#b91c1c" if v < 0 else "#15803d"
    return f"<td style='color:{colour}'>{v:+.3f}</td>"


@solara.component
def WhyPanel(model):
    """Pick a state and a power: the drivers of its last changes, which add up to each change."""
    update_counter.get()
    st = model.world.setup
    state, set_state = solara.use_state("UZB" if "UZB" in st.states else st.states[0])
    power, set_power = solara.use_state("USA" if "USA" in st.powers else st.powers[0])
    if state not in st.states:
        state = st.states[0]
    if power not in st.powers:
        power = st.powers[0]
    with solara.Column(classes=["gg-why"], style=PANEL):
        solara.HTML(tag="div", unsafe_innerHTML="<b>Why did it move?</b> Pick a state and a power.")
        with solara.Row():
            solara.Select("state", value=state, values=list(st.states), on_value=set_state)
            solara.Select("power", value=power, values=list(st.powers), on_value=set_power)
        solara.HTML(tag="div", classes=["gg-why-sentence"], unsafe_innerHTML=html.escape(
            model.why_sentence(state, power)))
        rows = model.why(state, power, 6)
        if rows:
            head = "<tr><th>month</th><th>change</th>" + "".join(
                f"<th title='{d}'>{DRIVER_SHORT[d]}</th>" for d in DRIVERS) + "</tr>"
            body = "".join(
                f"<tr><td>{r['date']}</td><td><b>{r['change']:+.3f}</b></td>"
                + "".join(_cell(r["drivers"][d]) for d in DRIVERS) + "</tr>" for r in rows)
            solara.HTML(tag="table", classes=["gg-why-table"], style="font-size:11px;border-spacing:5px 1px",
                        unsafe_innerHTML=head + body)
            solara.HTML(tag="div", style="font-size:11px;color:#555", unsafe_innerHTML=(
                "Each row adds up: change = sum of the drivers. secur./regime: who answers the security and "
                "regime threats; cond.: conditions on democracy; econ.: energy and trade ties; rivals: "
                "closeness to a rival of this power; inertia: pull back to the old leaning."))


WHATIF_KINDS = {
    "Color revolution": "color_revolution",
    "Unrest": "unrest",
    "Terror attack": "terror_attack",
    "Energy offer": "energy_deal",
    "Base request": "base_request",
    "Aid offer": "aid_offer",
    "Price shock": "price_shock",
}
DEFAULT_SIZE = {"color_revolution": "1.0", "unrest": "1.0", "terror_attack": "0.8", "energy_deal": "0.3",
                "base_request": "", "aid_offer": "0.5", "price_shock": "0.5"}
SIZE_WORDS = {"color_revolution": "magnitude (0-3)", "unrest": "magnitude (0-3)", "terror_attack": "magnitude (0-3)",
              "energy_deal": "tie gained if signed (0-1)", "aid_offer": "size (-2 to 2)",
              "price_shock": "factor (e.g. 0.5 halves the series)"}
NOBODY = "nobody named (blame rule)"


def whatif_fields(kind: str, state: str, power: str, size: str, series: str, months: str) -> dict:
    """The event fields a what-if form describes. Raises WhatIfError for a value that is not a number."""
    def number(text, field):
        try:
            return float(str(text).strip())
        except ValueError:
            raise WhatIfError(f"{field}: expected a number, got {text!r}") from None

    t = WHATIF_KINDS[kind]
    blame = [] if power == NOBODY else [power]
    if t == "color_revolution":
        return {"type": t, "place": state, "magnitude": number(size, "magnitude"), "blame": blame}
    if t == "unrest":
        return {"type": t, "state": state, "magnitude": number(size, "magnitude"), "blame": blame}
    if t == "terror_attack":
        return {"type": t, "targets": [state], "magnitude": number(size, "magnitude")}
    actor = power if power != NOBODY else None
    if t == "energy_deal":
        return {"type": t, "actor": actor, "state": state, "value": number(size, "value")}
    if t == "base_request":
        return {"type": t, "actor": actor, "state": state}
    if t == "aid_offer":
        return {"type": t, "actor": actor, "targets": [state], "magnitude": number(size, "magnitude")}
    months_n = number(months, "months")
    if months_n != int(months_n):
        raise WhatIfError(f"months: expected a whole number, got {months!r}")
    return {"type": t, "series": series, "factor": number(size, "factor"), "months": int(months_n)}


@solara.component
def WhatIfPanel(model):
    """Inject an event now: it is applied before the next month, as if the scenario had dated it."""
    update_counter.get()
    st = model.world.setup
    kind, set_kind = solara.use_state("Color revolution")
    state, set_state = solara.use_state("UZB" if "UZB" in st.states else st.states[0])
    power, set_power = solara.use_state("USA" if "USA" in st.powers else st.powers[0])
    size, set_size = solara.use_state(DEFAULT_SIZE["color_revolution"])
    series_names = list(st.series_names) or ["(none)"]
    series, set_series = solara.use_state(series_names[0])
    months, set_months = solara.use_state("0")
    message, set_message = solara.use_state(None)
    t = WHATIF_KINDS[kind]

    def choose_kind(k):
        set_kind(k)
        set_size(DEFAULT_SIZE[WHATIF_KINDS[k]])

    def apply():
        try:
            fields = whatif_fields(kind, state, power, size, series, months)
            text = inject(model, fields)
        except WhatIfError as e:
            set_message(("error", str(e)))
            return
        set_message(("ok", text))
        force_update()

    with solara.Column(classes=["gg-whatif"], style=PANEL):
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>What if...?</b> Applied before {model.date} is simulated.")
        solara.Select("event", value=kind, values=list(WHATIF_KINDS), on_value=choose_kind)
        with solara.Row():
            if t != "price_shock":
                solara.Select("state", value=state if state in st.states else st.states[0],
                              values=list(st.states), on_value=set_state)
            if t in ("color_revolution", "unrest"):
                solara.Select("blamed on", value=power, values=[NOBODY, *st.powers], on_value=set_power)
            elif t in ("energy_deal", "base_request", "aid_offer"):
                solara.Select("power", value=power if power in st.powers else st.powers[0],
                              values=list(st.powers), on_value=set_power)
            elif t == "price_shock":
                solara.Select("series", value=series, values=series_names, on_value=set_series)
        with solara.Row():
            if t != "base_request":
                solara.InputText(SIZE_WORDS[t], value=size, on_value=set_size, continuous_update=True,
                                 classes=["gg-whatif-size"])
            if t == "price_shock":
                solara.InputText("months (0: for good)", value=months, on_value=set_months, continuous_update=True)
        solara.Button("Inject now", color="warning", on_click=apply, classes=["gg-inject"],
                      disabled=model.months_done >= st.months)
        if message:
            if message[0] == "ok":
                solara.Success(message[1], classes=["gg-whatif-message"])
            else:
                solara.Error(message[1], classes=["gg-whatif-message", "gg-whatif-error"])


@solara.component
def EventLog(model):
    """The events so far (scheduled, drawn by chance, injected) and the decisions the states took."""
    update_counter.get()
    events = list(reversed(model.event_records()))[:60]
    decisions = list(reversed(model.decisions))[:60]
    ev_rows = "".join(
        f"<li class='gg-event-row'>{'<b>what-if</b> ' if e['whatif'] else ''}{e['date']}: "
        f"{html.escape(event_label(e['id'], e['type']) if not e['whatif'] else describe_record(e))}</li>"
        for e in events)
    def reason(d):
        text = model.decision_reason(d)
        return f"<br><span style='color:#666'>{html.escape(text)}</span>" if text else ""

    dec_rows = "".join(
        f"<li class='gg-decision-row'>{d['date']}: {STATE_NAMES.get(d['state'], d['state'])} "
        f"{d['decision'].replace('_', ' ')} ({html.escape(str(d['counterpart']))}: {html.escape(str(d['detail']))})"
        f"{reason(d)}</li>"
        for d in decisions)
    with solara.Column(classes=["gg-events"], style=PANEL):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"<b>Events so far</b> ({len(model.applied_events)}), latest first"
            f"<ul style='font-size:12px;margin:2px 0 8px 0'>{ev_rows or '<li>none yet</li>'}</ul>"
            f"<b>Decisions the states took</b> ({len(model.decisions)}: "
            + ", ".join(f"{k.replace('_', ' ')} {n}" for k in DECISIONS
                        if (n := sum(d['decision'] == k for d in model.decisions)))
            + f")<ul style='font-size:12px;margin:2px 0'>{dec_rows or '<li>none yet</li>'}</ul>"))


def describe_record(record: dict) -> str:
    """A what-if's plain description, from its event record."""
    from sim.scenario.schema import EVENT_TYPES

    fields = {k: v for k, v in record.items() if k != "whatif"}
    return describe(EVENT_TYPES[record["type"]].model_validate(fields))
