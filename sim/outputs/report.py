"""report.md: what happened in a run, in plain words, month by month where something changed, and why.

The report reads its tables as DataFrames or as columns (a dict of numpy arrays or coded text columns,
sim.outputs.tables), and works on plain arrays and dictionaries either way: ``run.py run`` writes it
without importing pandas.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from sim.codes import ORG_NAMES, POWER_NAMES, STATE_NAMES

if TYPE_CHECKING:
    import pandas as pd

BIG_MOVE = 0.03  # a monthly change in alignment worth reporting
MIN_MOVE = 0.01  # ... or less, down to this, when the model moves slowly (see move_threshold)
DRIVER_WORDS = {
    "security": "the security threat and who answers it",
    "regime": "the regime threat and who backs the regime",
    "conditions": "the conditions on democracy and human rights",
    "economy": "energy and trade ties",
    "blame": "blame",
    "offers": "aid and offers",
    "rivalry": "the presence of rivals",
    "inertia": "inertia (the pull of the old leaning)",
    "noise": "chance",
    "bounds": "the limits of the scale",
}


def _name(code: str) -> str:
    return STATE_NAMES.get(code) or POWER_NAMES.get(code) or ORG_NAMES.get(code) or code


def move_threshold(changes) -> float:
    """The size of a monthly move worth explaining: BIG_MOVE, or, when fewer than 1% of the monthly changes
    reach it (a slowly moving model), the size the largest 1% reach, but never below MIN_MOVE."""
    x = np.abs(np.asarray(changes, dtype=float))
    x = x[np.isfinite(x)]
    if not len(x) or (x >= BIG_MOVE).mean() >= 0.01:
        return BIG_MOVE
    return float(max(MIN_MOVE, min(BIG_MOVE, round(float(np.quantile(x, 0.99)), 3))))


def move_size(change: float, threshold: float) -> str:
    """A move's size with two decimals, or three when two would show it below the threshold the report states
    (a move of 0.024 above a threshold of 0.023 is not written 'by 0.02')."""
    size = abs(float(change))
    return f"{size:.2f}" if round(size, 2) >= threshold else f"{size:.3f}"


def _columns(table) -> dict[str, np.ndarray]:
    """A table (DataFrame, or dict of columns: numpy arrays, lists or coded text columns) as a dict of numpy
    arrays, text as Python strings."""
    if table is None:
        return {}
    if isinstance(table, dict):
        return {k: (v.values() if hasattr(v, "codes") and hasattr(v, "labels") else np.asarray(v))
                for k, v in table.items()}
    return {c: table[c].to_numpy() for c in table.columns}


def _rows(cols: dict[str, np.ndarray]) -> int:
    return len(next(iter(cols.values()))) if cols else 0


def _where(cols: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[keep] for k, v in cols.items()}


def _groups(cols: dict[str, np.ndarray], keys: list[str]) -> dict[tuple, list[int]]:
    """Row positions of each combination of the key columns, in the order the combinations first appear
    (pandas' groupby(sort=False); rows with a missing key are left out, as there)."""
    out: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(*[cols[k].tolist() for k in keys])):
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in key):
            continue
        out.setdefault(key, []).append(i)
    return out


def stance_periods(powers, run: int) -> dict[str, list[tuple[str, str, str]]]:
    """For each power, the stretches of months it held each stance in one run (``powers``: the powers
    table, as a DataFrame or columns)."""
    cols = _columns(powers)
    if not _rows(cols):
        return {}
    mine = _where(cols, cols["run"] == run)
    stance, date = mine["stance"].tolist(), mine["date"].tolist()
    out = {}
    for power, rows in _groups(mine, ["power"]).items():
        spans = []
        for i in rows:
            if spans and spans[-1][0] == stance[i]:
                spans[-1][2] = date[i]
            else:
                spans.append([stance[i], date[i], date[i]])
        out[power[0]] = [tuple(sp) for sp in spans]
    return out


# ---------------------------------------------------------------------------------------------------
# Naming the event behind a driver
# ---------------------------------------------------------------------------------------------------
# A driver is a pull computed from a stock (blame held, the regime's fear, the security threat, goodwill
# from offers, energy ties). Each stock is fed by events and fades month by month, so the events that
# explain this month's pull are those of this month and the preceding ones that fed that stock, counted
# by their size times what is left of them: magnitude x FADE ** age in months. The one with the largest
# weight is named ("blame for the Andijan unrest, 2005-05"); a stock that no event fed gets no name.
FEEDS = {  # driver -> event types that feed its stock
    "blame": ("color_revolution", "unrest"),
    "regime": ("color_revolution", "unrest", "leader_change"),
    "security": ("terror_attack", "incursion", "afghan_insurgency", "military_operation"),
    "offers": ("aid_offer",),
    "economy": ("energy_deal", "price_shock"),
    "conditions": ("power_policy",),
}
FADE = 0.95  # a month's share of an event's weight that is still felt a month later
LOOKBACK = 36  # months: older events are not named
TYPE_WORDS = {"color_revolution": "revolution", "unrest": "unrest", "terror_attack": "attack",
              "incursion": "incursion", "afghan_insurgency": "insurgency", "military_operation": "operation",
              "aid_offer": "offer", "energy_deal": "deal", "price_shock": "price shock",
              "power_policy": "change of course", "leader_change": "change of leader"}


