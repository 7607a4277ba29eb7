"""Sensitivity indices of every outcome to every varied parameter, computed by SALib.

The index follows the design:
- sobol: first-order (S1: the share of the outcome's variance due to the parameter alone) and total (ST:
  its share including every interaction), with bootstrap confidence intervals (Saltelli/Jansen estimators);
  with ``second_order``, S2 for every pair (rows named ``a*b``);
- morris: mu* (the mean absolute change of the outcome when the parameter moves across its range, one at a
  time: a ranking of influence) and sigma (the spread of those changes: non-linearity or interactions);
- lhs: first-order S1 by RBD-FAST (random balance designs: the sample is reordered along each parameter
  and the outcome's spectrum read at the parameter's frequency), with bootstrap confidence intervals;
- grid: the main-effect share: the variance of the outcome's mean across the parameter's levels over the
  outcome's total variance (an exact decomposition over a full factorial; no estimator is involved).

Each design point's outcome is the mean over its replications (failed runs left out); the share of the
variance between runs that is noise within points is reported as ``noise_share``. Parameters are measured
on their unit coordinate (0 at the bottom of the range, 1 at the top), so Morris mu* is in outcome units
per full range and compares parameters fairly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.sweep.designs import unit_problem

HEADLINE = {"sobol": "ST", "morris": "mu_star", "lhs": "S1", "grid": "S1"}
MIN_LHS_POINTS = 30  # RBD-FAST reads 10 harmonics: fewer points give no usable index


def indices(method: str, names: list[str], U: np.ndarray, Y: np.ndarray, *, second_order: bool = False,
            levels: int = 4, seed: int = 0, num_resamples: int = 200) -> pd.DataFrame:
    """Tidy table (parameter, index, value, conf) for one outcome: ``Y[i]`` is its value at design point
    ``U[i]`` (unit coordinates, in design order)."""
    problem = unit_problem(names)
    Y = np.asarray(Y, dtype=float)
    rows = []

    def add(name, index, values, conf=None):
        for j, p in enumerate(names):
            rows.append({"parameter": p, "index": index, "value": float(values[j]),
                         "conf": float(conf[j]) if conf is not None else np.nan})
        del name

    if method == "sobol":
        # SALib's sobol.analyze ignores a seed of 0 (``if seed:``) and then draws its bootstrap from numpy's
        # global generator, so the intervals changed from one analysis to the next; a Generator made
        # from the seed is used as is, and gives for any other seed exactly what the seed gave
        if second_order:
            from SALib.analyze import sobol

            r = sobol.analyze(problem, Y, calc_second_order=True, num_resamples=num_resamples,
                              conf_level=0.95, seed=np.random.default_rng(seed))
        else:  # the same numbers as sobol.analyze, the resampled variance computed once (sim.sweep.sobol)
            from sim.sweep.sobol import first_total

            r = first_total(Y, len(names), num_resamples, 0.95, np.random.default_rng(seed))
        add("sobol", "S1", r["S1"], r["S1_conf"])
        add("sobol", "ST", r["ST"], r["ST_conf"])
        if second_order:  # S2: the share of variance due to a pair acting together, beyond each alone
            for i, a in enumerate(names):
                for j in range(i + 1, len(names)):
                    rows.append({"parameter": f"{a}*{names[j]}", "index": "S2", "value": float(r["S2"][i, j]),
                                 "conf": float(r["S2_conf"][i, j])})
    elif method == "morris":
        from SALib.analyze import morris

        r = morris.analyze(problem, U, Y, num_resamples=num_resamples, conf_level=0.95, num_levels=levels,
                           seed=seed)
        add("morris", "mu_star", r["mu_star"], r["mu_star_conf"])
        add("morris", "sigma", r["sigma"])
        add("morris", "mu", r["mu"])
    elif method == "lhs":
        from SALib.analyze import rbd_fast

        r = rbd_fast.analyze(problem, U, Y, num_resamples=num_resamples, conf_level=0.95, seed=seed)
        add("lhs", "S1", r["S1"], r["S1_conf"])
    elif method == "grid":
        total = Y.var()
        shares = []
        for j in range(len(names)):
            means = pd.Series(Y).groupby(U[:, j]).mean()
            counts = pd.Series(Y).groupby(U[:, j]).size()
            between = float(((means - Y.mean()) ** 2 * counts).sum() / len(Y))
            shares.append(between / total if total > 0 else 0.0)
        add("grid", "S1", shares)
    else:
        raise ValueError(f"unknown design {method!r}")
    return pd.DataFrame(rows)


def point_means(table: pd.DataFrame, outcome: str, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean over each point's successful runs, number of such runs), indexed by point."""
    ok = table[table.status == "ok"]
    g = ok.groupby("point")[outcome]
    means = np.full(n_points, np.nan)
    counts = np.zeros(n_points, dtype=int)
    m = g.mean()
    means[m.index.to_numpy()] = m.to_numpy()
    c = g.count()
    counts[c.index.to_numpy()] = c.to_numpy()
    return means, counts


