"""Running sweeps: every executor and worker count gives the same store; a sweep killed with kill -9 and
started again ends with the same store as an uninterrupted one; a failing run is recorded and the sweep
goes on; a worker process that dies has its chunk sent again; a folder of another sweep is never touched."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from fixtures.sweep_workers import Task, always_die, die_once

from sim.cli import main
from sim.sweep import chunks
from sim.sweep.executors import ChunkLost, ProcessExecutor
from sim.sweep.results import read_results, read_timeseries
from sim.sweep.runner import run_sweep

SMALL = ROOT / "tests" / "fixtures" / "sweep_small.yaml"
KILL = ROOT / "tests" / "fixtures" / "sweep_kill.yaml"


def outcomes(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "outcomes").sort_values("run").reset_index(drop=True)


def same_store(a: Path, b: Path) -> None:
    """The data of two stores are identical to the bit (manifests differ only in their history)."""
    for name in ("runs.parquet", "points.parquet", "sweep.yaml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    pd.testing.assert_frame_equal(outcomes(a), outcomes(b), check_exact=True)
    pd.testing.assert_frame_equal(read_timeseries(a), read_timeseries(b), check_exact=True)


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "store"
    run_sweep(SMALL, workers=1, out=out, progress=False, chunk_size=4)
    return out


def test_serial_store_is_complete(serial):
    m = json.loads((serial / "manifest.json").read_text())
    assert m["status"] == "complete" and m["runs_done"] == m["runs"] == 12 and m["runs_failed"] == 0
    assert sorted(p.name for p in (serial / "outcomes").iterdir()) == [f"part-00000{i}.parquet" for i in range(3)]
    res = read_results(serial)
    assert res.complete and len(res.ok) == 12 and list(res.table.run) == list(range(12))
    assert set(read_timeseries(serial).run) == {0, 1, 2}


def test_local_processes_give_the_same_store(serial, tmp_path):
    out = run_sweep(SMALL, executor="local", workers=2, out=tmp_path / "local", progress=False, chunk_size=4)
    same_store(serial, out)


def test_dask_local_cluster_gives_the_same_store(serial, tmp_path):
    pytest.importorskip("distributed")
    out = run_sweep(SMALL, executor="dask", workers=2, out=tmp_path / "dask", progress=False, chunk_size=4)
    same_store(serial, out)
    assert json.loads((out / "manifest.json").read_text())["starts"][-1]["executor"] == "dask"


def test_chunk_size_does_not_change_the_results(serial, tmp_path):
    out = run_sweep(SMALL, workers=1, out=tmp_path / "big", progress=False, chunk_size=12)
    pd.testing.assert_frame_equal(outcomes(serial), outcomes(out), check_exact=True)


def test_kill_9_and_restart_loses_nothing(tmp_path):
    reference = run_sweep(KILL, workers=1, out=tmp_path / "reference", progress=False, chunk_size=10)
    out = tmp_path / "killed"
    args = ["sweep", str(KILL), "--workers", "1", "--chunk-size", "10", "--out", str(out), "--quiet"]
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    parts = out / "outcomes"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.exists() and len(list(parts.glob("part-*.parquet"))) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done = len(list(parts.glob("part-*.parquet")))
    assert 2 <= done < 12
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert main(args) == 0  # the same command again, in this process
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["starts"][-1]["resumed"] and m["starts"][-1]["chunks_to_run"] == 12 - done
    same_store(reference, out)
    assert list(outcomes(out).run) == list(range(120))  # none missing, none twice
    assert not [p for p in out.rglob(".*")]  # no temporary file left behind


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(serial, tmp_path, monkeypatch):
    real = chunks.simulate

    def flaky(sweep, params, seeds, keep_series, engine="batch"):
        if any(p["alignment_rate"] > 0.14 for p in params):
            raise FloatingPointError("alignment diverged")
        return real(sweep, params, seeds, keep_series, engine)

    monkeypatch.setattr(chunks, "simulate", flaky)
    out = run_sweep(SMALL, workers=1, out=tmp_path / "flaky", progress=False, chunk_size=4)
    got, ref = outcomes(out), outcomes(serial)
    rates = pd.read_parquet(out / "runs.parquet").set_index("run").alignment_rate
    bad = rates[rates > 0.14].index
    assert len(bad) == 2 and len(got) == 12
    assert (got.loc[bad, "status"] == "failed").all()
    assert got.loc[bad, "error"].str.contains("FloatingPointError: alignment diverged").all()
    assert got.loc[bad, "uzb_usa_2004"].isna().all()
    good = got.index.difference(bad)
    assert (got.loc[good, "status"] == "ok").all()
    pd.testing.assert_frame_equal(got.loc[good], ref.loc[good], check_exact=True)
    assert json.loads((out / "manifest.json").read_text())["runs_failed"] == 2
    # once the cause is gone, --retry-failed runs those chunks again and the store becomes the serial one
    monkeypatch.setattr(chunks, "simulate", real)
    run_sweep(SMALL, workers=1, out=out, progress=False, retry_failed=True)
    same_store(serial, out)


def test_a_folder_of_another_sweep_is_refused(serial, tmp_path, capsys):
    other = tmp_path / "other.yaml"
    other.write_text(SMALL.read_text().replace("seed: 100", "seed: 101").replace(
        "../../scenarios/", str(ROOT / "scenarios") + "/"))
    before = {p: p.stat().st_mtime_ns for p in serial.rglob("*")}
    assert main(["sweep", str(other), "--out", str(serial), "--quiet"]) == 2
    assert "holds the results of a different sweep" in capsys.readouterr().err
    assert before == {p: p.stat().st_mtime_ns for p in serial.rglob("*")}


def test_a_store_of_other_model_code_is_not_continued(tmp_path, capsys):
    out = run_sweep(SMALL, workers=1, out=tmp_path / "old", progress=False, chunk_size=4)
    (out / "outcomes" / "part-000002.parquet").unlink()  # as if killed before the last chunk
    m = json.loads((out / "manifest.json").read_text())
    m["model_code"] = "0" * 64  # as if the model's code had changed since
    (out / "manifest.json").write_text(json.dumps(m))
    assert main(["sweep", str(SMALL), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    assert "another version of the model's code" in capsys.readouterr().err
    assert not (out / "outcomes" / "part-000002.parquet").exists()


def test_finished_sweep_runs_nothing_again(serial, capsys):
    before = (serial / "outcomes" / "part-000000.parquet").stat().st_mtime_ns
    assert main(["sweep", str(SMALL), "--out", str(serial), "--workers", "1"]) == 0
    assert "12 of 12 runs stored" in capsys.readouterr().out
    assert (serial / "outcomes" / "part-000000.parquet").stat().st_mtime_ns == before


def test_bad_options_exit_2(tmp_path, capsys):
    assert main(["sweep", str(SMALL), "--workers", "0", "--out", str(tmp_path / "x")]) == 2
    assert main(["sweep", str(SMALL), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "needs --executor dask" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# --- a worker process that dies -----------------------------------------------------------------------
def test_a_dead_worker_process_has_its_chunk_sent_again(tmp_path):
    ex = ProcessExecutor(workers=2)
    try:
        got = {t.index: (r, e) for t, r, e in ex.map_unordered(die_once, [Task(i, str(tmp_path / "m"))
                                                                         for i in range(4)])}
    finally:
        ex.close()
    assert got == {0: (0, None), 1: (10, None), 2: (20, None), 3: (30, None)}
    assert (tmp_path / "m").exists()


def test_a_chunk_that_keeps_killing_workers_is_given_up(tmp_path):
    ex = ProcessExecutor(workers=2)
    try:
        got = {t.index: (r, e) for t, r, e in ex.map_unordered(always_die, [Task(i) for i in range(4)])}
    finally:
        ex.close()
    assert {i: got[i] for i in (1, 2, 3)} == {1: (1, None), 2: (2, None), 3: (3, None)}  # innocent chunks survive
    assert got[0][0] is None and isinstance(got[0][1], ChunkLost)


def test_results_are_deterministic_numbers(serial):
    t = outcomes(serial)
    assert np.isfinite(t.uzb_usa_2004).all() and t.uzb_usa_2004.between(0, 1).all()