def _month(date: str) -> int:
    y, m = date.split("-")
    return int(y) * 12 + int(m) - 1


def event_fields(summary: str) -> dict:
    """The fields of an events.csv summary ('unrest: state=UZB, magnitude=1.2, blame=USA') as a dict;
    lists (targets, blame) are split on '+'."""
    kind, _, rest = summary.partition(": ")
    out: dict = {"type": kind}
    for part in rest.split(", "):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v.split("+") if k in ("targets", "blame") else v
    return out


def event_label(event_id: str, kind: str) -> str:
    """'andijan', 'unrest' -> 'the Andijan unrest'; 'tulip_revolution' -> 'the Tulip revolution';
    'whatif-2-unrest' -> 'the what-if unrest #2'."""
    noun = TYPE_WORDS.get(kind, kind.replace("_", " "))
    if event_id.startswith("whatif-"):  # injected in the app: whatif-2-color-revolution
        return f"the what-if {noun} #{event_id.split('-')[1]}"
    words = event_id.replace("_", " ").replace("-", " ").strip()
    text = words[:1].upper() + words[1:]
    if noun.split()[0] not in words.lower():
        text = f"{text} {noun}"
    return f"the {text}"


def event_name(event: dict) -> str:
    """An event's title as it reads inside a sentence: 'The Tulip revolution' -> 'the Tulip revolution'
    ('IMU raid on Batken' stays as it is); an event without a title is named from its id (event_label)."""
    title = str(event.get("title") or "").strip()
    if not title:
        return event_label(event["id"], event["type"])
    first, _, rest = title.partition(" ")
    return f"{first.lower()} {rest}" if first in ("The", "A", "An") and rest else title


def _involves(ev: dict, driver: str, state: str, power: str) -> bool:
    """Whether an event could have fed the stock behind ``driver`` for this state and power."""
    kind = ev.get("type")
    if kind not in FEEDS.get(driver, ()):
        return False
    places = set(ev.get("targets") or []) | {ev.get("state"), ev.get("place")} - {None}
    if driver == "blame":
        blamed = ev.get("blame") or []
        return not blamed or power in blamed  # no names: the blame rule spreads it over the pressing powers
    if driver == "regime":
        return kind != "leader_change" or state in places
    if driver == "security":
        return kind in ("afghan_insurgency", "military_operation", "incursion") or state in places
    if driver in ("offers", "economy"):
        if kind == "price_shock":
            return True
        return ev.get("actor") == power and state in places
    if driver == "conditions":
        return ev.get("actor") == power
    return False


def event_behind(events: list[dict], driver: str, state: str, power: str, date: str) -> dict | None:
    """The event (a dict with date, id, type and fields) most likely behind ``driver`` at ``date``."""
    now = _month(date)
    best, best_w = None, 0.0
    for ev in events:
        age = now - _month(ev["date"])
        if not 0 <= age <= LOOKBACK or not _involves(ev, driver, state, power):
            continue
        size = ev.get("magnitude") or ev.get("level") or ev.get("value") or 1.0
        try:
            size = abs(float(size))
        except (TypeError, ValueError):
            size = 1.0
        w = size * FADE ** age
        if w > best_w:
            best, best_w = ev, w
    return best


def driver_phrase(driver: str, event: dict | None) -> str:
    """'blame for the Andijan unrest (2005-05)' or the driver's plain words when no event is named."""
    words = DRIVER_WORDS.get(driver, driver)
    if event is None:
        return words
    label = f"{event_name(event)} ({event['date']})"
    if driver == "blame":
        return f"blame for {label}"
    return f"{words}, after {label}"


def explain_move(drv: pd.DataFrame, top: int = 3, events: list[dict] | None = None) -> str:
    """'of which -0.14 from blame for the Andijan unrest (2005-05), -0.03 from inertia, ...' for the largest
    drivers of one move (``drv``: rows of one date, state and power). With ``events`` (dicts with date, id,
    type and the event's fields), each driver fed by events names the one most likely behind it."""
    d = drv.reindex(drv.contribution.abs().sort_values(ascending=False).index).head(top)
    return _explain(list(d.driver), list(d.contribution), list(d.date), list(d.state), list(d.power), events)


