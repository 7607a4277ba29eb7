"""The UN-data fit reads the votes as the data README describes, and the calibration procedure is
deterministic and never chooses by the held-out checkpoints."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from conftest import ROOT

from sim.validation import undata
from sim.validation.spec import Holdout, load_validation

CHECKPOINTS = ROOT / "scenarios" / "checkpoints" / "replay_1999_2008.yaml"


def test_un_leaning_follows_the_readme_facts():
    df = undata.un_lean(years=(1999, 2008))
    y2002 = df[df.year == 2002].set_index("state")
    assert y2002.un_relative.idxmax() == "UZB"  # the most US-leaning in the UN until 2004
    uzb = df[df.state == "UZB"].set_index("year").un_lean
    assert uzb[2002] > uzb[2004] > uzb[2005]  # 0.51, 0.13, -0.31 in ideal points
    # years without votes are missing, not zero
    assert not ((df.state == "KGZ") & (df.year.isin([1999, 2001]))).any()
    assert not ((df.state == "UZB") & (df.year == 2001)).any()
    assert np.allclose(df.groupby("year").un_relative.sum(), 0.0)


def test_fit_is_perfect_for_the_data_itself_and_ignores_gaps():
    un = undata.un_lean_array(years=(1999, 2008))
    model = np.where(np.isnan(un), 123.0, un)  # what the model says in missing years must not matter
    f = undata.fit_arrays(un, model)
    assert f["rank"] == pytest.approx(1.0) and f["pooled"] == pytest.approx(1.0) and f["trend"] == pytest.approx(1.0)
    assert f["state_years"] == int((~np.isnan(un)).sum())
    flipped = undata.fit_arrays(un, -model)
    assert flipped["rank"] == pytest.approx(-1.0) and flipped["pooled"] == pytest.approx(-1.0)


def _calibrate_module():
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "calibration" / "calibrate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_calibration_designs_are_deterministic_and_stay_in_range():
    cal = _calibrate_module()
    design = cal.read_design(ROOT / "calibration" / "design.yaml")
    ranges = {k: tuple(v) for k, v in design["parameters"].items()}
    a = cal.latin_hypercube(ranges, 50, 7)
    assert a == cal.latin_hypercube(ranges, 50, 7) and a != cal.latin_hypercube(ranges, 50, 8)
    import pandas as pd

    kids = cal.perturb(pd.DataFrame(a[:3]), ranges, 40, 0.3, 1)
    assert kids == cal.perturb(pd.DataFrame(a[:3]), ranges, 40, 0.3, 1)
    for row in a + kids:
        assert all(ranges[k][0] <= v <= ranges[k][1] for k, v in row.items())
    temporal = cal.read_design(ROOT / "calibration" / "design_temporal.yaml")
    assert temporal["parameters"] == design["parameters"] and temporal["split"] == {"from_month": "2005-01"}


def test_the_score_never_reads_the_held_out_checkpoints(replay):
    from sim.parameters import DEFAULTS
    from sim.validation.scoring import score_sets

    v = load_validation(CHECKPOINTS)
    sets = [dict(DEFAULTS), {**DEFAULTS, "w_blame": 0.5}]
    by_file = score_sets(v, replay, sets, [0, 1])
    assert all(r["score"] == r["calibration_pass"] for r in by_file)  # un_weight 0: the UN fit is held out
    held = [c.id for c in v.spec.checkpoints if v.is_holdout(c)]
    cal_ids = [c.id for c in v.spec.checkpoints if not v.is_holdout(c)]
    for r in by_file:
        assert r["calibration_pass"] == pytest.approx(np.mean([r[f"pass_{i}"] for i in cal_ids]))
        assert r["held_out_pass"] == pytest.approx(np.mean([r[f"pass_{i}"] for i in held]))
    temporal = score_sets(v, replay, sets, [0, 1], holdout=Holdout(from_month="2005-01"))
    late = [c.id for c in v.spec.checkpoints if v.is_holdout(c, Holdout(from_month="2005-01"))]
    assert "uzb_joins_csto_2006" in late and "k2_opens_2001" not in late
    assert temporal[0]["held_out_pass"] == pytest.approx(np.mean([temporal[0][f"pass_{i}"] for i in late]))
