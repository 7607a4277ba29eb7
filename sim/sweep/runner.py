"""Run a sweep: plan its runs, send them in chunks to an executor, store each chunk as it completes.

The plan follows from the sweep file alone. Design point i (see sim.sweep.designs) gets ``replications``
runs; run ``i * replications + r`` uses the point's parameters and seed ``seed + r``, so replication r of
every point shares its random numbers (common random numbers: differences between points come from the
parameters, not from luck). Runs are cut into chunks of consecutive run ids; the chunk size depends only on
the number of runs (or ``--chunk-size``), never on the executor or the number of workers.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.parameters import make_params
from sim.outputs.manifest import command_line, now, scenario_files, sha256, versions
from sim.sweep.bundle import bundle
from sim.sweep.chunks import ChunkResult, ChunkTask, ParamRows, run_chunk
from sim.sweep.designs import design_points
from sim.sweep.executors import make_executor
from sim.sweep.loader import LoadedSweep, load_sweep
from sim.sweep.provenance import model_hash
from sim.sweep.store import SweepStore

CHUNK_RUNS = 1024  # the default chunk of a large sweep


class SweepAborted(Exception):
    """The sweep stopped for a reason other than a failing run (its store keeps what was done)."""


def default_chunk_size(total_runs: int) -> int:
    """Chunks of about 1,000 runs, where the batch engine's speed per run levels off (a chunk of 160 runs
    runs at about half the speed of one of 1,000), but at least 8 chunks for a smaller sweep (to share them
    among workers and lose little to a kill), and never fewer than 50 runs a chunk."""
    return int(min(CHUNK_RUNS, max(50, math.ceil(total_runs / 8))))


class RunPlan:
    """The runs of a sweep, computed a slice at a time instead of built whole: run r is replication
    r % R of design point r // R, with seed ``seed + r % R`` (so memory grows with the points, not the runs)."""

    def __init__(self, points: pd.DataFrame, replications: int, seed: int, names: list[str]):
        self.points, self.R, self.seed, self.names = points, int(replications), int(seed), list(names)

    def __len__(self) -> int:
        return len(self.points) * self.R

    def rows(self, lo: int, hi: int) -> pd.DataFrame:
        """Rows lo..hi-1 of the runs table: run, point, replication, seed and every varied parameter."""
        r = np.arange(lo, hi, dtype=np.int64)
        p, rep = r // self.R, r % self.R
        out = {"run": r, "point": self.points["point"].to_numpy()[p], "replication": rep, "seed": rep + self.seed}
        for name in self.names:
            out[name] = self.points[name].to_numpy()[p]
        return pd.DataFrame(out)

    def write(self, path: Path, block: int = 500_000) -> None:
        """Write runs.parquet a block of rows at a time, atomically (a hidden name, then renamed)."""
        import os

        import pyarrow as pa
        import pyarrow.parquet as pq

        tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
        writer = None
        try:
            for lo in range(0, max(len(self), 1), block):
                table = pa.Table.from_pandas(self.rows(lo, min(len(self), lo + block)), preserve_index=False)
                writer = writer or pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        os.replace(tmp, path)


def run_plan(sweep: LoadedSweep) -> tuple[pd.DataFrame, RunPlan]:
    """(points, runs): the design points and the plan of the runs (rows computed when asked for)."""
    points = design_points(sweep.spec)
    return points, RunPlan(points, sweep.spec.replications, sweep.spec.seed, sweep.names)


def plan(sweep: LoadedSweep) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(points, runs): the design points and one row per run (run, point, replication, seed, parameters)."""
    points, runs = run_plan(sweep)
    return points, runs.rows(0, len(runs))


def base_parameters(sweep: LoadedSweep) -> dict[str, float]:
    """Every parameter of a run before the varied ones: registry defaults, the scenario's values, the
    sweep's constants."""
    return make_params({**sweep.scenario.spec.parameters, **sweep.spec.constants})


