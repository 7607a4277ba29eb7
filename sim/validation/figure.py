"""The validation figure: each state's leaning in the UN votes beside its simulated leaning.

Left: the UN leaning (position between Russia and the USA from ideal points), relative to the yearly mean
of the five states. Right: the model's leaning (alignment USA minus RUS, yearly mean), relative to the
yearly mean of the five, median across runs with a 10-90% band. Same colour, same state.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.codes import STATE_NAMES
from sim.validation.outcomes import Outcomes
from sim.validation.undata import model_lean_array, un_lean_array

STATE_COLORS = {"KAZ": "#1f77b4", "UZB": "#d62728", "TKM": "#2ca02c", "TJK": "#9467bd", "KGZ": "#ff7f0e"}


def write_figure(path: Path, out: Outcomes, powers=("USA", "RUS"), years=(1999, 2008), fit: dict | None = None):
    states = out.setup.states
    ys = np.arange(years[0], years[1] + 1)
    un = un_lean_array(tuple(powers), tuple(years), states)  # (Y, S)
    un_rel = un - np.nanmean(un, axis=1, keepdims=True)
    model = model_lean_array(out, tuple(powers), tuple(years))  # (N, Y, S)
    model_rel = model - model.mean(axis=2, keepdims=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6), sharex=True)
    for s, code in enumerate(states):
        c = STATE_COLORS.get(code, "#555555")
        ax1.plot(ys, un_rel[:, s], "o-", color=c, label=STATE_NAMES.get(code, code))
        q = np.quantile(model_rel[:, :, s], [0.1, 0.5, 0.9], axis=0)
        ax2.plot(ys, q[1], "o-", color=c, label=STATE_NAMES.get(code, code))
        if out.n > 1:
            ax2.fill_between(ys, q[0], q[2], color=c, alpha=0.15, lw=0)
    ax1.set_title(f"UN General Assembly: position between {powers[1]} (0) and {powers[0]} (1)\n"
                  "relative to the five states' mean (ideal points)", fontsize=10)
    ax2.set_title(f"Model: alignment {powers[0]} minus {powers[1]}\nrelative to the five states' mean "
                  f"(median of {out.n} runs, 10-90% band)", fontsize=10)
    for ax in (ax1, ax2):
        ax.axhline(0, color="#999999", lw=0.8)
        ax.axvspan(2004.5, years[1] + 0.5, color="#eeeeee", zorder=0)
        ax.set_xlabel("year (shaded: 2005-2008, after Andijan)")
        ax.grid(alpha=0.3)
    ax1.set_ylabel(f"leaning toward {powers[0]} (+) or {powers[1]} (-)")
    ax1.legend(fontsize=8, loc="lower left")
    if fit:
        fig.suptitle(f"Fit: rank correlation {fit['rank']:.2f}, pooled correlation {fit['pooled']:.2f}, "
                     f"trend correlation {fit['trend']:.2f} ({fit['state_years']} state-years)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
