"""Checkpoints that hold by construction: true whatever the history and whatever the free parameters.

A checkpoint holds by construction when it still passes in the null world (scenarios/base/central_asia_1999.yaml:
the replay's initial conditions with no events) in at least ``SHARE`` of runs whose free parameters are drawn
uniformly from their priors (calibration/free_parameters.yaml; every other parameter at its default). Nothing
the history does makes such a checkpoint true: the starting values and the fixed rules do. Requests and
offers that only the replay makes never happen in the null world, so a claim that a base stays closed, or a
decision is never taken, can hold by construction too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.parameters import make_params
from sim.free_parameters import FreeParameters
from sim.scenario import load_scenario
from sim.validation.checkpoints import evaluate_all
from sim.validation.outcomes import simulate

NULL_WORLD = Path(__file__).resolve().parent.parent.parent / "scenarios" / "base" / "central_asia_1999.yaml"
SHARE = 0.9
STREAM = 0x5EED


def prior_draws(free: FreeParameters, n: int, seed: int = 0, base: dict | None = None) -> list[dict]:
    """n complete parameter dicts with the free parameters drawn uniformly from their priors."""
    rng = np.random.default_rng([STREAM, seed])
    lo, hi = (np.array(b) for b in free.bounds())
    x = lo + rng.random((n, len(lo))) * (hi - lo)
    return [free.full(dict(zip(free.names, row)), base) for row in x]


def by_construction(validation, judged, free: FreeParameters, runs: int = 50, seed: int = 0,
                    null_world: Path = NULL_WORLD) -> dict[str, float]:
    """Pass rate of every checkpoint in the null world under prior draws (one seed per draw), keyed by id."""
    null = load_scenario(null_world)
    rows = prior_draws(free, runs, seed, make_params(null.spec.parameters))
    out = simulate(null, list(range(seed, seed + runs)), param_rows=rows)
    absent = frozenset(e.id for e in judged.spec.events) - frozenset(e.id for e in null.spec.events)
    passed = evaluate_all(validation, out, absent)
    return {k: float(v.mean()) for k, v in passed.items()}
