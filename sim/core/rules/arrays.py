"""Small array helpers that keep the order of floating-point operations fixed."""

from __future__ import annotations

import numpy as np


def sum_last(x: np.ndarray) -> np.ndarray:
    """Sum over the last axis, always adding element 0, 1, 2, ... in order (no pairwise tricks)."""
    total = x[..., 0].copy()
    for k in range(1, x.shape[-1]):
        total = total + x[..., k]
    return total


def mean_last(x: np.ndarray) -> np.ndarray:
    """Mean over the last axis, in fixed order."""
    return sum_last(x) / x.shape[-1]


def relative(x: np.ndarray) -> np.ndarray:
    """Each entry minus the mean of its row: how much better than the average power a power does."""
    return x - mean_last(x)[..., None]


def standing(x: np.ndarray) -> np.ndarray:
    """Each entry over the mean of its row, minus 1: a power's standing against the average power, as a
    share (+0.5: half again as much as the average; -1: nothing). It does not grow when every power's means
    grow alike, so a power gains standing only by growing faster than the others. A row whose mean is not
    positive (nobody offers anything) gives 0 throughout."""
    mean = mean_last(x)[..., None]
    positive = mean > 0.0
    return np.where(positive, x / np.where(positive, mean, 1.0) - 1.0, 0.0)


def per_run(p: np.ndarray, trailing: int) -> np.ndarray:
    """Give a per-run parameter (shape () or (N,)) enough trailing axes to broadcast over trailing dims."""
    p = np.asarray(p)
    if p.ndim == 0:
        return p
    return p.reshape(p.shape + (1,) * trailing)


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1.0 - p))
