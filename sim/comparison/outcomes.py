"""Outcomes to compare: what holds at checkpoint months, and which decisions were ever taken.

At each checkpoint month every run either has or has not: a base of a power open in a state, a deal in
force, a state in an organisation, a state leaning most toward a power (its highest alignment), and a power
holding a stance toward its rivals (integrate, cooperate, counterbalance). The
share of runs in which an outcome holds is its probability under the scenario, e.g. "Manas open in
2013-12: 62% of runs". An outcome a scenario cannot produce (a base never requested there, a power or an
organisation it does not declare) is marked undefined for that scenario rather than counted as 0%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.codes import ORG_NAMES, POWER_NAMES, STATE_NAMES
from sim.comparison.collect import ScenarioRun

KEYS = ["kind", "state", "counterpart", "name"]
KIND_ORDER = {"base": 0, "member": 1, "deal": 2, "leaning": 3, "stance": 4}
STANCE_WORDS = {"integrate": "integrates the region on its own", "cooperate": "cooperates with its rivals",
                "counterbalance": "counterbalances its rivals"}


def describe(kind: str, state: str, counterpart: str, name: str) -> str:
    """A readable label: 'US base open in Kyrgyzstan (Manas transit centre)'."""
    st = STATE_NAMES.get(state, state)
    if kind == "base":
        return f"{counterpart} base open in {st} ({name})"
    if kind == "deal":
        return f"{st}-{counterpart} deal in force ({name})"
    if kind == "member":
        return f"{st} in {counterpart}"
    if kind == "stance":
        who = POWER_NAMES.get(counterpart, counterpart)
        return f"{who[:1].upper()}{who[1:]} {STANCE_WORDS.get(name, name)}"
    if kind == "leaning":
        return f"{st} leans most to {POWER_NAMES.get(counterpart, counterpart)}"
    return f"{kind} {state} {counterpart} {name}"


def indicators(run: ScenarioRun, dates: list[str]) -> pd.DataFrame:
    """One row per run, checkpoint month and outcome: kind, state, counterpart, name, holds (bool)."""
    pos = [run.dates.index(d) for d in dates]
    labels, holds = run.commitments["labels"], run.commitments["holds"][pos]  # (D, N, L)
    D, N, L = holds.shape
    frames = []
    if L:
        lab = np.array(labels, dtype=object)
        grid = np.indices((D, N, L)).reshape(3, -1)
        frames.append(pd.DataFrame({
            "run": grid[1], "date": np.asarray(dates)[grid[0]], "kind": lab[grid[2], 0],
            "state": lab[grid[2], 1], "counterpart": lab[grid[2], 2], "name": lab[grid[2], 3],
            "holds": holds.reshape(-1)}))
    # leaning: the power each state is most aligned with (ties go to the first power listed)
    al = run.alignment[run.alignment.date.isin(dates)]
    wide = al.pivot_table(index=["run", "date", "state"], columns="power", values="alignment", sort=False)
    wide = wide[list(run.powers)]
    top = wide.to_numpy().argmax(axis=1)
    idx = wide.index.to_frame(index=False)
    for p, power in enumerate(run.powers):
        frames.append(pd.DataFrame({"run": idx.run, "date": idx.date, "kind": "leaning", "state": idx.state,
                                    "counterpart": power, "name": "", "holds": top == p}))
    out = pd.concat(frames, ignore_index=True)
    out["run"] = out["run"].astype(int)
    return out


def probabilities(runs: list[ScenarioRun], inds: list[pd.DataFrame]) -> pd.DataFrame:
    """Long table: scenario, date, kind, state, counterpart, name, outcome, runs, share (NaN: undefined).

    Every outcome any scenario can produce appears for every scenario."""
    rows = []
    for run, ind in zip(runs, inds):
        g = ind.groupby(["date"] + KEYS, sort=False).holds.agg(["mean", "size"]).reset_index()
        g.insert(0, "scenario", run.name)
        rows.append(g.rename(columns={"mean": "share", "size": "runs"}))
    df = pd.concat(rows, ignore_index=True)
    full = df[["date"] + KEYS].drop_duplicates()
    out = []
    for run in runs:
        sub = full.merge(df[df.scenario == run.name], on=["date"] + KEYS, how="left")
        sub["scenario"] = run.name
        sub["runs"] = len(run.seeds)
        out.append(sub)
    res = pd.concat(out, ignore_index=True)
    res["outcome"] = [describe(*k) for k in zip(res.kind, res.state, res.counterpart, res.name)]
    res["order"] = res.kind.map(KIND_ORDER)
    res = res.sort_values(["order", "state", "counterpart", "name", "date"], kind="stable")
    res = res.drop(columns="order")
    return res[["scenario", "date", "kind", "state", "counterpart", "name", "outcome", "runs", "share"]] \
        .reset_index(drop=True)


def decisions_ever(runs: list[ScenarioRun]) -> pd.DataFrame:
    """Share of runs in which each decision was taken at least once in the period, and its median month.

    Columns: scenario, state, counterpart, decision, detail, share (empty where the scenario cannot take
    the decision: no such request, offer or organisation), median_month."""
    keys = ["state", "counterpart", "decision", "detail"]
    frames = []
    for run in runs:
        d = run.decisions
        if len(d):
            first = d.groupby(keys + ["run"], sort=False).date.min().reset_index()
            g = first.groupby(keys, sort=False).agg(n=("run", "nunique"),
                                                   median_month=("date", lambda x: sorted(x)[len(x) // 2]))
            g = g.reset_index()
            g["share"] = g.n / len(run.seeds)
            g.insert(0, "scenario", run.name)
            frames.append(g.drop(columns="n"))
    if not frames:
        return pd.DataFrame(columns=["scenario", *keys, "share", "median_month"])
    df = pd.concat(frames, ignore_index=True)
    full = df[keys].drop_duplicates()
    out = []
    for run in runs:
        sub = full.merge(df[df.scenario == run.name], on=keys, how="left")
        sub["scenario"] = run.name
        labels = run.commitments["labels"]
        slots = {(st, cp, nm) for kind, st, cp, nm in labels if kind in ("base", "deal")}
        orgs = {(st, cp) for kind, st, cp, _ in labels if kind == "member"}
        possible = [(st, cp, dt) in slots or (dec in ("joined", "left") and (st, cp) in orgs)
                    for st, cp, dec, dt in zip(sub.state, sub.counterpart, sub.decision, sub.detail)]
        sub["share"] = sub.share.where(~np.array(possible, dtype=bool) | sub.share.notna(), 0.0)
        out.append(sub)
    res = pd.concat(out, ignore_index=True)
    return res[["scenario", *keys, "share", "median_month"]]


__all__ = ["ORG_NAMES", "decisions_ever", "describe", "indicators", "probabilities"]
