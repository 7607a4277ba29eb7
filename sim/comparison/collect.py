"""Run each scenario with the same seeds and keep, per scenario, the tidy tables a comparison reads.

For every scenario: ``alignment`` (one row per run, date, state, power), ``commitments`` (one row per run,
date, state and commitment: a base hosted, a deal in force, an organisation joined, with whether it holds
that month) and ``decisions`` (every decision taken, one row per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.codes import STANCES
from sim.outputs import tables
from sim.scenario.loader import LoadedScenario


@dataclass
class ScenarioRun:
    """One scenario run R times: what it is and the tables of what happened."""

    name: str
    loaded: LoadedScenario
    seeds: list[int]
    alignment: pd.DataFrame  # run, seed, date, state, power, alignment
    commitments: dict = field(repr=False)  # see commitment_arrays
    decisions: pd.DataFrame = field(repr=False)
    dates: list[str] = field(default_factory=list)
    powers: tuple[str, ...] = ()
    states: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.loaded.spec.title


def commitment_arrays(rec) -> dict:
    """What holds each month in each run, by commitment label.

    Returns {"labels": [(kind, state, counterpart, name), ...], "holds": bool array (T, N, L)}. Kinds: "base"
    (a base of the power is open in the state), "deal" (a deal signed and in force), "member" (the state is
    a member of the organisation), "stance" (the power integrates the region alone, cooperates with its
    rivals or counterbalances them). Several slots with one label (a request made twice) hold when any does.
    """
    st = rec.setup
    open_ = np.stack(rec.bases_open)  # (T, N, K)
    members = np.stack(rec.members)  # (T, N, S, O)
    labels: list[tuple] = []
    cols: list[np.ndarray] = []
    index: dict[tuple, int] = {}
    for k, sl in enumerate(st.slots):
        lab = (sl.kind, st.states[sl.state], st.powers[sl.power], sl.name)
        if lab in index:
            cols[index[lab]] = cols[index[lab]] | open_[:, :, k]
        else:
            index[lab] = len(labels)
            labels.append(lab)
            cols.append(open_[:, :, k].copy())
    for s, state in enumerate(st.states):
        for o, org in enumerate(st.orgs):
            labels.append(("member", state, org, org))
            cols.append(members[:, :, s, o])
    stance = np.stack(rec.power_vars["stance"]).astype(int)  # (T, N, P)
    for p, power in enumerate(st.powers):
        for k, name in enumerate(STANCES):
            labels.append(("stance", "", power, name))
            cols.append(stance[:, :, p] == k)
    holds = np.stack(cols, axis=-1) if cols else np.zeros(open_.shape[:2] + (0,), dtype=bool)
    return {"labels": labels, "holds": holds.astype(bool)}


def run_one(name: str, loaded: LoadedScenario, seeds: list[int],
            overrides: dict | None = None) -> ScenarioRun:
    from sim.simulate import run_scenario

    rec = run_scenario(loaded, seeds, overrides)
    return ScenarioRun(
        name=name, loaded=loaded, seeds=list(seeds), alignment=tables.timeseries(rec, seeds),
        commitments=commitment_arrays(rec), decisions=tables.decisions(rec, seeds), dates=list(rec.dates),
        powers=tuple(rec.setup.powers), states=tuple(rec.setup.states),
    )


def unique_names(loaded: list[LoadedScenario]) -> list[str]:
    """Scenario names, made unique (name, name_2, ...) when two files share one."""
    seen: dict[str, int] = {}
    out = []
    for sc in loaded:
        n = sc.spec.name
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def run_all(loaded: list[LoadedScenario], seeds: list[int], overrides: dict | None = None,
            progress=None) -> list[ScenarioRun]:
    """Run every scenario with the same seeds (and parameter overrides); the first is the reference."""
    out = []
    for name, sc in zip(unique_names(loaded), loaded):
        out.append(run_one(name, sc, seeds, overrides))
        if progress:
            progress(name)
    return out


def common_dates(runs: list[ScenarioRun]) -> list[str]:
    """The months every scenario simulates, in order."""
    common = set(runs[0].dates)
    for r in runs[1:]:
        common &= set(r.dates)
    return [d for d in runs[0].dates if d in common]


def checkpoints(dates: list[str], count: int = 3) -> list[str]:
    """Up to ``count`` checkpoint months: the last month, and before it the first December after each
    ``i/count`` of the period (2009-2020 gives 2013-12, 2017-12, 2020-12). Under two years: the last month."""
    if not dates:
        return []
    last, n = dates[-1], len(dates)
    if n < 24 or count <= 1:
        return [last]
    decembers = [d for d in dates if d.endswith("-12") and d != last]
    picks = set()
    for i in range(1, count):
        target = dates[int(i * n / count)]
        later = [d for d in decembers if d >= target]
        if later:
            picks.add(later[0])
    return sorted(picks | {last})
