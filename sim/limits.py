"""The limits of what the commands accept, checked before any work starts (see docs/limits.md).

A file, a command line or a sweep beyond one of these limits is refused with a message and exit code 2,
so that no input can make a command read forever, fill the memory or run for days before it says no.
Each limit is far above what the shipped scenarios and sweeps need (the largest shipped scenario file is
about 20 kB with under 100 events; the largest shipped sweep makes under 20,000 runs).
"""

from __future__ import annotations

from sim.scenario.errors import ScenarioError

MAX_FILE_BYTES = 1_000_000  # a scenario, sweep or checkpoint file
MAX_POSTERIOR_BYTES = 20_000_000  # a posterior CSV (--posterior): about 100,000 particles of 15 parameters
MAX_YAML_NODES = 200_000  # values in one file, counting every expansion of a YAML alias
MAX_YAML_DEPTH = 32  # mappings and lists inside one another
MAX_EVENTS = 5_000  # events (and hazards) of a scenario, after merging what it extends
MAX_EXTENDS = 16  # files in one chain of 'extends'
MAX_CONTINUES = 8  # scenarios in one chain of 'continues'
MAX_RUNS = 1_000  # runs of one 'run', 'validate' or 'compare' (each run's every month is kept in memory)
MAX_RUN_MONTHS = 150_000  # runs x months of one 'run', 'validate' or 'compare' (1,000 runs of 1999-2008 is 120,000)
MAX_SWEEP_RUNS = 2_000_000  # runs of one sweep (points x replications)
MAX_WORKERS = 256  # worker processes of one sweep on this machine
MAX_SEED = 2**63 - 1  # the last seed a run may use (seeds are 64-bit words)
MAX_MAGNITUDE = 1e6  # the largest absolute value of a number with no narrower documented range


def check_runs(runs: int, seed: int, option: str = "--runs") -> None:
    """Refuse a number of runs or a first seed outside the limits (a UsageError naming the option)."""
    from sim.cli import UsageError

    if runs < 1:
        raise UsageError(f"{option} {runs}: expected a whole number of runs, 1 or more")
    if runs > MAX_RUNS:
        raise UsageError(f"{option} {runs}: at most {MAX_RUNS:,} runs (every month of every run is kept in "
                         "memory, several MB a run); for more, declare a sweep (python run.py sweep, see docs/sweeps.md), which "
                         "keeps only the outcomes")
    if seed < 0:
        raise UsageError(f"--seed {seed}: expected a seed of 0 or more")
    if seed + runs - 1 > MAX_SEED:
        raise UsageError(f"--seed {seed}: the seeds of {runs} run(s) must stay at or below 2**63 - 1 "
                         f"({MAX_SEED}); choose a seed of at most {MAX_SEED - runs + 1}")


def check_file_size(file: str, size: int, limit: int = MAX_FILE_BYTES) -> None:
    if size > limit:
        raise ScenarioError(file, f"is {size:,} bytes; files of more than {limit:,} bytes are refused "
                                  "(see docs/limits.md)")


def check_run_months(runs: int, months: int, option: str = "--runs") -> None:
    """Refuse runs x months beyond MAX_RUN_MONTHS: a long period multiplies the memory every run takes."""
    from sim.cli import UsageError

    if runs * months > MAX_RUN_MONTHS:
        raise UsageError(f"{option} {runs}: {runs:,} runs of {months:,} months make {runs * months:,} run-months, "
                         f"more than the {MAX_RUN_MONTHS:,} that are kept in memory at once; give at most "
                         f"{max(1, MAX_RUN_MONTHS // months):,} runs, or declare a sweep (see docs/limits.md)")
