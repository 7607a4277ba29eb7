"""The result store of a sweep, ``results/<sweep name>/``, written as chunks complete and never lost.

Layout (every table is parquet; read a folder of parts with ``pandas.read_parquet(folder)``):

- ``manifest.json``: what produced the store (sweep and scenario files with their sha256, the design,
  the outcomes, versions), its ``status`` (``running`` or ``complete``) and each start of the command that worked on it;
- ``sweep.yaml``: a copy of the sweep file as it was run;
- ``points.parquet``: one row per design point, the parameter values and their unit coordinates;
- ``runs.parquet``: one row per run: ``run``, ``point``, ``replication``, ``seed`` and every varied
  parameter's value; written whole before the first run, since it follows from the sweep file alone;
- ``outcomes/part-NNNNNN.parquet``: one row per run of chunk NNNNNN: ``run``, ``status`` (ok or failed),
  ``error`` and one column per outcome;
- ``timeseries/part-NNNNNN.parquet``: monthly alignments of the runs the sweep asks to keep.

Every file is written to a hidden temporary name and renamed into place, so a file is either whole or
absent whatever moment the process is killed. A chunk counts as done when its outcomes part exists (its
time-series part is written first). Starting the same sweep again runs only the chunks not done; chunk
contents depend only on the sweep file, so the finished store is the same as an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PART = re.compile(r"^part-(\d{6})\.parquet$")
OURS = {"manifest.json", "sweep.yaml", "points.parquet", "runs.parquet", "outcomes", "timeseries", "analysis"}


class StoreError(Exception):
    """The folder cannot hold (or does not hold) this sweep's results; the message says why."""


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a table atomically: to a hidden temporary file, then rename it into place."""
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
    os.replace(tmp, path)


def write_text(text: str, path: Path) -> None:
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{folder}: no manifest.json, so this is not a sweep's result folder") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StoreError(f"{path}: not a readable manifest ({e})") from None


class SweepStore:
    """Read and write one sweep's result folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    # --- creating or resuming ----------------------------------------------------------------------
    def open(self, manifest: dict, sweep_text: str, points: pd.DataFrame, runs: pd.DataFrame) -> bool:
        """Prepare the folder for ``manifest``'s sweep. Returns True when it resumes an earlier start.

        A folder that holds another sweep (a different fingerprint) or anything that is not a sweep store
        is refused with a StoreError, never overwritten.
        """
        f = self.folder
        if (f / "manifest.json").exists():
            old = read_manifest(f)
            if old.get("kind") != "sweep":
                raise StoreError(f"{f} holds other results (not a sweep); choose another folder with --out")
            if old.get("fingerprint") != manifest["fingerprint"]:
                raise StoreError(f"{f} holds the results of a different sweep (or of this sweep before its file or "
                                 "scenario changed); choose another folder with --out, or delete that folder to "
                                 "start again")
            if old.get("chunk_size") != manifest["chunk_size"]:
                raise StoreError(f"{f} was started with chunks of {old.get('chunk_size')} runs; continue it with "
                                 f"--chunk-size {old.get('chunk_size')} (or leave the option out)")
            self.remove_temporary()
            return True
        if f.exists() and any(p.name not in OURS and not p.name.startswith(".") for p in f.iterdir()):
            raise StoreError(f"{f} already holds files that are not a sweep's results; choose another folder with --out")
        (f / "outcomes").mkdir(parents=True, exist_ok=True)
        if manifest.get("timeseries_runs"):
            (f / "timeseries").mkdir(exist_ok=True)
        for d in ("outcomes", "timeseries"):  # leftovers of a start killed before its manifest was written
            for p in (f / d).glob("part-*.parquet") if (f / d).exists() else []:
                p.unlink()
        write_text(sweep_text, f / "sweep.yaml")
        write_parquet(points, f / "points.parquet")
        write_parquet(runs, f / "runs.parquet")
        self.write_manifest(manifest)  # last: its presence means the folder is ready
        return False

    def remove_temporary(self) -> None:
        """Delete half-written files a killed process left under their temporary names."""
        for d in (self.folder, self.folder / "outcomes", self.folder / "timeseries"):
            if d.exists():
                for p in d.glob(".*.tmp-*"):
                    if p.is_file():
                        p.unlink(missing_ok=True)

    def complete(self, fingerprint: str) -> bool:
        """True when the folder holds this sweep, finished."""
        try:
            m = read_manifest(self.folder)
        except StoreError:
            return False
        return m.get("fingerprint") == fingerprint and m.get("status") == "complete"

    def write_manifest(self, manifest: dict) -> None:
        write_text(json.dumps(manifest, indent=2, default=_jsonable), self.folder / "manifest.json")

    def manifest(self) -> dict:
        return read_manifest(self.folder)

    # --- chunks -----------------------------------------------------------------------------------
    def done_chunks(self) -> set[int]:
        d = self.folder / "outcomes"
        if not d.exists():
            return set()
        return {int(m.group(1)) for p in d.iterdir() if (m := PART.match(p.name))}

    def part(self, kind: str, index: int) -> Path:
        return self.folder / kind / f"part-{index:06d}.parquet"

    def write_chunk(self, result, outcome_names: list[str]) -> None:
        """Store one chunk: its time series first, its outcomes last (the outcomes part marks it done)."""
        if result.series:
            (self.folder / "timeseries").mkdir(exist_ok=True)
            write_parquet(pd.DataFrame(result.series), self.part("timeseries", result.index))
        table = {"run": np.asarray(result.run_ids, dtype=np.int64),
                 "status": np.where(result.failed, "failed", "ok"),
                 "error": np.asarray(result.errors, dtype=object)}
        for name in outcome_names:
            table[name] = np.asarray(result.outcomes[name], dtype=np.float64)
        write_parquet(pd.DataFrame(table), self.part("outcomes", result.index))

    def forget_failed_chunks(self) -> list[int]:
        """Delete the parts of chunks with a failed run, so that they run again; return their indices."""
        redo = []
        for i in sorted(self.done_chunks()):
            status = pq.read_table(self.part("outcomes", i), columns=["status"]).column("status").to_pylist()
            if "failed" in status:
                redo.append(i)
                for kind in ("timeseries", "outcomes"):
                    self.part(kind, i).unlink(missing_ok=True)
        return redo

    def count_status(self) -> tuple[int, int]:
        """(runs stored, runs failed), reading only the status column of each part."""
        done = failed = 0
        for i in self.done_chunks():
            status = pq.read_table(self.part("outcomes", i), columns=["status"]).column("status").to_pylist()
            done += len(status)
            failed += status.count("failed")
        return done, failed

    def remove(self) -> None:
        shutil.rmtree(self.folder)


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"cannot write {type(x).__name__} to the manifest")
