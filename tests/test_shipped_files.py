"""Every scenario, sweep and checkpoint file the project ships loads without error (a broken shipped
file would otherwise only show when a user runs it)."""

import pytest
from conftest import SCENARIOS

SCENARIO_FILES = sorted(p for p in SCENARIOS.rglob("*.yaml") if p.parent.name not in ("sweeps", "checkpoints"))
SWEEP_FILES = sorted((SCENARIOS / "sweeps").glob("*.yaml"))


def test_the_project_ships_the_scenarios_the_issues_name():
    names = {p.stem for p in SCENARIO_FILES}
    assert {"replay_1999_2008", "central_asia_1999"} <= names
    assert len([n for n in names if n.startswith("outlook_")]) >= 8
    assert len(SWEEP_FILES) >= 2


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_every_shipped_scenario_loads(path):
    from sim.scenario import load_scenario

    sc = load_scenario(path)
    assert sc.spec.title and sc.spec.description
    assert all(e.source for e in sc.spec.events)


@pytest.mark.parametrize("path", SWEEP_FILES, ids=lambda p: p.name)
def test_every_shipped_sweep_loads(path):
    from sim.sweep.loader import load_sweep

    sweep = load_sweep(path)
    assert sweep.spec.outcomes


@pytest.mark.parametrize("path", sorted((SCENARIOS / "checkpoints").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_checkpoint_file_loads(path):
    from sim.validation.spec import load_validation

    assert load_validation(path)
