"""Outcomes computed on the fly equal the same quantities read from the full record of the runs, and a run
gives the same outcomes alone or inside any chunk (also for an outlook that continues the replay)."""

import numpy as np
from conftest import ROOT

from sim.engine import BatchEngine
from sim.recorders import FullRecorder
from sim.scenario.schema import month_index
from sim.sweep.bundle import bundle
from sim.sweep.chunks import ChunkTask, run_chunk, simulate
from sim.sweep.loader import load_sweep
from sim.sweep.outcomes import decimal_year
from sim.sweep.runner import base_parameters, plan

SMALL = ROOT / "tests" / "fixtures" / "sweep_small.yaml"
OUTLOOK = ROOT / "scenarios" / "sweeps" / "outlook_baseline_screening.yaml"


def rows_of(sweep, runs, ids):
    base = base_parameters(sweep)
    return [{**base, **{n: float(runs[n].iloc[i]) for n in sweep.names}} for i in ids], \
        [int(runs.seed.iloc[i]) for i in ids]


def test_outcomes_equal_the_full_record():
    sweep = load_sweep(SMALL)
    _, runs = plan(sweep)
    ids = list(range(8))
    rows, seeds = rows_of(sweep, runs, ids)
    rec = simulate(sweep, rows, seeds, keep_series=[0, 5])
    got = rec.values()
    full = FullRecorder()
    BatchEngine(sweep.scenario, rows, seeds).run(full)
    st, dates = full.setup, full.dates
    A = np.stack(full.alignment)  # (T, N, S, P)
    M = np.stack(full.members)  # (T, N, S, O)
    B = np.stack(full.bases_open)  # (T, N, K)
    stance = np.stack(full.power_vars["stance"])  # (T, N, P)
    s, p, o = st.states.index, st.powers.index, st.orgs.index
    t = dates.index

    assert np.array_equal(got["uzb_usa_2004"], A[t("2004-06"), :, s("UZB"), p("USA")])
    window = slice(t("2005-01"), t("2008-12") + 1)
    assert np.allclose(got["uzb_rus_mean"], A[window, :, s("UZB"), p("RUS")].mean(axis=0), rtol=1e-13, atol=0)
    k2 = [k for k, sl in enumerate(st.slots) if sl.name == "Karshi-Khanabad (K2)"][0]
    manas = [k for k, sl in enumerate(st.slots) if sl.kind == "base" and st.states[sl.state] == "KGZ"
             and st.powers[sl.power] == "USA"]
    assert np.array_equal(got["k2_open_2006"], B[t("2006-01"), :, k2].astype(float))
    assert np.array_equal(got["manas_months"], B[:, :, manas].any(axis=2).sum(axis=0).astype(float))
    assert np.array_equal(got["uzb_in_csto_2008"], M[t("2008-12"), :, s("UZB"), o("CSTO")].astype(float))
    assert np.array_equal(got["uzb_months_guuam"], M[:, :, s("UZB"), o("GUUAM")].sum(axis=0).astype(float))
    assert np.array_equal(got["rus_counterbalance"], (stance[:, :, p("RUS")] == 2).sum(axis=0).astype(float))
    for run in range(len(ids)):
        mine = [d for d in full.decisions if d["run"] == run]
        opened = sorted(d["date"] for d in mine
                        if d["decision"] == "base_opened" and d["detail"] == "Karshi-Khanabad (K2)")
        expect = decimal_year(month_index(opened[0])) if opened else np.nan
        assert np.array_equal(got["k2_opened"][run], expect, equal_nan=True)
        assert got["joins"][run] == sum(d["decision"] == "joined" for d in mine)
    # the kept time series are the runs' own monthly alignments
    assert len(rec.series) == len(dates)
    assert np.array_equal(np.stack([a for _, a in rec.series]), A[:, [0, 5]])


def _task(sweep, runs, ids, index=0):
    rows, seeds = rows_of(sweep, runs, ids)
    return ChunkTask(bundle(sweep), sweep.fingerprint(), index, np.array(ids), rows, seeds, [])


def test_a_run_gives_the_same_outcomes_alone_or_inside_a_chunk():
    sweep = load_sweep(SMALL)
    _, runs = plan(sweep)
    chunk = run_chunk(_task(sweep, runs, list(range(12))))
    for i in (0, 7, 11):
        alone = run_chunk(_task(sweep, runs, [i]))
        for name, v in chunk.outcomes.items():
            assert np.array_equal(alone.outcomes[name][0], v[i], equal_nan=True), (name, i)


def test_an_outlook_run_is_the_same_alone_or_in_a_chunk():
    sweep = load_sweep(OUTLOOK)
    _, runs = plan(sweep)
    ids = [0, 1, 5]
    chunk = run_chunk(_task(sweep, runs, ids))
    alone = run_chunk(_task(sweep, runs, [5]))
    assert not chunk.failed.any()
    for name, v in chunk.outcomes.items():
        assert np.array_equal(alone.outcomes[name][0], v[2], equal_nan=True), name
    assert 0.0 <= chunk.outcomes["kaz_chn_2020"].min() <= chunk.outcomes["kaz_chn_2020"].max() <= 1.0
