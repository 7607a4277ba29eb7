"""Careless input a user may well type: each is refused before any work with one message naming the option or
the file and field, and nothing is written (docs/limits.md)."""

from __future__ import annotations

import pytest
from conftest import REPLAY

from sim.cli import main


@pytest.mark.parametrize("option", ["--null-runs", "--robustness-runs"])
def test_validate_bounds_its_other_run_counts_like_runs(tmp_path, capsys, option):
    out = tmp_path / "o"
    assert main(["validate", str(REPLAY), "--quiet", "--runs", "2", option, "100000000", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option} 100000000: at most 1,000 runs"), err
    assert not out.exists()
