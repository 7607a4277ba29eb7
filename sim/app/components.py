"""The app's panels, as Solara components.

Every panel draws one month of the run: ``k``, the number of months done at the month shown, which the
page passes to all of them at once, so the header, the map, the chart, the why panel and the log always
show the same month (also while the run plays, and after a step back). ``rev`` changes when the run
itself changes (a what-if, a reset), so a panel redraws then too. The pictures are SVG text
(sim/app/svg.py), which needs no script from outside the machine. Every control that takes typed input
checks it and shows a message instead of failing.
"""

from __future__ import annotations

import html

import solara

from sim.app.mapview import power_colour
from sim.app.svg import chart_svg, map_base_svg, map_month_svg, years
from sim.codes import DECISIONS, STATE_NAMES
from sim.core.rules.alignment import DRIVERS
from sim.outputs.report import event_name
from sim.whatif import WhatIfError, describe

PANEL = "padding: 4px 8px;"


@solara.component
def MonthPanel(model, k: int, rev: int = 0):
    """The scenario, the month shown and how far the run has gone; any notice about the inputs."""
    st = model.world.setup
    done = model.months_done
    behind = f" (simulated to {model.last_date}: Step replays the next month)" if k < done else ""
    over = " &mdash; the run is over: Back, Jump or Reset" if k >= st.months else ""
    solara.HTML(tag="div", classes=["gg-month-panel"], style="padding:0 8px", unsafe_innerHTML=(
        f"<span class='gg-month' style='font-size:1.6em;font-weight:600;margin-right:12px'>{model.date_of(k)}</span>"
        f"<span style='font-size:1.05em;font-weight:600;margin-right:12px'>{html.escape(model.loaded.spec.title)}</span>"
        f"<span class='gg-progress' style='color:#444;white-space:nowrap'>month {k} of {st.months} "
        f"({st.date(0)} to {st.date(st.months - 1)}), seed {model.seed}</span>"
        f"<span style='color:#444'>{html.escape(behind)}{over}</span>"))
    if model.notice:
        solara.Warning(model.notice, classes=["gg-notice"])


@solara.component
def LeadingTable(model, k: int, rev: int = 0):
    st = model.world.setup
    snap = model.history[k]
    rows = "".join(
        f"<tr><td>{STATE_NAMES.get(s, s)}</td><td style='color:{power_colour(p, st.powers)}'><b>{p}</b></td>"
        f"<td>{v:.2f}</td><td>{', '.join(snap['members'][s]) or '-'}</td></tr>"
        for s, (p, v) in model.leading(k).items())
    solara.HTML(tag="table", classes=["gg-leading"], style="font-size:12px;border-spacing:8px 1px",
                unsafe_innerHTML="<tr><th>state</th><th>leans to</th><th>score</th><th>member of</th></tr>" + rows)


@solara.component
def MapPanel(model, k: int, rev: int = 0):
    """The region, each state coloured by the power it leans to most, at the month shown."""
    st = model.world.setup
    snap = model.history[k]
    with solara.Div(classes=["gg-map"], style=PANEL):
        solara.HTML(tag="div", style="font-size:12px;color:#444", unsafe_innerHTML=(
            f"Leading alignment, {model.date_of(k)} (deeper colour: clearer lead)"))
        with solara.Div(style="position:relative"):
            solara.HTML(tag="div", unsafe_innerHTML=map_base_svg(st.states))  # the same every month: sent once
            solara.HTML(tag="div", classes=["gg-map-month"], style="position:absolute;inset:0",
                        unsafe_innerHTML=map_month_svg(snap["alignment"], st.states, st.powers, model.date_of(k),
                                                       snap["bases"]))