def noise_share(table: pd.DataFrame, outcome: str) -> float:
    """Mean variance within points (between replications) over the variance across all runs."""
    ok = table[(table.status == "ok") & table[outcome].notna()]
    total = ok[outcome].var(ddof=0)
    if not total or len(ok) < 2:
        return float("nan")
    within = ok.groupby("point")[outcome].var(ddof=0).mean()
    return float(within / total)


def analyse(spec, points: pd.DataFrame, table: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Indices for every outcome of a sweep: (tidy table with an ``outcome`` and ``method`` column, notes).

    ``notes[outcome]`` says why an outcome was not analysed (it does not vary, it lacks values at some
    points) or how many points were left out."""
    method = spec.design.method
    names = list(spec.parameters)
    U = points[[f"u_{n}" for n in names]].to_numpy()
    frames, notes = [], {}
    for outcome in spec.outcomes:
        Y, _ = point_means(table, outcome, len(points))
        missing = ~np.isfinite(Y)
        if missing.all():
            notes[outcome] = "no run has a value for it"
            continue
        if method in ("sobol", "morris") and missing.any():
            notes[outcome] = (f"{int(missing.sum())} of {len(Y)} design points have no value (every run failed, "
                              "or the outcome never happened: give a first_decision outcome a 'never' value); "
                              f"the {method} design needs them all")
            continue
        keep = ~missing
        if np.ptp(Y[keep]) <= 1e-9 * max(1.0, float(np.max(np.abs(Y[keep])))):  # equal up to rounding
            notes[outcome] = f"it does not vary: {Y[keep][0]:g} in every run"
            continue
        if method == "lhs" and keep.sum() < MIN_LHS_POINTS:
            notes[outcome] = (f"only {int(keep.sum())} design points with a value; RBD-FAST needs at least "
                              f"{MIN_LHS_POINTS} (100 or more for useful intervals)")
            continue
        if missing.any():
            notes[outcome] = f"{int(missing.sum())} design points without a value left out"
        try:
            df = indices(method, names, U[keep], Y[keep], second_order=spec.design.second_order,
                         levels=spec.design.levels or 4, seed=seed)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as e:
            notes[outcome] = f"SALib could not compute its indices ({e})"
            continue
        df.insert(0, "method", method)
        df.insert(0, "outcome", outcome)
        frames.append(df)
    cols = ["outcome", "method", "parameter", "index", "value", "conf"]
    table_out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return table_out, notes


def headline(sens: pd.DataFrame, method: str, outcomes: list[str], parameters: list[str]) -> pd.DataFrame:
    """Outcome x parameter matrix of the design's main index (Morris mu* scaled to the outcome's largest),
    in the sweep file's order."""
    idx = HEADLINE[method]
    m = sens[sens["index"] == idx].pivot(index="outcome", columns="parameter", values="value")
    m = m.reindex(index=[o for o in outcomes if o in m.index], columns=parameters)
    if method == "morris":
        m = m.div(m.max(axis=1).replace(0, np.nan), axis=0)
    return m
