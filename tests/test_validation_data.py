"""The UN-data fit reads the votes as the data README describes, and the calibration procedure is
deterministic and never chooses by the held-out checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from sim.validation import undata
from sim.validation.spec import load_validation

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


def test_the_calibration_never_reads_the_held_out_checkpoints():
    from sim.validation.scoring import calibration_checkpoints

    v = load_validation(CHECKPOINTS)
    cps = v.spec.checkpoints
    chosen = [cps[i] for i in calibration_checkpoints(v)]
    assert chosen and not any(v.is_holdout(c) for c in chosen)  # the UN orderings are held out
    assert {c.id for c in cps if not v.is_holdout(c)} == {c.id for c in chosen}
    early = [cps[i].id for i in calibration_checkpoints(v, until=2004)]
    assert "k2_opens_2001" in early and "uzb_joins_csto_2006" not in early

