"""What the report, the figures and the summary need of a set of runs, gathered chunk by chunk.

``run.py run`` simulates its runs in chunks and writes each chunk's tables as it goes; only this stays in
memory: every run's monthly alignments (T x S x P numbers a run, 14 KB for the replay: the percentiles
of the figures and the medians of the report are exact), the decisions and lapsed requests of every
run (a few dozen rows a run), and the full tables of run 0, which the report tells month by month.
``DriverSummary`` keeps the drivers across runs as running totals (the ``--drivers summary`` table).
"""

from __future__ import annotations

import numpy as np

from sim.core.rules.alignment import DRIVERS
from sim.outputs import tables
from sim.recorders import FullRecorder, take_runs


class RunSet:
    def __init__(self, runs: int, seeds: list[int]):
        self.runs = runs
        self.seeds = list(seeds)
        self.alignment: np.ndarray | None = None  # (T, N, S, P)
        self.dates: list[str] = []
        self.setup = None
        self._decisions: list[tables.Columns] = []
        self._refusals: list[tables.Columns] = []
        self._run0_record: FullRecorder | None = None  # run 0 alone, its tables made on first use (run0)
        self._run0: dict | None = None
        self.shown_events: tables.Columns | None = None  # events of the lowest run that has any (the figures mark them)

    def add(self, rec: FullRecorder, first_run: int, chunk: dict[str, tables.Columns]) -> None:
        """Take what is needed of the chunk ``rec`` (runs first_run, first_run + 1, ...); ``chunk`` holds
        the tables already built from it (decisions, refusals and events are reused)."""
        n = rec.alignment[0].shape[0]
        if self.alignment is None:
            self.setup, self.dates = rec.setup, list(rec.dates)
            self.alignment = np.empty((len(rec.dates), self.runs) + rec.alignment[0].shape[1:])
        self.alignment[:, first_run:first_run + n] = np.swapaxes(rec.runs_first("alignment", rec.alignment), 0, 1)
        self._decisions.append(chunk["decisions"])
        self._refusals.append(chunk["refusals"])
        if first_run == 0:
            self._run0_record = _copied(take_runs(rec, 0, 1))
        if self.shown_events is None and len(chunk["events"]["run"]):
            ev = chunk["events"]
            keep = ev["run"] == ev["run"].min()
            self.shown_events = {k: v[keep] for k, v in ev.items()}

    @property
    def run0(self) -> dict:
        """Table name -> columns of run 0 (timeseries, drivers, powers, events), made when first asked for."""
        if self._run0 is None:
            one, seeds = self._run0_record, self.seeds[:1]
            if one is None:
                return {}
            self._run0 = {"timeseries": tables.timeseries_columns(one, seeds),
                          "drivers": tables.drivers_columns(one, seeds), "powers": tables.powers_columns(one, seeds),
                          "events": tables.events_columns(one, seeds)}
        return self._run0

    def _concat(self, parts: list[tables.Columns], names: list[str]):
        return tables._frame(self._columns(parts, names), names)

    @staticmethod
    def _columns(parts: list[tables.Columns], names: list[str]) -> tables.Columns:
        return {k: np.concatenate([p[k] for p in parts]) for k in names}

    def decisions(self):
        return self._concat(self._decisions, tables.DECISION_COLUMNS)

    def decision_columns(self) -> tables.Columns:
        """Every run's decisions as columns (what decisions() gives as a DataFrame, without pandas)."""
        return self._columns(self._decisions, tables.DECISION_COLUMNS)

    def refusal_columns(self) -> tables.Columns:
        """Every run's lapsed requests as columns (refusals() without pandas)."""
        return self._columns(self._refusals, tables.REFUSAL_COLUMNS)

    def refusals(self):
        return self._concat(self._refusals, tables.REFUSAL_COLUMNS)

    def medians(self, t: int) -> np.ndarray:
        """(S, P) median alignment across runs at month t (as pandas' median: the mean of the two middle
        values for an even count)."""
        return np.median(self.alignment[t], axis=0)


def _copied(rec: FullRecorder) -> FullRecorder:
    """The record with its arrays copied (take_runs gives views, which would keep the whole chunk alive)."""
    for name in ("alignment", "drivers", "members", "bases_open"):
        setattr(rec, name, [x.copy() for x in getattr(rec, name)])
    rec.state_vars = {k: [x.copy() for x in v] for k, v in rec.state_vars.items()}
    rec.power_vars = {k: [x.copy() for x in v] for k, v in rec.power_vars.items()}
    return rec


class DriverSummary:
    """The drivers of every (month, state, power) across runs, as running totals: the mean contribution,
    the mean size (absolute value), the smallest and the largest. Runs are added one at a time in run
    order, so the totals do not depend on how the runs were cut into chunks."""

    def __init__(self):
        self.total = self.total_abs = self.low = self.high = None
        self.n = 0
        self.dates = None
        self.setup = None

    def add(self, rec: FullRecorder) -> None:
        x = rec.runs_first("drivers", rec.drivers)  # (N, T, S, P, D)
        if self.total is None:
            self.setup, self.dates = rec.setup, list(rec.dates)
            shape = x.shape[1:]
            self.total, self.total_abs = np.zeros(shape), np.zeros(shape)
            self.low, self.high = np.full(shape, np.inf), np.full(shape, -np.inf)
        for i in range(x.shape[0]):
            run = x[i]
            self.total += run
            self.total_abs += np.abs(run)
            np.minimum(self.low, run, out=self.low)
            np.maximum(self.high, run, out=self.high)
        self.n += x.shape[0]

    def columns(self) -> tables.Columns:
        st = self.setup
        T = len(self.dates)
        sizes = (st.S, st.P, len(DRIVERS))
        inner = int(np.prod(sizes))
        cols: tables.Columns = {
            "date": tables.Coded(np.repeat(np.arange(T), inner), self.dates),
            "state": tables.Coded(np.tile(np.repeat(np.arange(st.S), st.P * len(DRIVERS)), T), list(st.states)),
            "power": tables.Coded(np.tile(np.repeat(np.arange(st.P), len(DRIVERS)), T * st.S), list(st.powers)),
            "driver": tables.Coded(np.tile(np.arange(len(DRIVERS)), T * st.S * st.P), list(DRIVERS)),
            "runs": np.full(T * inner, self.n, dtype=np.int64),
            "mean": (self.total / self.n).reshape(-1),
            "mean_abs": (self.total_abs / self.n).reshape(-1),
            "min": self.low.reshape(-1),
            "max": self.high.reshape(-1),
        }
        return cols
