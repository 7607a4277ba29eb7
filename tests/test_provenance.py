"""The store's model hash covers the code a run's numbers depend on (sim.sweep.provenance)."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.sweep import provenance

SIM = Path(sim.__file__).resolve().parent


def test_every_module_of_the_models_core_and_the_batch_engine_is_hashed():
    hashed = set(provenance.model_files())
    core = set((SIM / "core").rglob("*.py"))
    assert core and core <= hashed
    assert SIM / "engine.py" in hashed and SIM / "scenario" / "schema.py" in hashed
    assert any(f.suffix == ".csv" for f in hashed)  # the shipped data


def test_the_hash_changes_with_any_hashed_file(tmp_path, monkeypatch):
    before = provenance.model_hash()
    copy = tmp_path / "sim"
    for f in provenance.model_files():
        dest = copy / f.relative_to(SIM)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(f.read_bytes())
    monkeypatch.setattr(provenance, "SIM", copy)
    provenance.model_hash.cache_clear()
    try:
        assert provenance.model_hash() == before
        step = copy / "core" / "step.py"
        step.write_bytes(step.read_bytes() + b"\n# changed\n")
        provenance.model_hash.cache_clear()
        assert provenance.model_hash() != before
    finally:
        provenance.model_hash.cache_clear()
