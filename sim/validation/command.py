"""Score a scenario against its dated checkpoints, the UN voting data and its counterfactuals.

    python run.py validate scenarios/replay_1999_2008.yaml --runs 100

Runs the scenario R times (seeds N, N+1, ...), judges every run against the checkpoints of
scenarios/checkpoints/<scenario file name> (or --checkpoints FILE), compares the runs' leaning with the UN
ideal points, runs every counterfactual of the checkpoint file with the same seeds, prints a summary and
writes validation.md, validation.csv, checkpoint_runs.csv, the figure and a manifest to the results folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.cli import UsageError
from sim.core.parameters import make_params
from sim.outputs.manifest import now, provenance, scenario_files, sha256
from sim.outputs.writer import atomic_folder
from sim.scenario import load_scenario

LATE_FROM = 2005  # the UN fit is also reported before and after Andijan (May 2005)


def configure(p) -> None:
    p.add_argument("scenario", help="the scenario to validate, e.g. scenarios/replay_1999_2008.yaml")
    p.add_argument("--runs", type=int, default=100, help="number of seeded runs; default 100")
    p.add_argument("--seed", type=int, default=0, help="seed of the first run (run i uses seed + i); default 0")
    p.add_argument("--checkpoints", help="the checkpoint file (default: scenarios/checkpoints/<scenario file name>)")
    p.add_argument("--out", help="results folder (default results/<scenario name>-validation/)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a model parameter in every run, counterfactuals included (repeatable)")
    p.add_argument("--no-counterfactuals", action="store_true", help="skip the counterfactual runs")
    p.add_argument("--fail-under", type=float, metavar="SHARE",
                   help="exit with code 1 when the mean checkpoint pass rate is below SHARE (0-1)")
    p.add_argument("--posterior", nargs="?", const="calibration/posterior.csv", metavar="FILE",
                   help="draw each run's free parameters from a posterior ensemble (default FILE: "
                        "calibration/posterior.csv), counterfactuals and robustness runs included")
    p.add_argument("--early", metavar="FILE",
                   help="the early calibration (calibration/point_early.yaml): also score the later checkpoints "
                        "with its parameters")
    p.add_argument("--free-parameters", metavar="FILE",
                   help="the free parameters (default calibration/free_parameters.yaml): their priors for the "
                        "by-construction runs and the +-10%% robustness table")
    p.add_argument("--null-runs", type=int, default=50,
                   help="null-world runs with parameters drawn from the priors (by construction); default 50")
    p.add_argument("--robustness-runs", type=int, default=20,
                   help="runs (the first seeds) per +-10%% variant of each free parameter; default 20")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def default_checkpoints(scenario_path: Path) -> Path:
    """scenarios/checkpoints/<name>.yaml beside the scenario's folder (or in it, for a file at the top)."""
    here = scenario_path.resolve().parent
    for folder in (here / "checkpoints", here.parent / "checkpoints"):
        candidate = folder / scenario_path.name
        if candidate.exists():
            return candidate
    return here / "checkpoints" / scenario_path.name


