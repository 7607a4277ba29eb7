"""Recorders: what a run keeps of each month.

The engines call ``recorder.record(world, drivers, decisions, applied)`` once a month, after the month's
decisions and before the clock moves on (``world.step`` is the month just simulated). ``FullRecorder``
keeps everything ``run.py run`` writes; a sweep uses a recorder that keeps only its outcomes.
"""

from __future__ import annotations

import numpy as np

from sim.core.world import World
from sim.decision_log import batch_rows, decision_rows, refusal_rows


class FullRecorder:
    """Keep every month's state of every run in the batch (alignment, drivers, threats, powers, decisions).

    The monthly arrays are lists, one (N, ...) array a month. They are views into one array per variable
    laid out (N, T, ...), runs first, allocated at the first month for the months left in the period:
    ``runs_first`` hands it to the tables without a copy."""

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
        self._buffers: dict[str, np.ndarray] = {}  # key -> (N, T, ...)
        self._months = 0  # T of the buffers

    def _keep(self, key: str, x: np.ndarray) -> np.ndarray:
        """This month's (N, ...) value of a variable, copied into its (N, T, ...) buffer; returns the copy."""
        t = len(self.dates) - 1
        buf = self._buffers.get(key)
        if buf is None and t == 0:
            buf = self._buffers[key] = np.empty((x.shape[0], self._months) + x.shape[1:], dtype=x.dtype)
        if buf is None or t >= buf.shape[1]:  # recorded past the period it was sized for: plain copies
            self._buffers.pop(key, None)
            return np.array(x, copy=True)
        buf[:, t] = x
        return buf[:, t]

    def runs_first(self, key: str, months: list[np.ndarray]) -> np.ndarray:
        """(N, T, ...) array of a variable ('alignment', 'drivers', 'members', 'bases_open', 'state:NAME',
        'power:NAME'), from its buffer when the record has one, else stacked from ``months``."""
        buf = self._buffers.get(key)
        if buf is not None and len(months) == len(self.dates) and buf.shape[1] >= len(months):
            return buf[:, :len(months)]
        return np.stack(months, axis=1)

    def record(self, world: World, drivers, dec, applied) -> None:
        from sim.core.world import OPEN

        r, st = world.runs, world.setup
        self.setup = st
        batch = world.batch_ndim == 1
        lead = (lambda x: np.asarray(x)) if batch else (lambda x: np.asarray(x)[None])  # runs on axis 0
        if not self.dates:
            self._months = max(1, st.months - world.step)
        date = st.date(world.step)
        self.dates.append(date)
        keep = self._keep
        self.alignment.append(keep("alignment", lead(r.alignment)))
        self.drivers.append(keep("drivers", lead(drivers)))
        t = world.step
        afghan = lead(r.afghan_threat)
        values = {
            "security_threat": lead(r.local_threat) + st.exposure * afghan[..., None],
            "regime_threat": lead(r.regime_threat),
            "local_threat": lead(r.local_threat),
            "openness": lead(r.openness),
        }
        for p, code in enumerate(st.powers):
            values[f"economy_{code}"] = lead(r.economy[..., p])
            values[f"blame_{code}"] = lead(r.blame[..., p])
            values[f"offers_{code}"] = lead(r.offers[..., p])
        for k, v in values.items():
            self.state_vars.setdefault(k, []).append(keep(f"state:{k}", v))
        shape = lead(r.attention).shape
        pvalues = {
            "stance": lead(r.stance),
            "attention": lead(r.attention),
            "capacity": np.broadcast_to(st.capacity[t], shape),
            "own_threat": lead(r.own_threat),
            "encroachment": lead(r.encroachment),
            "conditionality": np.broadcast_to(world.schedule.conditionality, shape),
            "operations": np.broadcast_to(world.schedule.operations, shape),
        }
        for k, v in pvalues.items():
            self.power_vars.setdefault(k, []).append(keep(f"power:{k}", v))
        self.power_vars.setdefault("afghan_threat", []).append(keep("power:afghan_threat", afghan))
        self.members.append(keep("members", lead(r.member)))
        self.bases_open.append(keep("bases_open", lead(r.slot_status == OPEN)))
        n = self.alignment[-1].shape[0]
        if batch:
            rows, refused = batch_rows(world, dec)
            self.decisions += [{"run": run, "date": date, **row} for run, row in rows]
            self.refusals += [{"run": run, "date": date, **row} for run, row in refused]
        else:
            self.decisions += [{"run": 0, "date": date, **row} for row in decision_rows(world, dec, None, None)]
            self.refusals += [{"run": 0, "date": date, **row} for row in refusal_rows(world, dec, None)]
        for ev, mask in applied:
            runs = range(n) if mask is None else np.flatnonzero(np.asarray(mask).reshape(-1)[:n] if batch
                                                                else np.asarray(mask).reshape(-1)[:1])
            for run in runs:
                self.events.append({"run": int(run), "date": date, "event": ev})

    # arrays with the time axis first -------------------------------------------------------------------
    def stacked(self, name: str) -> np.ndarray:
        return np.stack(getattr(self, name))


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
