"""Recorders: what a run keeps of each month.

The engines call ``recorder.record(world, drivers, decisions, applied)`` once a month, after the month's
decisions and before the clock moves on (``world.step`` is the month just simulated). ``FullRecorder``
keeps everything ``run.py run`` writes; a sweep uses a recorder that keeps only its outcomes.
"""

from __future__ import annotations

import numpy as np

from sim.decision_log import decision_rows, refusal_rows
from sim.world import World


class FullRecorder:
    """Keep every month's state of every run in the batch (alignment, drivers, threats, powers, decisions)."""

    def __init__(self):
        self.dates: list[str] = []
        self.alignment: list[np.ndarray] = []  # (N, S, P) per month
        self.drivers: list[np.ndarray] = []  # (N, S, P, D)
        self.state_vars: dict[str, list[np.ndarray]] = {}
        self.power_vars: dict[str, list[np.ndarray]] = {}
        self.members: list[np.ndarray] = []  # (N, S, O)
        self.bases_open: list[np.ndarray] = []  # (N, K)
        self.decisions: list[dict] = []  # run, date, state, counterpart, decision, detail
        self.refusals: list[dict] = []  # run, date, state, counterpart, request, detail
        self.events: list[dict] = []  # run, date, event
        self.setup = None

    def record(self, world: World, drivers, dec, applied) -> None:
        from sim.world import OPEN

        r, st = world.runs, world.setup
        self.setup = st
        batch = world.batch_ndim == 1
        add = (lambda x: np.array(x, copy=True)) if batch else (lambda x: np.array(x, copy=True)[None])
        date = st.date(world.step)
        self.dates.append(date)
        self.alignment.append(add(r.alignment))
        self.drivers.append(add(drivers))
        t = world.step
        afghan = add(r.afghan_threat)
        values = {
            "security_threat": add(r.local_threat) + st.exposure * afghan[..., None],
            "regime_threat": add(r.regime_threat),
            "local_threat": add(r.local_threat),
            "openness": add(r.openness),
        }
        for p, code in enumerate(st.powers):
            values[f"economy_{code}"] = add(r.economy[..., p])
            values[f"blame_{code}"] = add(r.blame[..., p])
            values[f"offers_{code}"] = add(r.offers[..., p])
        for k, v in values.items():
            self.state_vars.setdefault(k, []).append(v)
        cap = np.broadcast_to(st.capacity[t], add(r.attention).shape)
        pvalues = {
            "stance": add(r.stance),
            "attention": add(r.attention),
            "capacity": np.array(cap),
            "own_threat": add(r.own_threat),
            "encroachment": add(r.encroachment),
            "conditionality": np.broadcast_to(world.schedule.conditionality, cap.shape).copy(),
            "operations": np.broadcast_to(world.schedule.operations, cap.shape).copy(),
        }
        for k, v in pvalues.items():
            self.power_vars.setdefault(k, []).append(v)
        self.power_vars.setdefault("afghan_threat", []).append(afghan)
        self.members.append(add(r.member))
        self.bases_open.append(add(r.slot_status == OPEN))
        n = self.alignment[-1].shape[0]
        for run in _runs_with_flags(dec, n) if batch else range(n):
            for row in decision_rows(world, dec, None, run if batch else None):
                self.decisions.append({"run": run, "date": date, **row})
            for row in refusal_rows(world, dec, run if batch else None):
                self.refusals.append({"run": run, "date": date, **row})
        for ev, mask in applied:
            runs = range(n) if mask is None else np.flatnonzero(np.asarray(mask).reshape(-1)[:n] if batch
                                                                else np.asarray(mask).reshape(-1)[:1])
            for run in runs:
                self.events.append({"run": int(run), "date": date, "event": ev})

    # arrays with the time axis first -------------------------------------------------------------------
    def stacked(self, name: str) -> np.ndarray:
        return np.stack(getattr(self, name))


def _runs_with_flags(dec: dict, n: int) -> list[int]:
    """The runs of a batch with any decision or lapsed request this month (most runs have none, and
    turning flags into rows is done run by run)."""
    any_flag = np.zeros(n, dtype=bool)
    for key in ("joined", "left", "opened", "closed", "refused"):
        if key in dec:
            f = np.asarray(dec[key])
            if f.size:
                any_flag |= f.reshape(n, -1).any(axis=1)
    return [int(i) for i in np.flatnonzero(any_flag)]


def take_runs(rec: FullRecorder, lo: int, hi: int) -> FullRecorder:
    """Runs lo..hi-1 of a batch record, as a record of their own (numbered from 0)."""
    out = FullRecorder()
    out.setup, out.dates = rec.setup, list(rec.dates)
    for name in ("alignment", "drivers", "members", "bases_open"):
        setattr(out, name, [x[lo:hi] for x in getattr(rec, name)])
    out.state_vars = {k: [x[lo:hi] for x in v] for k, v in rec.state_vars.items()}
    out.power_vars = {k: [x[lo:hi] for x in v] for k, v in rec.power_vars.items()}
    for name in ("decisions", "refusals", "events"):
        setattr(out, name, [{**row, "run": row["run"] - lo} for row in getattr(rec, name) if lo <= row["run"] < hi])
    return out
