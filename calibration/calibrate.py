#!/usr/bin/env python3
"""Calibrate the replay's uncertain parameters against the calibration checkpoints and the UN data.

    .venv/bin/python calibration/calibrate.py [--design calibration/design.yaml] [--quick]

The procedure, declared in design.yaml:
1. stage 1: a Latin hypercube of parameter sets over the declared ranges; each set runs the replay with
   the same calibration seeds and is scored (sim.validation.scoring);
2. later stages: new sets drawn around the best sets found so far (each value moved by a normal step,
   a share ``step`` of its range, kept in the range), with the step shrinking stage by stage; sets that
   redraw two parameters at once over their whole range (interactions a one-at-a-time search misses);
   then a coordinate search from each of the best distinct sets (each parameter in turn tried over its range,
   the others held);
3. final: the best distinct candidates of all stages are re-scored with fresh calibration seeds (so the choice
   does not reward luck with a few seeds), and the best of them is chosen.
Held-out checkpoints (2005 on) are computed and written for the record but never used to choose.
Results: calibration/results/stage1.csv, stage2.csv, final.csv and calibration/calibrated.yaml (or, for
a design with its own ``output`` and ``calibrated`` paths, there). A design may ``extends`` another and
override its ``split`` (which checkpoints are held out) and ``score``.
``--final-only`` reuses the stage tables of the last run and redoes only the final choice.
``--quick`` runs a tenth of the sets (to try the procedure) and writes to calibration/results/quick/.
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
import pandas as pd
import yaml
from scipy.stats import qmc

from sim.parameters import BY_NAME
from sim.scenario import load_scenario
from sim.validation.scoring import score_sets
from sim.validation.spec import Holdout, load_validation

CHUNK = 60  # parameter sets per engine batch


def latin_hypercube(ranges: dict[str, tuple[float, float]], n: int, seed: int) -> list[dict]:
    names = list(ranges)
    u = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    lo = np.array([ranges[k][0] for k in names])
    hi = np.array([ranges[k][1] for k in names])
    x = lo + u * (hi - lo)
    return [{k: float(round(v, 6)) for k, v in zip(names, row)} for row in x]


def perturb(parents: pd.DataFrame, ranges: dict, n: int, step: float, seed: int) -> list[dict]:
    """n new sets around the parents (in turn): each value moves by a normal step of sd ``step`` x its range,
    reflected back into the range."""
    rng = np.random.default_rng(seed)
    names = list(ranges)
    lo = np.array([ranges[k][0] for k in names])
    hi = np.array([ranges[k][1] for k in names])
    base = parents[names].to_numpy(dtype=float)
    out = []
    for i in range(n):
        x = base[i % len(base)] + rng.normal(0.0, step, len(names)) * (hi - lo)
        x = np.where(x < lo, 2 * lo - x, x)
        x = np.where(x > hi, 2 * hi - x, x)
        x = np.clip(x, lo, hi)
        out.append({k: float(round(v, 6)) for k, v in zip(names, x)})
    return out


def subspace(parents: pd.DataFrame, ranges: dict, n: int, dims: int, seed: int) -> list[dict]:
    """n new sets from the parents (in turn), each with ``dims`` parameters chosen at random redrawn
    uniformly over their whole range: a search for pairs of parameters that only help together."""
    rng = np.random.default_rng(seed)
    names = list(ranges)
    base = parents[names].to_numpy(dtype=float)
    out = []
    for i in range(n):
        x = dict(zip(names, base[i % len(base)]))
        for k in rng.choice(names, size=dims, replace=False):
            x[k] = float(rng.uniform(*ranges[k]))
        out.append({k: float(round(v, 6)) for k, v in x.items()})
    return out


def distinct(table: pd.DataFrame, ranges: dict, n: int, gap: float = 0.25) -> pd.DataFrame:
    """The first n rows (best first) that differ from every row already kept by more than ``gap`` of the
    range in at least one parameter: candidates that are not near-copies of one another."""
    names = list(ranges)
    span = np.array([ranges[k][1] - ranges[k][0] for k in names])
    kept, rows = [], []
    for i, (_, row) in enumerate(table.iterrows()):
        x = row[names].to_numpy(dtype=float) / span
        if all(np.abs(x - y).max() > gap for y in kept):
            kept.append(x)
            rows.append(i)
            if len(rows) == n:
                break
    return table.iloc[rows]


def coordinate_search(best: dict, ranges: dict, stage: dict, validation, scenario, seeds, score, log, split,
                      name: str) -> pd.DataFrame:
    """Coordinate search from the best set so far: for each parameter in turn, try ``points`` values evenly
    spaced over its range (the others held), keep the best (the current value wins ties); repeat ``rounds``
    times. Returns every set tried."""
    tried = []
    current = None
    for rnd in range(int(stage["rounds"])):
        for k, (lo, hi) in ranges.items():
            values = sorted(set(np.linspace(lo, hi, int(stage["points"])).round(6)) | {best[k]})
            sets = [{**best, k: float(v)} for v in values]
            table = run_stage(f"{name}-{k}", sets, validation, scenario, seeds, score, lambda *_: None, split)
            tried.append(table)
            if current is None:
                current = float(table.score[[v == best[k] for v in values]].iloc[0])
            i = int(table.score.to_numpy().argmax())
            if table.score.iloc[i] > current + 1e-12:
                best, current = dict(sets[i]), float(table.score.iloc[i])
        log(f"{name}: round {rnd + 1} of {stage['rounds']}, best score {current:.3f}")
    out = pd.concat(tried, ignore_index=True)
    out["set"] = [f"{name}-{i}" for i in range(len(out))]
    return out


def read_design(path: Path) -> dict:
    """A design file; ``extends: other.yaml`` takes the other file's keys, this file's own keys winning."""
    design = yaml.safe_load(path.read_text())
    if "extends" in design:
        parent = read_design(path.parent / design.pop("extends"))
        design = {**parent, **design}
    return design


def run_stage(name, sets, validation, scenario, seeds, score, log, split=None) -> pd.DataFrame:
    rows = []
    t0 = time.perf_counter()
    for i in range(0, len(sets), CHUNK):
        chunk = sets[i:i + CHUNK]
        scored = score_sets(validation, scenario, chunk, seeds, tuple(score["un_years"]), score["un_measure"],
                            float(score["un_weight"]), split)
        rows += [{"set": f"{name}-{i + j}", **s, **r} for j, (s, r) in enumerate(zip(chunk, scored))]
        log(f"{name}: {min(i + CHUNK, len(sets))}/{len(sets)} sets, best score so far "
            f"{max(r['score'] for r in rows):.3f} ({time.perf_counter() - t0:.0f} s)")
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--design", default=str(ROOT / "calibration" / "design.yaml"))
    ap.add_argument("--quick", action="store_true", help="a tenth of the sets, results in results/quick/")
    ap.add_argument("--final-only", action="store_true",
                    help="reuse the stage tables of the last run (results/stage*.csv) and redo only the final choice")
    args = ap.parse_args(argv)
    design_path = Path(args.design)
    design = read_design(design_path)
    split = Holdout(**design["split"]) if design.get("split") else None
    validation = load_validation((design_path.parent / design["validation"]).resolve())
    scenario = load_scenario(validation.resolve(validation.spec.scenario))
    ranges = {}
    for name, (lo, hi) in design["parameters"].items():
        p = BY_NAME[name]
        if not (p.low <= lo < hi <= p.high):
            raise SystemExit(f"{design_path}: parameters.{name}: range [{lo}, {hi}] outside [{p.low}, {p.high}]")
        ranges[name] = (float(lo), float(hi))
    first, per_set = int(design["seeds"]["first"]), int(design["seeds"]["per_set"])
    seeds = list(range(first, first + per_set))
    score = design["score"]
    shrink = 10 if args.quick else 1
    out_dir = ROOT / "calibration" / design.get("output", "results") / ("quick" if args.quick else "")
    out_dir.mkdir(parents=True, exist_ok=True)
    log = print
    started = datetime.now(UTC).isoformat(timespec="seconds")

    stages = []
    if args.final_only:  # the search's tables from the last run, then only the final choice
        stages = [pd.read_csv(out_dir / f"stage{n}.csv") for n in range(1, len(design["stages"]) + 1)]
    for n, stage in enumerate(design["stages"] if not args.final_only else [], start=1):
        if stage.get("kind") == "coordinate":
            starts = distinct(pd.concat(stages).sort_values("score", ascending=False), ranges, int(stage["starts"]))
            tables = [coordinate_search({k: float(row[k]) for k in ranges}, ranges, stage, validation, scenario,
                                        seeds, score, log, split, f"stage{n}.{j + 1}")
                      for j, (_, row) in enumerate(starts.iterrows())]
            table = pd.concat(tables, ignore_index=True)
            table.to_csv(out_dir / f"stage{n}.csv", index=False, float_format="%.6g")
            stages.append(table)
            continue
        size = max(10, stage["sets"] // shrink)
        if n == 1:
            sets = latin_hypercube(ranges, size, stage["seed"])
        elif stage.get("kind") == "subspace":
            parents = distinct(pd.concat(stages).sort_values("score", ascending=False), ranges, int(stage["top"]))
            sets = subspace(parents, ranges, size, int(stage["dims"]), stage["seed"])
        else:
            parents = pd.concat(stages).sort_values("score", ascending=False).head(max(2, stage["top"] // shrink))
            sets = perturb(parents, ranges, size, stage["step"], stage["seed"])
        table = run_stage(f"stage{n}", sets, validation, scenario, seeds, score, log, split)
        table.to_csv(out_dir / f"stage{n}.csv", index=False, float_format="%.6g")
        stages.append(table)

    fin = design["final"]
    both = distinct(pd.concat(stages).sort_values("score", ascending=False), ranges, int(fin["candidates"]))
    fresh = list(range(first + per_set, first + per_set + int(fin["seeds"])))
    cands = [{k: float(r[k]) for k in ranges} for _, r in both.iterrows()]
    final = run_stage("final", cands, validation, scenario, fresh, score, log, split)
    final["candidate_of"] = both["set"].to_numpy()
    final = final.sort_values("score", ascending=False)
    final.to_csv(out_dir / "final.csv", index=False, float_format="%.6g")
    best = final.iloc[0]
    result = {
        "chosen": str(best["candidate_of"]),
        "procedure": f"calibration/calibrate.py --design calibration/{design_path.name} (see docs/validation.md)",
        "held_out": (split or validation.spec.holdout).describe(),
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seeds": {"search": seeds, "final": [fresh[0], fresh[-1]]},
        "scores_with_final_seeds": {
            "score": round(float(best["score"]), 4),
            "calibration_pass": round(float(best["calibration_pass"]), 4),
            "un_calibration_years": round(float(best["un_calibration"]), 4),
            "held_out_pass (not used to choose)": round(float(best["held_out_pass"]), 4),
        },
        "parameters": {k: float(round(best[k], 4)) for k in ranges},
    }
    target = out_dir / "calibrated.yaml" if args.quick else ROOT / "calibration" / design["calibrated"]
    target.write_text("# Written by calibration/calibrate.py; the defaults in sim/parameters.py are these values.\n"
                      + yaml.safe_dump(result, sort_keys=False))
    log(f"chosen {result['chosen']}: " + ", ".join(f"{k} {v}" for k, v in result["scores_with_final_seeds"].items()))
    log(f"written {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