def run(args) -> int:
    from sim.commands.run_command import parse_overrides
    from sim.free_parameters import DEFAULT_FILE as FREE_FILE
    from sim.free_parameters import load_free_parameters
    from sim.limits import check_run_months, check_runs
    from sim.outputs.folders import check_destination
    from sim.posterior import posterior_rows
    from sim.validation import construction, margins, report, scores, trade, undata
    from sim.validation.checkpoints import check_against, evaluate_all, summary
    from sim.validation.counterfactuals import compare
    from sim.validation.figure import write_figure
    from sim.validation.outcomes import simulate
    from sim.validation.spec import load_validation

    check_runs(args.runs, args.seed)
    if args.fail_under is not None and not 0 <= args.fail_under <= 1:
        raise UsageError(f"--fail-under {args.fail_under}: expected a share from 0 to 1")
    for name in ("null_runs", "robustness_runs"):  # bounded like --runs: each is a batch of runs kept in memory
        check_runs(getattr(args, name), args.seed, f"--{name.replace('_', '-')}")
    overrides = parse_overrides(args.set)
    scenario = load_scenario(args.scenario)
    check_run_months(args.runs, scenario.months)
    free = load_free_parameters(args.free_parameters or FREE_FILE)
    early_point = scores.read_point(args.early) if args.early else None
    cp_path = Path(args.checkpoints) if args.checkpoints else default_checkpoints(Path(args.scenario))
    if not cp_path.exists():
        raise UsageError(f"no checkpoint file {cp_path} for {args.scenario}; give one with --checkpoints FILE")
    validation = load_validation(cp_path)
    own = Path(args.scenario).resolve() == validation.resolve(validation.spec.scenario)
    if not own and not args.quiet and validation.spec.counterfactuals and not args.no_counterfactuals:
        print(f"note: {cp_path} judges {validation.spec.scenario}; its counterfactuals are compared with that "
              "scenario only, so they are skipped here")
    whatifs = [(cf, load_scenario(validation.resolve(cf.scenario))) for cf in validation.spec.counterfactuals] \
        if own and not args.no_counterfactuals else []
    absent = frozenset()
    if not own:  # a what-if judged by the replay's record: requests it dropped are decisions never taken
        judged = load_scenario(validation.resolve(validation.spec.scenario))
        absent = frozenset(e.id for e in judged.spec.events) - frozenset(e.id for e in scenario.spec.events)
    check_against(validation, scenario, absent)  # the file's codes and months, before any run
    seeds = list(range(args.seed, args.seed + args.runs))
    out_dir = check_destination(Path(args.out) if args.out else Path("results") / f"{scenario.spec.name}-validation")
    started = now()
    t0 = time.perf_counter()

    base = make_params({**scenario.spec.parameters, **overrides})
    rows, drawn = posterior_rows(args.posterior, scenario, seeds, overrides)
    rows = rows or [base] * len(seeds)
    outcomes, utilities = margins.simulate_utilities(scenario, seeds, rows)
    passed = evaluate_all(validation, outcomes, absent)
    summ = summary(validation, passed)
    checks = report.checkpoint_table(validation, passed)
    spec_years = tuple(validation.spec.un_fit.years)
    powers = tuple(validation.spec.un_fit.powers)
    late = int(validation.spec.holdout.from_month[:4]) if validation.spec.holdout.from_month else LATE_FROM
    four = [s for s in outcomes.setup.states if s != "TKM"]
    fits = {
        "all years": undata.fit(outcomes, powers, spec_years),
        f"{spec_years[0]}-{late - 1}": undata.fit(outcomes, powers, (spec_years[0], late - 1)),
        f"{late}-{spec_years[1]}": undata.fit(outcomes, powers, (late, spec_years[1])),
        "all years, without TKM": {**undata.fit(outcomes, powers, spec_years, four), "states": "without TKM"},
    }
    effects = []
    titles = {}
    for i, (cf, sc) in enumerate(whatifs):
        titles[cf.id] = sc.spec.title
        alt_rows, _ = posterior_rows(args.posterior, sc, seeds, overrides)
        alt = simulate(sc, seeds, param_rows=alt_rows, overrides=overrides)
        effects += compare(validation, validation.spec.counterfactuals.index(cf), outcomes, alt)
    early = scores.early_score(validation, scenario, seeds, base, args.early, early_point) if args.early else None
    construction_rates = construction.by_construction(validation, scenario, free, args.null_runs, args.seed)
    decision_margins = margins.decision_margins(validation, outcomes, utilities)
    near = [] if scenario.spec.continues else margins.start_proximity(scenario, [base])
    few = seeds[:args.robustness_runs]
    robust = margins.robustness(validation, scenario, few, rows[:len(few)], free.names)
    trade_error = trade.trade_share_error(outcomes)
    score_table = scores.score_rows(summ, early, fits["all years"]["rank"], trade_error, construction_rates,
                                    construction.SHARE)
    elapsed = time.perf_counter() - t0

    runs_table = pd.DataFrame({
        "run": np.repeat(np.arange(len(seeds)), len(passed)),
        "seed": np.repeat(seeds, len(passed)),
        "checkpoint": np.tile(list(passed), len(seeds)),
        "passed": np.stack([passed[k] for k in passed], axis=1).reshape(-1),
    })
    with atomic_folder(out_dir) as tmp:
        write_figure(tmp / "un_fit.png", outcomes, powers, spec_years, fits["all years"])
        tidy = report.tidy_csv(validation, checks, summ, fits, effects)
        extra = report.score_rows(score_table, construction_rates, decision_margins, robust)
        pd.concat([tidy, extra], ignore_index=True).to_csv(tmp / "validation.csv", index=False, float_format="%.6f")
        runs_table.to_csv(tmp / "checkpoint_runs.csv", index=False)
        (tmp / "validation.md").write_text(
            report.markdown(validation, scenario.spec.title, seeds, checks, summ, fits, effects, titles, "un_fit.png")
            + "\n".join(scores.markdown(score_table, construction_rates, construction.SHARE, decision_margins, robust,
                                        args.null_runs, len(few))) + "\n"
            + "\n".join(margins.proximity_markdown(near)) + "\n")
        manifest = {
            "scenario": scenario.spec.name,
            "scenario_files": scenario_files(scenario),
            "checkpoints": str(cp_path),
            "counterfactuals": {cf.id: scenario_files(sc) for cf, sc in whatifs},
            "parameters": make_params({**scenario.spec.parameters, **overrides}),
            **provenance(started, elapsed, seeds, overrides),
            **drawn,
            "early_calibration": {"file": str(args.early), "sha256": sha256(Path(args.early))} if args.early else None,
            "free_parameters": {"file": str(free.path), "sha256": sha256(free.path)},
            "files": ["validation.md", "validation.csv", "checkpoint_runs.csv", "un_fit.png"],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if not args.quiet:
        print_summary(scenario.spec.title, len(seeds), checks, summ, fits["all years"], effects, out_dir, elapsed)
        for r in score_table:
            v = r["value"]
            print(f"  {r['id']}: " + (r["description"] if np.isnan(v) else f"{v:.3g} ({r['description']})"))
        print(f"memberships whose starting utility lies within {margins.NEAR} of a threshold: {len(near)}"
              + (" (" + ", ".join(f"{r['state']} {r['org']}" for r in near) + ")" if near else ""))
        fragile = sorted({r["id"] for r in robust if not r["survives"]})
        print(f"decisions that do not survive +-10% on some free parameter: {len(fragile)} of "
              f"{len(decision_margins)}" + (f" ({', '.join(fragile)})" if fragile else ""))
    if args.fail_under is not None and summ["overall"] < args.fail_under:
        return 1
    return 0


def print_summary(title, runs, checks, summ, fit, effects, out_dir, elapsed) -> None:
    print(f"{title}: {runs} run(s) validated in {elapsed:.1f} s")
    print(f"checkpoints passed on average: {100 * summ['overall']:.1f}% "
          f"(calibration {100 * summ['calibration']:.1f}% of {summ['n_calibration']}, "
          f"held out {100 * summ['held_out']:.1f}% of {summ['n_held_out']})")
    weak = checks[checks.pass_rate < 0.9]
    for r in weak.itertuples():
        print(f"  {100 * r.pass_rate:5.1f}%  {r.id}: {r.claim}")
    print(f"fit to UN voting: rank {fit['rank']:.2f}, pooled {fit['pooled']:.2f}, trend {fit['trend']:.2f}")
    for e in effects:
        mark = "ok " if e.holds else "NO "
        print(f"  {mark} {e.counterfactual}: {e.label}: {e.replay:.3f} -> {e.counterfactual_value:.3f} "
              f"({e.difference:+.3f}, expected {e.direction}; {100 * e.share_expected_sign:.0f}% of seeds)")
    print(f"written to {out_dir}/ (validation.md, validation.csv, checkpoint_runs.csv, un_fit.png)")
