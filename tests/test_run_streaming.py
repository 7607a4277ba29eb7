"""run.py run in chunks: parquet tables for big runs, the drivers summary, chunking that changes nothing,
figures drawn in another process, and a command line that imports only what a command uses."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPLAY, ROOT

from sim.cli import main
from sim.commands import run_command

TABLES = {"timeseries": "%.6f", "states": "%.6f", "powers": "%.6f", "decisions": None, "events": None,
          "drivers": "%.9f"}


def run(tmp_path, name, *extra):
    out = tmp_path / name
    assert main(["run", str(REPLAY), "--runs", "4", "--seed", "3", "--quiet", "--out", str(out), *extra]) == 0
    return out


@pytest.fixture(scope="module")
def csv_and_parquet(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("streaming")
    return run(tmp, "csv"), run(tmp, "parquet", "--format", "parquet", "--drivers", "full"), tmp


def test_parquet_tables_hold_the_csv_numbers(csv_and_parquet):
    csv, pq, _ = csv_and_parquet
    for name, fmt in TABLES.items():
        df = pd.read_parquet(pq / f"{name}.parquet")
        assert df.to_csv(index=False, float_format=fmt) == (csv / f"{name}.csv").read_text(), name
        assert all(df[c].dtype != "category" for c in df.columns)  # text reads back as text
    assert (pq / "report.md").read_text() == (csv / "report.md").read_text().replace("drivers.csv", "drivers.parquet")


def test_chunks_change_nothing(csv_and_parquet, monkeypatch):
    csv, _, tmp = csv_and_parquet
    monkeypatch.setattr(run_command, "chunk_runs", lambda runs, fmt, drivers: 3)  # chunks of 3 and 1 runs
    chunked = run(tmp, "chunked")
    for f in [*(f"{n}.csv" for n in TABLES), "report.md"]:
        assert (chunked / f).read_bytes() == (csv / f).read_bytes(), f


def test_drivers_summary_is_the_summary_of_every_run(csv_and_parquet, monkeypatch):
    csv, _, tmp = csv_and_parquet
    monkeypatch.setattr(run_command, "chunk_runs", lambda runs, fmt, drivers: 3)
    out = run(tmp, "summary", "--drivers", "summary")
    assert not (out / "drivers.csv").exists()
    summary = pd.read_csv(out / "drivers_summary.csv")
    assert list(summary.columns) == ["date", "state", "power", "driver", "runs", "mean", "mean_abs", "min", "max"]
    full = pd.read_csv(csv / "drivers.csv")
    g = full.groupby(["date", "state", "power", "driver"], sort=False).contribution
    keys = ["date", "state", "power", "driver"]
    merged = summary.merge(g.mean().rename("m").reset_index(), on=keys)
    assert len(merged) == len(summary) == len(full) // 4 and (summary.runs == 4).all()
    assert np.allclose(merged["mean"], merged["m"], atol=2e-9)  # the CSV rounds to 9 decimals
    merged = summary.merge(g.max().rename("hi").reset_index(), on=keys).merge(g.min().rename("lo").reset_index(), on=keys)
    assert np.allclose(merged["max"], merged["hi"], atol=1e-9) and np.allclose(merged["min"], merged["lo"], atol=1e-9)
    assert "drivers_summary.csv has them across runs" in (out / "report.md").read_text()


def test_big_runs_default_to_parquet_and_a_summary(tmp_path):
    from sim.outputs.sinks import CSV_MAX_RUNS, table_format

    assert table_format("auto", CSV_MAX_RUNS) == "csv" and table_format("auto", CSV_MAX_RUNS + 1) == "parquet"
    out = tmp_path / "big"
    assert main(["run", str(REPLAY), "--runs", "51", "--quiet", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "timeseries.parquet" in names and "drivers_summary.parquet" in names and "drivers.parquet" not in names
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 51 * 120 * 15


def test_a_failing_figure_process_fails_the_command_and_leaves_nothing(tmp_path, monkeypatch):
    from sim.outputs import figures

    monkeypatch.setattr(figures, "PRELOAD", ["sim.no_such_module"])  # the worker dies before its first job
    out = tmp_path / "broken"
    with pytest.raises(RuntimeError, match="drawing the figures failed"):
        main(["run", str(REPLAY), "--quiet", "--out", str(out)])
    assert not out.exists() and not list(tmp_path.glob(".broken*"))


def test_worker_runs_jobs_in_order_and_reports_errors():
    from sim.outputs.worker import Worker, WorkerError

    w = Worker(["math"]).start()
    w.submit("math", "sqrt", 16.0)
    w.submit("operator", "add", 2, 3)
    assert w.wait() == [4.0, 5]
    w = Worker().start()
    w.submit("math", "sqrt", -1.0)
    with pytest.raises(WorkerError, match="math.sqrt: ValueError"):
        w.wait()


def test_help_imports_no_command():
    code = ("import sys; from sim.cli import build_parser; build_parser([]); "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'pydantic', 'sim.commands.run_command') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
    help_text = subprocess.run([sys.executable, str(ROOT / "run.py"), "--help"], capture_output=True, text=True,
                               cwd=ROOT, check=True).stdout
    assert all(c in help_text for c in ("run", "validate", "compare", "sweep", "analyze"))


def test_simulating_imports_neither_pandas_nor_matplotlib():
    code = ("import sys; from sim.scenario import load_scenario; from sim.simulate import run_scenario; "
            f"run_scenario(load_scenario({str(REPLAY)!r}), [0]); "
            "print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_one_replay_writes_everything_without_pandas_or_matplotlib(tmp_path):
    """run.py run of one replay (tables, report, manifest, and printing its summary) imports neither pandas
    nor matplotlib in the command's process (the figures are drawn in the other); the CSV files are those
    pandas writes."""
    out = tmp_path / "one"
    code = ("import sys; from sim.cli import main; "
            f"rc = main(['run', {str(REPLAY)!r}, '--out', {str(out)!r}]); "
            "print(rc, sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip().splitlines()[-1] == "0 []"
    assert "alignment in 2008-12 (median across runs):" in done.stdout
    for name in ("timeseries", "states", "powers", "drivers"):
        df = pd.read_csv(out / f"{name}.csv")
        fmt = "%.9f" if name == "drivers" else "%.6f"
        assert df.to_csv(index=False, float_format=fmt) == (out / f"{name}.csv").read_text()
    for name in ("decisions", "events"):
        df = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        assert df.to_csv(index=False) == (out / f"{name}.csv").read_text()


@pytest.mark.parametrize("float_format", [None, "%.6f", "%.9f"])
def test_csv_writer_writes_what_pandas_writes(float_format):
    import io

    from sim.outputs.sinks import write_csv
    from sim.outputs.tables import Coded, to_pandas

    g = np.random.default_rng(1)
    x = g.normal(size=60) * 10.0 ** g.integers(-12, 20, 60)
    x[::7], x[3], x[4], x[5] = np.nan, np.inf, -0.0, -np.inf
    cols = {"run": np.arange(60), "value": x, "code": Coded(g.integers(0, 3, 60), ["a,b", 'q"x', "plain"]),
            "text": np.array(["", None, "new\nline", "x" * 3, "r\rr", "ü"] * 10, dtype=object),
            "flag": g.random(60) > 0.5}
    mine = io.StringIO()
    write_csv(mine, list(cols), list(cols.values()), float_format)
    theirs = io.StringIO()
    to_pandas(cols).to_csv(theirs, index=False, float_format=float_format)
    assert mine.getvalue() == theirs.getvalue()
