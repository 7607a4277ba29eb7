"""report.md: what happened in a run, in plain words, month by month where something changed, and why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.codes import ORG_NAMES, POWER_NAMES, STATE_NAMES

BIG_MOVE = 0.03  # a monthly change in alignment worth reporting
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


def stance_periods(powers: pd.DataFrame, run: int) -> dict[str, list[tuple[str, str, str]]]:
    """For each power, the stretches of months it held each stance in one run."""
    out = {}
    for power, grp in powers[powers.run == run].groupby("power", sort=False):
        spans = []
        for stance, date in zip(grp.stance, grp.date):
            if spans and spans[-1][0] == stance:
                spans[-1][2] = date
            else:
                spans.append([stance, date, date])
        out[power] = [tuple(s) for s in spans]
    return out


def explain_move(drv: pd.DataFrame, top: int = 3) -> str:
    """'of which -0.14 from blame, -0.03 from inertia, ...' for the largest drivers of one move."""
    d = drv.reindex(drv.contribution.abs().sort_values(ascending=False).index).head(top)
    parts = [f"{c:+.2f} from {DRIVER_WORDS.get(k, k)}" for k, c in zip(d.driver, d.contribution) if abs(c) >= 0.005]
    return ", ".join(parts)


def build_report(title: str, description: str, ts: pd.DataFrame, drivers: pd.DataFrame, decisions: pd.DataFrame,
                 events: pd.DataFrame, powers: pd.DataFrame, seeds: list[int], files: list[str]) -> str:
    runs = ts.run.nunique()
    lines = [f"# {title}", "", description.strip(), ""]
    lines += [f"Runs: {runs} (seeds {seeds[0]}" + (f" to {seeds[-1]})" if runs > 1 else ")")
              + f". Scenario file: `{files[0]}`.", ""]
    first, last = ts.date.min(), ts.date.max()
    # --- where each state ended up -------------------------------------------------------------------
    lines += ["## Where each state ended up", "",
              f"Median alignment across runs (0 estranged, 1 client), {first} and {last}.", "",
              "| state | " + " | ".join(f"{p} {first} -> {last}" for p in dict.fromkeys(ts.power)) + " | leaning at the end |",
              "|---|" + "---|" * (ts.power.nunique() + 1)]
    med = ts.groupby(["state", "power", "date"], sort=False).alignment.median()
    for state in dict.fromkeys(ts.state):
        cells = []
        end = {}
        for power in dict.fromkeys(ts.power):
            a0, a1 = med[(state, power, first)], med[(state, power, last)]
            end[power] = a1
            cells.append(f"{a0:.2f} -> {a1:.2f}")
        lead = max(end, key=end.get)
        lines.append(f"| {_name(state)} | " + " | ".join(cells) + f" | {_name(lead)} |")
    lines.append("")
    # --- decisions across runs -----------------------------------------------------------------------
    lines += ["## Decisions the states took", ""]
    if len(decisions):
        g = decisions.groupby(["state", "counterpart", "decision", "detail"], sort=False)
        summary = g.agg(n_runs=("run", "nunique"), first=("date", "min"), median=("date", lambda d: sorted(d)[len(d) // 2]))
        summary = summary.sort_values("median")
        lines += ["| state | decision | with | detail | share of runs | typical month |", "|---|---|---|---|---|---|"]
        for (state, cp, dec, detail), row in summary.iterrows():
            lines.append(f"| {_name(state)} | {dec.replace('_', ' ')} | {cp} | {detail} | "
                         f"{row.n_runs / runs:.0%} | {row['median']} |")
    else:
        lines.append("No state changed any commitment.")
    lines.append("")
    # --- stances -------------------------------------------------------------------------------------
    lines += ["## The powers' stances (run 0)", ""]
    for power, spans in stance_periods(powers, 0).items():
        text = "; ".join(f"{s} {a} to {b}" for s, a, b in spans)
        lines.append(f"- **{_name(power)}**: {text}.")
    lines.append("")
    # --- month by month ------------------------------------------------------------------------------
    lines += ["## Month by month (run 0)", "",
              f"Months in which an event arrived, a state decided something, or an alignment moved by "
              f"{BIG_MOVE} or more. Each move is split into its largest drivers (see drivers.csv for all).", ""]
    t0 = ts[ts.run == 0]
    wide = t0.pivot_table(index="date", columns=["state", "power"], values="alignment", sort=False)
    prev = wide.shift(1)
    d0 = drivers[drivers.run == 0]
    ev0 = events[events.run == 0] if len(events) else events
    dec0 = decisions[decisions.run == 0] if len(decisions) else decisions
    d_index = d0.set_index(["date", "state", "power"]).sort_index()
    for date in wide.index:
        items = []
        if len(ev0):
            for _, ev in ev0[ev0.date == date].iterrows():
                items.append(f"- Event **{ev.id}** ({ev.summary}). Source: {ev.source}")
        if len(dec0):
            for _, dc in dec0[dec0.date == date].iterrows():
                items.append(f"- Decision: {_name(dc.state)} {dc.decision.replace('_', ' ')} "
                             f"({dc.counterpart}: {dc.detail}).")
        if date != wide.index[0]:
            change = (wide.loc[date] - prev.loc[date]).dropna()
            for (state, power), dv in change[change.abs() >= BIG_MOVE].items():
                why = explain_move(d_index.loc[(date, state, power)].reset_index())
                verb = "rose" if dv > 0 else "fell"
                items.append(f"- {_name(state)}'s alignment with {_name(power)} {verb} by {abs(dv):.2f} "
                             f"to {wide.loc[date, (state, power)]:.2f}" + (f", of which {why}." if why else "."))
        if items:
            lines += [f"### {date}", *items, ""]
    return "\n".join(lines) + "\n"


__all__ = ["build_report", "explain_move", "stance_periods", "np"]