def tasks(sweep: LoadedSweep, runs: pd.DataFrame, chunk_size: int, chunks: list[int], fingerprint: str,
          keep_runs: int, engine: str = "batch"):
    """The chunk tasks, built lazily (one chunk's parameter dicts at a time). Each carries the bytes of the
    sweep and scenario files (read once, here), so a worker reads no file of this machine."""
    base = base_parameters(sweep)
    bundled = bundle(sweep, fingerprint)
    names = sweep.names
    for i in chunks:
        lo, hi = i * chunk_size, min(len(runs), (i + 1) * chunk_size)
        rows = runs.rows(lo, hi) if isinstance(runs, RunPlan) else runs.iloc[lo:hi]
        params = ParamRows(base, {name: rows[name].to_numpy() for name in names}, hi - lo)
        keep = [r - lo for r in range(lo, min(hi, keep_runs))]
        yield ChunkTask(bundled, fingerprint, i, np.arange(lo, hi, dtype=np.int64), params,
                        [int(s) for s in rows["seed"].to_numpy()], keep, model_hash(), engine)


def build_manifest(sweep: LoadedSweep, points: pd.DataFrame, runs: pd.DataFrame, chunk_size: int) -> dict:
    spec = sweep.spec
    return {
        "kind": "sweep",
        "sweep": spec.name,
        "title": spec.title,
        "description": spec.description,
        "sweep_file": str(sweep.path),
        "sweep_sha256": sha256(sweep.path),
        "fingerprint": sweep.fingerprint(),
        "model_code": model_hash(),
        "scenario": sweep.scenario.spec.name,
        "scenario_files": scenario_files(sweep.scenario),
        "period": {"start": sweep.scenario.spec.period.start, "end": sweep.scenario.spec.period.end},
        "design": spec.design.model_dump(mode="json"),
        "parameters": {k: v.model_dump(mode="json", exclude_none=True) for k, v in spec.parameters.items()},
        "constants": spec.constants,
        "base_parameters": base_parameters(sweep),
        "outcomes": {k: v.model_dump(mode="json", exclude_none=True) for k, v in spec.outcomes.items()},
        "replications": spec.replications,
        "seeds": f"replication r runs with seed {spec.seed} + r",
        "points": len(points),
        "runs": len(runs),
        "chunk_size": chunk_size,
        "chunks": math.ceil(len(runs) / chunk_size),
        "timeseries_runs": min(len(runs), spec.timeseries.runs) if spec.timeseries else 0,
        "status": "running",
        "runs_done": 0,
        "runs_failed": 0,
        "starts": [],
        "versions": versions(),
        "files": {
            "runs.parquet": "one row per run: run, point, replication, seed and the varied parameters",
            "points.parquet": "one row per design point: parameter values and unit coordinates u_<name>",
            "outcomes/": "parquet parts, one row per run: run, status, error and one column per outcome",
            "timeseries/": "parquet parts: run, date, state, power, alignment (the kept runs only)",
            "sweep.yaml": "the sweep file as it was run",
        },
    }


def run_sweep(sweep_path, executor: str = "local", workers: int | None = None, scheduler: str | None = None,
              out=None, progress: bool = True, chunk_size: int | None = None, retry_failed: bool = False,
              engine: str = "batch") -> Path:
    """Run (or continue) the sweep declared in ``sweep_path``; return its result folder.

    A folder left by an interrupted start of the same sweep is continued: only the chunks not stored yet
    are run. ``retry_failed`` also runs again the chunks that hold a failed run.
    """
    from sim.outputs.folders import check_destination

    sweep = load_sweep(sweep_path)
    folder = check_destination(Path(out) if out else Path("results") / sweep.spec.name, replace_own=False)
    points, runs = run_plan(sweep)
    size = chunk_size or _stored_chunk_size(folder, sweep) or default_chunk_size(len(runs))
    manifest = build_manifest(sweep, points, runs, size)
    store = SweepStore(folder)
    if store.complete(manifest["fingerprint"]) and not retry_failed and not store.check_parts(len(runs), size):
        ex = None  # nothing to run: no cluster to start
    else:
        ex = make_executor(executor, workers, scheduler)  # before the folder: a bad address leaves nothing
    try:
        return _run(sweep, store, manifest, points, runs, ex, executor, workers, scheduler, progress, retry_failed,
                    engine)
    finally:
        store.release_lock()
        if ex is not None:
            ex.close()