def _explain(drivers: list, contributions: list, dates: list, states: list, powers: list,
             events: list[dict] | None) -> str:
    """explain_move's words for drivers already ordered by size and cut to the top few."""
    parts = []
    for k, c, date, state, power in zip(drivers, contributions, dates, states, powers):
        if abs(c) < 0.005:
            continue
        ev = event_behind(events, k, state, power, date) if events else None
        parts.append(f"{c:+.2f} from {driver_phrase(k, ev)}")
    return ", ".join(parts)


def _largest(contributions: np.ndarray, top: int) -> np.ndarray:
    """Positions of the ``top`` largest contributions by size, ties in their order (as explain_move's
    descending sort of the sizes)."""
    return np.argsort(-np.abs(contributions), kind="stable")[:top]


def _rows_by_date(cols: dict[str, np.ndarray], by: str | None = "date"):
    """Rows (with the columns as attributes) of a table grouped by date, each group in the table's order;
    with ``by=None``, the list of rows in order."""
    names = list(cols)
    rows = [SimpleNamespace(**dict(zip(names, values))) for values in zip(*[cols[k].tolist() for k in names])]
    if by is None:
        return rows
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(getattr(row, by), []).append(row)
    return out


def _median_date(dates: list[str]) -> str:
    return sorted(dates)[len(dates) // 2]


def build_report(title: str, description: str, ts, drivers, decisions, events, powers, seeds: list[int],
                 files: list[str], refusals=None, ends: dict | None = None, runs: int | None = None,
                 drivers_note: str = "see drivers.csv for all") -> str:
    """The report. ``decisions`` and ``refusals`` hold every run; ``ts``, ``drivers``, ``events`` and
    ``powers`` need to hold run 0 only when ``ends`` gives the median alignment across runs at the first
    and last month ({(state, power): (first, last)}) and ``runs`` the number of runs. Each table is a
    DataFrame or a dict of columns."""
    ts, drivers, decisions = _columns(ts), _columns(drivers), _columns(decisions)
    events, refusals = _columns(events), (None if refusals is None else _columns(refusals))
    runs = len(np.unique(ts["run"])) if runs is None else runs
    lines = [f"# {title}", "", description.strip(), ""]
    lines += [f"Runs: {runs} (seeds {seeds[0]}" + (f" to {seeds[-1]})" if runs > 1 else ")")
              + f". Scenario file: `{files[0]}`.", ""]
    ts_date, ts_state, ts_power = ts["date"].tolist(), ts["state"].tolist(), ts["power"].tolist()
    first, last = min(ts_date), max(ts_date)
    states, powers_seen = list(dict.fromkeys(ts_state)), list(dict.fromkeys(ts_power))
    # --- where each state ended up -------------------------------------------------------------------
    lines += ["## Where each state ended up", "",
              f"Median alignment across runs (0 estranged, 1 client), {first} and {last}.", "",
              "| state | " + " | ".join(f"{p} {first} -> {last}" for p in powers_seen) + " | leaning at the end |",
              "|---|" + "---|" * (len(powers_seen) + 1)]
    if ends is None:
        cells = _groups(ts, ["state", "power", "date"])
        alignment = ts["alignment"].astype(float)
        ends = {(state, power): tuple(np.nanmedian(alignment[cells[(state, power, d)]]) for d in (first, last))
                for state in states for power in powers_seen}
    for state in states:
        cells = []
        end = {}
        for power in powers_seen:
            a0, a1 = ends[(state, power)]
            end[power] = a1
            cells.append(f"{a0:.2f} -> {a1:.2f}")
        lead = max(end, key=end.get)
        lines.append(f"| {_name(state)} | " + " | ".join(cells) + f" | {_name(lead)} |")
    lines.append("")
    # --- decisions across runs -----------------------------------------------------------------------
    lines += ["## Decisions the states took", ""]
    if _rows(decisions):
        dec_run, dec_date = decisions["run"].tolist(), decisions["date"].tolist()
        groups = _groups(decisions, ["state", "counterpart", "decision", "detail"])
        keys = list(groups)
        medians = [_median_date([dec_date[i] for i in groups[k]]) for k in keys]
        order = np.argsort(np.asarray(medians, dtype=object), kind="stable")  # as pandas sorts its text columns
        lines += ["| state | decision | with | detail | share of runs | typical month |", "|---|---|---|---|---|---|"]
        for g in order.tolist():
            state, cp, dec, detail = keys[g]
            n_runs = len({dec_run[i] for i in groups[keys[g]]})
            lines.append(f"| {_name(state)} | {dec.replace('_', ' ')} | {cp} | {detail} | "
                         f"{n_runs / runs:.0%} | {medians[g]} |")
    else:
        lines.append("No state changed any commitment.")
    lines.append("")
    if refusals is not None and _rows(refusals):
        lines += ["Requests and offers the states let lapse (the window closed without a yes):", ""]
        ref_run, ref_date = refusals["run"].tolist(), refusals["date"].tolist()
        for (state, cp, request, detail), rows in _groups(refusals, ["state", "counterpart", "request",
                                                                     "detail"]).items():
            n_runs = len({ref_run[i] for i in rows})
            lines.append(f"- {_name(state)} turned down a {request} from {_name(cp)} ({detail}) in "
                         f"{n_runs / runs:.0%} of runs, typically in {_median_date([ref_date[i] for i in rows])}.")
        lines.append("")
    # --- stances -------------------------------------------------------------------------------------
    lines += ["## The powers' stances (run 0)", ""]
    for power, spans in stance_periods(powers, 0).items():
        text = "; ".join(f"{s} {a} to {b}" for s, a, b in spans)
        lines.append(f"- **{_name(power)}**: {text}.")
    lines.append("")
    # --- month by month ------------------------------------------------------------------------------
    # run 0's alignments as a (month, state-power) matrix, both in the order they first appear
    t0 = _where(ts, ts["run"] == 0)
    months = list(dict.fromkeys(t0["date"].tolist()))
    columns = list(dict.fromkeys(zip(t0["state"].tolist(), t0["power"].tolist())))
    row_of, col_of = {d: i for i, d in enumerate(months)}, {c: j for j, c in enumerate(columns)}
    values = np.full((len(months), len(columns)), np.nan)
    for d, sp, a in zip(t0["date"].tolist(), zip(t0["state"].tolist(), t0["power"].tolist()),
                        t0["alignment"].astype(float).tolist()):
        values[row_of[d], col_of[sp]] = a
    change_all = values - np.vstack([np.full((1, len(columns)), np.nan), values[:-1]])
    big = move_threshold(change_all)
    lines += ["## Month by month (run 0)", "",
              (f"Months in which an event arrived, a state decided something, or an alignment moved by "
               f"{big:.3g} or more. Each move is split into its largest drivers ({drivers_note})."), ""]
    d0 = _where(drivers, drivers["run"] == 0)
    ev0 = _where(events, events["run"] == 0) if _rows(events) else events
    dec0 = _where(decisions, decisions["run"] == 0) if _rows(decisions) else decisions
    by_move: dict[tuple, list[int]] = {}  # (date, state, power) -> positions of its drivers in d0
    for i, key in enumerate(zip(d0["date"].tolist(), d0["state"].tolist(), d0["power"].tolist())):
        by_move.setdefault(key, []).append(i)
    d_driver, d_contribution = d0["driver"], d0["contribution"].astype(float)
    ev_by_date, dec_by_date = _rows_by_date(ev0), _rows_by_date(dec0)
    ev_list = [{"date": e.date, "id": e.id, "title": getattr(e, "title", None), **event_fields(e.summary)}
               for e in _rows_by_date(ev0, by=None)]
    for i, date in enumerate(months):
        items = []
        for ev in ev_by_date.get(date, []):
            title = getattr(ev, "title", None)
            title = title if isinstance(title, str) else ev.id
            items.append(f"- Event **{title}** (`{ev.id}`; {ev.summary}). Source: {ev.source}")
        for dc in dec_by_date.get(date, []):
            if dc.decision in ("base_requested", "deal_offered"):  # a power's ask, by its rules
                if dc.decision == "base_requested":
                    items.append(f"- Ask: {_name(dc.counterpart)} asked {_name(dc.state)} for {dc.detail}.")
                else:
                    items.append(f"- Offer: {_name(dc.counterpart)} offered {_name(dc.state)} a deal ({dc.detail}).")
                continue
            items.append(f"- Decision: {_name(dc.state)} {dc.decision.replace('_', ' ')} "
                         f"({dc.counterpart}: {dc.detail}).")
        if i > 0:
            for j, (state, power) in enumerate(columns):
                dv = change_all[i, j]
                if np.isnan(dv) or not abs(dv) >= big:
                    continue
                rows = np.asarray(by_move[(date, state, power)])
                top = rows[_largest(d_contribution[rows], 3)]
                n = len(top)
                why = _explain(list(d_driver[top]), list(d_contribution[top]), [date] * n, [state] * n,
                               [power] * n, ev_list)
                verb = "rose" if dv > 0 else "fell"
                items.append(f"- {_name(state)}'s alignment with {_name(power)} {verb} by {move_size(dv, big)} "
                             f"to {values[i, j]:.2f}" + (f", of which {why}." if why else "."))
        if items:
            lines += [f"### {date}", *items, ""]
    return "\n".join(lines) + "\n"


__all__ = [
    "build_report",
    "driver_phrase",
    "event_behind",
    "event_fields",
    "event_label",
    "event_name",
    "explain_move",
    "move_threshold",
    "np",
    "stance_periods",
]
