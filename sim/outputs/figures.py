"""Figures: each state's alignment toward each power over time, with the scenario's events marked."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.codes import STATE_NAMES

POWER_COLORS = {"RUS": "#c0392b", "USA": "#2471a3", "CHN": "#d4ac0d", "EU": "#1e8449", "IRN": "#7d3c98",
                "TUR": "#a04000"}
DECISION_MARKERS = {"base_opened": "^", "base_closed": "v", "joined": "P", "left": "X", "deal_signed": "D",
                    "deal_ended": "d"}


def color(power: str) -> str:
    return POWER_COLORS.get(power, "#555555")


def _dates(values) -> pd.DatetimeIndex:
    return pd.to_datetime(pd.Series(values) + "-01")


def plot_state(ax, ts: pd.DataFrame, state: str, events: pd.DataFrame | None, decisions: pd.DataFrame | None,
               label_events: bool = True) -> None:
    """Median alignment of one state toward each power across runs, with a 10-90% band when runs > 1."""
    sub = ts[ts.state == state]
    for power, grp in sub.groupby("power", sort=False):
        q = grp.groupby("date").alignment.quantile([0.1, 0.5, 0.9]).unstack()
        x = _dates(q.index)
        ax.plot(x, q[0.5].values, color=color(power), lw=2, label=power)
        if grp.run.nunique() > 1:
            ax.fill_between(x, q[0.1].values, q[0.9].values, color=color(power), alpha=0.18, lw=0)
    if events is not None and len(events):
        shown = events[events.run == events.run.min()].drop_duplicates("id")
        for date, ids in shown.groupby("date", sort=True).id:  # one line and one label per month
            xd = pd.Timestamp(date + "-01")
            ax.axvline(xd, color="#999999", lw=0.6, ls="--", zorder=0)
            if label_events:
                ids = list(ids)
                label = ids[0] if len(ids) == 1 else f"{ids[0]} (+{len(ids) - 1})"
                ax.text(xd, 1.01, label, rotation=90, fontsize=6, va="bottom", ha="center", color="#555555",
                        transform=ax.get_xaxis_transform())
    if decisions is not None and len(decisions):
        d = decisions[(decisions.state == state) & (decisions.run == decisions.run.min())]
        for _, row in d.iterrows():
            xd = pd.Timestamp(row.date + "-01")
            c = color(row.counterpart) if row.counterpart in POWER_COLORS else "#333333"
            ax.scatter([xd], [0.03], marker=DECISION_MARKERS.get(row.decision, "o"), color=c, s=28, zorder=5)
            ax.text(xd, 0.07, f"{row.decision.replace('_', ' ')} {row.counterpart}", rotation=90, fontsize=6,
                    va="bottom", ha="center", color=c)
    ax.set_ylim(0, 1)
    ax.set_ylabel("alignment (0-1)")
    if not label_events:  # in the overview; a single state's figure names it in its suptitle
        ax.set_title(STATE_NAMES.get(state, state), fontsize=10, pad=4)
    ax.grid(alpha=0.25)


def write_figures(folder: Path, ts: pd.DataFrame, events: pd.DataFrame, decisions: pd.DataFrame,
                  title: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    states = list(dict.fromkeys(ts.state))
    for state in states:
        fig, ax = plt.subplots(figsize=(11, 4.6))
        plot_state(ax, ts, state, events, decisions)
        ax.legend(loc="upper left", fontsize=8, ncol=4)
        runs = ts.run.nunique()
        fig.suptitle(f"{title}: {STATE_NAMES.get(state, state)}"
                     + (f" (median and 10-90% of {runs} runs)" if runs > 1 else ""), fontsize=10, y=0.995)
        fig.tight_layout()
        p = folder / f"alignment_{state}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    fig, axes = plt.subplots(len(states), 1, figsize=(11, 2.6 * len(states)), sharex=True)
    for ax, state in zip(np.atleast_1d(axes), states):
        plot_state(ax, ts, state, events, None, label_events=False)
    np.atleast_1d(axes)[0].legend(loc="upper left", fontsize=8, ncol=4)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    p = folder / "alignment_all.png"
    fig.savefig(p, dpi=100)
    plt.close(fig)
    paths.append(p)
    return paths
