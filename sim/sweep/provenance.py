"""Which version of the model produced a store: a hash of the code and data a run's numbers depend on.

A store started with one version of the model and continued with another would mix two models without a
trace. So the store records this hash, a sweep refuses to continue a store made by other code, and every
chunk checks that the worker computing it (on this machine or on a Dask cluster) runs the same code.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import sim

SIM = Path(sim.__file__).resolve().parent
# everything a run's outcomes depend on: the model's core (rules, step, events, controllers, world and
# start states, the monthly check of the state, random numbers, the parameter registry), the batch engine,
# the shipped data, the scenario schema and loader, the sweep's own designs, outcomes and chunk runner
MODEL_FILES = ("core/*.py", "core/rules/*.py", "engine.py", "continuation.py", "trade_data.py",
               "codes.py", "data_sources.py", "data/*.csv", "scenario/*.py",
               "sweep/designs.py", "sweep/outcomes.py", "sweep/chunks.py", "sweep/schema.py")


def model_files() -> list[Path]:
    files: set[Path] = set()
    for pattern in MODEL_FILES:
        files.update(SIM.glob(pattern))
    return sorted(files)


@lru_cache(maxsize=1)
def model_hash() -> str:
    """sha256 over the model's files (their paths inside sim/ and their bytes), in a fixed order."""
    h = hashlib.sha256()
    for f in model_files():
        h.update(str(f.relative_to(SIM)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()
