"""Run two or more scenarios with the same seeds and compare them: bands, outcome shares and what differs.

    python run.py compare scenarios/outlook_baseline.yaml scenarios/outlook_china_steps_in.yaml --runs 100

Each scenario runs R times with seeds s, s+1, ...; the first is the reference. The results folder (default
results/compare_<names>/) holds compare.md, figures, tidy tables and a manifest, written all or nothing.
Given two or more sweep result folders instead of scenario files, it compares the sweeps (sim.sweep.compare).
"""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path

from sim.cli import UsageError
from sim.core.parameters import make_params
from sim.outputs.manifest import now, provenance, scenario_files
from sim.outputs.writer import atomic_folder
from sim.scenario import load_scenario
from sim.scenario.schema import month_index

DEFAULT_RUNS = 50
MAX_NAME = 80


def configure(p) -> None:
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="two or more scenario YAML files (the first is the reference), or two or more sweep "
                        "result folders")
    p.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                   help=f"seeded runs per scenario; default {DEFAULT_RUNS}")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the first run (run i uses seed + i); default 0")
    p.add_argument("--at", default=None, metavar="YYYY-MM[,YYYY-MM...]",
                   help="checkpoint months for the outcome tables (default: three spread over the period)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a model parameter in every scenario, e.g. --set w_blame=4 (repeatable)")
    p.add_argument("--out",
                   help="results folder (default results/compare_<names>/); replaced only on success")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def default_out(names: list[str]) -> Path:
    short = [n.removeprefix("outlook_") for n in names]
    stem = "compare_" + "_vs_".join(short)
    if len(stem) > MAX_NAME:
        stem = f"compare_{short[0]}_vs_{len(short) - 1}_others"
    return Path("results") / stem


def parse_at(text: str | None, common: list[str]) -> list[str] | None:
    if text is None:
        return None
    out = []
    for item in [x.strip() for x in text.split(",") if x.strip()]:
        try:
            month_index(item)
        except ValueError as e:
            raise UsageError(f"--at {item!r}: {e}") from None
        if item not in common:
            raise UsageError(f"--at {item}: not a month every scenario simulates "
                             f"({common[0]} to {common[-1]})")
        out.append(item)
    if not out:
        raise UsageError("--at: expected one or more months written YYYY-MM, separated by commas")
    return sorted(set(out))


def _compare_sweeps(args, folders: list[Path]) -> int:
    """Two or more sweep result folders: hand them to the sweep comparison (sim.sweep.compare)."""
    try:
        module = importlib.import_module("sim.sweep.compare")
    except ModuleNotFoundError as e:
        if e.name and "sim.sweep.compare".startswith(e.name):
            raise UsageError("comparing sweep result folders needs the sweep package (sim.sweep.compare), "
                             "which this installation does not have; give scenario files instead") from None
        raise
    written = module.compare_results(list(folders), Path(args.out) if args.out else None)
    if not args.quiet:
        print(f"sweep comparison written to {written}/")
    return 0


