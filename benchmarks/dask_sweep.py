"""A sweep of many outcome-only runs of the replay on a Dask cluster whose processes cannot import this
project: the sweep ships its code to the workers, and a sample of its runs must equal the local executor's.

    .venv/bin/python benchmarks/dask_sweep.py                          # 1,000,000 runs, 2 workers
    .venv/bin/python benchmarks/dask_sweep.py --runs 50000
    .venv/bin/python benchmarks/dask_sweep.py --runs 200000 --workers 2 --sample 2000

1. It copies the replay's scenario files into a temporary folder and writes there a sweep file (the Latin
   hypercube of benchmarks/sweep_memory.py: four parameters, four replications per point, six outcomes).
2. It starts a ``LocalCluster`` of ``--workers`` single-threaded worker processes in a child process, from
   another working directory, without PYTHONPATH, with ``python -S`` and only the third-party libraries on
   ``sys.path`` (tests/fixtures/bare_cluster.py); it checks that no worker can import ``sim``.
3. It runs ``run.py sweep --executor dask --scheduler ADDR`` as a child process into a store, and samples
   every ``--every`` seconds the resident memory (RSS) of that command (the client) and of each process of
   the cluster (each worker; the cluster's own process, which holds the scheduler and the nannies), with the
   chunks stored so far, so it can tell the peak of the sweep's first half from that of its second half,
   and fits each process's growth in MB per 100 chunks stored (least squares over the samples taken after
   the first quarter of the chunks, once start-up and planning are over): near 0 when memory is flat in the
   number of runs.
4. It checks that the store holds every run once, asks each worker where it imported ``sim`` from (the
   shipped copy, not this checkout), and reruns ``--sample`` runs spread over the sweep with the local
   executor (local processes, read from the store's runs table): their outcomes must equal the store's to
   the bit.

It prints the rate, the peaks and the check; the last line is one JSON object. Exit status 1 if a run is
missing or the sample differs. Not part of the tests: it takes minutes (hours for a million runs on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_cluster import BareCluster
from sweep_memory import SWEEP

MB = 2**20


def copy_scenario(dest: Path) -> str:
    """Copy the replay and the files it extends under ``dest`` (same layout as scenarios/); return the
    replay's path relative to ``dest``."""
    from sim.scenario import load_scenario

    scenarios = ROOT / "scenarios"
    replay = scenarios / "replay_1999_2008.yaml"
    for f in load_scenario(replay).files:
        rel = Path(f).resolve().relative_to(scenarios)
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest / rel)
    return replay.relative_to(scenarios).as_posix()


class Sampler:
    """Peaks of resident memory per process, split at the half of the sweep (by chunks stored)."""

    def __init__(self, client_pid: int, cluster_pid: int, outcomes: Path, chunks: int):
        import psutil

        self.client = psutil.Process(client_pid)
        self.cluster = psutil.Process(cluster_pid)
        self.outcomes, self.chunks = outcomes, chunks
        self.peaks: dict[str, list[int]] = {}  # label -> [peak in the first half, in the second half]
        self.samples: dict[str, list[tuple[int, int]]] = {}  # label -> [(chunks stored, rss)]
        self.done = 0

    def _note(self, label: str, rss: int, half: int) -> None:
        p = self.peaks.setdefault(label, [0, 0])
        p[half] = max(p[half], rss)
        self.samples.setdefault(label, []).append((self.done, rss))

    def slopes(self, skip: float = 0.25) -> dict[str, float]:
        """Growth of each process's resident memory in MB per 100 chunks stored: the least-squares slope
        over the samples taken after the first ``skip`` share of the chunks (start-up and planning left out)."""
        out = {}
        for label, pts in self.samples.items():
            pts = [(d, r) for d, r in pts if d >= skip * self.chunks]
            if len(pts) > 2 and len({d for d, _ in pts}) > 2:
                d, r = np.array(pts, dtype=float).T
                out[label] = float(np.polyfit(d, r / MB, 1)[0] * 100)
        return out

    def sample(self) -> None:
        import psutil

        try:
            done = sum(1 for e in os.scandir(self.outcomes) if e.name.startswith("part-"))
        except FileNotFoundError:
            done = 0
        half = int(done >= self.chunks / 2)
        self.done = done

        def tree(proc) -> int:
            total = proc.memory_info().rss
            for c in proc.children(recursive=True):
                try:
                    total += c.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            return total

        try:
            self._note("client", tree(self.client), half)
        except psutil.NoSuchProcess:
            pass
        try:
            self._note("cluster process (scheduler, nannies)", self.cluster.memory_info().rss, half)
            for c in self.cluster.children(recursive=True):
                try:
                    cmd = " ".join(c.cmdline())
                    if "resource_tracker" not in cmd:  # the worker processes (named "dask worker")
                        self._note(f"worker {c.pid}", c.memory_info().rss, half)
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            pass


