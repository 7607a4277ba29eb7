"""What-if: inject an event into a running model, now, as if the scenario had dated it this month.

A what-if is written like a scenario event (the same fields, the same checks), without Python:
``{"type": "color_revolution", "place": "UZB", "magnitude": 1.0}``. ``inject`` fills in what a
classroom need not type (an id, a title, the date, a source note), validates it with the scenario schema, and
applies it before the next month is simulated, exactly as ``sim.core.events.apply_event`` applies a dated
event. Bad values never crash the run: they raise ``WhatIfError`` with a sentence naming the field.

Two kinds of event need more than ``apply_event``:
- a base request or an energy offer opens a new *slot* (a pending question the state answers in the
  months that follow): the slot is added to the setup and each run array grows by one, pending now;
- a price shock changes a series (the oil price, say) from this month on: the series and the powers'
  capacities that depend on it are recomputed from this month, as the loader does for dated shocks.
"""

from __future__ import annotations

import numpy as np
from pydantic import TypeAdapter, ValidationError

from sim.codes import POWER_NAMES, STATE_NAMES
from sim.core.world import NOT_YET, Slot
from sim.scenario.schema import TITLE_MAX, Event

_EVENT = TypeAdapter(Event)

#: the what-ifs offered in the app, with the fields a user fills in
WHATIF_TYPES: dict[str, str] = {
    "color_revolution": "a color revolution in a state (its regime and similar ones feel threatened)",
    "unrest": "unrest inside a state, blamed on the powers named",
    "terror_attack": "a terror attack on states or a power",
    "incursion": "an armed incursion into a state (neighbours feel part of it)",
    "energy_deal": "an energy offer from a power to a state (it signs or not in the months ahead)",
    "base_request": "a power asks a state for a military base (it grants it or not)",
    "aid_offer": "a power offers aid or credit to states",
    "price_shock": "a series (e.g. the oil price) jumps by a factor from now on",
    "leader_change": "a new leader in a state",
    "power_policy": "a power changes its conditions, attention or reach",
}


class WhatIfError(ValueError):
    """A what-if that cannot be applied; the message says which field and what was expected."""


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"] if not (isinstance(x, str) and x in _TYPE_TAGS))
        msg = e["msg"].removeprefix("Value error, ")
        parts.append(f"{loc or 'event'}: {msg}" + (f" (got {e['input']!r})" if "input" in e and
                                                      not isinstance(e["input"], dict) else ""))
    return "; ".join(parts)


_TYPE_TAGS = set(WHATIF_TYPES) | {"org_founded", "org_dissolved", "org_reformed", "afghan_insurgency",
                                  "military_operation", "war_elsewhere"}


def build_event(model, fields: dict):
    """The schema event for ``fields``, dated the month about to be simulated. Raises WhatIfError."""
    w = model.world
    if w.step >= w.setup.months:
        raise WhatIfError("the run is over: press Reset to start again before adding a what-if")
    if not isinstance(fields, dict) or "type" not in fields:
        raise WhatIfError(f"type: a what-if needs a type, one of {', '.join(WHATIF_TYPES)}")
    if fields["type"] not in WHATIF_TYPES:
        raise WhatIfError(f"type: expected one of {', '.join(WHATIF_TYPES)}, got {fields['type']!r}")
    n = len(getattr(model, "whatifs", []))
    data = {"id": f"whatif-{n + 1}-{fields['type'].replace('_', '-')}", "date": model.date,
            "source": "what-if added in class", **{k: v for k, v in fields.items() if v is not None}}
    if not str(data.get("title") or "").strip():  # a title the class did not type: 'What-if 2: unrest in Uzbekistan'
        data["title"] = default_title(n + 1, data)
    if data["type"] in ("energy_deal", "base_request") and "name" not in data:
        what = "base" if data["type"] == "base_request" else "energy deal"
        data["name"] = f"{data.get('actor', '?')} {what} (what-if)"
    try:
        ev = _EVENT.validate_python(data)
    except ValidationError as e:
        raise WhatIfError(_describe(e)) from None
    _check_codes(model, ev)
    return ev


def default_title(number: int, fields: dict) -> str:
    """'What-if 2: unrest in Uzbekistan': the what-if's number, its kind and where it happens."""
    def name(code):
        return STATE_NAMES.get(code) or POWER_NAMES.get(code) or str(code)

    t = str(fields.get("type"))
    kind = t.replace("_", " ")
    where = fields.get("place") or fields.get("state") or (fields.get("targets") or [None])[0]
    if t in ("energy_deal", "base_request", "aid_offer", "power_policy") and fields.get("actor"):
        kind = f"{name(fields['actor'])} {kind}"
    if t == "price_shock":
        where = None
        kind = f"{str(fields.get('series', 'price')).replace('_', ' ')} shock"
    text = f"What-if {number}: {kind}" + (f" in {name(where)}" if where else "")
    return text[:TITLE_MAX]


