"""Shared test helpers: paths, a quiet world to compare against, and a CLI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
REPLAY = SCENARIOS / "replay_1999_2008.yaml"
BASE = SCENARIOS / "base" / "central_asia_1999.yaml"


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python run.py ARGS`` and capture its output."""
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


def write_whatif(tmp_path: Path, name: str, body: str, extends: Path = BASE) -> Path:
    """A scenario file in tmp_path that extends ``extends`` (the quiet 1999 world by default)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {extends}\nname: {name}\n" + body)
    return path


def final_alignment(path: Path, seed: int = 3, until: str | None = None, **overrides) -> np.ndarray:
    """Alignment (S, P) of one batch-engine run at the end of the period, or at the end of month ``until``."""
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario import load_scenario

    sc = load_scenario(path)
    eng = BatchEngine(sc, [make_params({**sc.spec.parameters, **overrides})], [seed])
    while eng.world.step < eng.world.setup.months:
        date = eng.world.setup.date(eng.world.step)
        eng.step()
        if date == until:
            break
    return eng.world.runs.alignment[0].copy()


@pytest.fixture(scope="session")
def replay():
    from sim.scenario import load_scenario

    return load_scenario(REPLAY)
