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

The store knows what each part holds: as a part is written, its chunk, its run ids and the sha256 of its
files are appended to ``parts.jsonl`` and gathered into the manifest's ``parts``. A part is trusted only
when it matches its record and holds exactly its chunk's run ids: a continued sweep runs the others again
(repair), ``analyze`` and ``compare`` refuse the store and say which part is wrong. One sweep at a time
writes a store: it holds the lock ``.lock`` (which says who holds it: process id, machine, start time) until
it stops; a lock whose process is gone is taken over.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PART = re.compile(r"^part-(\d{6})\.parquet$")
OURS = {"manifest.json", "sweep.yaml", "points.parquet", "runs.parquet", "outcomes", "timeseries", "analysis",
        "parts.jsonl"}
LOCK = ".lock"


class StoreError(Exception):
    """The folder cannot hold (or does not hold) this sweep's results; the message says why."""


def write_parquet(df: pd.DataFrame, path: Path) -> str:
    """Write a table atomically: to a hidden temporary file, then rename it into place. Returns its sha256."""
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
    digest = file_sha256(tmp)
    os.replace(tmp, path)
    return digest


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class StoreLocked(Exception):
    """Another process holds the store's lock."""


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
    except OSError as e:
        raise StoreError(f"{path}: cannot be read ({e.strerror})") from None


