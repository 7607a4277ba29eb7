"""One replay end to end, figures and report included, and ``run.py --help``, against the code as it was.

    .venv/bin/python benchmarks/replay_end_to_end.py [--repeat 5] [--no-baseline] [--baseline-commit 7373cc4]

Runs ``run.py run scenarios/replay_1999_2008.yaml`` (one run, tables, six figures, report, manifest) and
``run.py --help`` as child processes, alternately with the current code and with the baseline (by default
commit 7373cc4, which issue 13 measured, unpacked by ``git archive``), and prints the medians, the ratios and
whether every table and the report, and the figures, are byte for byte the baseline's. Each code runs the
replay once untimed first (numba's cache of an unpacked commit is filled then, and the files are read into
the system's cache). Targets: the replay under 1.5 s, --help under 0.5 s (wall time).
The last line is one JSON object:
{"replay_s": ..., "help_s": ..., "baseline_replay_s": ..., "baseline_help_s": ..., "ratio": ..., "identical": ...,
 "figures_identical": ...}
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _compare import BASELINE_COMMIT, ROOT, baseline_checkout, machine, same_table, side_by_side, timed

REPLAY = "scenarios/replay_1999_2008.yaml"
TABLES = {"timeseries": "%.6f", "states": "%.6f", "powers": "%.6f", "decisions": None, "events": None,
          "drivers": "%.9f"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each command and each code (median)")
    ap.add_argument("--no-baseline", action="store_true", help="time the current code only")
    ap.add_argument("--baseline-commit", default=BASELINE_COMMIT,
                    help=f"the commit to compare with (default {BASELINE_COMMIT}, the code issue 13 measured)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    tmp = Path(tempfile.mkdtemp(prefix="greatgame-replay-bench-"))
    try:
        base = None if args.no_baseline else baseline_checkout(args.baseline_commit, into=tmp / "baseline")

        def replay_args(code: Path, i: int) -> list[str]:
            who = "current" if code == ROOT else "baseline"
            return ["run", REPLAY, "--quiet", "--out", str(tmp / f"{who}-{i}")]

        for code in [ROOT] + ([base] if base is not None else []):  # untimed: caches filled
            warm = timed(replay_args(code, "warm"), code=code)
            if warm.returncode != 0:
                raise SystemExit(f"the replay failed in {code} (exit code {warm.returncode})")

        help_now, help_then = side_by_side(lambda code, i: ["--help"], args.repeat, base)
        run_now, run_then = side_by_side(replay_args, args.repeat, base)
        rows = [("run.py --help", help_now, help_then), ("run.py run (one replay)", run_now, run_then)]
        print(f"{'command':28} {'wall s':>8} {'cpu s':>7} {'peak MB':>8}   {'baseline wall s':>15} {'cpu s':>7} "
              f"{'ratio':>6}")
        for label, now, then in rows:
            ratio = f"{then.wall / now.wall:5.1f}x" if then else ""
            then_cells = f"{then.wall:15.2f} {then.cpu:7.2f}" if then else ""
            print(f"{label:28} {now.wall:8.2f} {now.cpu:7.2f} {now.peak_mb:8.0f}   {then_cells} {ratio:>6}")
        identical = figures_identical = None
        if base is not None:
            new, old = tmp / "current-0", tmp / "baseline-0"
            identical = all(same_table(new, old, name, fmt) for name, fmt in TABLES.items())
            # the report names the scenario file by its path, which is each code's own folder
            report_new = (new / "report.md").read_text().replace(str(ROOT), "CODE")
            report_old = (old / "report.md").read_text().replace(str(base), "CODE")
            identical = identical and report_new == report_old
            print(f"tables and report byte for byte the baseline's: {identical} (only while the equations are the same)")
            figs = sorted(p.name for p in (new / "figures").glob("*.png"))
            figures_identical = figs == sorted(p.name for p in (old / "figures").glob("*.png")) and all(
                (new / "figures" / f).read_bytes() == (old / "figures" / f).read_bytes() for f in figs)
            print(f"figures byte for byte the baseline's: {figures_identical}")
        result = {"replay_s": round(run_now.wall, 3), "help_s": round(help_now.wall, 3),
                  "replay_cpu_s": round(run_now.cpu, 3), "replay_peak_mb": round(run_now.peak_mb, 1)}
        if base is not None:
            result.update(baseline_commit=args.baseline_commit, figures_identical=figures_identical)
            result.update(baseline_replay_s=round(run_then.wall, 3), baseline_help_s=round(help_then.wall, 3),
                          baseline_replay_cpu_s=round(run_then.cpu, 3),
                          ratio=round(run_then.wall / run_now.wall, 2),
                          help_ratio=round(help_then.wall / help_now.wall, 2), identical=identical)
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
