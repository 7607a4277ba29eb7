"""Comparing scenarios: run each one R times with the same seeds and set them side by side.

``run.py compare A.yaml B.yaml ...`` runs every scenario with seeds s, s+1, ..., so run i of every scenario
shares its seed (and, for outlooks, its own 1999-2008 history): differences between run i of A and run i of B
come from the scenarios, not from luck (common random numbers). The first scenario is the reference.

Modules: ``collect`` (run scenarios into tidy tables), ``outcomes`` (commitments and leanings at checkpoint
dates), ``differences`` (paired differences against the reference, ranked), ``figures`` (alignment bands),
``text`` (compare.md), ``command`` (the command line).
"""

from sim.comparison.collect import ScenarioRun, run_all

__all__ = ["ScenarioRun", "run_all"]
