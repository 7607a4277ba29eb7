"""Run a scenario R times (seeds N, N+1, ...) and write its tables, figures, report and manifest."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sim.cli import UsageError
from sim.limits import check_run_months, check_runs
from sim.outputs import figures, report, tables
from sim.outputs.folders import check_destination
from sim.outputs.manifest import now, provenance, scenario_files
from sim.outputs.writer import atomic_folder
from sim.parameters import BY_NAME, make_params
from sim.scenario import load_scenario
from sim.scenario.values import check_value


def configure(p) -> None:
    p.add_argument("scenario", help="a scenario YAML file, e.g. scenarios/replay_1999_2008.yaml")
    p.add_argument("--seed", type=int, default=0, help="seed of the first run (run i uses seed + i); default 0")
    p.add_argument("--runs", type=int, default=1, help="number of seeded runs; default 1")
    p.add_argument("--out", help="results folder (default results/<scenario name>/); replaced only on success")
    p.add_argument("--engine", choices=["batch", "mesa"], default="batch",
                   help="batch: all runs at once as arrays (default); mesa: one Mesa model per run (same results)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a model parameter, e.g. --set w_blame=4 (repeatable)")
    p.add_argument("--posterior", nargs="?", const="calibration/posterior.csv", metavar="FILE",
                   help="draw each run's free parameters from a posterior ensemble (default FILE: "
                        "calibration/posterior.csv); --set still applies on top")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def parse_overrides(items: list[str]) -> dict[str, float]:
    """``--set NAME=VALUE`` pairs, each checked exactly as a ``parameters:`` entry of a scenario file is
    (sim.parameters.check_value: a finite number in the parameter's range, whole for a whole-number one)."""
    from sim.scenario.errors import suggest

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise UsageError(f"--set {item!r}: expected NAME=VALUE")
        if name not in BY_NAME:
            raise UsageError(f"--set {item!r}: unknown parameter {name!r}{suggest(name, BY_NAME)}; see docs/odd.md "
                             "for the list")
        try:
            v = float(value)
        except ValueError:
            raise UsageError(f"--set {item!r}: expected a number, got {value!r}") from None
        problem = check_value(name, v)
        if problem:
            raise UsageError(f"--set {item!r}: {problem}")
        out[name] = int(v) if BY_NAME[name].integer else v
    return out


def run(args) -> int:
    from sim.posterior import posterior_rows
    from sim.simulate import run_scenario

    check_runs(args.runs, args.seed)
    overrides = parse_overrides(args.set)
    scenario = load_scenario(args.scenario)
    check_run_months(args.runs, scenario.months)
    out = check_destination(Path(args.out) if args.out else Path("results") / scenario.spec.name)
    seeds = list(range(args.seed, args.seed + args.runs))
    rows, drawn = posterior_rows(args.posterior, scenario, seeds, overrides)
    started = now()
    t0 = time.perf_counter()
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=args.runs, unit="run", delay=1.0, desc=scenario.spec.name, leave=False)
    rec = run_scenario(scenario, seeds, overrides, engine=args.engine, progress=WholeRuns(bar) if bar else None,
                       param_rows=rows)
    if bar:
        bar.close()
    elapsed = time.perf_counter() - t0
    ts = tables.timeseries(rec, seeds)
    drv = tables.drivers(rec, seeds)
    dec = tables.decisions(rec, seeds)
    evs = tables.events(rec, seeds)
    pw = tables.powers(rec, seeds)
    files = [str(f) for f in scenario.files]
    with atomic_folder(out, checked=False) as tmp:
        ts.to_csv(tmp / "timeseries.csv", index=False, float_format="%.6f")
        tables.states(rec, seeds).to_csv(tmp / "states.csv", index=False, float_format="%.6f")
        pw.to_csv(tmp / "powers.csv", index=False, float_format="%.6f")
        dec.to_csv(tmp / "decisions.csv", index=False)
        evs.to_csv(tmp / "events.csv", index=False)
        drv.to_csv(tmp / "drivers.csv", index=False, float_format="%.9f")
        figures.write_figures(tmp / "figures", ts, evs, dec, scenario.spec.title)
        (tmp / "report.md").write_text(report.build_report(
            scenario.spec.title, scenario.spec.description, ts, drv, dec, evs, pw, seeds, files,
            tables.refusals(rec, seeds)))
        manifest = {
            "scenario": scenario.spec.name,
            "scenario_files": scenario_files(scenario),
            "dropped_events": scenario.dropped,
            "inherited_events_outside_period": scenario.outside_period,
            "period": {"start": scenario.spec.period.start, "end": scenario.spec.period.end},
            "engine": args.engine,
            "parameters": make_params({**scenario.spec.parameters, **overrides}),
            **provenance(started, elapsed, seeds, overrides),
            **drawn,
            "files": ["timeseries.csv", "states.csv", "powers.csv", "decisions.csv", "events.csv", "drivers.csv",
                      "report.md", "figures/"],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if not args.quiet:
        print_summary(scenario, ts, dec, out, args.runs, elapsed)
    return 0


def print_summary(scenario, ts, dec, out: Path, runs: int, elapsed: float) -> None:
    last = ts.date.max()
    end = ts[ts.date == last].groupby(["state", "power"], sort=False).alignment.median().unstack()
    print(f"{scenario.spec.title}: {runs} run(s), {ts.date.min()} to {last}, simulated in {elapsed:.2f} s")
    print(f"alignment in {last} (median across runs):")
    print(end.round(2).to_string())
    if len(dec):
        d0 = dec[dec.run == 0]
        print(f"decisions in run 0: {len(d0)} ("
              + ", ".join(f"{k} {v}" for k, v in d0.decision.value_counts().items()) + ")")
    print(f"results written to {out}/ (report.md, figures/, timeseries.csv, decisions.csv, drivers.csv, ...)")


class WholeRuns:
    """Feed a progress bar whole runs: the batch engine reports fractions of runs (every run advances a
    month at a time), which the bar would print as 179.99999999999986/200."""

    def __init__(self, bar):
        self.bar, self.done, self.shown = bar, 0.0, 0

    def __call__(self, runs: float) -> None:
        self.done += runs
        whole = min(int(self.done + 1e-6), int(self.bar.total))
        if whole > self.shown:
            self.bar.update(whole - self.shown)
            self.shown = whole
