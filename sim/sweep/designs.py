"""Designs: the points of parameter space a sweep visits.

Every design first draws points in the unit cube [0, 1]^k (one coordinate per varied parameter), with
SALib's samplers for lhs, sobol (Saltelli's scheme) and morris (one-at-a-time trajectories), or as the
full factorial for grid. Each coordinate u is then turned into the parameter's value by the inverse of its
distribution: low + u (high - low) for a range, the quantile for a triangular or cut normal distribution,
the list entry floor(u n) for a list of n values; whole-number parameters are rounded. The sensitivity
analysis works on the unit coordinates, so indices compare parameters on the scale of their ranges.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.core.parameters import BY_NAME
from sim.sweep.schema import ParameterSpec, Sweep


def unit_problem(names: list[str]) -> dict:
    """The SALib problem over the unit cube, one variable per varied parameter."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def unit_sample(spec: Sweep) -> np.ndarray:
    """(points, k) unit coordinates of the sweep's design, always the same for the same sweep file."""
    d, names = spec.design, list(spec.parameters)
    problem = unit_problem(names)
    if d.method == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, d.samples, seed=d.seed)
    if d.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=d.seed)
    if d.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, d.trajectories, num_levels=d.levels or 4, seed=d.seed)
    axes = []
    for ps in spec.parameters.values():
        n = len(ps.values) if ps.values is not None else (ps.levels or d.levels)
        axes.append((np.arange(n) + 0.5) / n if ps.values is not None or ps.kind != "uniform"
                    else np.linspace(0.0, 1.0, n))
    return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(names))


def to_values(name: str, ps: ParameterSpec, u: np.ndarray) -> np.ndarray:
    """Map unit coordinates of one parameter to its values (see the module docstring)."""
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    reg = BY_NAME[name]
    kind = ps.kind
    if kind == "values":
        vals = np.asarray(ps.values, dtype=float)
        return vals[np.minimum((u * len(vals)).astype(int), len(vals) - 1)]
    if kind == "uniform":
        x = ps.low + u * (ps.high - ps.low)
    elif kind == "triangular":
        from scipy import stats  # here: only these kinds need it, and it takes half a second to import

        c = (ps.mode - ps.low) / (ps.high - ps.low)
        x = stats.triang.ppf(u, c, loc=ps.low, scale=ps.high - ps.low)
    else:  # normal, cut to [low, high]
        from scipy import stats

        lo = reg.low if ps.low is None else ps.low
        hi = reg.high if ps.high is None else ps.high
        a, b = (lo - ps.mean) / ps.sd, (hi - ps.mean) / ps.sd
        x = stats.truncnorm.ppf(u, a, b, loc=ps.mean, scale=ps.sd)
    if reg.integer:
        x = np.round(x)
    return np.clip(x, reg.low, reg.high)


def design_points(spec: Sweep) -> pd.DataFrame:
    """One row per design point: ``point``, each parameter's value, and its unit coordinate ``u_<name>``."""
    U = unit_sample(spec)
    out = {"point": np.arange(len(U), dtype=np.int64)}
    for j, (name, ps) in enumerate(spec.parameters.items()):
        out[name] = to_values(name, ps, U[:, j])
    for j, name in enumerate(spec.parameters):
        out[f"u_{name}"] = U[:, j]
    return pd.DataFrame(out)
