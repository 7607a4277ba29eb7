"""Readers for the shipped real data (sim/data/, see its README for sources and caveats)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data"


@cache
def trade_shares() -> pd.DataFrame:
    """Correlates of War trade: columns year, state, power, share_of_state_trade (0-1), ..."""
    return pd.read_csv(DATA / "cow_trade_1995_2008.csv")


def trade_share(state: str, power: str, year: int) -> float | None:
    """A state's share of its trade held with a power in a year (None when the data has no value)."""
    df = trade_shares()
    row = df[(df.state == state) & (df.power == power) & (df.year == year)]
    if row.empty or pd.isna(row.share_of_state_trade.iloc[0]):
        return None
    return float(row.share_of_state_trade.iloc[0])


@cache
def ideal_points() -> pd.DataFrame:
    """UN General Assembly ideal points: year, country, idealpointall, q5all, q95all."""
    return pd.read_csv(DATA / "unga_idealpoints_1995_2008.csv")


@cache
def un_agreement() -> pd.DataFrame:
    """UN General Assembly voting agreement: year, state, power, agreement, agree_abstain_half, n_votes."""
    return pd.read_csv(DATA / "unga_agreement_1995_2008.csv")
