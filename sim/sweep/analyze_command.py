"""Analyse a sweep's results: python run.py analyze results/replay_uncertainty

Writes RESULTS/analysis/: sensitivity indices of every outcome to every parameter (SALib: Sobol S1 and ST,
Morris mu* and sigma, RBD-FAST S1 for a Latin hypercube), scenario discovery boxes (PRIM) for the sweep's
discovery conditions and any --condition, figures, and analysis.md saying in words which assumptions
drive which outcome.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.cli import UsageError


def configure(p) -> None:
    p.add_argument("results", help="a sweep's result folder, e.g. results/replay_uncertainty")
    p.add_argument("--condition", action="append", default=[], metavar="[NAME:]CONDITION",
                   help="a condition on outcomes for scenario discovery, e.g. "
                        "'k2_kept: k2_open_2006 == 1 and uzb_usa_2005 > 0.5' (repeatable)")
    p.add_argument("--min-coverage", type=float, default=0.5,
                   help="PRIM reports the densest box covering at least this share of the cases (default 0.5)")
    p.add_argument("--out", default=None, help="analysis folder (default RESULTS/analysis/); replaced only on success")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap confidence intervals (default 0)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def parse_cli_conditions(items: list[str], outcomes) -> list[dict]:
    from sim.sweep.conditions import parse_condition

    out = []
    for i, item in enumerate(items):
        name, sep, text = item.partition(":")
        if not sep:
            name, text = f"condition_{i + 1}", item
        name = name.strip()
        if not name.replace("_", "a").isalnum() or not name[:1].isalpha():
            raise UsageError(f"--condition {item!r}: the name before ':' must be letters, digits and _")
        try:
            parse_condition(text, outcomes)
        except ValueError as e:
            raise UsageError(f"--condition {item!r}: {e}") from None
        out.append({"name": name, "condition": text.strip(), "description": None})
    return out


def drawing_processes() -> list:
    """The processes that draw the figures, started (their matplotlib import overlaps reading the store):
    two on a machine with two cores or more (the figures take longer than the indices), else one."""
    from sim.outputs.worker import Worker
    from sim.sweep.figures import PRELOAD

    return [Worker(PRELOAD).start() for _ in range(2 if (os.cpu_count() or 1) > 1 else 1)]


def analyse_folder(folder: Path, conditions: list[dict] | None = None, out: Path | None = None,
                   min_coverage: float = 0.5, seed: int = 0, results=None, workers: list | None = None) -> Path:
    """Analyse a sweep store and write the analysis folder; return its path. ``results``: the store as
    already read (sim.sweep.results.read_results), to read it once.

    The figures are drawn in other processes (sim.outputs.worker; ``workers``, by default started here,
    see drawing_processes): the figures that need only the runs are drawn while the indices and boxes are
    computed."""
    from sim.outputs.folders import check_destination
    from sim.sweep.results import read_results

    res = results if results is not None else read_results(folder)
    check_destination(Path(out) if out else Path(folder) / "analysis")
    if res.ok.empty:
        raise UsageError(f"{folder}: no successful run stored yet; nothing to analyse")
    conds = [{"name": d.name, "condition": d.condition, "description": d.description} for d in res.spec.discovery]
    conds += conditions or []
    seen = set()
    for c in conds:
        if c["name"] in seen:
            raise UsageError(f"two discovery conditions are named {c['name']!r}")
        seen.add(c["name"])
    own = workers is None
    workers = drawing_processes() if own else workers
    try:
        return _analyse(Path(folder), res, conds, out, min_coverage, seed, workers)
    finally:
        if own:
            for w in workers:
                w.close()


def _analyse(folder: Path, res, conds: list[dict], out, min_coverage: float, seed: int, workers: list) -> Path:
    import pandas as pd

    from sim.outputs.writer import atomic_folder
    from sim.sweep import discovery, figures, report, sensitivity
    from sim.sweep.conditions import holds, parse_condition
    from sim.sweep.results import read_timeseries

    spec, ok = res.spec, res.ok
    method = spec.design.method
    out = Path(out) if out else folder / "analysis"
    fig = "sim.sweep.figures"
    with atomic_folder(out) as tmp:
        figdir = tmp / "figures"
        figdir.mkdir()
        # what the figures read, as plain arrays: the drawing processes need no pandas
        drawn = {c: ok[c].to_numpy(dtype=float) for c in [*res.parameters, *res.outcomes]}
        names = ["distributions.png"]
        first, other = workers[0], workers[-1]  # the responses split between them, each outcome its own file
        half = (len(res.outcomes) + 1) // 2 if len(workers) > 1 else len(res.outcomes)
        first.submit(fig, "distributions", drawn, res.outcomes, figdir / "distributions.png", spec.title)
        first.submit(fig, "responses_all", drawn, res.parameters, res.outcomes[:half], figdir, seed=seed)
        if res.outcomes[half:]:
            other.submit(fig, "responses_all", drawn, res.parameters, res.outcomes[half:], figdir, seed=seed)
        names += [f"response_{o}.png" for o in res.outcomes]
        ts = read_timeseries(folder)
        if len(ts):
            other.submit(fig, "paths", figures.path_segments(ts), int(ts.run.nunique()), figdir / "paths.png",
                         spec.title)
            names.append("paths.png")
        sens, notes = sensitivity.analyse(spec, res.points, res.table, seed=seed)
        noise = {o: sensitivity.noise_share(res.table, o) for o in spec.outcomes} if spec.replications > 1 else {}
        summary = report.summary_table(ok, res.outcomes)
        discoveries, boxes, trajectories = [], [], []
        for c in conds:
            y = holds(parse_condition(c["condition"], spec.outcomes), ok)
            d = discovery.discover(ok, res.parameters, y, min_coverage)
            d.update(c, min_coverage=min_coverage)
            discoveries.append(d)
            chosen = d["boxes"].index(d["box"])
            t = d["trajectory"].assign(condition=c["name"], chosen=d["trajectory"].step == chosen)
            trajectories.append(t)
            for p, (lo, hi) in d["box"].limits.items():
                boxes.append({"condition": c["name"], "parameter": p, "low": lo, "high": hi,
                              "restricted": p in d["restricted"],
                              "density_without": d["density_without"].get(p, float("nan")), "full_low": d["full"][p][0],
                              "full_high": d["full"][p][1], "coverage": d["box"].coverage,
                              "density": d["box"].density, "mass": d["box"].mass})
        if not sens.empty:
            label = {"sobol": "total Sobol index ST", "morris": "mu* / largest mu* of the outcome",
                     "lhs": "first-order index S1 (RBD-FAST)", "grid": "main-effect share"}[method]
            matrix = sensitivity.headline(sens, method, res.outcomes, res.parameters)
            other.submit(fig, "heatmap", matrix.to_numpy(dtype=float), [str(i) for i in matrix.index],
                         [str(c) for c in matrix.columns], figdir / "sensitivity_heatmap.png", label)
            names.append("sensitivity_heatmap.png")
        for d in discoveries:
            if 0 < d["cases"] < d["runs"]:
                t = d["trajectory"]
                other.submit(fig, "peeling", t.coverage.to_numpy(dtype=float), t.density.to_numpy(dtype=float),
                             d["boxes"].index(d["box"]), figdir / f"discovery_{d['name']}.png", d["name"])
                names.append(f"discovery_{d['name']}.png")
        sens.to_csv(tmp / "sensitivity.csv", index=False, float_format="%.6g")
        summary.to_csv(tmp / "outcome_summary.csv", index=False, float_format="%.6g")
        pd.DataFrame(boxes, columns=["condition", "parameter", "low", "high", "restricted", "density_without",
                                     "full_low", "full_high",
                                     "coverage", "density", "mass"]).to_csv(tmp / "discovery_boxes.csv", index=False,
                                                                            float_format="%.6g")
        (pd.concat(trajectories, ignore_index=True) if trajectories else
         pd.DataFrame(columns=["step", "coverage", "density", "mass", "runs", "condition", "chosen"])).to_csv(
            tmp / "discovery_trajectory.csv", index=False, float_format="%.6g")
        (tmp / "analysis.md").write_text(report.build(res, sens, notes, noise, summary, discoveries, names),
                                         encoding="utf-8")
        for w in workers:
            w.wait()
    return out


def run(args) -> int:
    if not 0 < args.min_coverage <= 1:
        raise UsageError(f"--min-coverage {args.min_coverage}: expected a share above 0 and at most 1")
    workers = drawing_processes()  # first: their imports overlap reading the store
    try:
        from sim.sweep.results import read_results
        from sim.sweep.store import StoreError

        try:
            res = read_results(args.results)
        except StoreError as e:
            raise UsageError(str(e)) from None
        conditions = parse_cli_conditions(args.condition, res.spec.outcomes)
        try:
            out = analyse_folder(Path(args.results), conditions, args.out, args.min_coverage, args.seed,
                                 results=res, workers=workers)
        except StoreError as e:
            raise UsageError(str(e)) from None
    finally:
        for w in workers:
            w.close()
    if not args.quiet:
        text = (out / "analysis.md").read_text(encoding="utf-8")
        section = text.split("## Which assumptions drive which outcome", 1)[-1].split("## Scenario discovery")[0]
        print(f"{res.spec.title}: {len(res.ok):,} successful runs analysed")
        print(section.strip())
        print(f"analysis written to {out}/ (analysis.md, sensitivity.csv, figures/)")
    return 0