def _check_codes(model, ev) -> None:
    st = model.world.setup
    states, powers = st.states, st.powers

    def need(field, code, allowed, what):
        if code not in allowed:
            raise WhatIfError(f"{field}: expected {what} ({', '.join(allowed)}), got {code!r}")

    t = ev.type
    if t in ("terror_attack",):
        for code in ev.targets:
            need("targets", code, states + powers, "a state or a power")
    if t in ("incursion", "aid_offer"):
        for code in ev.targets:
            need("targets", code, states, "a state")
    if t in ("unrest", "energy_deal", "base_request", "leader_change"):
        need("state", ev.state, states, "a state")
    if t in ("energy_deal", "base_request", "aid_offer", "power_policy"):
        need("actor", ev.actor, powers, "a power")
    if t in ("color_revolution", "unrest"):
        for code in ev.blame:
            need("blame", code, powers, "a power")
    if t == "color_revolution" and ev.place not in states and ev.openness is None:
        raise WhatIfError(f"openness: a revolution outside the region ({ev.place}) needs the openness of "
                          "that country, from 0 to 1")
    if t in ("color_revolution", "leader_change"):
        for code in ev.affinity_shift:
            need("affinity_shift", code, powers, "a power")
    if t == "price_shock":
        need("series", ev.series, st.series_names, "a series of this scenario")


def _add_slot(model, ev) -> None:
    """A new base or deal slot, not yet arrived; apply_event then makes it pending this month."""
    w = model.world
    st, r = w.setup, w.runs
    window = ev.window or int(model.param_values.get("request_window", 6))
    kind = "base" if ev.type == "base_request" else "deal"
    value = ev.value if kind == "deal" else 0.0
    st.slots = list(st.slots) + [Slot(kind, st.states.index(ev.state), st.powers.index(ev.actor), w.step,
                                      window, ev.name, value, ev.id)]
    r.slot_status = np.concatenate([r.slot_status, np.full(r.slot_status.shape[:-1] + (1,), NOT_YET,
                                                           dtype=r.slot_status.dtype)], axis=-1)
    r.slot_months = np.concatenate([r.slot_months, np.zeros(r.slot_months.shape[:-1] + (1,),
                                                            dtype=r.slot_months.dtype)], axis=-1)
    r.slot_taste = np.concatenate([r.slot_taste, np.zeros(r.slot_taste.shape[:-1] + (1,))], axis=-1)
    r.slot_asked = np.concatenate([r.slot_asked, np.full(r.slot_asked.shape[:-1] + (1,), -1,
                                                         dtype=r.slot_asked.dtype)], axis=-1)


def _price_shock(model, ev) -> None:
    """Multiply the series by the factor from this month (for ``months``, or for good) and recompute the
    capacity of each power that depends on it: capacity x factor ^ elasticity over the same months."""
    w = model.world
    st = w.setup
    j = st.series_names.index(ev.series)
    a = w.step
    b = st.months if ev.months == 0 else min(st.months, a + ev.months)
    series = st.series.copy()
    series[a:b, j] *= ev.factor
    capacity = st.capacity.copy()
    for p, code in enumerate(st.powers):
        spec = model.loaded.spec.powers.get(code)
        elasticity = spec.capacity_drivers.get(ev.series, 0.0) if spec is not None else 0.0
        capacity[a:b, p] *= ev.factor ** elasticity
    st.series, st.capacity = series, capacity
    st.capacity_ratio = capacity / capacity[:1]


def inject(model, fields: dict) -> str:
    """Apply a what-if to ``model`` before its next month; return a sentence saying what was done.

    Raises WhatIfError (with the field at fault) for anything the scenario schema would refuse.
    """
    from sim.core.events import apply_event

    ev = build_event(model, fields)
    if ev.type in ("energy_deal", "base_request"):
        _add_slot(model, ev)
    if ev.type == "price_shock":
        _price_shock(model, ev)
    else:
        apply_event(model.world, ev, model.params)
    record = {"date": model.date, "event": ev, "whatif": True}
    model.applied_events.append(record)
    if not hasattr(model, "whatifs"):
        model.whatifs = []
    model.whatifs.append(record)
    return f"{model.date}: {describe(ev)} (applied before this month is simulated)"


def describe(ev) -> str:
    """A plain sentence for an event, e.g. 'a color revolution in Uzbekistan (magnitude 1.0, blamed on ...)'."""
    def name(code):
        return STATE_NAMES.get(code) or POWER_NAMES.get(code) or code

    t = ev.type
    if t == "color_revolution":
        blame = f", blamed on {' and '.join(name(c) for c in ev.blame)}" if ev.blame else ""
        return f"a color revolution in {name(ev.place)} (magnitude {ev.magnitude}{blame})"
    if t == "unrest":
        blame = f", blamed on {' and '.join(name(c) for c in ev.blame)}" if ev.blame else ""
        return f"unrest in {name(ev.state)} (magnitude {ev.magnitude}{blame})"
    if t in ("terror_attack", "incursion"):
        word = "a terror attack on" if t == "terror_attack" else "an incursion into"
        return f"{word} {' and '.join(name(c) for c in ev.targets)} (magnitude {ev.magnitude})"
    if t == "energy_deal":
        return f"{name(ev.actor)} offers {name(ev.state)} an energy deal '{ev.name}' (tie {ev.value})"
    if t == "base_request":
        return f"{name(ev.actor)} asks {name(ev.state)} for a base '{ev.name}'"
    if t == "aid_offer":
        return f"{name(ev.actor)} offers aid to {' and '.join(name(c) for c in ev.targets)} ({ev.magnitude})"
    if t == "price_shock":
        span = "for good" if ev.months == 0 else f"for {ev.months} months"
        return f"the {ev.series.replace('_', ' ')} series is multiplied by {ev.factor} {span}"
    if t == "leader_change":
        return f"a new leader in {name(ev.state)}"
    if t == "power_policy":
        return f"{name(ev.actor)} changes course"
    return t.replace("_", " ")
