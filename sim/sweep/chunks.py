"""One chunk of a sweep: many runs simulated together by the batch engine, boiled down to outcomes.

A chunk is the unit of work sent to an executor (a local process or a Dask worker) and the unit the result
store writes. It is described by a picklable ``ChunkTask`` (the bytes of the sweep file and of the scenario
files it reads, see sim.sweep.bundle; the run ids, each run's parameters and seed) and answered with a
``ChunkResult`` (outcome arrays, run status and error text). A worker needs no file of the machine that
started the sweep: it loads the sweep from the bytes the chunk carries.

If the batch raises, the chunk's runs are simulated one by one, so that a run that fails is recorded as
failed with its error while every other run of the chunk keeps its result. The engine treats each run on
its own (elementwise), so a run gives the same numbers alone or inside any chunk.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import numpy as np

from sim.sweep.bundle import SweepFiles


@dataclass
class ParamRows:
    """Every run's full parameter dict, kept compact for the journey to a worker: the values all runs share
    once, and one array per varied parameter (a chunk of 1,000 runs pickles to tens of kilobytes instead
    of about 750). Run i's dict is ``{**base, name: float(columns[name][i]) ...}``."""

    base: dict
    columns: dict[str, np.ndarray]
    n: int

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return {**self.base, **{name: float(col[i]) for name, col in self.columns.items()}}

    def __iter__(self):
        return (self[i] for i in range(self.n))


@dataclass
class ChunkTask:
    sweep: SweepFiles  # the sweep file and the scenario files it reads, as bytes
    fingerprint: str
    index: int
    run_ids: np.ndarray  # (n,) int64
    params: list[dict] | ParamRows  # one full parameter dict per run
    seeds: list[int]
    keep_series: list[int] = field(default_factory=list)  # positions in the chunk whose monthly alignment is kept
    model: str = ""  # the model's code hash where the sweep runs (sim.sweep.provenance)
    engine: str = "batch"  # "batch": the chunk as one BatchEngine call; "mesa": one GreatGameModel per run


@dataclass
class ChunkResult:
    index: int
    run_ids: np.ndarray
    outcomes: dict[str, np.ndarray]
    failed: np.ndarray  # (n,) bool
    errors: list[str]  # "" for runs that succeeded
    series: list[dict] | None = None  # long rows run, date, state, power, alignment
    seconds: float = 0.0


_LOADED: dict[str, object] = {}


def _sweep(bundled: SweepFiles, fingerprint: str):
    """The sweep a chunk belongs to, loaded from the bytes it carries (once per process and sweep)."""
    from sim.sweep.bundle import materialize
    from sim.sweep.loader import load_sweep

    if fingerprint not in _LOADED:
        sweep = load_sweep(materialize(bundled))
        if sweep.fingerprint() != fingerprint:
            raise RuntimeError(f"{bundled.sweep} (or its scenario) changed while the sweep was starting; start it "
                               "again")
        while len(_LOADED) >= 4:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[fingerprint] = sweep
    return _LOADED[fingerprint]


def simulate(sweep, params: list[dict], seeds: list[int], keep_series: list[int], engine: str = "batch"):
    """Run the chunk and return its outcome recorder.

    engine "batch" runs the chunk as one BatchEngine call; "mesa" runs one GreatGameModel per run (the same
    numbers, far slower: for checking, teaching, or a model extended only on the Mesa side), feeding the
    same outcome recorder through a batch-of-one view of each model's world.
    """
    from sim.sweep.outcomes import OutcomeRecorder

    if engine == "batch":
        from sim.engine import BatchEngine

        rec = OutcomeRecorder(sweep.spec.outcomes, keep_series)
        BatchEngine(sweep.scenario, params, seeds).run(rec)
        return rec
    if engine != "mesa":
        raise ValueError(f"unknown engine {engine!r}; expected 'batch' or 'mesa'")
    from sim.model import GreatGameModel

    recs = []
    for i, (values, seed) in enumerate(zip(params, seeds)):
        rec = OutcomeRecorder(sweep.spec.outcomes, [0] if i in keep_series else [])
        model = GreatGameModel(sweep.scenario, seed=seed, **values)
        model.recorder = _BatchOfOne(rec)
        model.run()
        recs.append(rec)
    return _StackedRecorder(recs, keep_series)


