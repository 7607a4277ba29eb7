"""The trade-share error: the model's trade shares against the Correlates of War trade shares.

The error is the mean absolute difference, over the states, the powers and the years 1995-2008 that both the
data (sim/data/cow_trade_1995_2008.csv, column ``share_of_state_trade``) and the run cover, between a state's
share of its trade with a power and the model's yearly mean share (``trade_share``, mean of the runs). It is
only meaningful when the shares sum to at most 1 over the powers in every run and month; when they do not,
``trade_share_error`` says so and measures nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.validation.outcomes import Outcomes

DATA = Path(__file__).resolve().parent.parent / "data" / "cow_trade_1995_2008.csv"
TOLERANCE = 1e-6


def trade_share_error(out: Outcomes) -> dict:
    """{"measured": bool, "mae": float or NaN, "n": pairs-years compared, "note": what was or was not measured}."""
    shares = out.trade_share if out.trade_share is not None else out.economy
    total = shares.sum(axis=-1)  # (N, T+1, S)
    worst = float(total.max())
    if worst > 1 + TOLERANCE:
        return {"measured": False, "mae": float("nan"), "n": 0,
                "note": (f"not measured: the model's ties are not shares of trade (a state's ties over the powers "
                         f"sum to up to {worst:.2f}, above 1)")}
    data = pd.read_csv(DATA)
    months = np.array([out.date(k) for k in range(1, shares.shape[1])])
    years = np.array([int(m[:4]) for m in months])
    mean = shares[:, 1:].mean(axis=0)  # (T, S, P)
    diffs = []
    for row in data.itertuples():
        if row.state not in out.setup.states or row.power not in out.setup.powers or not (years == row.year).any():
            continue
        model = mean[years == row.year, out.state(row.state), out.power(row.power)].mean()
        diffs.append(abs(model - row.share_of_state_trade))
    if not diffs:
        return {"measured": False, "mae": float("nan"), "n": 0, "note": "not measured: no year in common with the data"}
    return {"measured": True, "mae": float(np.mean(diffs)), "n": len(diffs),
            "note": "mean absolute error of the yearly shares per state and power (COW trade v4.0)"}
