"""What the benchmarks share: a checkout of the code as it was (the baseline), timed commands, and checks
that the current code writes the same numbers as the baseline.

The baseline is the commit the performance issue measured (7373cc4), unpacked with ``git archive`` into a
temporary folder and run with this interpreter from that folder, on its own scenario files (the scenario
schema and the replay have changed since: the replay no longer scripts the powers' choices, so the numbers
the two write are compared, but are the same only where the equations are). Each command runs as a child process;
its wall time, CPU time (its own and its children's) and peak resident memory come from ``os.wait4``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "7373cc4"


@dataclass
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the children it waited for
    peak_mb: float  # largest resident set of the process or of one of its children
    returncode: int


def baseline_checkout(commit: str = BASELINE_COMMIT, into: Path | None = None) -> Path:
    """The tree of ``commit`` unpacked into a folder (``git archive``, no worktree); returns the folder."""
    dest = Path(into or tempfile.mkdtemp(prefix=f"greatgame-{commit}-"))
    dest.mkdir(parents=True, exist_ok=True)
    if (dest / "run.py").exists():
        return dest
    archive = dest / ".archive.tar"
    with open(archive, "wb") as f:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit], stdout=f, check=True)
    with tarfile.open(archive) as t:
        t.extractall(dest, filter="data")
    archive.unlink()
    return dest


def timed(args: list[str], code: Path = ROOT, env: dict | None = None, quiet: bool = True) -> Timing:
    """Run ``python <code>/run.py ARGS`` from the folder ``code`` (so relative scenario paths are its own)
    with ``code``'s package first on the path; wall time, CPU time and peak memory."""
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(code)}
    out = subprocess.DEVNULL if quiet else None
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(code / "run.py"), *args], cwd=code, env=full_env, stdout=out,
                            stderr=out)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, proc.returncode)


def median_timing(times: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in times), statistics.median(t.cpu for t in times),
                  max(t.peak_mb for t in times), max(t.returncode for t in times))


def side_by_side(args_for, repeat: int, baseline: Path | None) -> tuple[Timing, Timing | None]:
    """Median timings of the current code and the baseline, run alternately ``repeat`` times each
    (``args_for(code, i)`` gives the arguments of run i), so that both see the same load."""
    cur, base = [], []
    for i in range(repeat):
        cur.append(timed(args_for(ROOT, i)))
        if baseline is not None:
            base.append(timed(args_for(baseline, i), code=baseline))
    bad = [t for t in cur + base if t.returncode != 0]
    if bad:
        raise SystemExit(f"a timed command failed (exit code {bad[0].returncode})")
    return median_timing(cur), (median_timing(base) if base else None)


def same_table(new_folder: Path, old_folder: Path, name: str, float_format: str | None) -> bool:
    """Whether the current table ``name`` (CSV, or parquet written back as CSV with the CSV's decimals)
    is, byte for byte, the baseline's ``name``.csv."""
    import pandas as pd

    old = (old_folder / f"{name}.csv").read_text()
    csv = new_folder / f"{name}.csv"
    if csv.exists():
        return csv.read_text() == old
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(new_folder / f"{name}.parquet")
    parts = [",".join(pf.schema_arrow.names) + "\n"]
    for i in range(pf.num_row_groups):
        df = pf.read_row_group(i).to_pandas()
        parts.append(df.to_csv(index=False, header=False, float_format=float_format))
    if pf.num_row_groups == 0:
        parts = [pd.read_parquet(new_folder / f"{name}.parquet").to_csv(index=False)]
    return "".join(parts) == old


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, load average {load:.1f} at the start"
