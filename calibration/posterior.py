#!/usr/bin/env python3
"""Posterior of the free parameters by ABC-SMC (pyabc): the parameter sets whose runs fail few checkpoints.

    .venv/bin/python calibration/posterior.py [--population 200] [--generations 1] [--alpha 0.05] [--batch 100]
                                              [--epsilon E] [--seeds N] [--confirm-seeds K]

Priors: uniform over the ranges of calibration/free_parameters.yaml; every other parameter at its default.
A particle is one parameter set; the model simulates it ``--seeds`` times (one seed each, drawn from a
counter so that the result depends only on the options) and its distance is the share of the calibration
checkpoints its runs fail (the seed documents' claims; with ``--until YYYY`` only those dated up to that
year). pyabc's ABC-SMC sets each generation's acceptance threshold at the ``--alpha`` quantile of the last
generation's distances (the first generation's: of a sample from the prior) until ``--generations`` or
``--min-epsilon`` is reached. The default, one generation at the 0.05 quantile, is rejection ABC: every
particle has the same weight. With ``--epsilon`` and ``--confirm-seeds K``, a particle within the threshold on
its ``--seeds`` runs is run K times more and kept only if all its runs together are within it too: a particle
chosen on two runs alone is often one that was lucky on them, and does worse on new seeds. With 15 parameters the importance weights of later generations degenerate
(see the effective sample size in identification.md), so more generations need many more particles. The model runs through
``BatchSampler`` (calibration/batch_sampler.py): ``--batch`` particles at a time in one call of the batch
engine; ``--sampler single`` uses pyabc's single-core sampler instead (one engine call per particle).

Writes calibration/posterior.csv (one row per particle of the last generation: its weight and the free
parameters) and calibration/identification.md (per parameter: posterior mean and sd, the 5-95% interval and
its width as a share of the prior's width), or the paths given with --out and --report.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "calibration"))

import numpy as np
import pandas as pd

from sim.core.parameters import make_params
from sim.free_parameters import DEFAULT_FILE, FreeParameters, load_free_parameters
from sim.scenario import load_scenario
from sim.scenario.errors import ScenarioError
from sim.validation.scoring import calibration_checkpoints, run_checkpoints
from sim.validation.spec import load_validation

CHECKPOINTS = ROOT / "scenarios" / "checkpoints" / "replay_1999_2008.yaml"


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--free", default=str(DEFAULT_FILE), help="the free-parameter file")
    ap.add_argument("--checkpoints", default=str(CHECKPOINTS), help="the validation file (its scenario is run)")
    ap.add_argument("--until", type=int, metavar="YYYY", help="score only checkpoints dated up to this year")
    ap.add_argument("--population", type=int, default=200, help="particles per generation; default 200")
    ap.add_argument("--generations", type=int, default=1, help="most generations; default 1")
    ap.add_argument("--alpha", type=float, default=0.05,
                    help="each threshold is this quantile of the last generation's distances (the first: of a "
                         "sample from the prior); default 0.05")
    ap.add_argument("--epsilon", type=float, default=None,
                    help="the first generation's threshold (a share of checkpoints failed), instead of the --alpha "
                         "quantile of a sample from the prior: rejection ABC at that threshold with one generation")
    ap.add_argument("--min-epsilon", type=float, default=0.0, help="stop when the threshold reaches this; default 0")
    ap.add_argument("--max-simulations", type=int, help="stop after this many particles simulated in all")
    ap.add_argument("--seeds", type=int, default=1, help="runs (seeds) per particle; default 1")
    ap.add_argument("--confirm-seeds", type=int, default=0,
                    help="with --epsilon and one generation: a particle within the threshold on its --seeds runs is "
                         "run this many more times and kept only if all its runs together are within it too; "
                         "default 0 (none)")
    ap.add_argument("--first-seed", type=int, default=100000, help="first seed of the runs; default 100000")
    ap.add_argument("--batch", type=int, default=100, help="particles per engine call; default 100")
    ap.add_argument("--sampler", choices=["batch", "single"], default="batch")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes that run each batch's runs, split between them (the result is the same); "
                         "default 1")
    ap.add_argument("--seed", type=int, default=1, help="seed of pyabc's sampling (numpy); default 1")
    ap.add_argument("--out", default=str(ROOT / "calibration" / "posterior.csv"))
    ap.add_argument("--report", default=str(ROOT / "calibration" / "identification.md"))
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if not 0 < args.alpha <= 1:
        ap.error(f"--alpha {args.alpha}: expected a share above 0, at most 1")
    if args.epsilon is not None and not 0 < args.epsilon <= 1:
        ap.error(f"--epsilon {args.epsilon}: expected a share of checkpoints above 0, at most 1")
    for name in ("population", "generations", "seeds", "batch", "workers"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} {getattr(args, name)}: expected a whole number, 1 or more")
    if args.confirm_seeds < 0:
        ap.error(f"--confirm-seeds {args.confirm_seeds}: expected a whole number, 0 or more")
    if args.confirm_seeds and (args.epsilon is None or args.generations != 1):
        ap.error("--confirm-seeds needs a given threshold (--epsilon) and one generation (rejection ABC): "
                 "later generations' thresholds are not known when their particles are run")
    return args


_WORKER: dict = {}  # in a worker process: the validation, its scenario and the checkpoints scored


def _worker_start(checkpoints: Path, until: int | None) -> None:
    v = load_validation(checkpoints)
    _WORKER.update(validation=v, scenario=load_scenario(v.resolve(v.spec.scenario)),
                   checks=calibration_checkpoints(v, until))


def _worker_passed(rows: list[dict], seeds: list[int]) -> np.ndarray:
    return run_checkpoints(_WORKER["validation"], _WORKER["scenario"], rows, seeds, _WORKER["checks"])[0]


class Model:
    """Simulate parameter sets (dicts of the free parameters) and return each one's share of failed checkpoints."""

    def __init__(self, free: FreeParameters, checkpoints: Path, until: int | None, seeds: int, first_seed: int,
                 confirm: int = 0, epsilon: float | None = None, workers: int = 1):
        """``confirm`` more runs for every set within ``epsilon`` on its first ``seeds`` runs (see evaluate);
        ``workers`` processes share each batch's runs (a run's result depends only on its parameters and seed,
        so the split changes nothing)."""
        self.free = free
        self.validation = load_validation(checkpoints)
        self.scenario = load_scenario(self.validation.resolve(self.validation.spec.scenario))
        self.checks = calibration_checkpoints(self.validation, until)
        if not self.checks:
            raise ScenarioError(str(self.validation.path), f"no calibration checkpoint dated up to {until}")
        self.pool = None
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(workers, initializer=_worker_start, initargs=(checkpoints, until))
            self.workers = workers
        self.base = make_params(self.scenario.spec.parameters)
        self.seeds = seeds
        self.confirm, self.epsilon = confirm, epsilon
        self.next_seed = first_seed
        self.runs = 0
        self.confirmed = 0  # sets run again to confirm them

    def failed(self, fulls: list[dict], runs: int) -> np.ndarray:
        """Each complete parameter set's share of checkpoints failed over ``runs`` runs, each with a new seed."""
        rows, seeds = [], []
        for full in fulls:
            for _ in range(runs):
                rows.append(full)
                seeds.append(self.next_seed)
                self.next_seed += 1
        if self.pool is None or len(rows) < 2 * self.workers:
            passed, _ = run_checkpoints(self.validation, self.scenario, rows, seeds, self.checks)
        else:
            cuts = np.linspace(0, len(rows), self.workers + 1).astype(int)
            parts = [self.pool.submit(_worker_passed, rows[a:b], seeds[a:b]) for a, b in pairwise(cuts)]
            passed = np.concatenate([f.result() for f in parts], axis=0)
        self.runs += len(rows)
        return 1.0 - passed.reshape(len(fulls), runs, -1).mean(axis=(1, 2))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def evaluate(self, sets: list[dict]) -> list[dict]:
        """The share of checkpoints each set fails. With ``confirm``, a set within the threshold on its first
        runs is run ``confirm`` more times and scored on all its runs: a set is then kept only if both its first
        runs and all of them fail at most the threshold, so that a set that was merely lucky on two seeds is
        not kept (rejection ABC on two distances at one threshold; the others are never run again)."""
        fulls = [self.free.full({k: float(s[k]) for k in self.free.names}, self.base) for s in sets]
        failed = self.failed(fulls, self.seeds)
        if self.confirm:
            again = np.flatnonzero(failed <= self.epsilon)
            if again.size:
                more = self.failed([fulls[i] for i in again], self.confirm)
                failed[again] = (failed[again] * self.seeds + more * self.confirm) / (self.seeds + self.confirm)
                self.confirmed += int(again.size)
        return [{"failed": float(f)} for f in failed]


