"""The fit to UN General Assembly voting: does the model rank the states as their votes do?

The data (sim/data, see its README) give each country's yearly ideal point; a higher point sits closer to
the USA. For a state s in year y, its UN leaning between two powers (by default the USA and Russia) is

    UN lean = (ideal point of s - that of RUS) / (that of USA - that of RUS)

its position on the axis from Russia (0) to the USA (1), beyond Russia below 0 (in one dimension the
plain distances would give every state beyond Russia the same value),

and its model leaning is the year's average of alignment(s, USA) - alignment(s, RUS). Because the UN
agenda moves every state together, both are compared *relative to the neighbours*: each year the mean of
the states present is subtracted. Years in which a state cast no votes are missing, not zero.

Three numbers summarise the fit:
- rank: the Spearman rank correlation of the five states' leanings, year by year, averaged over years
  (does the model order the states as the UN votes do?);
- pooled: the Pearson correlation of the relative leanings over all state-years;
- trend: the Pearson correlation of the regional mean leaning (not relative) year by year
  (does the region drift from the USA toward Russia when the votes do?).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.data_sources import ideal_points
from sim.validation.outcomes import Outcomes


def un_lean(powers=("USA", "RUS"), years=(1999, 2008), states=None) -> pd.DataFrame:
    """UN leaning per state and year: columns year, state, un_lean, un_relative (minus the yearly mean)."""
    ip = ideal_points().pivot(index="year", columns="country", values="idealpointall")
    toward, away = powers
    states = list(states or [c for c in ("KAZ", "UZB", "TKM", "TJK", "KGZ") if c in ip.columns])
    rows = []
    for y in range(years[0], years[1] + 1):
        if y not in ip.index:
            continue
        for s in states:
            v = ip.loc[y, s]
            if pd.isna(v) or pd.isna(ip.loc[y, toward]) or pd.isna(ip.loc[y, away]):
                continue
            rows.append({"year": y, "state": s,
                         "un_lean": (v - ip.loc[y, away]) / (ip.loc[y, toward] - ip.loc[y, away])})
    df = pd.DataFrame(rows)
    df["un_relative"] = df.un_lean - df.groupby("year").un_lean.transform("mean")
    return df


def un_lean_array(powers=("USA", "RUS"), years=(1999, 2008), states=("KAZ", "UZB", "TKM", "TJK", "KGZ")):
    """The UN leanings as an array (Y, S), NaN where the data have none, for the years and states given."""
    df = un_lean(powers, years, states)
    ys = list(range(years[0], years[1] + 1))
    arr = np.full((len(ys), len(states)), np.nan)
    for row in df.itertuples():
        arr[ys.index(row.year), list(states).index(row.state)] = row.un_lean
    return arr


def model_lean_array(out: Outcomes, powers=("USA", "RUS"), years=(1999, 2008)) -> np.ndarray:
    """Model leanings (N, Y, S): each run's yearly mean of alignment(USA) - alignment(RUS), per state."""
    p, q = out.power(powers[0]), out.power(powers[1])
    lean = out.alignment[:, 1:, :, p] - out.alignment[:, 1:, :, q]  # (N, T, S): the end of each month
    month_years = np.array([int(out.setup.date(t)[:4]) for t in range(lean.shape[1])])
    ys = range(years[0], years[1] + 1)
    return np.stack([lean[:, month_years == y].mean(axis=1) if np.any(month_years == y)
                     else np.full((lean.shape[0], lean.shape[2]), np.nan) for y in ys], axis=1)


def model_lean(out: Outcomes, powers=("USA", "RUS"), years=(1999, 2008)) -> pd.DataFrame:
    """Model leaning per run, year and state: columns run, year, state, model_lean."""
    arr = model_lean_array(out, powers, years)
    N, Y, S = arr.shape
    return pd.DataFrame({
        "run": np.repeat(np.arange(N), Y * S),
        "year": np.tile(np.repeat(np.arange(years[0], years[0] + Y), S), N),
        "state": np.tile(np.array(out.setup.states), N * Y),
        "model_lean": arr.reshape(-1),
    })


def joined(out: Outcomes, powers=("USA", "RUS"), years=(1999, 2008)) -> pd.DataFrame:
    """UN and model (mean over runs) leanings side by side, for the state-years the data cover."""
    un = un_lean(powers, years, out.setup.states)
    ml = model_lean(out, powers, years).groupby(["year", "state"], as_index=False).model_lean.mean()
    df = un.merge(ml, on=["year", "state"], how="inner")
    df["model_relative"] = df.model_lean - df.groupby("year").model_lean.transform("mean")
    return df


def _ranks(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank().to_numpy()


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def fit_arrays(un: np.ndarray, model: np.ndarray) -> dict[str, float]:
    """The three fit numbers from a UN array (Y, S) with NaN gaps and a model array (Y, S) (a run mean)."""
    have = ~np.isnan(un)
    ranks, un_rel, mo_rel, un_mean, mo_mean = [], [], [], [], []
    for y in range(un.shape[0]):
        h = have[y]
        if h.sum() < 2:
            continue
        u, m = un[y, h], model[y, h]
        un_rel.append(u - u.mean())
        mo_rel.append(m - m.mean())
        un_mean.append(u.mean())
        mo_mean.append(m.mean())
        if h.sum() >= 4:
            r = _pearson(_ranks(u), _ranks(m))
            if not np.isnan(r):
                ranks.append(r)
    return {
        "rank": float(np.mean(ranks)) if ranks else float("nan"),
        "pooled": _pearson(np.concatenate(un_rel), np.concatenate(mo_rel)) if un_rel else float("nan"),
        "trend": _pearson(np.array(un_mean), np.array(mo_mean)),
        "state_years": int(have.sum()),
    }


def fit(out: Outcomes, powers=("USA", "RUS"), years=(1999, 2008), states=None) -> dict[str, float]:
    """Fit of the mean over runs to the UN leanings over ``years``, for ``states`` (default: all five)."""
    codes = list(out.setup.states)
    states = list(states or codes)
    cols = [codes.index(s) for s in states]
    un = un_lean_array(powers, years, tuple(states))
    model = model_lean_array(out, powers, years).mean(axis=0)[:, cols]
    return fit_arrays(un, model)
