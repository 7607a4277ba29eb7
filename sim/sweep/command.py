"""Run a parameter sweep declared in a sweep file: python run.py sweep scenarios/sweeps/replay_uncertainty.yaml

Runs go in chunks to local processes (default: all cores) or to a Dask cluster, and land in
results/<sweep name>/ as each chunk completes. A sweep stopped at any moment (Ctrl-C, kill -9, a worker
dying) continues where it stopped when the same command is given again.
"""

from __future__ import annotations

import sys

from sim.cli import UsageError


def configure(p) -> None:
    p.add_argument("sweep", help="a sweep file, e.g. scenarios/sweeps/replay_uncertainty.yaml")
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local: processes on this machine (default); dask: a Dask distributed cluster")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: all cores; 1 runs in this process). With dask and no "
                        "--scheduler: the size of the LocalCluster")
    p.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="address of a running Dask scheduler, e.g. tcp://scheduler-host:8786 (with --executor dask); "
                        "without it a LocalCluster is started on 127.0.0.1")
    p.add_argument("--engine", choices=["batch", "mesa"], default="batch",
                   help="batch: each chunk as one batch-engine call (default); mesa: one Mesa model per run "
                        "(the same results to the bit, hundreds of times slower)")
    p.add_argument("--out", default=None, help="result folder (default results/<sweep name>/)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="RUNS",
                   help="runs per chunk (default: about 1,000, at least 8 chunks, at least 50 runs); fixed for a result folder")
    p.add_argument("--retry-failed", action="store_true",
                   help="when continuing, run again the chunks that hold a failed run")
    p.add_argument("--dry-run", action="store_true",
                   help="check the sweep file and print its plan (points, runs, chunks, outcomes); run nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")


def run(args) -> int:
    from sim.limits import MAX_WORKERS
    from sim.sweep.executors import ExecutorError
    from sim.sweep.runner import SweepAborted, run_sweep
    from sim.sweep.store import StoreError

    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise UsageError(f"--workers {args.workers}: expected 1 to {MAX_WORKERS} worker processes")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise UsageError(f"--chunk-size {args.chunk_size}: expected 1 or more runs")
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.dry_run:
        print_plan(args)
        return 0
    try:
        folder = run_sweep(args.sweep, executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                           out=args.out, progress=not args.quiet, chunk_size=args.chunk_size,
                           retry_failed=args.retry_failed, engine=args.engine)
    except StoreError as e:
        raise UsageError(str(e)) from None
    except ConnectionError as e:
        raise UsageError(str(e)) from None
    except (SweepAborted, ExecutorError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the chunks already finished are stored; give the same command again to continue",
              file=sys.stderr)
        return 130
    if not args.quiet:
        print_summary(folder)
    return 0


def print_summary(folder) -> None:
    from sim.sweep.store import read_manifest

    m = read_manifest(folder)
    s = m["starts"][-1]
    rate = f", {s['runs_run'] / s['seconds']:.0f} runs/s" if s.get("seconds") and s.get("runs_run") else ""
    print(f"{m['title']}: {m['runs_done']:,} of {m['runs']:,} runs stored ({m['points']:,} points x "
          f"{m['replications']} replications), {m['runs_failed']:,} failed; this start ran "
          f"{s.get('runs_run', 0):,} runs in {s.get('seconds', 0):.1f} s{rate}")
    if m["runs_failed"]:
        print(f"failed runs are listed with their error in {folder}/outcomes (status == 'failed'); "
              "run again with --retry-failed to retry them")
    print(f"results in {folder}/ ; analyse them with: python run.py analyze {folder}")


def print_plan(args) -> None:
    """What the sweep would do, from the file alone."""
    from pathlib import Path

    from sim.sweep.loader import load_sweep
    from sim.sweep.report import describe_outcome, describe_parameter
    from sim.sweep.runner import default_chunk_size, run_plan

    sweep = load_sweep(args.sweep)
    points, runs = run_plan(sweep)
    spec = sweep.spec
    size = args.chunk_size or default_chunk_size(len(runs))
    print(f"{spec.title}")
    print(f"scenario {sweep.scenario.spec.name} ({sweep.scenario.spec.period.start} to "
          f"{sweep.scenario.spec.period.end}); design {spec.design.method}: {len(points):,} points x "
          f"{spec.replications} replications = {len(runs):,} runs in {-(-len(runs) // size):,} chunks of {size:,}")
    print("parameters:")
    for name, ps in spec.parameters.items():
        print(f"  {name}: {describe_parameter(name, ps)}")
    print("outcomes:")
    for name, o in spec.outcomes.items():
        print(f"  {name}: {describe_outcome(o)}")
    out = Path(args.out) if args.out else Path("results") / spec.name
    print(f"results would go to {out}/")
