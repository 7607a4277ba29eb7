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
import yaml

from sim.sweep.schema import Sweep
from sim.sweep.store import StoreError, read_manifest


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
    if not folder.is_dir():
        raise StoreError(f"{folder}: no such folder")
    manifest = read_manifest(folder)
    if manifest.get("kind") != "sweep":
        raise StoreError(f"{folder} holds the results of a single scenario, not of a sweep")
    try:
        spec = Sweep.model_validate(yaml.safe_load((folder / "sweep.yaml").read_text(encoding="utf-8")))
        points = pd.read_parquet(folder / "points.parquet")
        runs = pd.read_parquet(folder / "runs.parquet")
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise StoreError(f"{folder}: the store is damaged ({e})") from None
    parts = folder / "outcomes"
    if parts.exists() and any(parts.glob("part-*.parquet")):
        outcomes = pd.read_parquet(parts)
    else:
        outcomes = pd.DataFrame({"run": pd.Series([], dtype="int64"), "status": [], "error": []})
    table = runs.merge(outcomes, on="run", how="inner").sort_values("run", kind="stable").reset_index(drop=True)
    return SweepResults(folder, manifest, spec, points, table)


def read_timeseries(folder: str | Path) -> pd.DataFrame:
    """The kept runs' monthly alignments (run, date, state, power, alignment), or an empty table."""
    parts = Path(folder) / "timeseries"
    if not parts.exists() or not any(parts.glob("part-*.parquet")):
        return pd.DataFrame(columns=["run", "date", "state", "power", "alignment"])
    return pd.read_parquet(parts).sort_values(["run", "date", "state", "power"], kind="stable").reset_index(drop=True)
