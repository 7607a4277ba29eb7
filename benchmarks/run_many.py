"""``run.py run --runs 1000`` of the replay: time and peak memory, against the code as it was.

    .venv/bin/python benchmarks/run_many.py [--runs 1000] [--baseline-runs 1000] [--no-baseline] [--check]

Runs the replay 1000 times as one command, with the current code (tables streamed to parquet in chunks,
the per-driver table as a summary across runs) and with the baseline (commit 7373cc4, unpacked by
``git archive``: every month of every run in memory, every table as CSV), and prints wall time, CPU time
and peak resident memory of each (the largest of the command's processes), with the ratios. The baseline
takes about two minutes and 6 GB; ``--baseline-runs`` runs it on fewer runs (the ratio is then per run).
``--check`` also compares every table with the baseline's, number by number (the parquet tables written
back with the CSV's decimals must be its text, byte for byte). Targets: under 15 s and 500 MB.
The last line is one JSON object: {"runs": ..., "seconds": ..., "peak_mb": ..., "baseline_seconds": ...,
"baseline_peak_mb": ..., "ratio": ..., "identical": ...}
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _compare import baseline_checkout, machine, same_table, timed

REPLAY = "scenarios/replay_1999_2008.yaml"
TABLES = {"timeseries": "%.6f", "states": "%.6f", "powers": "%.6f", "decisions": None, "events": None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--baseline-runs", type=int, default=None, help="runs of the baseline (default: --runs)")
    ap.add_argument("--no-baseline", action="store_true", help="time the current code only")
    ap.add_argument("--check", action="store_true", help="compare every table with the baseline's")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    tmp = Path(tempfile.mkdtemp(prefix="greatgame-runs-bench-"))
    try:
        now = timed(["run", REPLAY, "--runs", str(args.runs), "--quiet", "--out", str(tmp / "current")])
        if now.returncode:
            raise SystemExit(f"the current code failed (exit code {now.returncode})")
        print(f"current:  {args.runs:,} runs in {now.wall:6.1f} s (cpu {now.cpu:6.1f} s), peak {now.peak_mb:6.0f} MB")
        result = {"runs": args.runs, "seconds": round(now.wall, 2), "cpu_seconds": round(now.cpu, 2),
                  "peak_mb": round(now.peak_mb, 1)}
        if not args.no_baseline:
            base = baseline_checkout(into=tmp / "baseline")
            n = args.baseline_runs or args.runs
            then = timed(["run", REPLAY, "--runs", str(n), "--quiet", "--out", str(tmp / "baseline-out")], code=base)
            if then.returncode:
                raise SystemExit(f"the baseline failed (exit code {then.returncode})")
            scale = args.runs / n
            print(f"baseline: {n:,} runs in {then.wall:6.1f} s (cpu {then.cpu:6.1f} s), peak {then.peak_mb:6.0f} MB"
                  + (f" (x{scale:.1f} for {args.runs:,} runs)" if n != args.runs else ""))
            ratio = then.wall * scale / now.wall
            print(f"ratio: {ratio:.1f}x faster, {then.peak_mb / now.peak_mb:.1f}x less memory"
                  + (" (memory of the baseline at its run count)" if n != args.runs else ""))
            result.update(baseline_runs=n, baseline_seconds=round(then.wall, 2), baseline_peak_mb=round(then.peak_mb, 1),
                          ratio=round(ratio, 2), memory_ratio=round(then.peak_mb / now.peak_mb, 2))
            if args.check and n == args.runs:
                same = {name: same_table(tmp / "current", tmp / "baseline-out", name, fmt) for name, fmt in TABLES.items()}
                report_new = (tmp / "current" / "report.md").read_text().splitlines()
                report_old = (tmp / "baseline-out" / "report.md").read_text().splitlines()
                # the one sentence that names the drivers' file differs (a summary instead of drivers.csv)
                differ = [a for a, b in zip(report_new, report_old) if a != b]
                same["report"] = len(report_new) == len(report_old) and all("largest drivers" in a for a in differ)
                print("same numbers as the baseline: " + ", ".join(f"{k} {v}" for k, v in same.items()))
                result["identical"] = all(same.values())
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
