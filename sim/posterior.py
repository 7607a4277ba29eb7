"""Parameters drawn from a posterior ensemble: each run's free parameters come from one particle.

A posterior file (calibration/posterior.csv, written by calibration/posterior.py) has one row per particle:
a ``weight`` column and one column per free parameter. Run i with seed s takes the particle drawn, with
probability proportional to its weight, by a random generator keyed by s alone, so the same seed always
draws the same particle, whatever the other runs are; every parameter the file does not name keeps its
value from the defaults (with the scenario's own parameters and ``--set`` applied on top).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.parameters import BY_NAME
from sim.limits import MAX_POSTERIOR_BYTES
from sim.scenario.errors import ScenarioError
from sim.scenario.yamlfile import read_text

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "calibration" / "posterior.csv"
STREAM = 0x9E37  # keeps these draws apart from every other use of the run's seed


@dataclass(frozen=True)
class Posterior:
    path: Path
    sha256: str
    names: list[str]
    values: np.ndarray  # (M, F)
    weights: np.ndarray  # (M,), summing to 1

    def draw(self, seeds: list[int]) -> list[dict[str, float]]:
        """The free parameters of each run: one particle per seed, drawn by weight with a generator keyed by the seed."""
        out = []
        for s in seeds:
            rng = np.random.default_rng([STREAM, int(s)])
            i = int(rng.choice(len(self.weights), p=self.weights))
            out.append({"particle": i, **{k: float(v) for k, v in zip(self.names, self.values[i])}})
        return out


def load_posterior(path: str | Path = DEFAULT_FILE) -> Posterior:
    """Read and check a posterior file; a problem raises a ScenarioError naming the file, the line and the column."""
    import pandas as pd  # here, not at the top: a run without --posterior does not pay for pandas

    path = Path(path)
    file = str(path)
    if not path.exists():
        raise ScenarioError(file, "no such posterior file (write one with calibration/posterior.py)")
    # a regular file of bounded size, so that a device (/dev/zero) or a FIFO is refused instead of read forever
    text = read_text(path, "a posterior CSV file", MAX_POSTERIOR_BYTES)
    try:
        df = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ScenarioError(file, f"is not a CSV table ({e})") from None
    cols = list(df.columns)
    if not cols or cols[0] != "weight":
        raise ScenarioError(file, "the first column must be 'weight', then one column per free parameter", line=1)
    names = cols[1:]
    if not names:
        raise ScenarioError(file, "no parameter columns after 'weight'", line=1)
    for n in names:
        if n not in BY_NAME:
            raise ScenarioError(file, f"unknown parameter {n!r}; expected names of sim/core/parameters.py", line=1,
                                field=n)
    if len(set(names)) != len(names):
        raise ScenarioError(file, "a parameter column is given twice", line=1)
    if df.empty:
        raise ScenarioError(file, "no particles (rows)", line=2)
    for col in cols:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float)))
        if len(bad):
            got = df[col].iloc[bad[0]]
            got = "an empty cell or nan" if pd.isna(got) else repr(got if isinstance(got, str) else float(got))
            raise ScenarioError(file, f"expected a number, got {got}", line=int(bad[0]) + 2,
                                field=col)
        df[col] = values.astype(float)
    w = df["weight"].to_numpy(float)
    if (w < 0).any():
        i = int(np.flatnonzero(w < 0)[0])
        raise ScenarioError(file, f"a weight must be 0 or more, got {w[i]}", line=i + 2, field="weight")
    if w.sum() <= 0:
        raise ScenarioError(file, "the weights sum to 0", field="weight")
    for n in names:
        p = BY_NAME[n]
        x = df[n].to_numpy(float)
        out = np.flatnonzero((x < p.low) | (x > p.high))
        if len(out):
            raise ScenarioError(file, f"{x[out[0]]} is outside the range [{p.low}, {p.high}] of {n}",
                                line=int(out[0]) + 2, field=n)
    return Posterior(path, hashlib.sha256(text.encode('utf-8')).hexdigest(), names, df[names].to_numpy(float), w / w.sum())


def run_parameters(base: dict[str, float], posterior: Posterior, seeds: list[int],
                   overrides: dict[str, float] | None = None) -> tuple[list[dict], list[dict]]:
    """Complete parameter dicts, one per run (base, then the run's drawn particle, then ``overrides``), and the
    table of what was drawn (run, seed, particle and the drawn values)."""
    drawn = posterior.draw(seeds)
    rows, table = [], []
    for i, (s, d) in enumerate(zip(seeds, drawn)):
        values = {k: v for k, v in d.items() if k != "particle"}
        rows.append({**base, **values, **(overrides or {})})
        table.append({"run": i, "seed": int(s), **d})
    return rows, table


def posterior_rows(path: str | None, scenario, seeds: list[int], overrides: dict[str, float]) -> tuple:
    """For a command's ``--posterior FILE`` option: (one parameter dict per run, the manifest's record), or
    (None, {}) without the option (every run then has the same parameters)."""
    if not path:
        return None, {}
    from sim.core.parameters import make_params

    post = load_posterior(path)
    rows, table = run_parameters(make_params(scenario.spec.parameters), post, seeds, overrides)
    return rows, {"posterior": {"file": str(path), "sha256": post.sha256, "particles": len(post.weights),
                                "parameters": post.names},
                  "parameters_per_run": table}