def local_sample(sweep_path: Path, store: Path, ids: np.ndarray, workers: int) -> tuple[dict, dict]:
    """(outcomes from the store, outcomes computed again by the local executor) of runs ``ids``, each a
    dict outcome -> array in the order of ``ids``."""
    import pyarrow.dataset as ds

    from sim.sweep.bundle import bundle
    from sim.sweep.chunks import ChunkTask, run_chunk
    from sim.sweep.executors import ProcessExecutor
    from sim.sweep.loader import load_sweep
    from sim.sweep.provenance import model_hash
    from sim.sweep.runner import base_parameters

    sweep = load_sweep(sweep_path)
    fp = sweep.fingerprint()
    names = list(sweep.spec.outcomes)
    want = ds.field("run").isin(ids)
    runs = ds.dataset(store / "runs.parquet").to_table(filter=want).to_pandas().set_index("run").loc[ids]
    stored = ds.dataset(store / "outcomes").to_table(filter=want).to_pandas().set_index("run").loc[ids]
    assert (stored["status"] == "ok").all(), "a sampled run failed in the sweep"
    base = base_parameters(sweep)
    bundled = bundle(sweep, fp)
    tasks = []
    for k, lo in enumerate(range(0, len(ids), 500)):
        part = runs.iloc[lo:lo + 500]
        params = [{**base, **{n: float(part[n].iloc[r]) for n in sweep.names}} for r in range(len(part))]
        tasks.append(ChunkTask(bundled, fp, k, part.index.to_numpy(np.int64), params,
                               [int(s) for s in part["seed"]], [], model_hash(), "batch"))
    again = {n: np.full(len(ids), np.nan) for n in names}
    ex = ProcessExecutor(workers)
    try:
        for task, result, error in ex.map_unordered(run_chunk, tasks):
            if error is not None or result.failed.any():
                raise RuntimeError(f"the local rerun of sample chunk {task.index} failed: {error or result.errors}")
            lo = task.index * 500
            for n in names:
                again[n][lo:lo + len(task.run_ids)] = result.outcomes[n]
    finally:
        ex.close()
    return {n: stored[n].to_numpy(np.float64) for n in names}, again