def run(args) -> int:
    from sim.commands.run_command import parse_overrides
    from sim.comparison import collect, differences, figures, outcomes, text

    paths = [Path(p) for p in args.scenarios]
    if len(paths) < 2:
        raise UsageError("compare needs two or more scenario files (or two or more sweep result folders)")
    unique = list(dict.fromkeys(p.resolve() for p in paths))
    if len(unique) < len(paths):  # e.g. a shell pattern that also matches the reference
        paths = [next(p for p in paths if p.resolve() == u) for u in unique]
        if len(paths) < 2:
            raise UsageError("compare needs two or more different scenario files; "
                             "the same file was given twice")
    dirs = [p.is_dir() for p in paths]
    if all(dirs):
        return _compare_sweeps(args, paths)
    if any(dirs):
        mixed = ", ".join(str(p) for p, d in zip(paths, dirs) if d)
        raise UsageError(f"{mixed}: a folder among scenario files; give either scenario files or sweep "
                         "result folders, not both")
    from sim.limits import check_run_months, check_runs
    from sim.outputs.folders import check_destination

    check_runs(args.runs, args.seed)
    overrides = parse_overrides(args.set)  # applied to every scenario alike, over the files' own values
    loaded = [load_scenario(p) for p in paths]
    check_run_months(args.runs, sum(sc.months for sc in loaded))
    names = collect.unique_names(loaded)
    starts = {n: (sc.spec.period.start, sc.spec.period.end) for n, sc in zip(names, loaded)}
    first, last = max(sc.start for sc in loaded), min(sc.end for sc in loaded)
    if first > last:
        periods = "; ".join(f"{n} {a} to {b}" for n, (a, b) in starts.items())
        raise UsageError(f"the scenarios have no month in common ({periods}): "
                         "compare needs overlapping periods")
    out = check_destination(Path(args.out) if args.out else default_out(names))
    seeds = list(range(args.seed, args.seed + args.runs))
    started = now()
    t0 = time.perf_counter()
    say = (lambda msg: None) if args.quiet else (lambda msg: print(msg, flush=True))
    say(f"comparing {len(loaded)} scenarios, {args.runs} run(s) each")
    runs = collect.run_all(loaded, seeds, overrides, progress=lambda n: say(f"  ran {n}"))
    common = collect.common_dates(runs)
    marks = parse_at(args.at, common) or collect.checkpoints(common)
    elapsed = time.perf_counter() - t0

    band = figures.bands(runs)
    inds = [outcomes.indicators(r, marks) for r in runs]
    probs = outcomes.probabilities(runs, inds)
    ever = outcomes.decisions_ever(runs)
    diff_a = [differences.alignment_differences(runs[0], r, marks) for r in runs[1:]]
    diff_o = [differences.outcome_differences(runs[0], r, inds[0], ind) for r, ind in zip(runs[1:], inds[1:])]
    tops = {r.name: differences.top_differences(a, o) for r, a, o in zip(runs[1:], diff_a, diff_o)}
    transients = {r.name: differences.largest_transient(runs[0], r, common) for r in runs[1:]}
    import pandas as pd

    diff_a_df = pd.concat(diff_a, ignore_index=True) if diff_a else pd.DataFrame()
    diff_o_df = pd.concat(diff_o, ignore_index=True) if diff_o else pd.DataFrame()
    top_df = pd.concat(list(tops.values()), ignore_index=True)
    picked = top_df[top_df.kind == "outcome"].sort_values("score", ascending=False, kind="stable")
    top_outcomes = list(dict.fromkeys(picked.outcome))[:12]
    files = [str(p) for p in paths]
    with atomic_folder(out) as tmp:
        band.to_csv(tmp / "bands.csv", index=False, float_format="%.6f")
        allr = pd.concat([r.alignment.assign(scenario=r.name) for r in runs], ignore_index=True)
        allr[["scenario", "run", "seed", "date", "state", "power", "alignment"]].to_parquet(
            tmp / "alignment.parquet", index=False)
        probs.to_csv(tmp / "outcomes.csv", index=False, float_format="%.4f")
        ever.to_csv(tmp / "decisions.csv", index=False, float_format="%.4f")
        diff_a_df.to_csv(tmp / "differences_alignment.csv", index=False, float_format="%.6f")
        diff_o_df.to_csv(tmp / "differences_outcomes.csv", index=False, float_format="%.4f")
        top_df.to_csv(tmp / "top_differences.csv", index=False, float_format="%.4f")
        figures.write_figures(tmp / "figures", band, runs, marks, probs, top_outcomes)
        (tmp / "compare.md").write_text(text.build(runs, marks, band, probs, ever, tops, files, transients))
        manifest = {
            "reference": names[0],
            "scenarios": [{"name": n, "file": f, "title": sc.spec.title, "period": starts[n],
                           "scenario_files": scenario_files(sc), "dropped_events": sc.dropped,
                           "parameters": make_params({**sc.spec.parameters, **overrides})}
                          for n, f, sc in zip(names, files, loaded)],
            "checkpoints": marks,
            "engine": "batch",
            **provenance(started, elapsed, seeds, overrides),
            "files": ["compare.md", "bands.csv", "alignment.parquet", "outcomes.csv", "decisions.csv",
                      "differences_alignment.csv", "differences_outcomes.csv", "top_differences.csv",
                      "figures/"],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    say(f"comparison written to {out}/ (compare.md, figures/, outcomes.csv, differences_*.csv, ...)")
    for name, top in tops.items():
        if len(top):
            say(f"{name} vs {names[0]}: " + "; ".join(top.text.head(3)))
    return 0
