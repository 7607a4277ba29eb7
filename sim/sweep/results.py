"""Read a sweep's result folder back: one table of runs joined with their outcomes, and the sweep itself.

    res = read_results("results/replay_uncertainty")
    res.table        # one row per stored run: run, point, replication, seed, parameters, status, error, outcomes
    res.ok           # the runs that succeeded
    res.spec         # the sweep (parameters, design, outcomes, discovery), from the copy kept in the folder
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.scenario.errors import ScenarioError
from sim.sweep.schema import Sweep
from sim.sweep.store import StoreError, SweepStore, read_manifest


@dataclass
class SweepResults:
    folder: Path
    manifest: dict
    spec: Sweep
    points: pd.DataFrame
    table: pd.DataFrame

    @property
    def name(self) -> str:
        return self.manifest["sweep"]

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.parameters)

    @property
    def outcomes(self) -> list[str]:
        return list(self.spec.outcomes)

    @property
    def ok(self) -> pd.DataFrame:
        return self.table[self.table.status == "ok"]

    @property
    def complete(self) -> bool:
        return self.manifest.get("status") == "complete" and len(self.table) == self.manifest["runs"]


def read_results(folder: str | Path) -> SweepResults:
    """Read a sweep store; raise StoreError when the folder is not one."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder}: is a file, not a sweep's result folder")
    if not folder.is_dir():
        raise StoreError(f"{folder}: no such folder")
    manifest = read_manifest(folder)
    if not isinstance(manifest, dict) or manifest.get("kind") != "sweep":
        raise StoreError(f"{folder} holds the results of a single scenario, not of a sweep")
    n_runs, size = manifest.get("runs"), manifest.get("chunk_size")
    if not (isinstance(n_runs, int) and isinstance(size, int) and n_runs >= 0 and size >= 1):
        raise StoreError(f"{folder}/manifest.json: damaged (no number of runs or chunk size)")
    repair = (f"; give the sweep command again (python run.py sweep {manifest.get('sweep_file', 'SWEEP_FILE')} "
              f"--out {folder}) to run the damaged chunks again")
    problems = SweepStore(folder).check_parts(n_runs, size)
    if problems:
        first = sorted(problems.items())
        listing = "; ".join(why for _, why in first[:3]) + (f"; and {len(first) - 3} more" if len(first) > 3 else "")
        raise StoreError(f"{folder}: the store does not match its manifest: {listing}{repair}")
    try:
        from sim.scenario.yamlfile import read_yaml

        data, _ = read_yaml(folder / "sweep.yaml")
        spec = Sweep.model_validate(data)
        points = pd.read_parquet(folder / "points.parquet")
        runs = pd.read_parquet(folder / "runs.parquet")
        parts = folder / "outcomes"
        if parts.exists() and any(parts.glob("part-*.parquet")):
            outcomes = pd.read_parquet(parts)
        else:
            outcomes = pd.DataFrame({"run": pd.Series([], dtype="int64"), "status": [], "error": []})
    except ScenarioError as e:
        raise StoreError(f"{folder}: the store's sweep.yaml is damaged ({e})") from None
    except Exception as e:  # noqa: BLE001 - pyarrow, pydantic, OS errors: a damaged store, in words
        raise StoreError(f"{folder}: the store is damaged ({type(e).__name__}: {str(e)[:200]})") from None
    if "run" not in runs or "run" not in outcomes:
        raise StoreError(f"{folder}: the store is damaged (a table has no 'run' column)")
    table = runs.merge(outcomes, on="run", how="inner").sort_values("run", kind="stable").reset_index(drop=True)
    return SweepResults(folder, manifest, spec, points, table)


def read_timeseries(folder: str | Path) -> pd.DataFrame:
    """The kept runs' monthly alignments (run, date, state, power, alignment), or an empty table."""
    parts = Path(folder) / "timeseries"
    if not parts.exists() or not any(parts.glob("part-*.parquet")):
        return pd.DataFrame(columns=["run", "date", "state", "power", "alignment"])
    try:
        table = pd.read_parquet(parts)
    except Exception as e:  # noqa: BLE001 - a damaged part, in words
        raise StoreError(f"{folder}: a time-series part is damaged ({type(e).__name__}: {str(e)[:200]})") from None
    return table.sort_values(["run", "date", "state", "power"], kind="stable").reset_index(drop=True)