@solara.component
def AlignmentChart(model, k: int, rev: int = 0, band=None, lead=None):
    """Each state's alignment with each power up to the month shown; shaded: several seeds; grey: the
    run a continued scenario starts from (the 1999-2008 replay for the outlooks); dashed: what-ifs."""
    st = model.world.setup
    dates, a = model.alignment_series(k)
    end = st.date(st.months - 1)
    span = (float(years([dates[0]])[0]), float(years([end])[0]))
    marks = [float(years([w["date"]])[0]) for w in model.whatifs if w["step"] < k]
    band_view = None
    if band is not None:
        bd, lo, hi, _n = band
        band_view = (bd, lo, hi)
    svg = chart_svg(dates, a, st.states, st.powers, span, band=band_view, lead=lead, marks=marks,
                    band_runs=band[3] if band is not None else 0)
    solara.HTML(tag="div", classes=["gg-chart"], style=PANEL, unsafe_innerHTML=svg)


DRIVER_SHORT = {"security": "secur.", "regime": "regime", "conditions": "cond.", "economy": "econ.",
                "blame": "blame", "offers": "offers", "rivalry": "rivals", "inertia": "inertia", "noise": "noise",
                "bounds": "bounds"}


def _cell(v: float) -> str:
    if abs(v) < 0.0005:
        return "<td style='color:#aaa'>0</td>"
    colour = "#b91c1c" if v < 0 else "#15803d"
    return f"<td style='color:{colour}'>{v:+.3f}</td>"


@solara.component
def WhyPanel(model, k: int, rev: int = 0):
    """Pick a state and a power: the drivers of its last changes up to the month shown, which add up to
    each change; blame and the regime threat are split among the events that filled them."""
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
        solara.HTML(tag="div", classes=["gg-why-sentence"], style="font-size:13px", unsafe_innerHTML=html.escape(
            model.why_sentence(state, power, k)))
        rows = model.why(state, power, 6, k)
        if rows:
            head = "<tr><th>month</th><th>change</th>" + "".join(
                f"<th title='{d}'>{DRIVER_SHORT[d]}</th>" for d in DRIVERS) + "</tr>"
            body = "".join(
                f"<tr><td>{r['date']}</td><td><b>{r['change']:+.3f}</b></td>"
                + "".join(_cell(r["drivers"][d]) for d in DRIVERS) + "</tr>" for r in rows)
            solara.HTML(tag="div", style="overflow-x:auto", unsafe_innerHTML=(
                "<table class='gg-why-table' style='font-size:10.5px;border-spacing:3px 1px'>" + head + body
                + "</table>"))
            solara.HTML(tag="div", style="font-size:11px;color:#555", unsafe_innerHTML=(
                "Each row adds up: change = sum of the drivers. secur./regime: who answers the security and "
                "regime threats; cond.: conditions on democracy; econ.: energy and trade ties; rivals: "
                "closeness to a rival of this power; inertia: pull back to the old leaning. Blame and the "
                "regime threat are stocks: each event that filled them is credited with what is left of it."))


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


def whatif_fields(kind: str, state: str, power: str, size: str, series: str, months: str, title: str = "") -> dict:
    """The event fields a what-if form describes. Raises WhatIfError for a value that is not a number."""
    def number(text, field):
        try:
            return float(str(text).strip())
        except ValueError:
            raise WhatIfError(f"{field}: expected a number, got {text!r}") from None

    t = WHATIF_KINDS[kind]
    blame = [] if power == NOBODY else [power]
    named = {"title": title.strip()} if title and title.strip() else {}
    if t == "color_revolution":
        return {"type": t, "place": state, "magnitude": number(size, "magnitude"), "blame": blame, **named}
    if t == "unrest":
        return {"type": t, "state": state, "magnitude": number(size, "magnitude"), "blame": blame, **named}
    if t == "terror_attack":
        return {"type": t, "targets": [state], "magnitude": number(size, "magnitude"), **named}
    actor = power if power != NOBODY else None
    if t == "energy_deal":
        return {"type": t, "actor": actor, "state": state, "value": number(size, "value"), **named}
    if t == "base_request":
        return {"type": t, "actor": actor, "state": state, **named}
    if t == "aid_offer":
        return {"type": t, "actor": actor, "targets": [state], "magnitude": number(size, "magnitude"), **named}
    months_n = number(months, "months")
    if months_n != int(months_n):
        raise WhatIfError(f"months: expected a whole number, got {months!r}")
    return {"type": t, "series": series, "factor": number(size, "factor"), "months": int(months_n), **named}


