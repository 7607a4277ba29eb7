"""Run a scenario R times (seeds N, N+1, ...) and write its tables, figures, report and manifest.

The runs are simulated in chunks and each chunk's tables are appended to the files at once, so memory
stays flat in the number of runs; the report and the figures are made from what ``RunSet`` keeps (every
run's alignments, every decision, run 0's tables). Up to 50 runs the tables are CSV, above that parquet
(``--format``); the per-driver table is whole for up to 50 runs and a summary across runs above that
(``--drivers``). The figures are drawn in a separate process, started first (its matplotlib import overlaps
loading and simulating), which draws their frames from what the scenario tells while the runs are simulated
and is handed their data the moment the last chunk is simulated, while the tables and the report are written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sim.cli import UsageError

# numpy, the model and the scenario loader are imported inside the functions: ``run`` starts its drawing
# process first, so that the drawing process's imports (matplotlib) overlap this one's

CHUNK_RUNS = 250  # runs simulated and written together (the batch engine's speed has levelled off by then)
CHUNK_RUNS_FULL_DRIVERS = 100  # ... when every run's drivers are written (18,000 rows a run for the replay)
CHUNK_RUNS_CSV = 25  # ... when big tables go to CSV (a slow, memory-hungry writer)
FLOAT_FORMATS = {"timeseries": "%.6f", "states": "%.6f", "powers": "%.6f", "drivers": "%.9f",
                 "drivers_summary": "%.9f"}


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
    p.add_argument("--format", choices=["auto", "csv", "parquet"], default="auto",
                   help="tables as CSV or parquet; auto (default): CSV up to 50 runs, parquet above")
    p.add_argument("--drivers", choices=["full", "summary", "none"], default=None,
                   help="full: every run's drivers (drivers.csv); summary: their mean, mean size, min and max "
                        "across runs (drivers_summary); none. Default: full up to 50 runs, summary above")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def parse_overrides(items: list[str]) -> dict[str, float]:
    """``--set NAME=VALUE`` pairs, each checked exactly as a ``parameters:`` entry of a scenario file is
    (sim.core.parameters.check_value: a finite number in the parameter's range, whole for a whole-number one)."""
    from sim.core.parameters import BY_NAME
    from sim.scenario.errors import suggest
    from sim.scenario.values import check_value

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


def chunk_runs(runs: int, fmt: str, drivers: str) -> int:
    """How many runs to simulate and write together."""
    if fmt == "csv":
        return min(runs, max(CHUNK_RUNS_CSV, 1)) if runs > 50 else runs
    return min(runs, CHUNK_RUNS_FULL_DRIVERS if drivers == "full" else CHUNK_RUNS)


def run(args) -> int:
    from sim.limits import check_runs
    from sim.outputs.figures import PRELOAD
    from sim.outputs.worker import Worker

    check_runs(args.runs, args.seed)
    worker = Worker(PRELOAD).start()  # first: its imports (matplotlib) overlap loading and simulating
    try:
        from sim.limits import check_run_months
        from sim.outputs.folders import check_destination
        from sim.outputs.sinks import table_format
        from sim.scenario import load_scenario

        overrides = parse_overrides(args.set)
        fmt = table_format(getattr(args, "format", "auto"), args.runs)
        drivers = getattr(args, "drivers", None) or ("full" if args.runs <= 50 else "summary")

        scenario = load_scenario(args.scenario)
        check_run_months(args.runs, scenario.months)
        out = check_destination(Path(args.out) if args.out else Path("results") / scenario.spec.name)
        # the figures' frames drawn while the runs are simulated (redrawn if the runs' events differ)
        worker.submit("sim.outputs.figures", "prepare_figures", expected_frame(scenario, args.runs))
        return _run(args, scenario, overrides, fmt, drivers, worker, out)
    finally:
        worker.close()


def expected_frame(scenario, runs: int):
    """What the figures will show that is known before simulating (sim.outputs.figures.frame_data): the
    title, the months, the states and powers, the number of runs, and the events the lowest run will have:
    the scenario's dated events, month by month in the order the model applies them (a hazard drawn in it
    would add to them; the figures are then drawn afresh)."""
    import numpy as np

    from sim.codes import STATES
    from sim.outputs.figures import frame_data
    from sim.scenario.schema import month_index, month_text

    spec = scenario.spec
    dates = [month_text(m) for m in range(scenario.start, scenario.end + 1)]
    order = sorted(range(len(spec.events)), key=lambda i: month_index(spec.events[i].date))  # stable
    events = {"run": np.zeros(len(order), dtype=np.int64),
              "date": np.array([month_text(month_index(spec.events[i].date)) for i in order], dtype=object),
              "id": np.array([spec.events[i].id for i in order], dtype=object)}
    return frame_data(spec.title, dates, list(STATES), list(scenario.powers), runs, events)


def _run(args, scenario, overrides: dict, fmt: str, drivers: str, worker, out: Path) -> int:
    from sim.core.parameters import make_params
    from sim.outputs import tables
    from sim.outputs.figures import figure_data
    from sim.outputs.manifest import now, provenance, scenario_files
    from sim.outputs.runset import DriverSummary, RunSet
    from sim.outputs.sinks import TableSink
    from sim.outputs.writer import atomic_folder
    from sim.simulate import run_scenario

    seeds = list(range(args.seed, args.seed + args.runs))
    rows, drawn = None, {}
    if args.posterior:
        from sim.posterior import posterior_rows

        rows, drawn = posterior_rows(args.posterior, scenario, seeds, overrides)
    started = now()
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=args.runs, unit="run", delay=1.0, desc=scenario.spec.name, leave=False)
    progress = WholeRuns(bar) if bar else None
    step = chunk_runs(args.runs, fmt, drivers)
    builders = {"timeseries": tables.timeseries_columns, "states": tables.states_columns,
                "powers": tables.powers_columns, "decisions": tables.decisions_columns,
                "events": tables.events_columns}
    if drivers == "full":
        builders["drivers"] = tables.drivers_columns
    headers = {"decisions": tables.DECISION_COLUMNS, "events": tables.EVENT_COLUMNS}
    files = [str(f) for f in scenario.files]
    elapsed = 0.0
    with atomic_folder(out, checked=False) as tmp:  # checked again just before the swap
        sinks = {name: TableSink(tmp, name, fmt, headers.get(name), FLOAT_FORMATS.get(name),
                                 dictionary_floats=name not in ("timeseries", "drivers")) for name in builders}
        runset = RunSet(args.runs, seeds)
        summary = DriverSummary() if drivers == "summary" else None
        for lo in range(0, args.runs, step):
            chunk_seeds = seeds[lo:lo + step]
            t0 = time.perf_counter()
            rec = run_scenario(scenario, chunk_seeds, overrides, engine=args.engine,
                               progress=progress, param_rows=rows[lo:lo + step] if rows else None)
            elapsed += time.perf_counter() - t0
            built = {name: build(rec, chunk_seeds, lo) for name, build in builders.items()}
            built["refusals"] = tables.refusals_columns(rec, chunk_seeds, lo)
            runset.add(rec, lo, built)
            if lo + step >= args.runs:  # the last chunk: the figures have all they need, draw them now
                st = runset.setup
                worker.submit("sim.outputs.figures", "write_figures", tmp / "figures",
                              figure_data(scenario.spec.title, runset.dates, st.states, st.powers,
                                          runset.alignment, runset.shown_events, runset.decision_columns()))
            for name, sink in sinks.items():
                sink.write(built[name])
            if summary is not None:
                summary.add(rec)
            del rec, built
        if bar:
            bar.close()
        for sink in sinks.values():
            sink.close()
        names = [sinks[n].name for n in ("timeseries", "states", "powers", "decisions", "events")]
        if drivers == "full":
            names.append(sinks["drivers"].name)
            note = f"see {sinks['drivers'].name} for all"
        elif summary is not None:
            sink = TableSink(tmp, "drivers_summary", fmt, None, FLOAT_FORMATS["drivers_summary"])
            sink.write(summary.columns())
            sink.close()
            names.append(sink.name)
            note = f"{sink.name} has them across runs"
        else:
            note = "run with --drivers full to write them all"
        dec = runset.decision_columns()
        run0 = runset.run0
        st = runset.setup
        first, last = runset.medians(0), runset.medians(len(runset.dates) - 1)
        ends = {(s, p): (first[i, j], last[i, j]) for i, s in enumerate(st.states) for j, p in enumerate(st.powers)}
        (tmp / "report.md").write_text(report_text(scenario, run0, dec, seeds, files, runset.refusal_columns(), ends,
                                                   args.runs, note))
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
            "files": names + ["report.md", "figures/"],
        }
        worker.wait()
        manifest["finished"] = now()
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if not args.quiet:
        print_summary(scenario, runset, dec, out, args.runs, elapsed, names)
    return 0