class SweepStore:
    """Read and write one sweep's result folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._lock_fd: int | None = None

    # --- the lock: one writer at a time -------------------------------------------------------------
    def acquire_lock(self) -> None:
        """Take the store's lock or raise StoreError naming who holds it. The lock is an advisory lock
        (flock) on ``.lock``: the kernel releases it when its process dies, so a stale lock is taken over."""
        import fcntl

        from sim.outputs.manifest import command_line, now

        if self._lock_fd is not None:
            return
        path = self.folder / LOCK
        for _ in range(10):
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read_lock(fd)
                os.close(fd)
                raise StoreError(f"{self.folder} is being written by another sweep ({holder}); wait for it to "
                                 "finish, or stop it and give the command again") from None
            try:  # the file may have been removed by its holder between our open and our lock
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            info = {"pid": os.getpid(), "host": socket.gethostname(), "started": now(), "command": command_line()}
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(info).encode())
            self._lock_fd = fd
            return
        raise StoreError(f"{self.folder}: could not take the lock {path}")

    def release_lock(self) -> None:
        if self._lock_fd is None:
            return
        try:
            (self.folder / LOCK).unlink(missing_ok=True)
        finally:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- creating or resuming ----------------------------------------------------------------------
    def open(self, manifest: dict, sweep_text: str, points: pd.DataFrame, runs: pd.DataFrame) -> bool:
        """Prepare the folder for ``manifest``'s sweep. Returns True when it resumes an earlier start.

        A folder that holds another sweep (a different fingerprint) or anything that is not a sweep store
        is refused with a StoreError, never overwritten.
        """
        f = self.folder
        if (f / "manifest.json").exists():
            old = read_manifest(f)
            if not isinstance(old, dict) or old.get("kind") != "sweep":
                raise StoreError(f"{f} holds other results (not a sweep); choose another folder with --out")
            if old.get("fingerprint") != manifest["fingerprint"]:
                raise StoreError(f"{f} holds the results of a different sweep (or of this sweep before its file or "
                                 "scenario changed); choose another folder with --out, or delete that folder to "
                                 "start again")
            if old.get("chunk_size") != manifest["chunk_size"]:
                raise StoreError(f"{f} was started with chunks of {old.get('chunk_size')} runs; continue it with "
                                 f"--chunk-size {old.get('chunk_size')} (or leave the option out)")
            self.acquire_lock()
            self.remove_temporary()
            return True
        if f.exists() and any(p.name not in OURS and not p.name.startswith(".") for p in f.iterdir()):
            raise StoreError(f"{f} already holds files that are not a sweep's results; choose another folder with --out")
        from sim.outputs.folders import new_folder_mode

        f.mkdir(parents=True, exist_ok=True, mode=new_folder_mode())
        self.acquire_lock()
        if (f / "manifest.json").exists():  # another start made it while we waited: check it again
            self.release_lock()
            return self.open(manifest, sweep_text, points, runs)
        (f / "outcomes").mkdir(parents=True, exist_ok=True)
        (f / "parts.jsonl").unlink(missing_ok=True)
        if manifest.get("timeseries_runs"):
            (f / "timeseries").mkdir(exist_ok=True)
        for d in ("outcomes", "timeseries"):  # leftovers of a start killed before its manifest was written
            for p in (f / d).glob("part-*.parquet") if (f / d).exists() else []:
                p.unlink()
        write_text(sweep_text, f / "sweep.yaml")
        write_parquet(points, f / "points.parquet")
        if hasattr(runs, "write"):  # a RunPlan: written a block at a time
            runs.write(f / "runs.parquet")
        else:
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
        """Store one chunk: its time series first, its outcomes last (the outcomes part marks it done), then
        its record (run ids and sha256 of both parts) in parts.jsonl."""
        ts_sha = None
        if result.series:
            (self.folder / "timeseries").mkdir(exist_ok=True)
            ts_sha = write_parquet(pd.DataFrame(result.series), self.part("timeseries", result.index))
        ids = np.asarray(result.run_ids, dtype=np.int64)
        table = {"run": ids,
                 "status": np.where(result.failed, "failed", "ok"),
                 "error": np.asarray(result.errors, dtype=object)}
        for name in outcome_names:
            table[name] = np.asarray(result.outcomes[name], dtype=np.float64)
        sha = write_parquet(pd.DataFrame(table), self.part("outcomes", result.index))
        record = {"chunk": int(result.index), "first_run": int(ids[0]) if len(ids) else 0,
                  "runs": len(ids), "sha256": sha, "timeseries_sha256": ts_sha}
        with open(self.folder / "parts.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def part_records(self) -> dict[int, dict]:
        """Chunk -> record of its stored parts: the manifest's ``parts`` updated by parts.jsonl (a line cut
        short by a kill is ignored: its part is then unrecorded and runs again)."""
        records: dict[int, dict] = {}
        try:
            m = read_manifest(self.folder)
            for r in (m.get("parts") or {}).values() if isinstance(m.get("parts"), dict) else []:
                if isinstance(r, dict) and isinstance(r.get("chunk"), int):
                    records[r["chunk"]] = r
        except StoreError:
            pass
        try:
            with open(self.folder / "parts.jsonl", encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(r, dict) and isinstance(r.get("chunk"), int):
                        records[r["chunk"]] = r
        except OSError:
            pass
        return records

    def check_parts(self, n_runs: int, chunk_size: int) -> dict[int, str]:
        """Chunk -> what is wrong with its stored parts, for every chunk whose parts cannot be trusted: a
        part that differs from its recorded sha256, that is unreadable, or that does not hold exactly its
        chunk's run ids; a recorded part that is missing; a time-series part without its outcomes part."""
        records = self.part_records()
        done = self.done_chunks()
        n_chunks = -(-n_runs // chunk_size) if chunk_size else 0
        problems: dict[int, str] = {}
        for i in sorted(done):
            name = f"outcomes/part-{i:06d}.parquet"
            if i >= n_chunks:
                problems[i] = f"{name} belongs to no chunk of this sweep ({n_chunks} chunks)"
                continue
            lo, hi = i * chunk_size, min(n_runs, (i + 1) * chunk_size)
            rec = records.get(i)
            path = self.part("outcomes", i)
            if rec is not None:
                if file_sha256(path) != rec.get("sha256"):
                    problems[i] = f"{name} differs from the sha256 its manifest records (replaced or damaged)"
                    continue
                ts = self.part("timeseries", i)
                if rec.get("timeseries_sha256") and (not ts.exists() or file_sha256(ts) != rec["timeseries_sha256"]):
                    problems[i] = f"timeseries/part-{i:06d}.parquet is missing or differs from its recorded sha256"
                    continue
            try:
                ids = pq.read_table(path, columns=["run", "status"]).column("run").to_numpy()
            except Exception as e:  # noqa: BLE001 - any damage: truncated, random bytes, wrong columns
                problems[i] = f"{name} cannot be read ({type(e).__name__}: {str(e)[:120]})"
                continue
            if len(ids) != hi - lo or not np.array_equal(ids, np.arange(lo, hi)):
                problems[i] = f"{name} does not hold the runs {lo} to {hi - 1} of its chunk"
                continue
            if rec is None and records:
                problems[i] = f"{name} has no record in the manifest (written by a start that was killed, or copied)"
        for i, rec in records.items():
            if i not in done and i < n_chunks:
                problems[i] = f"outcomes/part-{i:06d}.parquet is recorded in the manifest but missing"
        return problems

    def drop_chunks(self, chunks) -> None:
        """Delete the parts of these chunks (they run again)."""
        for i in chunks:
            for kind in ("timeseries", "outcomes"):
                self.part(kind, i).unlink(missing_ok=True)

    def sync_parts(self, manifest: dict) -> None:
        """Gather the records of the stored parts into ``manifest['parts']``, write it, empty parts.jsonl."""
        done = self.done_chunks()
        manifest["parts"] = {f"{i:06d}": r for i, r in sorted(self.part_records().items()) if i in done}
        self.write_manifest(manifest)
        write_text("", self.folder / "parts.jsonl")

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


def _read_lock(fd: int) -> str:
    """Who holds a lock, from the lock file's content, in words."""
    try:
        os.lseek(fd, 0, 0)
        info = json.loads(os.read(fd, 10_000).decode("utf-8", "replace") or "{}")
        return (f"process {info.get('pid')} on {info.get('host')}, started {info.get('started')}: "
                f"{info.get('command', '')}".strip().rstrip(":"))
    except (OSError, ValueError, AttributeError):
        return "a process that has not yet said who it is"
