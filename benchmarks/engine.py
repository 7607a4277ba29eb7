"""Throughput of the month step on one process: the batch engine on the replay at several batch sizes, and
one Mesa run of 120 steps, for the current code and, side by side in the same run, for the code before the
compiled kernels (commit 2880c4a) and the code issue 13 measured (commit 7373cc4, the reference of its
targets), each unpacked by ``git archive`` and run with this interpreter.

    .venv/bin/python benchmarks/engine.py [--sizes 1,10,100,1000,2000] [--rounds 2] [--baseline DIR]
                                          [--reference DIR] [--no-reference]

Each code runs its own replay file (the scenario schema has changed since both baselines: 2880c4a's
replay has the same shocks but an older energy-contract rule; 7373cc4's scripted the powers' asks, a
lighter model without the controllers or the trade submodel).

Each measurement runs in a child process (``PYTHONPATH`` set to the code measured), alternately current and
baseline, ``--rounds`` times; the best round counts (the machine is shared). A batch size is timed over
whole runs, engine construction included (what a sweep's chunk pays), for at least half a second; its
runs per second are counted on the child's CPU time, which is one core's; each child first runs one batch of
the size it measures, untimed, so that the kernels have chosen their way (sim.core.rules.kernels: Python for
a few runs, compiled from about 7) and numba's start is paid before the clock runs. The Mesa figure is the
time of ``GreatGameModel(...).run()`` for the replay's 120 months, the model's construction excluded, as a
user's first models run (the kernels as Python), and for the current code also with the kernels forced to
compiled (``GREATGAME_KERNELS=compiled``, as in a process that has run many).

The last line printed is one JSON object:
{"runs_per_s_per_core": ..., "best_batch": ..., "baseline_runs_per_s_per_core": ..., "ratio": ...,
 "mesa_run_ms": ..., "baseline_mesa_run_ms": ..., "reference_runs_per_s_per_core": ..., "reference_ratio": ...,
 "reference_mesa_run_ms": ..., "by_batch": {...}}
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
BASELINE = "2880c4a"  # the code before the compiled kernels
REFERENCE = "7373cc4"  # the code issue 13 measured: its targets are ratios to this
REPLAY = ROOT / "scenarios" / "replay_1999_2008.yaml"
FLOP_PER_RUN_MONTH = 5200  # flop-equivalents of one run-month (count of docs/performance.md)

CHILD = r"""
import json, sys, time
from pathlib import Path
what, arg = sys.argv[1], sys.argv[2]
from sim.scenario.loader import load_scenario
try:  # the layout before sim/core
    from sim.parameters import make_params
except ImportError:
    from sim.core.parameters import make_params
sc = load_scenario(Path(arg))
if what == "mesa":
    from sim.model import GreatGameModel
    GreatGameModel(sc, seed=0).run()  # warm (imports, compiled kernels from the cache)
    times = []
    for seed in range(1, 4):
        m = GreatGameModel(sc, seed=seed)
        t0 = time.process_time()
        m.run()
        times.append(time.process_time() - t0)
    print(json.dumps({"mesa_run_s": min(times), "months": m.world.setup.months}))
else:
    from sim.engine import BatchEngine
    size = int(what)
    row = make_params(dict(sc.spec.parameters))
    # warm at the size measured: a batch this large makes the kernels choose their way (Python for a few runs,
    # compiled from about 7, sim.core.rules.kernels) and pays numba's start before the clock runs
    BatchEngine(sc, [row] * size, list(range(size))).run()
    runs, spent, seed = 0, 0.0, 0
    while spent < 0.5 or runs < size:
        t0 = time.process_time()
        BatchEngine(sc, [row] * size, list(range(seed, seed + size))).run()
        spent += time.process_time() - t0
        runs += size
        seed += size
    print(json.dumps({"runs": runs, "cpu_s": spent}))
