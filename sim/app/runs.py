"""Runs the chart draws beside the classroom run: the scenario a continued one starts from (the 1999-2008
lead-in of an outlook) and several seeds at once (a band).

Both are computed by the batch engine with the classroom run's own scenario file and parameters, and
kept (a few per server) so that stepping does not recompute them. What-ifs injected in class are not in
them: the band shows what the scenario itself gives across seeds.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

_CACHE: OrderedDict = OrderedDict()
_SIZE = 16
MAX_BAND_RUNS = 50


def _cached(key, make):
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = make()
    _CACHE[key] = value
    while len(_CACHE) > _SIZE:
        _CACHE.popitem(last=False)
    return value


def _key(model, *extra) -> tuple:
    return (str(model.scenario_path), model.seed, tuple(sorted(model.overrides.items())), *extra)


def lead_in(model) -> tuple[list[str], np.ndarray] | None:
    """Dates and alignments (T, S, P) of the scenario ``model``'s scenario continues, run with the same
    seed and parameters (the run it starts from), or None for a scenario that starts on its own."""
    if not model.loaded.spec.continues:
        return None

    def make():
        from sim.continuation import parent_path
        from sim.scenario.loader import load_scenario
        from sim.simulate import run_scenario

        parent = load_scenario(parent_path(model.loaded))
        rec = run_scenario(parent, [model.seed], dict(model.param_values))
        return list(rec.dates), np.stack(rec.alignment)[:, 0]

    return _cached(_key(model, "lead"), make)


def seed_band(model, runs: int) -> tuple[list[str], np.ndarray, np.ndarray, int] | None:
    """Dates, 10% and 90% quantiles (T, S, P) of alignment over ``runs`` seeds from the model's seed (the
    model's own seed among them), and the number of runs; None for fewer than 2 runs."""
    runs = int(min(max(runs, 0), MAX_BAND_RUNS))
    if runs < 2:
        return None

    def make():
        from sim.simulate import run_scenario

        seeds = list(range(model.seed, model.seed + runs))
        rec = run_scenario(model.loaded, seeds, dict(model.overrides))
        a = np.stack(rec.alignment)  # (T, N, S, P)
        return list(rec.dates), np.quantile(a, 0.1, axis=1), np.quantile(a, 0.9, axis=1), runs

    return _cached(_key(model, "band", runs), make)