class _BatchOfOne:
    """Feed a single Mesa run to a recorder that expects a leading run axis (a batch of one)."""

    def __init__(self, recorder):
        self.recorder = recorder

    def record(self, world, drivers, dec, applied) -> None:
        import dataclasses

        from sim.core.world import RunState

        runs = RunState(**{f.name: np.asarray(getattr(world.runs, f.name))[None]
                           for f in dataclasses.fields(RunState)})
        view = dataclasses.replace(world, runs=runs, batch_ndim=1)
        flags = {k: (np.asarray(v)[None] if k != "slots" else v) for k, v in dec.items()}
        self.recorder.record(view, np.asarray(drivers)[None], flags, applied)


class _StackedRecorder:
    """Several single-run outcome recorders read as one chunk's."""

    def __init__(self, recs: list, keep_series: list[int]):
        self.recs = recs
        self.setup = recs[0].setup if recs else None
        kept = [recs[i] for i in keep_series]
        self.series = [(date, np.concatenate([r.series[t][1] for r in kept]))
                       for t, (date, _) in enumerate(kept[0].series)] if kept else []

    def values(self) -> dict[str, np.ndarray]:
        per_run = [r.values() for r in self.recs]
        return {name: np.concatenate([v[name] for v in per_run]) for name in per_run[0]}


def _error_text(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate a chunk; a failing batch falls back to one run at a time to isolate the failing runs."""
    import time

    from sim.sweep.provenance import model_hash

    t0 = time.perf_counter()
    if task.model and task.model != model_hash():
        raise RuntimeError("this worker runs another version of the model's code than the machine that started "
                           "the sweep; install the same version everywhere")
    sweep = _sweep(task.sweep, task.fingerprint)
    params = list(task.params)
    n = len(task.seeds)
    names = list(sweep.spec.outcomes)
    try:
        rec = simulate(sweep, params, task.seeds, task.keep_series, task.engine)
        outcomes, failed, errors = rec.values(), np.zeros(n, dtype=bool), [""] * n
        series = _series_rows(rec, task, task.keep_series)
    except Exception:  # noqa: BLE001 - isolate the failing runs below
        outcomes = {name: np.full(n, np.nan) for name in names}
        failed, errors, series = np.zeros(n, dtype=bool), [""] * n, []
        for i in range(n):
            keep = [0] if i in task.keep_series else []
            try:
                rec = simulate(sweep, [params[i]], [task.seeds[i]], keep, task.engine)
            except Exception as exc:  # noqa: BLE001 - a failing run is recorded, the sweep goes on
                failed[i], errors[i] = True, _error_text(exc)
                continue
            for name, v in rec.values().items():
                outcomes[name][i] = v[0]
            if keep:
                series += _series_rows(rec, task, [i], positions=[0])
    return ChunkResult(task.index, np.asarray(task.run_ids), outcomes, failed, errors, series or None,
                       time.perf_counter() - t0)


def _series_rows(rec, task: ChunkTask, chunk_positions: list[int], positions: list[int] | None = None) -> list[dict]:
    """Long rows (run, date, state, power, alignment) of the kept runs; positions index rec's kept runs."""
    if not chunk_positions:
        return []
    positions = list(range(len(chunk_positions))) if positions is None else positions
    st = rec.setup
    rows = []
    for j, i in zip(positions, chunk_positions):
        run = int(task.run_ids[i])
        for date, a in rec.series:
            for s, sc in enumerate(st.states):
                for p, pc in enumerate(st.powers):
                    rows.append({"run": run, "date": date, "state": sc, "power": pc, "alignment": float(a[j, s, p])})
    return rows