@solara.component
def WhatIfPanel(model, k: int, rev: int = 0, on_inject=None):
    """Inject an event before the month after the one shown, as if the scenario had dated it. When an
    earlier month is shown, the run is recomputed up to it first (``on_inject`` does both)."""
    st = model.world.setup
    kind, set_kind = solara.use_state("Color revolution")
    state, set_state = solara.use_state("UZB" if "UZB" in st.states else st.states[0])
    power, set_power = solara.use_state("USA" if "USA" in st.powers else st.powers[0])
    size, set_size = solara.use_state(DEFAULT_SIZE["color_revolution"])
    series_names = list(st.series_names) or ["(none)"]
    series, set_series = solara.use_state(series_names[0])
    months, set_months = solara.use_state("0")
    title, set_title = solara.use_state("")
    message, set_message = solara.use_state(None)
    t = WHATIF_KINDS[kind]

    def choose_kind(choice):
        set_kind(choice)
        set_size(DEFAULT_SIZE[WHATIF_KINDS[choice]])

    def apply():
        try:
            fields = whatif_fields(kind, state, power, size, series, months, title)
            text = on_inject(fields)
        except WhatIfError as e:
            set_message(("error", str(e)))
            return
        set_message(("ok", text))
        set_title("")

    nxt = st.date(k) if k < st.months else "-"
    with solara.Column(classes=["gg-whatif"], style=PANEL):
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>What if...?</b> Applied before {nxt} is simulated.")
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
        solara.InputText("title (optional, e.g. 'Unrest in Fergana')", value=title, on_value=set_title,
                         continuous_update=True, classes=["gg-whatif-title"])
        solara.Button("Inject now", color="warning", on_click=apply, classes=["gg-inject"],
                      disabled=k >= st.months)
        if message:
            if message[0] == "ok":
                solara.Success(message[1], classes=["gg-whatif-message"])
            else:
                solara.Error(message[1], classes=["gg-whatif-message", "gg-whatif-error"])


@solara.component
def EventLog(model, k: int, rev: int = 0):
    """The events up to the month shown (scheduled, drawn by chance, injected), by their titles, and the
    decisions the states took, with their reasons."""
    records = model.event_records(k)
    events = list(reversed(records))[:60]
    all_decisions = model.decisions_until(k)
    decisions = list(reversed(all_decisions))[:40]

    def what(e):
        text = html.escape(e.get("title") or event_name(e))
        if e["whatif"]:
            return f"<b>what-if</b> {text} <span style='color:#666'>({html.escape(describe_record(e))})</span>"
        return text

    ev_rows = "".join(f"<li class='gg-event-row'>{e['date']}: {what(e)}</li>" for e in events)

    def reason(d):
        text = model.decision_reason(d)
        return f"<br><span style='color:#666'>{html.escape(text)}</span>" if text else ""

    dec_rows = "".join(
        f"<li class='gg-decision-row'>{d['date']}: {STATE_NAMES.get(d['state'], d['state'])} "
        f"{d['decision'].replace('_', ' ')} ({html.escape(str(d['counterpart']))}: {html.escape(str(d['detail']))})"
        f"{reason(d)}</li>"
        for d in decisions)
    counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name in DECISIONS
                       if (n := sum(d["decision"] == name for d in all_decisions)))
    solara.HTML(tag="div", classes=["gg-events"], style=PANEL + "font-size:12px", unsafe_innerHTML=(
        f"<b>Events so far</b> ({len(records)}), latest first"
        f"<ul style='margin:2px 0 8px 0'>{ev_rows or '<li>none yet</li>'}</ul>"
        f"<b>Decisions the states took</b> ({len(all_decisions)}{': ' + counts if counts else ''})"
        f"<ul style='margin:2px 0'>{dec_rows or '<li>none yet</li>'}</ul>"))


def describe_record(record: dict) -> str:
    """A what-if's plain description, from its event record."""
    from sim.scenario.schema import EVENT_TYPES

    fields = {key: v for key, v in record.items() if key not in ("whatif", "index")}
    return describe(EVENT_TYPES[record["type"]].model_validate(fields))