"""


def measure(code: Path, what: str, scenario: Path | str = REPLAY, kernels: str | None = None) -> dict:
    """One measurement in a child process that imports ``sim`` from ``code`` (run from that folder: ``python
    -c`` puts its working folder first on the path); a relative ``scenario`` is the code's own file.
    ``kernels``: force the kernels' way (GREATGAME_KERNELS: python or compiled; codes before it ignore it)."""
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    env.pop("GREATGAME_KERNELS", None)
    if kernels:
        env["GREATGAME_KERNELS"] = kernels
    out = subprocess.run([sys.executable, "-c", CHILD, what, str(scenario)], cwd=code, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def clock_ghz() -> float | None:
    try:
        with open("/proc/cpuinfo") as f:
            mhz = [float(line.split(":")[1]) for line in f if line.startswith("cpu MHz")]
        return max(mhz) / 1000.0 if mhz else None
    except OSError:
        return None


def main(argv=None) -> None:
    from _compare import baseline_checkout

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,100,1000,2000")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--baseline", type=Path, default=None, help="a checkout of the baseline code")
    ap.add_argument("--reference", type=Path, default=None, help="a checkout of the reference code (7373cc4)")
    ap.add_argument("--no-reference", action="store_true", help="skip the reference (7373cc4)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    base = args.baseline or baseline_checkout(BASELINE)
    codes = {"current": ROOT, "baseline": base}
    scenario = {"current": REPLAY, "baseline": "scenarios/replay_1999_2008.yaml"}  # each code's own replay
    if not args.no_reference:
        codes["reference"] = args.reference or baseline_checkout(REFERENCE)
        scenario["reference"] = "scenarios/replay_1999_2008.yaml"  # its own replay
    rate = {c: {s: 0.0 for s in sizes} for c in codes}
    mesa = {c: float("inf") for c in codes}
    mesa_compiled = float("inf")  # the current code with its kernels forced to compiled (a process of many models)
    for _ in range(args.rounds):
        for s in sizes:
            for c, code in codes.items():
                r = measure(code, str(s), scenario[c])
                rate[c][s] = max(rate[c][s], r["runs"] / r["cpu_s"])
        for c, code in codes.items():
            mesa[c] = min(mesa[c], measure(code, "mesa", scenario[c])["mesa_run_s"])
        mesa_compiled = min(mesa_compiled, measure(ROOT, "mesa", REPLAY, kernels="compiled")["mesa_run_s"])
    ref = "reference" in codes
    print(f"{'batch size':>10} {'current runs/s':>15} {BASELINE + ' runs/s':>16} {'ratio':>7}"
          + (f" {REFERENCE + ' runs/s':>16} {'ratio':>7}" if ref else ""))
    for s in sizes:
        print(f"{s:>10} {rate['current'][s]:>15,.0f} {rate['baseline'][s]:>16,.1f} "
              f"{rate['current'][s] / rate['baseline'][s]:>6.1f}x"
              + (f" {rate['reference'][s]:>16,.1f} {rate['current'][s] / rate['reference'][s]:>6.1f}x" if ref else ""))
    best = max(sizes, key=lambda s: rate["current"][s])
    best_base = max(sizes, key=lambda s: rate["baseline"][s])
    print(f"Mesa, one run of 120 months: current {mesa['current'] * 1000:.0f} ms, "
          f"{BASELINE} {mesa['baseline'] * 1000:.0f} ms ({mesa['baseline'] / mesa['current']:.1f}x)"
          + (f", {REFERENCE} {mesa['reference'] * 1000:.0f} ms ({mesa['reference'] / mesa['current']:.1f}x)"
             if ref else "")
          + f"; current with compiled kernels {mesa_compiled * 1000:.0f} ms")
    ghz = clock_ghz()
    flops = rate["current"][best] * 120 * FLOP_PER_RUN_MONTH
    limits = {}
    if ghz:  # one scalar operation per cycle, and AVX-512 (8 doubles) x 2 FMA units x 2 flop per cycle
        limits = {"scalar_limit_ratio": round(ghz * 1e9 / flops, 1), "simd_limit_ratio": round(ghz * 32e9 / flops)}
        print(f"{flops / 1e9:.2f} Gflop/s at {FLOP_PER_RUN_MONTH} flop per run-month: "
              f"{limits['scalar_limit_ratio']}x from one scalar operation per cycle at {ghz:.2f} GHz, "
              f"{limits['simd_limit_ratio']}x from the AVX-512 FMA peak")
    print(json.dumps({
        "runs_per_s_per_core": round(rate["current"][best], 1), "best_batch": best,
        "baseline_runs_per_s_per_core": round(rate["baseline"][best_base], 1), "baseline_best_batch": best_base,
        "ratio": round(rate["current"][best] / rate["baseline"][best_base], 2),
        "mesa_run_ms": round(mesa["current"] * 1000, 1), "mesa_compiled_run_ms": round(mesa_compiled * 1000, 1),
        "baseline_mesa_run_ms": round(mesa["baseline"] * 1000, 1),
        **({"reference_commit": REFERENCE, "reference_runs_per_s_per_core": round(max(rate["reference"].values()), 1),
            "reference_ratio": round(rate["current"][best] / max(rate["reference"].values()), 2),
            "reference_mesa_run_ms": round(mesa["reference"] * 1000, 1)} if ref else {}),
        "by_batch": {str(s): {c: round(rate[c][s], 1) for c in codes} for s in sizes},
        **limits,
    }))


if __name__ == "__main__":
    main()
