"""The engine's monthly check: every number of every run's state is finite, or the run stops.

Inputs are checked to be finite and within their ranges, but their combinations could still overflow;
this check, run by both engines after each month and before the month is recorded, makes sure that no NaN
or infinity ever reaches a table. It costs one compiled pass (sim.core.rules.kernels_month.all_finite) per state
array per month (numpy's isfinite while the kernels run as Python).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np


class NonFiniteState(ArithmeticError):
    """A run's state holds a NaN or an infinity; the message names the month, the runs and the variables."""


_FIELDS: dict = {}  # the state's field names, by class


def check_finite(world, seeds=None) -> None:
    """Raise NonFiniteState when a floating-point array of the runs' state is not finite everywhere."""
    from sim.core.rules.kernels import runs_compiled
    from sim.core.rules.kernels_month import all_finite

    runs = world.runs
    names = _FIELDS.get(type(runs))
    if names is None:
        names = _FIELDS[type(runs)] = tuple(f.name for f in fields(runs))
    bad_vars, bad_runs = [], None
    compiled = runs_compiled()  # as Python, numpy's isfinite is the faster check
    for name in names:
        a = getattr(runs, name)
        if not (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
            continue
        if compiled and a.dtype == np.float64 and a.flags.c_contiguous and all_finite(a.reshape(-1).view(np.uint64)):  # one pass
            continue
        ok = np.isfinite(a)
        if ok.all():
            continue
        bad_vars.append(name)
        if world.batch_ndim:
            per_run = ~ok.reshape(ok.shape[0], -1).all(axis=1)
            bad_runs = per_run if bad_runs is None else bad_runs | per_run
    if not bad_vars:
        return
    date = world.setup.date(world.step)
    which = ""
    if bad_runs is not None:
        idx = np.flatnonzero(bad_runs)
        seeds_of = [int(np.asarray(runs.seed)[i]) for i in idx[:5]]
        which = f" in {len(idx)} run(s) (seeds {', '.join(map(str, seeds_of))}{', ...' if len(idx) > 5 else ''})"
    else:
        which = f" (seed {int(np.asarray(runs.seed))})"
    raise NonFiniteState(f"the model's state became NaN or infinite in {date}{which}: {', '.join(bad_vars)}. "
                         "The scenario's numbers or parameters drive it out of range; nothing was written")