def main() -> int:
    import psutil
    from distributed import Client

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1_000_000, help="runs (a multiple of 4); default 1,000,000")
    ap.add_argument("--workers", type=int, default=2, help="worker processes of the cluster; default 2")
    ap.add_argument("--sample", type=int, default=2000, help="runs rerun locally and compared; default 2,000")
    ap.add_argument("--every", type=float, default=0.5, help="seconds between memory samples; default 0.5")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = ap.parse_args()
    if args.runs < 4 or args.runs % 4:
        ap.error("--runs: expected a multiple of 4")
    tmp = Path(tempfile.mkdtemp(prefix="dask_sweep_"))
    files = tmp / "files"
    scenario = copy_scenario(files)
    sweep_path = files / "sweeps" / "dask_benchmark.yaml"
    sweep_path.parent.mkdir(parents=True)
    sweep_path.write_text(SWEEP.format(runs=args.runs, points=args.runs // 4, scenario=f"../{scenario}"))
    store = tmp / "store"
    try:
        with BareCluster(args.workers, tmp / "elsewhere") as cluster:
            with Client(cluster.address, timeout="30s") as c:
                import importlib.util

                before = c.run(importlib.util.find_spec, "sim")
            if any(v is not None for v in before.values()):
                print(f"a worker of the bare cluster can import sim: {before}", file=sys.stderr)
                return 2
            from sim.sweep.runner import default_chunk_size

            chunks = -(-args.runs // default_chunk_size(args.runs))
            cmd = [sys.executable, str(ROOT / "run.py"), "sweep", str(sweep_path), "--executor", "dask",
                   "--scheduler", cluster.address, "--out", str(store), "--quiet"]
            t0 = time.perf_counter()
            child = subprocess.Popen(cmd, cwd=tmp)
            sampler = Sampler(child.pid, cluster.proc.pid, store / "outcomes", chunks)
            while child.poll() is None:
                sampler.sample()
                time.sleep(args.every)
            wall = time.perf_counter() - t0
            if child.returncode != 0:
                print(f"the sweep failed with exit code {child.returncode}", file=sys.stderr)
                return 2
            import cloudpickle

            from sim.sweep import shipping

            cloudpickle.register_pickle_by_value(shipping)
            with Client(cluster.address, timeout="30s") as c:
                places = sorted(c.run(shipping.where_sim_is).values())
        load = os.getloadavg()
        import pyarrow.dataset as ds

        manifest = json.loads((store / "manifest.json").read_text())
        ids = ds.dataset(store / "outcomes").to_table(columns=["run"]).column("run").to_numpy()
        stored_once = len(ids) == args.runs and len(np.unique(ids)) == args.runs
        seconds = manifest["starts"][-1]["seconds"]
        sample = np.unique(np.linspace(0, args.runs - 1, min(args.sample, args.runs)).round().astype(np.int64))
        t1 = time.perf_counter()
        stored, again = local_sample(sweep_path, store, sample, args.workers)
        check_s = time.perf_counter() - t1
        identical = all(stored[n].tobytes() == again[n].tobytes() for n in stored)
        size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    peaks = sampler.peaks
    workers = {k: v for k, v in peaks.items() if k.startswith("worker")}
    print(f"runs: {args.runs:,} on a bare LocalCluster of {args.workers} worker processes "
          f"({'all stored once' if stored_once else 'MISSING OR DUPLICATED RUNS'}); store {size / MB:,.1f} MB")
    print(f"workers imported sim from: {', '.join(places)}")
    print(f"sweep: {seconds:,.1f} s in its chunks ({args.runs / seconds:,.0f} runs/s); command {wall:,.1f} s "
          f"({args.runs / wall:,.0f} runs/s, start and planning included)")
    print("peak RSS (MB), first half of the sweep / second half:")
    slopes = sampler.slopes()
    for label, (a, b) in peaks.items():
        print(f"  {label}: {a / MB:,.0f} / {b / MB:,.0f}; growth {slopes.get(label, float('nan')):+.1f} MB per "
              "100 chunks after the first quarter")
    print(f"sample of {len(sample):,} runs rerun by the local executor in {check_s:.1f} s: "
          f"{'identical to the bit' if identical else 'DIFFERENT'}")
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {psutil.cpu_count()} cores")
    print(json.dumps({
        "runs": args.runs, "workers": args.workers, "chunks": manifest["chunks"], "chunk_size": manifest["chunk_size"],
        "seconds": round(seconds, 1), "runs_per_s": round(args.runs / seconds, 1), "command_s": round(wall, 1),
        "client_peak_mb": round(max(peaks.get("client", [0])) / MB, 1),
        "client_peak_halves_mb": [round(x / MB, 1) for x in peaks.get("client", [0, 0])],
        "worker_peak_mb": [round(max(v) / MB, 1) for v in workers.values()],
        "worker_peak_halves_mb": [[round(x / MB, 1) for x in v] for v in workers.values()],
        "cluster_process_peak_mb": round(max(peaks.get("cluster process (scheduler, nannies)", [0])) / MB, 1),
        "growth_mb_per_100_chunks": {k: round(v, 2) for k, v in slopes.items()},
        "stored_once": bool(stored_once), "sample": len(sample), "identical": bool(identical),
        "workers_without_sim_before": True, "worker_code": places, "store_mb": round(size / MB, 1),
        "load_average": [round(x, 2) for x in load],
    }))
    return 0 if stored_once and identical else 1


if __name__ == "__main__":
    sys.exit(main())