def distance(x, x0) -> float:
    """The share of checkpoints failed (the observed record fails none)."""
    return abs(float(x["failed"]) - float(x0["failed"]))


def identification(free: FreeParameters, df: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: weighted posterior mean, sd, 5% and 95% quantiles, and the 5-95% width over the prior width."""
    w = df["weight"].to_numpy(float)
    w = w / w.sum()
    rows = []
    for p in free.free:
        x = df[p.name].to_numpy(float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        order = np.argsort(x)
        cdf = np.cumsum(w[order])
        q05 = float(x[order][np.searchsorted(cdf, 0.05)])
        q95 = float(x[order][min(np.searchsorted(cdf, 0.95), len(x) - 1)])
        rows.append({"parameter": p.name, "prior_low": p.low, "prior_high": p.high, "mean": mean, "sd": sd,
                     "q05": q05, "q95": q95, "width_share": (q95 - q05) / (p.high - p.low)})
    return pd.DataFrame(rows)


def report(table: pd.DataFrame, record: dict) -> str:
    lines = ["# Identification of the free parameters", "",
             (f"Written by `{record['command']}` on {record['finished']} ({record['seconds']} s). "
              f"ABC-SMC (pyabc {record['pyabc']}), {record['population']} particles, {record['generations_run']} "
              f"generation(s), final threshold {record['epsilon']:.4f} (share of {record['n_checkpoints']} "
              f"calibration checkpoints failed), {record['simulations']} particles simulated "
              f"({record['runs']} runs) in {record['engine_calls']} engine calls."
              + (f" Each particle was run {record['seeds']} times; the {record['confirmed']} within the threshold "
                 f"were run {record['confirm_seeds']} times more and kept only if all their runs together were "
                 "within it too." if record.get("confirm_seeds") else "")), "",
             ((f"The first generation's threshold was given ({record['first_epsilon']:g}); each later one is the "
               if record.get("first_epsilon") is not None else "Each generation's threshold is the ")
              + (f"{record['alpha']:g}-quantile" if record["alpha"] != 0.5
              else "median") + " of the last generation's distances. Effective sample size (ESS, 1 / sum of the "
              "squared normalised weights) of each generation: " + ", ".join(
                  f"{e:.1f} (threshold {x:.3f})" for e, x in zip(record["ess"], record["epsilons"]))
              + f" of {record['population']}. An ESS far below the population means a few particles carry the "
              "weight: the ensemble then says less about the uncertainty than its size suggests."), "",
             ("width: the posterior's 5-95% interval as a share of the prior's range (1: the checkpoints say "
              "nothing about the parameter; small: well identified)."), "",
             "| parameter | prior | posterior mean | sd | 5% | 95% | width |", "|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| `{r.parameter}` | [{r.prior_low:g}, {r.prior_high:g}] | {r.mean:.4g} | {r.sd:.3g} | "
                     f"{r.q05:.4g} | {r.q95:.4g} | {r.width_share:.2f} |")
    return "\n".join(lines) + "\n"


def run(args) -> dict:
    import pyabc
    from batch_sampler import BatchSampler

    free = load_free_parameters(args.free)
    model = Model(free, Path(args.checkpoints), args.until, args.seeds, args.first_seed, args.confirm_seeds,
                  args.epsilon, args.workers)
    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.low, p.high - p.low) for p in free.free})
    if args.sampler == "batch":
        sampler = BatchSampler(model.evaluate, args.batch)
        fn = sampler.model
    else:
        sampler = pyabc.SingleCoreSampler()

        def fn(parameters):
            return model.evaluate([dict(parameters)])[0]
    if args.quiet:
        import logging

        logging.getLogger("ABC").setLevel(logging.WARNING)
    np.random.seed(args.seed)
    t0 = time.perf_counter()
    abc = pyabc.ABCSMC(fn, prior, distance, population_size=args.population, sampler=sampler,
                       eps=pyabc.QuantileEpsilon(alpha=args.alpha, initial_epsilon=(
                           "from_sample" if args.epsilon is None else args.epsilon)))
    with tempfile.TemporaryDirectory() as tmp:
        abc.new("sqlite:///" + str(Path(tmp) / "abc.db"), {"failed": 0.0})
        stop = {"max_total_nr_simulations": args.max_simulations} if args.max_simulations else {}
        try:
            history = abc.run(minimum_epsilon=args.min_epsilon, max_nr_populations=args.generations, **stop)
        finally:
            model.close()
        df, w = history.get_distribution(m=0, t=history.max_t)
        pops = history.get_all_populations()
        eps = float(pops[pops.t == history.max_t].epsilon.iloc[0])
        ess = []  # effective sample size of each generation: 1 / sum of squared normalised weights
        for t in range(history.max_t + 1):
            _, wt = history.get_distribution(m=0, t=t)
            wt = np.asarray(wt, float) / np.sum(wt)
            ess.append(float(1.0 / np.sum(wt ** 2)))
        total = int(history.total_nr_simulations)
        generations = int(history.max_t) + 1
    elapsed = time.perf_counter() - t0
    out = pd.DataFrame({"weight": np.asarray(w, float)})
    for name in free.names:
        out[name] = df[name].to_numpy(float)
    return {"table": out, "free": free, "command": "calibration/posterior.py " + " ".join(
        sys.argv[1:] if args.argv is None else args.argv), "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(elapsed, 1), "pyabc": pyabc.__version__, "population": args.population,
        "generations_run": generations, "epsilon": eps, "ess": ess,
        "epsilons": [float(x) for x in pops[pops.t >= 0].sort_values("t").epsilon], "alpha": args.alpha, "first_epsilon": args.epsilon,
        "n_checkpoints": len(model.checks),
        "simulations": total, "runs": model.runs, "seeds": args.seeds, "confirm_seeds": args.confirm_seeds,
        "confirmed": model.confirmed,
        "engine_calls": sampler.batches if args.sampler == "batch" else model.runs // args.seeds}


def main(argv=None) -> int:
    args = parse(argv)
    args.argv = argv
    try:
        record = run(args)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out, rep = Path(args.out), Path(args.report)
    table = record.pop("table")
    ident = identification(record["free"], table)
    for path, text in ((out, table.to_csv(index=False, float_format="%.8g")), (rep, report(ident, record))):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    if record["ess"][-1] < 0.1 * len(table):
        print(f"warning: the effective sample size is {record['ess'][-1]:.1f} of {len(table)} particles: a few "
              "particles carry the posterior (see docs/validation.md, section 8)", file=sys.stderr)
    if not args.quiet:
        print(f"{len(table)} particles (ESS {record['ess'][-1]:.1f}), threshold {record['epsilon']:.4f}, "
              f"{record['simulations']} particles "
              f"simulated in {record['seconds']} s; written {out} and {rep}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
