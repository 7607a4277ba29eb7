"""The month step's kernels as Python or compiled (sim/core/rules/kernels.py): what each costs a process,
by batch size, and what the threshold ``COMPILE_AT`` of the ``auto`` mode is measured from.

    .venv/bin/python benchmarks/kernel_modes.py [--sizes 1,2,4,8,16,32] [--rounds 3] [--mesa-runs 4]

For each batch size, child processes (one core, ``GREATGAME_KERNELS`` set) run the replay once through the
batch engine from a fresh start, the kernels as Python and compiled alternately, ``--rounds`` times; the
CPU time of the whole batch (engine construction included) is timed from just after the imports, so the
compiled figure includes importing numba and loading the kernels from numba's cache (compiled once
beforehand), what a one-off command pays. The best round counts (the machine is shared). Then the same for
one Mesa model run ``--mesa-runs`` times in one process: its first run (the cold start) and the best of the
others (warm).

The last line is one JSON object: {"by_batch": {N: {"python_s": ..., "compiled_s": ...}}, "break_even_runs":
..., "mesa_first_s": {...}, "mesa_warm_s": {...}, "numba_start_s": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
from pathlib import Path
what, n = sys.argv[1], int(sys.argv[2])
from sim.scenario.loader import load_scenario
from sim.core.parameters import make_params
from sim.core.rules import kernels
sc = load_scenario(Path("scenarios/replay_1999_2008.yaml"))
row = make_params(dict(sc.spec.parameters))
if what == "batch":
    from sim.engine import BatchEngine
    t0 = time.process_time()
    BatchEngine(sc, [row] * n, list(range(n))).run()
    first = time.process_time() - t0
    t0 = time.process_time()
    BatchEngine(sc, [row] * n, list(range(n, 2 * n))).run()
    print(json.dumps({"first_s": first, "warm_s": time.process_time() - t0, "numba": "numba" in sys.modules}))
else:
    from sim.model import GreatGameModel
    times = []
    for seed in range(n):
        m = GreatGameModel(sc, seed=seed)
        t0 = time.process_time()
        m.run()
        times.append(time.process_time() - t0)
    print(json.dumps({"first_s": times[0], "warm_s": min(times[1:] or times), "numba": "numba" in sys.modules}))
"""

def child(what: str, n: int, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GREATGAME_KERNELS": mode, "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, what, str(n)], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,2,4,8,16,32")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mesa-runs", type=int, default=4)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = ("python", "compiled")
    child("batch", 1, "compiled")  # numba's cache filled (compiled once, if it was not)
    best = {n: {m: float("inf") for m in modes} for n in sizes}
    warm = {n: {m: float("inf") for m in modes} for n in sizes}
    mesa_first = dict.fromkeys(modes, float("inf"))
    mesa_warm = dict.fromkeys(modes, float("inf"))
    for _ in range(args.rounds):
        for n in sizes:
            for m in modes:
                r = child("batch", n, m)
                assert r["numba"] == (m == "compiled"), f"numba imported in {m} mode: {r}"
                best[n][m] = min(best[n][m], r["first_s"])
                warm[n][m] = min(warm[n][m], r["warm_s"])
        for m in modes:
            r = child("mesa", args.mesa_runs, m)
            mesa_first[m] = min(mesa_first[m], r["first_s"])
            mesa_warm[m] = min(mesa_warm[m], r["warm_s"])
    start = best[sizes[0]]["compiled"] - warm[sizes[0]]["compiled"]  # the first batch less a second one
    print(f"{'runs':>5} {'python s':>9} {'compiled s':>11} {'ratio':>6}   warm: {'python s':>9} {'compiled s':>11}")
    for n in sizes:
        p, c = best[n]["python"], best[n]["compiled"]
        print(f"{n:>5} {p:9.3f} {c:11.3f} {p / c:5.2f}x         {warm[n]['python']:9.3f} {warm[n]['compiled']:11.3f}")
    even = next((n for n in sizes if best[n]["compiled"] <= best[n]["python"]), None)
    print(f"compiled pays from a batch of {even} runs (first batch of a process, numba's start included)")
    print(f"numba's start (the first batch of {sizes[0]} compiled, less a second one): {start:.3f} s CPU")
    print(f"Mesa model, 120 months: first run python {mesa_first['python']:.3f} s, compiled "
          f"{mesa_first['compiled']:.3f} s; warm python {mesa_warm['python']:.3f} s, compiled "
          f"{mesa_warm['compiled']:.3f} s")
    print(json.dumps({"by_batch": {str(n): {"python_s": round(best[n]["python"], 3),
                                            "compiled_s": round(best[n]["compiled"], 3),
                                            "python_warm_s": round(warm[n]["python"], 3),
                                            "compiled_warm_s": round(warm[n]["compiled"], 3)} for n in sizes},
                      "break_even_runs": even, "numba_start_s": round(start, 3),
                      "mesa_first_s": {m: round(v, 3) for m, v in mesa_first.items()},
                      "mesa_warm_s": {m: round(v, 3) for m, v in mesa_warm.items()}}))


if __name__ == "__main__":
    main()