def _run(sweep, store, manifest, points, runs, ex, executor, workers, scheduler, progress, retry_failed,
         engine="batch") -> Path:
    folder = store.folder
    resumed = store.open(manifest, sweep.path.read_text(encoding="utf-8"), points, runs)
    manifest = store.manifest()
    n_chunks = manifest["chunks"]
    bad = store.check_parts(len(runs), manifest["chunk_size"])
    if bad:  # repair: parts that do not match the manifest run again
        import sys

        for i, why in sorted(bad.items())[:5]:
            print(f"note: {why}: chunk {i} runs again", file=sys.stderr)
        if len(bad) > 5:
            print(f"note: and {len(bad) - 5} more damaged chunk(s) run again", file=sys.stderr)
        store.drop_chunks(bad)
    store.sync_parts(manifest)
    done = store.done_chunks()
    if done and (retry_failed or len(done) < n_chunks) and manifest.get("model_code") != model_hash():
        from sim.sweep.store import StoreError

        raise StoreError(f"{folder} was started by another version of the model's code (sim/core/rules, step, events, "
                         "...): continuing would mix two models in one store; delete the folder to start again, "
                         "or choose another folder with --out")
    if retry_failed:
        store.forget_failed_chunks()
        store.sync_parts(manifest)
        done = store.done_chunks()
    pending = [i for i in range(n_chunks) if i not in done]
    manifest["model_code"] = model_hash()
    runs_before, _ = store.count_status()
    start = {"started": now(), "command": command_line(), "executor": executor, "engine": engine, "workers": workers,
               "scheduler": scheduler, "resumed": resumed, "chunks_to_run": len(pending)}
    manifest["starts"].append(start)
    manifest["status"] = "running"
    store.write_manifest(manifest)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(runs), initial=runs_before, unit="run", desc=sweep.spec.name, smoothing=0.1,
                   dynamic_ncols=True)
    names = list(sweep.spec.outcomes)
    t0 = time.perf_counter()
    ran = failed_now = 0
    if pending:
        start["workers"] = ex.workers
        try:
            for task, result, error in ex.map_unordered(run_chunk, tasks(sweep, runs, manifest["chunk_size"], pending,
                                                                         manifest["fingerprint"],
                                                                         manifest["timeseries_runs"], engine)):
                if error is not None:
                    result = lost_chunk(task, names, error)
                store.write_chunk(result, names)
                ran += len(result.run_ids)
                failed_now += int(np.sum(result.failed))
                if bar:
                    if failed_now:
                        bar.set_postfix_str(f"{failed_now} failed", refresh=False)
                    bar.update(len(result.run_ids))
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:
            raise SweepAborted(f"the sweep stopped: {type(e).__name__}: {e}. Chunks already stored are kept; run "
                               "the same command again to continue") from e
        finally:
            if bar:
                bar.close()
    elif bar:
        bar.close()
    stored, failed = store.count_status()
    manifest["runs_done"], manifest["runs_failed"] = stored, failed
    start.update(finished=now(), runs_run=ran, seconds=round(time.perf_counter() - t0, 3))
    manifest["status"] = "complete" if len(store.done_chunks()) == n_chunks else "running"
    manifest["finished"] = now()
    store.sync_parts(manifest)
    return folder


def _stored_chunk_size(folder: Path, sweep: LoadedSweep) -> int | None:
    """The chunk size of an earlier start of this sweep in ``folder``, if any (a resume keeps it)."""
    from sim.sweep.store import StoreError, read_manifest

    try:
        m = read_manifest(folder)
    except StoreError:
        return None
    return m.get("chunk_size") if m.get("fingerprint") == sweep.fingerprint() else None


def lost_chunk(task: ChunkTask, names: list[str], error: Exception) -> ChunkResult:
    """Record every run of a chunk that could not be run (its workers kept dying) as failed."""
    n = len(task.seeds)
    return ChunkResult(task.index, np.asarray(task.run_ids), {k: np.full(n, np.nan) for k in names},
                       np.ones(n, dtype=bool), [f"{type(error).__name__}: {error}"] * n)
