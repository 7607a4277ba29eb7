"""Readers for the shipped real data (sim/data/, see its README for sources and caveats).

pandas is imported inside the readers that return tables, so that building a world (which needs only the
trade shares) does not load it.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def trade_shares():
    """Correlates of War trade: columns year, state, power, share_of_state_trade (0-1), ... (a DataFrame)."""
    import pandas as pd

    return pd.read_csv(DATA / "cow_trade_1995_2008.csv")


@cache
def _share_table() -> dict[tuple[str, str, int], float | None]:
    """(state, power, year) -> share of the state's trade, read with the csv module (same numbers as
    ``trade_shares``: a decimal text parses to the same float either way); an empty cell is None."""
    out: dict[tuple[str, str, int], float | None] = {}
    with open(DATA / "cow_trade_1995_2008.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["state"], row["power"], int(row["year"]))
            if key not in out:  # the first matching row counts, as in trade_share's lookup
                text = row["share_of_state_trade"].strip()
                out[key] = float(text) if text and text.lower() != "nan" else None
    return out


def trade_share(state: str, power: str, year: int) -> float | None:
    """A state's share of its trade held with a power in a year (None when the data has no value)."""
    return _share_table().get((state, power, int(year)))


@cache
def ideal_points():
    """UN General Assembly ideal points: year, country, idealpointall, q5all, q95all (a DataFrame)."""
    import pandas as pd

    return pd.read_csv(DATA / "unga_idealpoints_1995_2008.csv")


@cache
def un_agreement():
    """UN General Assembly voting agreement: year, state, power, agreement, agree_abstain_half, n_votes."""
    import pandas as pd

    return pd.read_csv(DATA / "unga_agreement_1995_2008.csv")
