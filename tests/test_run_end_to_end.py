"""run.py run on the replay: every table, figure, report and manifest, in the promised shape."""

import hashlib
import json

import pandas as pd
import pytest
from conftest import REPLAY, run_cli

from sim.codes import DECISIONS, ORGS, STATES


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay") / "out"
    proc = run_cli("run", str(REPLAY), "--runs", "3", "--seed", "5", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_timeseries_is_tidy_and_complete(results):
    out, _ = results
    ts = pd.read_csv(out / "timeseries.csv")
    assert list(ts.columns) == ["run", "seed", "date", "state", "power", "alignment"]
    assert len(ts) == 3 * 120 * 5 * 3
    assert set(ts.seed) == {5, 6, 7}
    assert ts.date.min() == "1999-01" and ts.date.max() == "2008-12"
    assert ts.alignment.between(0, 1).all()
    assert not ts.duplicated(["run", "date", "state", "power"]).any()


def test_decisions_use_the_vocabulary(results):
    out, _ = results
    dec = pd.read_csv(out / "decisions.csv")
    assert list(dec.columns) == ["run", "seed", "date", "state", "counterpart", "decision", "detail"]
    assert set(dec.decision) <= set(DECISIONS)
    assert set(dec.state) <= set(STATES)
    assert set(dec.counterpart) <= set(ORGS) | {"RUS", "USA", "CHN"}
    assert ((dec.decision == "base_opened") & (dec.counterpart == "USA")).any()


def test_other_tables(results):
    out, _ = results
    st = pd.read_csv(out / "states.csv")
    assert list(st.columns[:4]) == ["run", "seed", "date", "state"]
    assert {"security_threat", "regime_threat", "organisations", "bases"} <= set(st.columns)
    ev = pd.read_csv(out / "events.csv")
    assert "andijan" in set(ev.id) and set(ev.run) == {0, 1, 2}
    assert list(ev.columns) == ["run", "seed", "date", "id", "title", "type", "summary", "source"]
    assert set(ev[ev.id == "tulip_revolution"].title) == {"The Tulip revolution"}
    assert ev.title.notna().all() and (ev.title.str.len() > 0).all()
    drv = pd.read_csv(out / "drivers.csv")
    assert list(drv.columns) == ["run", "seed", "date", "state", "power", "driver", "contribution"]
    pw = pd.read_csv(out / "powers.csv")
    assert set(pw.stance) <= {"integrate", "cooperate", "counterbalance"}


def test_figures_report_and_manifest(results):
    out, stdout = results
    figs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figs == sorted([f"alignment_{s}.png" for s in STATES] + ["alignment_all.png"])
    report = (out / "report.md").read_text()
    assert "## Month by month" in report and "2005-05" in report and "andijan" in report
    assert "Event **The Andijan unrest** (`andijan`;" in report  # events by their titles
    # the powers' asks come from their rules, and the report says who asked whom
    assert "- Ask: the United States asked Uzbekistan for Karshi-Khanabad (K2)." in report
    man = json.loads((out / "manifest.json").read_text())
    assert man["seeds"] == [5, 6, 7]
    top = man["scenario_files"][0]
    assert hashlib.sha256(open(top["path"], "rb").read()).hexdigest() == top["sha256"]
    assert "mesa" in man["versions"] and man["parameters"]["w_blame"] > 0
    assert "results written to" in stdout


def test_mesa_engine_writes_the_same_tables(results, tmp_path):
    out, _ = results
    proc = run_cli("run", str(REPLAY), "--runs", "1", "--seed", "5", "--engine", "mesa", "--out", str(tmp_path / "m"))
    assert proc.returncode == 0, proc.stderr
    for name in ("timeseries.csv", "decisions.csv", "states.csv", "events.csv", "drivers.csv", "powers.csv"):
        a = pd.read_csv(tmp_path / "m" / name)
        b = pd.read_csv(out / name)
        b = b[b.run == 0].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
