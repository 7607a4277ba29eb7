"""Throughput of the batch engine against Mesa's batch_run, side by side in one run on this machine.

(a) ``mesa.batch_run`` on GreatGameModel over the replay, with 1 and with all processes (the best counts);
(b) the batch engine through the sweep command (``sim.sweep.runner.run_sweep``, local executor, all cores),
    a Latin-hypercube sweep over four parameters with outcome-only recording.
Then an equivalence check: a sample of the sweep's runs rerun one by one as Mesa models must give the
same outcomes to the bit.

    .venv/bin/python benchmarks/throughput.py [--mesa-runs 16] [--batch-runs 20000]

The last line printed is one JSON object:
{"mesa_runs_per_s": ..., "batch_runs_per_s": ..., "ratio": ..., "identical": true, "peak_rss_mb": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPLAY = ROOT / "scenarios" / "replay_1999_2008.yaml"
SWEPT = {"w_blame": (1.0, 5.0), "w_security": (0.5, 4.0), "alignment_rate": (0.03, 0.2), "base_revoke": (0.2, 0.45)}
OUTCOMES = {
    "uzb_usa_2004": {"kind": "alignment_at", "state": "UZB", "power": "USA", "date": "2004-06"},
    "kgz_rus_2008": {"kind": "alignment_at", "state": "KGZ", "power": "RUS", "date": "2008-12"},
    "uzb_in_csto_2007": {"kind": "member_at", "state": "UZB", "org": "CSTO", "date": "2007-12"},
}


def mesa_throughput(runs: int, processes: int) -> float:
    import mesa

    from sim.model import GreatGameModel

    t0 = time.perf_counter()
    results = mesa.batch_run(GreatGameModel, parameters={"scenario_file": str(REPLAY)}, rng=list(range(runs)),
                             number_processes=processes, max_steps=10_000, data_collection_period=-1,
                             display_progress=False)
    elapsed = time.perf_counter() - t0
    assert len({r["RunId"] for r in results}) == runs
    return runs / elapsed


def sweep_file(folder: Path, runs: int) -> Path:
    import yaml

    spec = {
        "name": "throughput_benchmark",
        "title": "Throughput benchmark",
        "description": "A Latin-hypercube sweep of the replay over four parameters, outcomes only.",
        "scenario": str(REPLAY),
        "parameters": {k: {"low": lo, "high": hi} for k, (lo, hi) in SWEPT.items()},
        "design": {"method": "lhs", "samples": runs, "seed": 1},
        "replications": 1,
        "seed": 0,
        "outcomes": OUTCOMES,
    }
    path = folder / "throughput.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def batch_throughput(runs: int, folder: Path) -> tuple[float, Path]:
    from sim.sweep.runner import run_sweep

    path = sweep_file(folder, runs)
    t0 = time.perf_counter()
    out = run_sweep(path, executor="local", out=folder / "store", progress=False)
    return runs / (time.perf_counter() - t0), out


def equivalence(store: Path, sample: int) -> bool:
    """Rerun a sample of the sweep's runs as single Mesa models and compare their outcomes exactly."""
    import numpy as np
    import pandas as pd

    from sim.model import GreatGameModel

    runs = pd.read_parquet(store / "runs.parquet")
    outcomes = pd.read_parquet(store / "outcomes").set_index("run")
    pick = np.random.default_rng(0).choice(len(runs), size=min(sample, len(runs)), replace=False)
    for i in pick:
        row = runs.iloc[int(i)]
        params = {k: float(row[k]) for k in SWEPT}
        model = GreatGameModel(REPLAY, seed=int(row["seed"]), **params)
        values = {}
        while model.running:
            date = model.date
            model.step()
            st = model.world.setup
            for name, o in OUTCOMES.items():
                if o["date"] == date:
                    s = st.states.index(o["state"])
                    if o["kind"] == "alignment_at":
                        values[name] = float(model.world.runs.alignment[s, st.powers.index(o["power"])])
                    else:
                        values[name] = float(model.world.runs.member[s, st.orgs.index(o["org"])])
        got = outcomes.loc[int(row["run"])]
        for name, v in values.items():
            if float(got[name]) != v:
                print(f"MISMATCH run {row['run']} {name}: sweep {got[name]!r} mesa {v!r}")
                return False
    return True


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mesa-runs", type=int, default=16)
    ap.add_argument("--batch-runs", type=int, default=20_000)
    ap.add_argument("--check", type=int, default=8, help="runs rerun as Mesa models for the equivalence check")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; replay 1999-2008 (120 monthly steps, 8 agents)")
    mesa_rates = {}
    for p in sorted({1, cores}):
        mesa_rates[p] = mesa_throughput(args.mesa_runs, p)
        print(f"(a) mesa.batch_run, number_processes={p}: {mesa_rates[p]:.2f} runs/s ({args.mesa_runs} runs)")
    best_p = max(mesa_rates, key=mesa_rates.get)
    with tempfile.TemporaryDirectory() as tmp:
        rate, store = batch_throughput(args.batch_runs, Path(tmp))
        print(f"(b) batch engine through the sweep command, local executor, {cores} workers: {rate:.0f} runs/s "
              f"({args.batch_runs} runs)")
        same = equivalence(store, args.check)
    ratio = rate / mesa_rates[best_p]
    print(f"ratio (b)/(a, best number_processes={best_p}): {ratio:.0f}x; equivalence on {args.check} runs: {same}")
    print(json.dumps({"mesa_runs_per_s": round(mesa_rates[best_p], 3), "batch_runs_per_s": round(rate, 1),
                      "ratio": round(ratio, 1), "identical": bool(same), "peak_rss_mb": round(peak_rss_mb(), 1)}))


if __name__ == "__main__":
    main()
