"""Run a scenario R times with either engine and get the full record (``run.py run`` uses this)."""

from __future__ import annotations

from sim.core.parameters import make_params
from sim.engine import BatchEngine
from sim.recorders import FullRecorder
from sim.scenario.loader import LoadedScenario


def run_scenario(scenario: LoadedScenario, seeds: list[int], overrides: dict | None = None,
                 engine: str = "batch", progress=None, param_rows: list[dict] | None = None) -> FullRecorder:
    """Run the scenario once per seed and return the record of every month of every run.

    engine: "batch" (all runs at once as arrays) or "mesa" (one GreatGameModel per seed); both give the
    same numbers to the bit. param_rows: one complete parameter dict per run (e.g. drawn from a posterior);
    otherwise every run has the defaults with the scenario's parameters and ``overrides``.
    """
    values = make_params({**scenario.spec.parameters, **(overrides or {})})
    rows = param_rows if param_rows is not None else [values] * len(seeds)
    if engine == "batch":
        rec = FullRecorder()
        eng = BatchEngine(scenario, rows, seeds)
        for _ in range(eng.world.setup.months):
            eng.step(rec)
            if progress:
                progress(len(seeds) / eng.world.setup.months)
        return rec
    if engine == "mesa":
        from sim.model import GreatGameModel

        recs = []
        for seed, row in zip(seeds, rows):
            rec = FullRecorder()
            own = (overrides or {}) if param_rows is None else dict(row)
            model = GreatGameModel(scenario, seed=seed, **own)
            model.recorder = rec
            model.run()
            recs.append(rec)
            if progress:
                progress(1)
        return merge_records(recs)
    raise ValueError(f"unknown engine {engine!r}; expected 'batch' or 'mesa'")


def merge_records(recs: list[FullRecorder]) -> FullRecorder:
    """Put single-run records side by side as one batch record (runs numbered in order)."""
    import numpy as np

    out = FullRecorder()
    out.setup = recs[0].setup
    out.dates = recs[0].dates
    for name in ("alignment", "drivers", "members", "bases_open"):
        setattr(out, name, [np.concatenate([getattr(r, name)[t] for r in recs]) for t in range(len(out.dates))])
    for attr in ("state_vars", "power_vars"):
        d = {}
        for k in getattr(recs[0], attr):
            d[k] = [np.concatenate([getattr(r, attr)[k][t] for r in recs]) for t in range(len(out.dates))]
        setattr(out, attr, d)
    for i, r in enumerate(recs):
        out.decisions += [{**row, "run": i} for row in r.decisions]
        out.refusals += [{**row, "run": i} for row in r.refusals]
        out.events += [{**row, "run": i} for row in r.events]
    return out
