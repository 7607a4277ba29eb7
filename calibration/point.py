#!/usr/bin/env python3
"""Point calibration with CMA-ES: the free parameters that fail the fewest calibration checkpoints.

    .venv/bin/python calibration/point.py [--until 2004] [--budget 600] [--seeds 8] [--popsize 12]

The free parameters and their prior ranges come from calibration/free_parameters.yaml. CMA-ES (the ``cma``
package) searches the box of the priors, scaled to [0, 1] per parameter, from the current defaults (or, with
``--from-centre``, from the centre of the priors: a calibration that holds data out should not start where
a calibration on all of it ended). Each
population of candidates is scored in ONE call of the batch engine (every candidate with every seed as one
run of the batch). A candidate's objective (sim.validation.scoring.objective) is the share of the
calibration checkpoints it fails, from each checkpoint's pass rate over the seeds, plus a small term for how
far the failing runs fall short of the checkpoints' bounds. The calibration checkpoints are those of the
seed documents (the UN orderings are held out); ``--until YYYY`` keeps only those dated up to that year
(the early calibration, 1999-2004), which writes point_early.yaml instead of point.yaml.
``--budget`` bounds the number of candidates scored (the defaults' own score counts as one).
``--restarts K`` runs the search K times from the same start with CMA-ES seeds ``--cma-seed`` to
``--cma-seed`` + K - 1, each scoring ``--budget`` - 1 candidates after the start, and keeps the best
candidate of all (what CMA-ES minimises decides): on a noisy objective one search can settle early on a
poorer point.
``--prior-weight`` (default 0.02) adds that weight times the mean squared distance of a candidate from the
centre of the priors (in the scaled box: 0 at the centre, 1 at a corner) to what CMA-ES minimises: a
parameter the checkpoints do not constrain (the regime pull before the revolutions of 2003-2005, in the
early calibration) stays near the centre of its prior instead of wandering to wherever the search left it.
The result file records the parameters, the objective at the start and at the end, the seeds and the command.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import yaml

from sim.core.parameters import make_params
from sim.free_parameters import DEFAULT_FILE, load_free_parameters
from sim.scenario import load_scenario
from sim.scenario.errors import ScenarioError
from sim.validation.scoring import calibration_checkpoints, objective
from sim.validation.spec import load_validation

CHECKPOINTS = ROOT / "scenarios" / "checkpoints" / "replay_1999_2008.yaml"


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--free", default=str(DEFAULT_FILE), help="the free-parameter file")
    ap.add_argument("--checkpoints", default=str(CHECKPOINTS), help="the validation file (its scenario is run)")
    ap.add_argument("--until", type=int, metavar="YYYY", help="calibrate on checkpoints dated up to this year only")
    ap.add_argument("--budget", type=int, default=600, help="candidates scored in all; default 600")
    ap.add_argument("--seeds", type=int, default=8, help="seeds per candidate; default 8")
    ap.add_argument("--first-seed", type=int, default=1000, help="first calibration seed; default 1000")
    ap.add_argument("--popsize", type=int, default=12, help="CMA-ES population; default 12")
    ap.add_argument("--sigma", type=float, default=0.25, help="initial step, share of each prior range; default 0.25")
    ap.add_argument("--from-centre", action="store_true",
                    help="start from the centre of the priors instead of the current defaults")
    ap.add_argument("--prior-weight", type=float, default=0.02,
                    help="add this weight times the mean squared distance of the candidate from the centre of the "
                         "priors (0 at the centre, 1 at a corner of the box) to the objective, so that what the "
                         "checkpoints do not constrain stays at the priors' centre; default 0.02")
    ap.add_argument("--cma-seed", type=int, default=1, help="seed of CMA-ES's own sampling; default 1")
    ap.add_argument("--restarts", type=int, default=1,
                    help="searches from the same start, with CMA-ES seeds --cma-seed, --cma-seed + 1, ...; the best "
                         "candidate of all is kept; default 1")
    ap.add_argument("--out", help="result file (default calibration/point.yaml, or point_early.yaml with --until)")
    ap.add_argument("--counterfactuals", action="store_true",
                    help="score the counterfactuals' expected effects too (each as one more checkpoint)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    for name in ("budget", "seeds", "popsize", "restarts"):
        if getattr(args, name) < (2 if name == "popsize" else 1):
            ap.error(f"--{name} {getattr(args, name)}: expected a larger whole number")
    if not 0 < args.sigma <= 1:
        ap.error(f"--sigma {args.sigma}: expected a share from 0 to 1")
    if not 0 <= args.prior_weight <= 1:
        ap.error(f"--prior-weight {args.prior_weight}: expected a weight from 0 to 1")
    return args


def calibrate(args) -> dict:
    import cma

    free = load_free_parameters(args.free)
    validation = load_validation(args.checkpoints)
    scenario = load_scenario(validation.resolve(validation.spec.scenario))
    checks = calibration_checkpoints(validation, args.until)
    if not checks:
        raise ScenarioError(str(validation.path), f"no calibration checkpoint dated up to {args.until}")
    base = make_params(scenario.spec.parameters)
    lo, hi = (np.array(b) for b in free.bounds())
    names = free.names
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))

    def full(u):
        x = lo + np.clip(u, 0.0, 1.0) * (hi - lo)
        return free.full({k: float(round(v, 6)) for k, v in zip(names, x)}, base)

    def penalised(score, u) -> float:
        """The objective plus prior_weight x the mean squared distance from the priors' centre, (2u - 1)^2."""
        return float(score["objective"]) + args.prior_weight * float(np.mean((2.0 * np.clip(u, 0.0, 1.0) - 1.0) ** 2))

    x0 = np.clip((np.array([base[k] for k in names]) - lo) / (hi - lo), 0.0, 1.0)
    if args.from_centre:
        x0 = np.full(len(names), 0.5)
    t0 = time.perf_counter()
    cfs = bool(args.counterfactuals) and args.until is None
    start = objective(validation, scenario, [full(x0)], seeds, checks, cfs)[0]  # the start point, in the priors
    evaluated, best_u, best = 1, x0, start
    history, searches = [], []
    for cma_seed in range(args.cma_seed, args.cma_seed + args.restarts):
        # each search scores budget - 1 candidates after the start point's own score
        es = cma.CMAEvolutionStrategy(x0, args.sigma, {"bounds": [0, 1], "popsize": args.popsize,
                                                        "seed": cma_seed, "verbose": -9})
        spent, own_u, own = 1, x0, start
        while spent < args.budget and not es.stop():
            xs = es.ask()
            xs = xs[: args.budget - spent] if args.budget - spent < len(xs) else xs
            scores = objective(validation, scenario, [full(x) for x in xs], seeds, checks, cfs)
            values = [penalised(s, x) for s, x in zip(scores, xs)]
            if len(xs) == es.popsize:
                es.tell(xs, values)
            spent += len(xs)
            evaluated += len(xs)
            i = int(np.argmin(values))
            if values[i] < penalised(own, own_u):
                own_u, own = np.array(xs[i]), scores[i]
            if values[i] < penalised(best, best_u):
                best_u, best = np.array(xs[i]), scores[i]
            history.append(round(float(best["objective"]), 4))
            if not args.quiet:
                print(f"{evaluated}/{1 + args.restarts * (args.budget - 1)} candidates: best objective "
                      f"{best['objective']:.4f} (failed {best['failed_share']:.3f}; {time.perf_counter() - t0:.0f} s)")
        searches.append({"cma_seed": cma_seed, "best": round(float(own["objective"]), 6),
                         "best_minimised": round(penalised(own, own_u), 6)})
    elapsed = time.perf_counter() - t0
    params = full(best_u)
    cps = validation.spec.checkpoints
    return {
        "command": "calibration/point.py " + " ".join(sys.argv[1:] if args.argv is None else args.argv),
        "method": "CMA-ES (cma) over the prior box of the free parameters, scaled to [0, 1]",
        "free_parameters": str(Path(args.free).resolve().relative_to(ROOT)) if Path(args.free).resolve()
        .is_relative_to(ROOT) else str(args.free),
        "checkpoints": f"{len(checks)} calibration checkpoints"
                       + (f" dated up to {args.until}" if args.until else "") + f" of {validation.path.name}",
        "until": args.until,
        "seeds": seeds,
        "budget": args.budget,
        "prior_weight": args.prior_weight,
        "candidates_scored": evaluated,
        "seconds": round(elapsed, 1),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "objective": {"start": round(float(start["objective"]), 6), "best": round(float(best["objective"]), 6),
                      "best_failed_share": round(float(best["failed_share"]), 6),
                      "best_shortfall": round(float(best["shortfall"]), 6),
                      "start_minimised": round(penalised(start, x0), 6),
                      "best_minimised": round(penalised(best, best_u), 6),
                      "best_after_each_population": history},
        "searches": searches,
        "parameters": {k: float(params[k]) for k in names},
        "pass_rates": {cps[i].id: round(float(r), 4) for i, r in zip(checks, best["pass_rates"])},
    }


def main(argv=None) -> int:
    args = parse(argv)
    args.argv = argv
    try:
        result = calibrate(args)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    target = Path(args.out) if args.out else ROOT / "calibration" / ("point_early.yaml" if args.until else "point.yaml")
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text("# Written by calibration/point.py (see docs/validation.md); do not edit.\n"
                   + yaml.safe_dump(result, sort_keys=False))
    tmp.replace(target)
    if not args.quiet:
        print(f"objective {result['objective']['start']:.4f} -> {result['objective']['best']:.4f}; written {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
