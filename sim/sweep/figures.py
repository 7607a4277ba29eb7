"""Figures of a sweep's analysis: outcome distributions, responses to each parameter, the sensitivity heat
map, PRIM peeling trajectories, and side-by-side distributions for ``compare``."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

MAX_SCATTER = 3000  # points drawn per panel; the binned means use every run


def _grid(n: int, width: float = 3.2, height: float = 2.4, cols: int = 4):
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def distributions(ok: pd.DataFrame, outcomes: list[str], path: Path, title: str) -> None:
    """One histogram per outcome over every successful run (no value: counted in the panel's title)."""
    fig, axes = _grid(len(outcomes))
    for ax, name in zip(axes, outcomes):
        x = ok[name].to_numpy(dtype=float)
        vals = x[np.isfinite(x)]
        if len(vals):
            distinct = np.unique(vals)
            bins = len(distinct) if len(distinct) <= 12 else 30
            if len(distinct) <= 12:
                edges = np.concatenate([distinct - 0.5 * _step(distinct), [distinct[-1] + 0.5 * _step(distinct)]])
                ax.hist(vals, bins=edges, color="#5d6d7e", rwidth=0.8)
            else:
                ax.hist(vals, bins=bins, color="#5d6d7e")
        missing = int((~np.isfinite(x)).sum())
        ax.set_title(name + (f" ({missing} no value)" if missing else ""), fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{title}: distribution of each outcome", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _step(distinct: np.ndarray) -> float:
    return float(np.min(np.diff(distinct))) if len(distinct) > 1 else 1.0


def responses(ok: pd.DataFrame, parameters: list[str], outcome: str, path: Path, seed: int = 0) -> None:
    """The outcome against each parameter: a sample of runs as dots, the mean in ten bins as a line."""
    fig, axes = _grid(len(parameters), width=2.9, height=2.3)
    data = ok[np.isfinite(ok[outcome].to_numpy(dtype=float))]
    sample = data.sample(n=min(len(data), MAX_SCATTER), random_state=seed) if len(data) else data
    for ax, p in zip(axes, parameters):
        ax.scatter(sample[p], sample[outcome], s=4, alpha=0.25, color="#5d6d7e", lw=0)
        if len(data) and data[p].nunique() > 1:
            distinct = data[p].nunique()
            bins = data[p] if distinct <= 12 else pd.qcut(data[p], 10, duplicates="drop")
            m = data.groupby(bins, observed=True).agg(x=(p, "mean"), y=(outcome, "mean"))
            ax.plot(m.x, m.y, color="#c0392b", lw=2)
        ax.set_xlabel(p, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{outcome}: response to each parameter (red: mean)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def heatmap(matrix: pd.DataFrame, path: Path, label: str) -> None:
    """Outcomes (rows) x parameters (columns), coloured by the main sensitivity index."""
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * matrix.shape[1], 1.2 + 0.45 * matrix.shape[0]))
    vals = matrix.to_numpy(dtype=float)
    im = ax.imshow(np.clip(vals, 0, None), cmap="viridis", vmin=0, vmax=max(1e-9, np.nanmax(vals)), aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=8)
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            if np.isfinite(vals[i, j]):
                ax.text(j, i, f"{vals[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if vals[i, j] < 0.6 * np.nanmax(vals) else "black")
    fig.colorbar(im, ax=ax, label=label)
    ax.set_title("Which parameters drive which outcome", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def peeling(trajectory: pd.DataFrame, chosen: int, path: Path, name: str) -> None:
    """PRIM's peeling trajectory: density against coverage, the chosen box circled."""
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    ax.plot(trajectory.coverage, trajectory.density, "-o", ms=3, color="#2471a3")
    row = trajectory.iloc[chosen]
    ax.scatter([row.coverage], [row.density], s=120, facecolors="none", edgecolors="#c0392b", lw=2,
               label="box reported")
    ax.set_xlabel("coverage (share of the cases inside the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title(f"PRIM peeling: {name}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def side_by_side(data: dict[str, np.ndarray], outcome: str, path: Path) -> None:
    """Box plots of one outcome across sweeps (label -> values)."""
    labels = list(data)
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(labels), 3.4))
    vals = [v[np.isfinite(v)] for v in data.values()]
    ax.boxplot([v if len(v) else [np.nan] for v in vals], tick_labels=labels, showmeans=True)
    for i, v in enumerate(vals, start=1):
        if len(v):
            rng = np.random.default_rng(i)
            pick = v if len(v) <= 400 else rng.choice(v, 400, replace=False)
            ax.scatter(i + rng.uniform(-0.15, 0.15, len(pick)), pick, s=4, alpha=0.3, color="#5d6d7e")
    ax.set_title(outcome, fontsize=10)
    ax.tick_params(axis="x", labelsize=8, rotation=15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def paths(ts: pd.DataFrame, path: Path, title: str) -> None:
    """The kept runs' monthly alignments: one panel per state, one thin line per run and power."""
    from sim.outputs.figures import color

    states = list(dict.fromkeys(ts.state))
    fig, axes = _grid(len(states), width=3.6, height=2.6, cols=3)
    dates = {d: pd.Timestamp(d + "-01") for d in ts.date.unique()}
    for ax, state in zip(axes, states):
        sub = ts[ts.state == state]
        for (power, _run), g in sub.groupby(["power", "run"], sort=False):
            ax.plot([dates[d] for d in g.date], g.alignment, color=color(power), lw=0.6, alpha=0.5)
        for power in dict.fromkeys(sub.power):
            ax.plot([], [], color=color(power), label=power)
        ax.set_title(state, fontsize=9)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{title}: alignment paths of the kept runs ({ts.run.nunique()})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
