"""Scenario discovery with PRIM (Friedman and Fisher's Patient Rule Induction Method).

Question: which ranges of the parameters make a condition on outcomes likely (say, "the US keeps K2 past
2006")? Each run is a point x (its parameter values) with y = 1 if the condition holds, else 0. PRIM starts
from the box holding every run and peels it patiently: at each step it tries cutting off the share
``alpha`` (5 %) of the runs still inside at the bottom or the top of each parameter, keeps the cut that
raises the share of y = 1 inside the most per run cut off, and goes on until fewer than ``min_mass`` of
all runs remain.
The boxes along the way form the peeling trajectory; for each:

- coverage = runs inside with y = 1 / all runs with y = 1 (how much of the condition the box explains);
- density  = runs inside with y = 1 / runs inside (how likely the condition is inside the box);
- mass     = runs inside / all runs.

Coverage falls and density rises as the box shrinks; the box reported is the densest one that still covers
at least ``min_coverage`` of the cases (default one half), with its restricted parameters only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Box:
    limits: dict[str, tuple[float, float]]  # every parameter's [low, high] in the box
    coverage: float
    density: float
    mass: float
    n: int

    def restricted(self, full: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        """Only the parameters whose range the box narrows."""
        return {k: v for k, v in self.limits.items() if v[0] > full[k][0] or v[1] < full[k][1]}


def prim(X: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05) -> list[Box]:
    """The peeling trajectory: a list of boxes, from the whole space to the smallest box kept.

    Ties: a peel removes whole values (every run at the cut value goes or stays together), so parameters
    with a few discrete values peel one value at a time.
    """
    y = np.asarray(y, dtype=bool)
    names = list(X.columns)
    A = X.to_numpy(dtype=float)
    N, total_true = len(y), int(y.sum())
    inside = np.ones(N, dtype=bool)
    limits = {n: (float(A[:, j].min()), float(A[:, j].max())) for j, n in enumerate(names)}

    def box():
        k = int(inside.sum())
        t = int(y[inside].sum())
        return Box(dict(limits), t / total_true if total_true else 0.0, t / k if k else 0.0, k / N, k)

    boxes = [box()]
    if total_true == 0:
        return boxes
    while inside.sum() / N > min_mass:
        best = None
        idx = np.flatnonzero(inside)
        y_in, X_in = y[idx], A[idx]
        k, t = len(idx), int(y_in.sum())
        current = t / k  # the density inside (y_in.mean(), the same number)
        for j, name in enumerate(names):
            x = X_in[:, j]
            lo_q, hi_q = np.quantile(x, [alpha, 1 - alpha])  # one partition for both, the same values
            for side, q in (("low", lo_q), ("high", hi_q)):
                remove = x < q if side == "low" else x > q
                if not remove.any():  # the quantile is the edge value: remove that value whole
                    edge = x.min() if side == "low" else x.max()
                    remove = x == edge
                peeled = int(remove.sum())
                if peeled in (0, k):
                    continue
                # Friedman and Fisher's criterion: the gain in density per run peeled off (patience: a
                # peel of a whole value of a discrete parameter must earn its larger bite); the density
                # of the runs kept is counted, as their mean would be, cases over runs
                gain = ((t - int(np.count_nonzero(y_in & remove))) / (k - peeled) - current) / peeled
                score = (gain, -peeled)
                if best is None or score > best[0]:
                    best = (score, j, remove, name)
        if best is None:
            break
        _, j, remove, name = best
        keep = ~remove
        kept = idx[keep]
        x = X_in[keep, j]
        new_lim = (float(x.min()), float(x.max()))
        if len(kept) / N < min_mass:
            break
        inside = np.zeros(N, dtype=bool)
        inside[kept] = True
        limits[name] = new_lim
        boxes.append(box())
    return boxes


def choose(boxes: list[Box], min_coverage: float = 0.5) -> Box:
    """The densest box with coverage >= min_coverage (on ties the one with more coverage)."""
    ok = [b for b in boxes if b.coverage >= min_coverage] or boxes[:1]
    return max(ok, key=lambda b: (round(b.density, 12), b.coverage))


def trajectory_table(boxes: list[Box]) -> pd.DataFrame:
    return pd.DataFrame([{"step": i, "coverage": b.coverage, "density": b.density, "mass": b.mass, "runs": b.n}
                         for i, b in enumerate(boxes)])


def inside(X: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    mask = np.ones(len(X), dtype=bool)
    for p, (lo, hi) in limits.items():
        x = X[p].to_numpy(dtype=float)
        mask &= (x >= lo) & (x <= hi)
    return mask


def released(X: pd.DataFrame, y: np.ndarray, box: Box, restricted: dict) -> dict[str, float]:
    """For each restricted parameter, the box's density with that limit lifted: a limit whose lifting
    barely lowers the density is incidental; one whose lifting brings the density down is what matters."""
    out = {}
    for p in restricted:
        m = inside(X, {k: v for k, v in box.limits.items() if k != p})
        out[p] = float(y[m].mean()) if m.any() else 0.0
    return out


def discover(runs: pd.DataFrame, parameters: list[str], y: np.ndarray, min_coverage: float = 0.5) -> dict:
    """Run PRIM on the runs' parameter values; return the trajectory, the chosen box and its limits, the
    restricted parameters ordered by how much the density falls when their limit is lifted."""
    X = runs[parameters]
    y = np.asarray(y, dtype=bool)
    boxes = prim(X, y)
    chosen = choose(boxes, min_coverage)
    full = boxes[0].limits
    restricted = chosen.restricted(full)
    without = released(X, y, chosen, restricted)
    order = sorted(restricted, key=lambda p: without[p])
    return {"boxes": boxes, "trajectory": trajectory_table(boxes), "box": chosen,
            "restricted": {p: restricted[p] for p in order}, "density_without": without, "full": full,
            "base_rate": float(np.mean(y)) if len(y) else 0.0, "cases": int(np.sum(y)), "runs": len(y)}
