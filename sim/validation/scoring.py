"""Score many parameter sets at once: each set runs with the same seeds, all in one batch of the engine.

Used by the calibration (calibration/point.py, calibration/posterior.py): a set's objective is the share of
the calibration checkpoints (those not held out) it fails, optionally with the counterfactuals' expected
effects. The held-out checkpoints (the UN orderings) are never read.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.loader import LoadedScenario
from sim.validation.outcomes import simulate
from sim.validation.spec import LoadedValidation

# --- the calibration's objective (calibration/point.py, calibration/posterior.py) ---------------------------

MARGIN_WEIGHT = 0.1  # weight of the mean shortfall beside the share of checkpoints failed
NEAR_PENALTY = 0.02  # objective added per membership whose starting utility sits within 0.05 of a threshold


def calibration_checkpoints(validation: LoadedValidation, until: int | None = None) -> list[int]:
    """Indices of the checkpoints a calibration scores: those of the groups the file does not hold out
    (the UN orderings are held out) and, with ``until``, only those dated (end of window) up to that year."""
    out = []
    for i, c in enumerate(validation.spec.checkpoints):
        if c.group in validation.spec.holdout.groups:
            continue
        if until is not None and int(c.dated[:4]) > until:
            continue
        out.append(i)
    return out


def run_checkpoints(validation: LoadedValidation, scenario: LoadedScenario, rows: list[dict], seeds: list[int],
                    checks: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Run one batch (one complete parameter dict and one seed per run) and judge the chosen checkpoints.

    Returns passed (N, C) bool and shortfall (N, C): how far a run falls short of a checkpoint's bound (0 when
    it passes or when the kind has no distance; see Checker.margin)."""
    from sim.validation.checkpoints import Checker

    out = simulate(scenario, seeds, param_rows=rows)
    checker = Checker(validation, out.setup)
    cps = validation.spec.checkpoints
    passed = np.stack([checker.evaluate(i, cps[i], out) for i in checks], axis=1)
    short = np.zeros(passed.shape)
    for j, i in enumerate(checks):
        m = checker.margin(i, cps[i], out)
        if m is not None:
            short[:, j] = np.where(passed[:, j], 0.0, np.clip(-m, 0.0, 1.0))
    return passed, short


def counterfactual_rates(validation: LoadedValidation, scenario: LoadedScenario, rows: list[dict],
                         seeds: list[int], n_sets: int) -> np.ndarray:
    """For each set (n_sets, E): the share of its seeds in which each counterfactual expectation of the file
    has the expected sign (sim.validation.counterfactuals.compare), with the replay and each what-if run on
    the same rows and seeds, one batch per scenario."""
    from sim.scenario import load_scenario
    from sim.validation.counterfactuals import compare

    replay = simulate(scenario, seeds, param_rows=rows)
    R = len(seeds) // n_sets
    rates = [[] for _ in range(n_sets)]
    for k, cf in enumerate(validation.spec.counterfactuals):
        what_if = simulate(load_scenario(validation.resolve(cf.scenario)), seeds, param_rows=rows)
        for i in range(n_sets):
            runs = np.arange(i * R, (i + 1) * R)
            rates[i] += [e.share_expected_sign for e in compare(validation, k, replay.subset(runs),
                                                                what_if.subset(runs))]
    return np.array(rates, dtype=float)


def objective(validation: LoadedValidation, scenario: LoadedScenario, sets: list[dict], seeds: list[int],
              checks: list[int], counterfactuals: bool = False) -> list[dict]:
    """Score parameter sets (complete dicts), all sets x seeds in ONE batch of the engine.

    A set's objective is the share of the checkpoints it fails, smoothed by using each checkpoint's pass rate
    over the seeds (1 - mean pass rate), plus MARGIN_WEIGHT x the mean shortfall of the failing runs (so that
    of two sets failing as often, the one nearer the bounds scores better). Lower is better; 0 passes every
    checkpoint in every seed. With ``counterfactuals``, each expected effect of the file's counterfactuals
    counts as one more checkpoint, passed in the share of seeds where its sign is the expected one. Each
    membership whose public utility at the start lies within 0.05 of its threshold adds NEAR_PENALTY: no
    decision may hinge on the hand-set 1999 values (sim.validation.margins.start_proximity)."""
    R = len(seeds)
    rows = [s for s in sets for _ in range(R)]
    passed, short = run_checkpoints(validation, scenario, rows, [sd for _ in sets for sd in seeds], checks)
    passed = passed.reshape(len(sets), R, -1)
    short = short.reshape(len(sets), R, -1)
    cf = (counterfactual_rates(validation, scenario, rows, [sd for _ in sets for sd in seeds], len(sets))
          if counterfactuals else np.zeros((len(sets), 0)))
    near = np.zeros(len(sets))
    if not scenario.spec.continues:
        from sim.validation.margins import start_proximity

        for r in start_proximity(scenario, list(sets)):
            near[r["set"]] += 1
    result = []
    for i in range(len(sets)):
        rate = np.concatenate([passed[i].mean(axis=0), cf[i]])
        failed = float(1.0 - rate.mean())
        shortfall = float(short[i].mean())
        result.append({"objective": failed + MARGIN_WEIGHT * shortfall + NEAR_PENALTY * near[i],
                       "near_thresholds": int(near[i]), "failed_share": failed,
                       "shortfall": shortfall, "pass_rates": rate[:passed.shape[2]],
                       "counterfactual_rates": cf[i]})
    return result
