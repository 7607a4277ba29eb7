"""Scenario files: YAML data validated by a schema, able to extend one another. Nothing in them is evaluated."""

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario

__all__ = ["ScenarioError", "load_scenario"]
