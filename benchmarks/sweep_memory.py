"""Peak memory of a large outcome-only sweep: 100,000 runs of the 1999-2008 replay must stay under 1 GB.

    .venv/bin/python benchmarks/sweep_memory.py                 # 100,000 runs, all cores, local processes
    .venv/bin/python benchmarks/sweep_memory.py --runs 20000 --workers 1
    .venv/bin/python benchmarks/sweep_memory.py --executor dask

It writes a sweep file (Latin hypercube over four parameters, four replications per point, six outcomes)
to a temporary folder, runs ``run.py sweep`` on it as a child process, and samples every 0.2 s the
resident memory (RSS) of that process and of all its descendants (worker processes, a Dask cluster).
It prints the peak of the whole process tree, the peak of the main process, the time taken and the rate,
checks the store holds every run once, and exits with status 1 if the peak is above --limit-mb.
Not part of the tests: it takes a few minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SWEEP = """name: memory_benchmark
title: "Memory benchmark: {runs:,} runs of the replay"
description: "A Latin hypercube over four parameters, four replications per point, six outcomes."
scenario: {scenario}
parameters:
  alignment_rate: {{low: 0.03, high: 0.2}}
  w_regime: {{low: 0.5, high: 4.0}}
  w_blame: {{low: 0.5, high: 5.0}}
  contagion: {{low: 0.3, high: 2.5}}
design: {{method: lhs, samples: {points}, seed: 1}}
replications: 4
outcomes:
  uzb_usa_2002: {{kind: alignment_at, state: UZB, power: USA, date: "2002-06"}}
  uzb_rus_mean: {{kind: alignment_mean, state: UZB, power: RUS, start: "2005-01", end: "2008-12"}}
  k2_closed: {{kind: first_decision, decision: base_closed, name: "Karshi-Khanabad (K2)", never: 2009.0}}
  manas_months: {{kind: base_months, name: "Manas (Ganci air base)"}}
  uzb_guuam_months: {{kind: months_in_org, state: UZB, org: GUUAM}}
  rus_counterbalance: {{kind: stance_months, power: RUS, stance: counterbalance}}
"""


def tree_rss(proc) -> tuple[int, int]:
    """(RSS of the process and all its descendants, RSS of the process alone), in bytes."""
    import psutil

    try:
        own = proc.memory_info().rss
        total = own
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total, own
    except psutil.NoSuchProcess:
        return 0, 0


def main() -> int:
    import psutil

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100_000, help="runs (a multiple of 4); default 100,000")
    ap.add_argument("--executor", choices=["local", "dask"], default="local")
    ap.add_argument("--workers", type=int, default=None, help="default: all cores")
    ap.add_argument("--limit-mb", type=float, default=1024.0, help="fail above this peak; default 1024")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sweep_memory_"))
    sweep = tmp / "memory_benchmark.yaml"
    sweep.write_text(SWEEP.format(runs=args.runs, points=args.runs // 4,
                                  scenario=ROOT / "scenarios" / "replay_1999_2008.yaml"))
    out = tmp / "store"
    cmd = [sys.executable, str(ROOT / "run.py"), "sweep", str(sweep), "--out", str(out), "--quiet",
           "--executor", args.executor]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT)
    proc = psutil.Process(child.pid)
    peak_total = peak_main = 0
    while child.poll() is None:
        total, own = tree_rss(proc)
        peak_total, peak_main = max(peak_total, total), max(peak_main, own)
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    if child.returncode != 0:
        print(f"the sweep failed with exit code {child.returncode}", file=sys.stderr)
        return 2
    import pyarrow.dataset as ds

    runs = ds.dataset(out / "outcomes", format="parquet").to_table(columns=["run", "status"])
    ids = runs.column("run").to_numpy()
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    ok = len(ids) == args.runs and len(set(ids.tolist())) == args.runs
    print(f"runs: {args.runs:,} ({'all stored once' if ok else 'MISSING OR DUPLICATED RUNS'}); executor "
          f"{args.executor}, workers {args.workers or 'all cores'}")
    print(f"time: {seconds:.1f} s ({args.runs / seconds:,.0f} runs/s, process start and planning included)")
    print(f"peak RSS, main process: {peak_main / 2**20:,.0f} MB; whole process tree: {peak_total / 2**20:,.0f} MB "
          f"(limit {args.limit_mb:,.0f} MB)")
    print(f"store on disk: {size / 2**20:,.1f} MB")
    if args.keep:
        print(f"kept: {tmp}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok and peak_total / 2**20 <= args.limit_mb else 1


if __name__ == "__main__":
    sys.exit(main())
