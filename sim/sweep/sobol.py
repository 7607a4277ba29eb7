"""First-order and total Sobol indices with bootstrap intervals: SALib's ``sobol.analyze`` (without second
order), with the resampled parts that do not depend on the parameter computed once instead of once per
parameter and index.

SALib estimates, for each parameter j, S1 (Saltelli 2010) and ST (Jansen) from the matrices A, B and AB_j of
a Saltelli design, and their confidence intervals from ``num_resamples`` bootstrap resamples of the N base
rows: each resample r takes A[r], B[r] and AB_j[r] and recomputes both estimators, each of which divides by
the variance of A[r] and B[r] together. That variance, the resampled A and B, and their range are the same
for every parameter, yet SALib recomputes them three times per parameter (about 90% of an analysis). Here
they are computed once per outcome; every other operation is SALib's, on arrays of the same shapes in the
same order, so every index and interval is the same to the bit (tests/test_sweep_analysis.py compares the
two on random outcomes). A second-order analysis still goes to SALib (sim.sweep.sensitivity).
"""

from __future__ import annotations

import numpy as np

EPS = np.finfo(float).eps


# scipy.special.ndtri(0.5 + level / 2) for the usual levels, so an analysis need not import scipy (a fifth
# of a second); tests/test_sweep_analysis.py checks each against scipy
Z_SCORES = {0.9: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}


def z_score(conf_level: float) -> float:
    """The standard normal quantile of 0.5 + conf_level / 2 (scipy's ``norm.ppf``, which is ``ndtri``)."""
    if conf_level in Z_SCORES:
        return Z_SCORES[conf_level]
    from scipy.special import ndtri

    return float(ndtri(0.5 + conf_level / 2))


def _ratio(num: np.ndarray, var: np.ndarray) -> np.ndarray:
    return np.divide(num, var, out=np.zeros_like(var, dtype=np.float64), where=var > EPS)


def first_total(Y: np.ndarray, D: int, num_resamples: int, conf_level: float, rng: np.random.Generator) -> dict:
    """{"S1", "S1_conf", "ST", "ST_conf"}: arrays of length D, for the outputs ``Y`` of a Saltelli design of
    D parameters without second order (N blocks of D + 2 rows), bootstrap resamples drawn from ``rng``."""
    Y = np.asarray(Y)
    step = D + 2
    if Y.size % step:
        raise RuntimeError("Incorrect number of samples in model output file. Confirm that calc_second_order "
                           "matches option used during sampling.")
    if not 0 < conf_level < 1:
        raise RuntimeError("Confidence level must be between 0-1.")
    N = Y.size // step
    Y = (Y - Y.mean()) / Y.std()
    A = Y[0:Y.size:step]
    B = Y[(step - 1):Y.size:step]
    AB = np.zeros((N, D))
    for j in range(D):
        AB[:, j] = Y[(j + 1):Y.size:step]
    r = rng.integers(N, size=(N, num_resamples))
    Z = z_score(conf_level)

    y = np.r_[A, B]
    constant = np.ptp(y) <= EPS
    y_var = np.var(y, axis=0)
    Ar, Br = A[r], B[r]
    yr = np.r_[Ar, Br]
    spread = np.ptp(yr)
    constant_r = spread <= EPS
    yr_var = np.var(yr, axis=0)
    zeros_r = np.zeros(yr.shape[1:], dtype=np.float64)

    out = {k: np.zeros(D) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    for j in range(D):
        ABj, ABr = AB[:, j], AB[r, j]
        out["S1"][j] = 0.0 if constant else _ratio(np.mean(B * (ABj - A), axis=0), y_var)
        s1 = zeros_r if constant_r else _ratio(np.mean(Br * (ABr - Ar), axis=0), yr_var)
        out["S1_conf"][j] = Z * s1.std(ddof=1) if spread != 0.0 else 0.0
        out["ST"][j] = 0.0 if constant else _ratio(0.5 * np.mean((A - ABj) ** 2, axis=0), y_var)
        st = zeros_r if constant_r else _ratio(0.5 * np.mean((Ar - ABr) ** 2, axis=0), yr_var)
        out["ST_conf"][j] = Z * st.std(ddof=1) if spread != 0.0 else 0.0
    return out
