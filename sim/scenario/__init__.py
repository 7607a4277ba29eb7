"""Scenario files: YAML data validated by a schema, able to extend one another. Nothing in them is evaluated."""

from sim.scenario.errors import ScenarioError

__all__ = ["ScenarioError", "load_scenario"]


def __getattr__(name: str):
    # the loader (pydantic and the schema) is imported on first use, so that a command that reads no
    # scenario (``run.py --help``) does not pay for it
    if name == "load_scenario":
        from sim.scenario.loader import load_scenario

        return load_scenario
    raise AttributeError(f"module 'sim.scenario' has no attribute {name!r}")
