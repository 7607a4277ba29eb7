"""A Sobol analysis of 15 parameters of the replay (N=1024: 17,408 points x 2 replications = 34,816 runs),
the sweep with its store and then ``analyze``, against the code as it was.

    .venv/bin/python benchmarks/sobol_sweep.py [--samples 1024] [--workers N] [--no-baseline]
    .venv/bin/python benchmarks/sobol_sweep.py --no-baseline --analyze-against e1fc577 --repeat 3

Writes a sweep file (the eight parameters of scenarios/sweeps/replay_uncertainty.yaml and seven more, its
twelve outcomes) to a temporary folder, then times, as child processes, ``run.py sweep`` (all cores,
default chunks) and ``run.py analyze`` on its store, with the current code and with the baseline (commit
7373cc4, unpacked by ``git archive``; its sweep takes a minute or two). It checks that both stores hold
the same outcomes for every run, to the bit, and that both analyses give the same indices, summaries and
discovery boxes (the baseline's bootstrap intervals are not compared: with the default seed 0 it drew
them unseeded). Targets: the sweep under 30 s on 2 cores, analyze under 5 s.

``--analyze-against COMMIT`` times, on the current code's store, ``analyze`` with the current code and with
the code of COMMIT (unpacked by ``git archive``), alternately ``--repeat`` times each, so both see the same
store and the same load; it checks that both write the same tables and report, byte for byte, and the same
figure files (their pixels may differ), and prints the medians and their ratio.
The last line is one JSON object:
{"runs": ..., "sweep_s": ..., "analyze_s": ..., "baseline_sweep_s": ..., "baseline_analyze_s": ..., ...}
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _compare import ROOT, baseline_checkout, machine, median_timing, timed

TABLES = ("analysis.md", "sensitivity.csv", "outcome_summary.csv", "discovery_boxes.csv", "discovery_trajectory.csv")

MORE = {  # seven parameters added to those of replay_uncertainty.yaml
    "w_offers": {"low": 0.5, "high": 5.0},
    "w_rivalry": {"low": 0.0, "high": 2.0},
    "blame_decay": {"low": 0.85, "high": 0.99},
    "regime_decay": {"low": 0.8, "high": 0.99},
    "attention_rate": {"low": 0.05, "high": 0.6},
    "base_grant": {"low": 0.35, "high": 0.8},
    "join_threshold": {"low": 0.4, "high": 0.8},
}


def sweep_file(folder: Path, samples: int, code: Path = ROOT) -> tuple[Path, int]:
    """The benchmark's sweep file in ``folder``, on the replay and the sweep file of the code in ``code`` (each
    code's own: the parameters' ranges have changed since the baseline)."""
    spec = yaml.safe_load((code / "scenarios" / "sweeps" / "replay_uncertainty.yaml").read_text())  # its own
    spec["name"] = "sobol_benchmark"
    spec["scenario"] = str(code / "scenarios" / "replay_1999_2008.yaml")
    spec["parameters"].update(MORE)
    spec["design"] = {"method": "sobol", "samples": samples, "seed": 19990101}
    path = folder / "sobol_benchmark.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    runs = samples * (len(spec["parameters"]) + 2) * spec["replications"]
    return path, runs


def same_outcomes(a: Path, b: Path) -> bool:
    import pandas as pd

    x = pd.read_parquet(a / "outcomes").sort_values("run").reset_index(drop=True)
    y = pd.read_parquet(b / "outcomes").sort_values("run").reset_index(drop=True)
    return x.equals(y)


def same_analysis(a: Path, b: Path) -> bool:
    import pandas as pd

    same = all((a / f).read_bytes() == (b / f).read_bytes()
               for f in ("outcome_summary.csv", "discovery_boxes.csv", "discovery_trajectory.csv"))
    x, y = pd.read_csv(a / "sensitivity.csv"), pd.read_csv(b / "sensitivity.csv")
    return same and x.drop(columns="conf").equals(y.drop(columns="conf"))


def analyze_side_by_side(store: Path, commit: str, repeat: int, tmp: Path) -> dict:
    """``analyze`` of ``store`` by the current code and by ``commit``'s, alternately ``repeat`` times each:
    median timings, their ratio, and whether both wrote the same tables and figure files."""
    other = baseline_checkout(commit, into=tmp / f"code-{commit}")
    times: dict[str, list] = {"current": [], commit: []}
    for i in range(repeat):
        for who, code in (("current", ROOT), (commit, other)):
            out = tmp / f"analysis-{who}-{i}"
            t = timed(["analyze", str(store), "--out", str(out), "--quiet"], code=code)
            if t.returncode:
                raise SystemExit(f"analyze by {who} failed (exit code {t.returncode})")
            times[who].append(t)
    a, b = tmp / f"analysis-current-{repeat - 1}", tmp / f"analysis-{commit}-{repeat - 1}"
    same_tables = all((a / f).read_bytes() == (b / f).read_bytes() for f in TABLES)
    figures = sorted(p.name for p in (a / "figures").iterdir()) == sorted(p.name for p in (b / "figures").iterdir())
    now, then = median_timing(times["current"]), median_timing(times[commit])
    return {"commit": commit, "repeat": repeat, "current_wall_s": round(now.wall, 2), "current_cpu_s": round(now.cpu, 2),
            "other_wall_s": round(then.wall, 2), "other_cpu_s": round(then.cpu, 2),
            "wall_ratio": round(then.wall / now.wall, 2), "cpu_ratio": round(then.cpu / now.cpu, 2),
            "same_tables": same_tables, "same_figure_files": figures}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=1024, help="Sobol base samples N (a power of 2)")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    ap.add_argument("--no-baseline", action="store_true", help="time the current code only")
    ap.add_argument("--analyze-against", metavar="COMMIT", default=None,
                    help="also time analyze of the current store with COMMIT's code, alternately with the current code")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each analyze for --analyze-against (default 3)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    tmp = Path(tempfile.mkdtemp(prefix="greatgame-sobol-bench-"))
    try:
        workers = ["--workers", str(args.workers)] if args.workers else []
        codes = {"current": ROOT}
        if not args.no_baseline:
            codes["baseline"] = baseline_checkout(into=tmp / "baseline")
        t = {}
        for who, code in codes.items():
            store = tmp / f"{who}-store"
            (tmp / who).mkdir(exist_ok=True)
            path, runs = sweep_file(tmp / who, args.samples, code)  # the same design for every code
            t[who, "sweep"] = timed(["sweep", str(path), "--out", str(store), "--quiet", *workers], code=code)
            t[who, "analyze"] = timed(["analyze", str(store), "--out", str(tmp / f"{who}-analysis"), "--quiet"],
                                      code=code)
            for step in ("sweep", "analyze"):
                if t[who, step].returncode:
                    raise SystemExit(f"{who} {step} failed (exit code {t[who, step].returncode})")
        print(f"{runs:,} runs (Sobol, 15 parameters, N={args.samples}, 2 replications)")
        print(f"{'':10} {'sweep s':>8} {'runs/s':>7} {'cpu s':>7} {'peak MB':>8}   {'analyze s':>9} {'cpu s':>6}")
        for who in codes:
            s, a = t[who, "sweep"], t[who, "analyze"]
            print(f"{who:10} {s.wall:8.1f} {runs / s.wall:7.0f} {s.cpu:7.1f} {s.peak_mb:8.0f}   {a.wall:9.1f} {a.cpu:6.1f}")
        now_s, now_a = t["current", "sweep"], t["current", "analyze"]
        result = {"runs": runs, "sweep_s": round(now_s.wall, 2), "sweep_runs_per_s": round(runs / now_s.wall, 1),
                  "analyze_s": round(now_a.wall, 2)}
        if "baseline" in codes:
            then_s, then_a = t["baseline", "sweep"], t["baseline", "analyze"]
            outcomes = same_outcomes(tmp / "current-store", tmp / "baseline-store")
            analysis = same_analysis(tmp / "current-analysis", tmp / "baseline-analysis")
            print(f"ratio: sweep {then_s.wall / now_s.wall:.1f}x, analyze {then_a.wall / now_a.wall:.1f}x; "
                  f"outcomes identical: {outcomes}; indices, summaries and boxes identical: {analysis}")
            result.update(baseline_sweep_s=round(then_s.wall, 2), baseline_analyze_s=round(then_a.wall, 2),
                          sweep_ratio=round(then_s.wall / now_s.wall, 2),
                          analyze_ratio=round(then_a.wall / now_a.wall, 2), identical=outcomes and analysis)
        if args.analyze_against:
            side = analyze_side_by_side(tmp / "current-store", args.analyze_against, args.repeat, tmp)
            print(f"analyze of the current store, median of {side['repeat']}, alternately: current "
                  f"{side['current_wall_s']:.1f} s wall, {side['current_cpu_s']:.1f} s CPU; {side['commit']} "
                  f"{side['other_wall_s']:.1f} s wall, {side['other_cpu_s']:.1f} s CPU; ratio {side['wall_ratio']:.2f}x "
                  f"wall, {side['cpu_ratio']:.2f}x CPU; same tables and report: {side['same_tables']}; "
                  f"same figure files: {side['same_figure_files']}")
            result["analyze_against"] = side
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