def report_text(scenario, run0: dict, dec, seeds, files, refusals, ends, runs: int, note: str) -> str:
    from sim.outputs import report

    return report.build_report(scenario.spec.title, scenario.spec.description, run0["timeseries"],
                               run0["drivers"], dec, run0["events"], run0["powers"], seeds, files, refusals,
                               ends=ends, runs=runs, drivers_note=note)


def print_summary(scenario, runset, dec, out: Path, runs: int, elapsed: float, names: list[str]) -> None:
    """What a run printed: the median alignments at the end (a table as pandas prints one), run 0's decisions
    counted by kind, the files written."""
    import numpy as np

    st = runset.setup
    dates = runset.dates
    last = dates[-1]
    med = runset.medians(len(dates) - 1)
    print(f"{scenario.spec.title}: {runs} run(s), {dates[0]} to {last}, simulated in {elapsed:.2f} s")
    print(f"alignment in {last} (median across runs):")
    print(text_table(list(st.states), list(st.powers), np.round(med, 2), "state", "power"))
    if len(dec["run"]):
        kinds = dec["decision"][dec["run"] == 0].tolist()
        counts = dict.fromkeys(kinds, 0)
        for k in kinds:
            counts[k] += 1
        by_count = sorted(counts.items(), key=lambda kv: -kv[1])  # stable: ties in the order they first came
        print(f"decisions in run 0: {len(kinds)} (" + ", ".join(f"{k} {v}" for k, v in by_count) + ")")
    shown = ", ".join(n for n in names if n.startswith(("timeseries", "decisions", "drivers")))
    print(f"results written to {out}/ (report.md, figures/, {shown}, ...)")


def text_table(rows: list[str], columns: list[str], values, row_name: str, column_name: str) -> str:
    """A small table of numbers (a numpy array) laid out as pandas prints a DataFrame: the columns' name and
    labels on the first line, the rows' name on the second, each column right-aligned with the decimals its
    values need (at least one), NaN as NaN."""
    import numpy as np

    cols = []
    for j, label in enumerate(columns):
        x = values[:, j]
        finite = x[np.isfinite(x)]
        decimals = max([1] + [len(f"{v:.6f}".rstrip("0").split(".")[1]) for v in finite.tolist()])
        cells = ["NaN" if not np.isfinite(v) else f"{v:.{decimals}f}" for v in x.tolist()]
        width = max(len(label), *(len(c) for c in cells))
        cols.append((label.rjust(width), [c.rjust(width) for c in cells]))
    left = max(len(row_name), len(column_name), *(len(r) for r in rows))
    head = column_name.ljust(left) + "".join("  " + label for label, _ in cols)
    lines = [head, row_name.ljust(len(head))]
    for i, r in enumerate(rows):
        lines.append(r.ljust(left) + "".join("  " + cells[i] for _, cells in cols))
    return "\n".join(lines)


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
