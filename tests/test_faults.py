"""Faults: `run` and `sweep` killed with kill -9 at random moments, sweep stores damaged in every way (a part
replaced by a copy of another, truncated, filled with random bytes, deleted), two sweeps on one store.
Results are whole or absent, damaged stores are refused by analyze and compare and repaired by the sweep,
workers die with their sweep, and no temporary folder is left for good (docs/limits.md)."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPLAY, ROOT

from sim.cli import main
from sim.outputs.folders import is_own
from sim.sweep.results import read_results
from sim.sweep.runner import run_sweep
from sim.sweep.store import StoreError

SMALL = ROOT / "tests" / "fixtures" / "sweep_small.yaml"
KILL = ROOT / "tests" / "fixtures" / "sweep_kill.yaml"
RUN = [sys.executable, str(ROOT / "run.py")]


def whole_results(folder: Path) -> bool:
    """A results folder the project wrote, with every file its manifest lists."""
    m = json.loads((folder / "manifest.json").read_text())
    return is_own(folder) and all((folder / f.rstrip("/")).exists() for f in m["files"])


def test_kill_9_of_run_leaves_old_or_new_results_and_no_leftovers(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(REPLAY), "--quiet", "--runs", "2", "--out", str(out)]) == 0
    rng = random.Random(20261201)
    for _ in range(3):
        p = subprocess.Popen(RUN + ["run", str(REPLAY), "--quiet", "--runs", "30", "--seed", "7", "--out", str(out)],
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 8.0))
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert whole_results(out)  # the old results or the new ones, whole
    assert main(["run", str(REPLAY), "--quiet", "--runs", "2", "--out", str(out)]) == 0
    assert whole_results(out)
    assert not [p for p in tmp_path.iterdir() if "greatgame-" in p.name]  # the killed runs' folders are cleaned


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults") / "small"
    run_sweep(SMALL, workers=1, out=folder, progress=False, chunk_size=3)
    return folder


def damage(folder: Path, how: str) -> str:
    parts = folder / "outcomes"
    if how == "copy":
        shutil.copy(parts / "part-000000.parquet", parts / "part-000001.parquet")
        return "part-000001"
    if how == "truncate":
        p = parts / "part-000002.parquet"
        p.write_bytes(p.read_bytes()[:100])
        return "part-000002"
    if how == "random":
        (parts / "part-000003.parquet").write_bytes(np.random.default_rng(1).bytes(3000))
        return "part-000003"
    if how == "delete":
        (parts / "part-000001.parquet").unlink()
        return "part-000001"
    if how == "extra":
        shutil.copy(parts / "part-000000.parquet", parts / "part-000009.parquet")
        return "part-000009"
    raise ValueError(how)


@pytest.mark.parametrize("how", ["copy", "truncate", "random", "delete", "extra"])
def test_a_damaged_store_is_refused_then_repaired(store, tmp_path, how, capsys):
    folder = tmp_path / "small"
    shutil.copytree(store, folder)
    want = read_results(store).table
    name = damage(folder, how)
    with pytest.raises(StoreError, match=name):
        read_results(folder)
    assert main(["analyze", str(folder), "--quiet"]) == 2
    assert main(["compare", str(folder), str(store), "--out", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err
    assert not (tmp_path / "cmp").exists()
    run_sweep(SMALL, workers=1, out=folder, progress=False)  # continuing the sweep repairs it
    got = read_results(folder).table
    assert sorted(got.run) == list(range(12))
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_two_sweeps_on_one_store_and_a_stale_lock(store, tmp_path):
    folder = tmp_path / "small"
    shutil.copytree(store, folder)
    code = ("import sys, time\nfrom sim.sweep.store import SweepStore\n"
            f"SweepStore({str(folder)!r}).acquire_lock()\nprint('locked', flush=True)\ntime.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match=f"process {holder.pid} on "):
            run_sweep(SMALL, workers=1, out=folder, progress=False, retry_failed=True)
    finally:
        holder.kill()
        holder.wait()
    run_sweep(SMALL, workers=1, out=folder, progress=False, retry_failed=True)  # the dead holder's lock is taken
    assert not (folder / ".lock").exists()


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the worker processes")
def test_kill_9_of_a_sweep_ends_its_workers_and_the_sweep_continues(tmp_path):
    folder = tmp_path / "kill"
    p = subprocess.Popen(RUN + ["sweep", str(KILL), "--workers", "2", "--chunk-size", "10", "--out", str(folder),
                                "--quiet"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    workers: list[int] = []
    while time.time() < deadline and p.poll() is None:
        workers = children(p.pid) or workers
        if list((folder / "outcomes").glob("part-*.parquet")) if (folder / "outcomes").exists() else []:
            break
        time.sleep(0.2)
    assert p.poll() is None, "the sweep finished before it could be killed"
    workers = children(p.pid) or workers
    assert workers
    p.send_signal(signal.SIGKILL)
    p.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(alive(w) for w in workers), "worker processes outlived their sweep"
    run_sweep(KILL, workers=1, out=folder, progress=False)
    res = read_results(folder)
    assert res.complete and sorted(res.table.run) == list(range(120))
