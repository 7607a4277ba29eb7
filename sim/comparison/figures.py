"""Figures of a comparison: each state's alignment toward each power, one line and band per scenario.

The line is the median across runs, the band the 10-90% range; checkpoint months are marked. One figure
per state (a panel per power) and an overview of all states and powers.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim.codes import POWER_NAMES, STATE_NAMES
from sim.comparison.collect import ScenarioRun

PALETTE = ["#222222", "#c0392b", "#2471a3", "#d68910", "#1e8449", "#7d3c98", "#a04000", "#17a589", "#b03a2e",
           "#5d6d7e"]


def scenario_color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def bands(runs: list[ScenarioRun], low: float = 0.1, high: float = 0.9) -> pd.DataFrame:
    """Long table: scenario, date, state, power, low, median, high (quantiles across runs)."""
    frames = []
    for run in runs:
        q = run.alignment.groupby(["date", "state", "power"], sort=False).alignment.quantile([low, 0.5, high])
        q = q.unstack().reset_index().rename(columns={low: "low", 0.5: "median", high: "high"})
        q.insert(0, "scenario", run.name)
        frames.append(q)
    return pd.concat(frames, ignore_index=True)


def _all_powers(runs: list[ScenarioRun]) -> list[str]:
    return list(dict.fromkeys(p for r in runs for p in r.powers))


def _panel(ax, band: pd.DataFrame, runs: list[ScenarioRun], state: str, power: str, marks: list[str],
           legend: bool) -> None:
    for i, run in enumerate(runs):
        sub = band[(band.scenario == run.name) & (band.state == state) & (band.power == power)]
        if sub.empty:
            continue
        x = pd.to_datetime(sub.date + "-01")
        c = scenario_color(i)
        ax.plot(x, sub["median"], color=c, lw=2.0 if i == 0 else 1.4, zorder=5 if i == 0 else 3,
                label=run.name if legend else None)  # the reference in black, on top
        if len(run.seeds) > 1:
            ax.fill_between(x, sub["low"], sub["high"], color=c, alpha=0.13, lw=0)
    for d in marks:
        ax.axvline(pd.Timestamp(d + "-01"), color="#999999", lw=0.6, ls=":", zorder=0)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.25)


def state_figure(path: Path, band: pd.DataFrame, runs: list[ScenarioRun], state: str,
                 marks: list[str]) -> Path:
    powers = _all_powers(runs)
    fig, axes = plt.subplots(1, len(powers), figsize=(4.2 * len(powers), 4.0), sharey=True, squeeze=False)
    for j, power in enumerate(powers):
        ax = axes[0, j]
        _panel(ax, band, runs, state, power, marks, legend=j == 0)
        ax.set_title(f"toward {POWER_NAMES.get(power, power)}", fontsize=10)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    axes[0, 0].set_ylabel("alignment (0-1)")
    n = len(runs[0].seeds)
    fig.suptitle(f"{STATE_NAMES.get(state, state)}: median and 10-90% of {n} runs per scenario", fontsize=11)
    fig.legend(loc="lower center", ncol=min(4, len(runs)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06 + 0.035 * ((len(runs) - 1) // 4), 1, 0.95))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def overview_figure(path: Path, band: pd.DataFrame, runs: list[ScenarioRun], marks: list[str]) -> Path:
    powers = _all_powers(runs)
    states = list(runs[0].states)
    fig, axes = plt.subplots(len(states), len(powers), figsize=(3.3 * len(powers), 2.2 * len(states)),
                             sharex=True, sharey=True, squeeze=False)
    for i, state in enumerate(states):
        for j, power in enumerate(powers):
            ax = axes[i, j]
            _panel(ax, band, runs, state, power, marks, legend=(i == 0 and j == 0))
            if i == 0:
                ax.set_title(f"toward {power}", fontsize=9)
            if j == 0:
                ax.set_ylabel(STATE_NAMES.get(state, state), fontsize=9)
            ax.tick_params(labelsize=7)
    fig.legend(loc="lower center", ncol=min(4, len(runs)), fontsize=8, frameon=False)
    fig.suptitle("Alignment by scenario (median and 10-90% of runs)", fontsize=11)
    fig.tight_layout(rect=(0, 0.04 + 0.02 * ((len(runs) - 1) // 4), 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def outcome_figure(path: Path, probs: pd.DataFrame, runs: list[ScenarioRun], date: str,
                   outcomes: list[str]) -> Path:
    """A table as a picture: the share of runs with each outcome at one month (rows) by scenario (columns),
    darker for higher shares; a dash where the scenario cannot produce the outcome."""
    import textwrap

    import numpy as np

    sub = probs[(probs.date == date) & probs.outcome.isin(outcomes)]
    table = sub.pivot_table(index="outcome", columns="scenario", values="share", dropna=False, sort=False)
    table = table.reindex(index=outcomes, columns=[r.name for r in runs])
    values = table.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(4.5 + 1.05 * len(runs), 1.3 + 0.42 * len(outcomes)))
    ax.imshow(np.nan_to_num(values, nan=0.0), cmap="Blues", vmin=0, vmax=1.4, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.0%}", ha="center", va="center", fontsize=8,
                    color="white" if (not np.isnan(v) and v > 0.7) else "#222222")
    ax.set_xticks(range(len(runs)))
    names = [textwrap.fill(r.name.removeprefix("outlook_").replace("_", " "), 14) for r in runs]
    ax.set_xticklabels(names, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(outcomes)))
    ax.set_yticklabels([textwrap.fill(o, 60) for o in outcomes], fontsize=8)
    ax.set_title(f"Share of runs with each outcome, {date} "
                 "(the outcomes that differ most from the reference)", fontsize=9, pad=28)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_figures(folder: Path, band: pd.DataFrame, runs: list[ScenarioRun], marks: list[str],
                  probs: pd.DataFrame | None = None, top_outcomes: list[str] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [state_figure(folder / f"alignment_{s}.png", band, runs, s, marks) for s in runs[0].states]
    paths.append(overview_figure(folder / "alignment_overview.png", band, runs, marks))
    if probs is not None and top_outcomes:
        paths.append(outcome_figure(folder / "outcomes.png", probs, runs, marks[-1], top_outcomes))
    return paths
