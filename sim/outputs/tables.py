"""Tidy (long) tables from a FullRecorder: one row per run, date, state (and power).

Each table is first built as columns (``*_columns``): numbers as numpy arrays and text as codes into a
short list of labels (``Coded``), since the long tables repeat a few dates and codes millions of times.
``to_pandas`` turns them into the DataFrame everybody reads, ``to_arrow`` into a pyarrow table for a
parquet file, without a Python string per row. Rows come ordered by run, then date, then the table's
other keys in their natural order (states, powers, drivers as the setup lists them).

``first_run`` numbers the runs of a record that holds a later chunk of a bigger set of runs (its run 0 is
run ``first_run`` of the whole); ``seeds`` are the seeds of the runs in the record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.codes import STANCES
from sim.core.rules.alignment import DRIVERS
from sim.recorders import FullRecorder


@dataclass
class Coded:
    """A text column as integer codes into ``labels``."""

    codes: np.ndarray
    labels: list[str]

    def __len__(self) -> int:
        return len(self.codes)

    def values(self) -> np.ndarray:
        """One Python string per row (each label object shared by its rows)."""
        return np.asarray(list(self.labels) + [""], dtype=object)[:-1][self.codes]


Columns = dict  # column name -> np.ndarray | Coded


def to_pandas(cols: Columns):
    """The columns as a DataFrame (text columns as strings)."""
    import pandas as pd

    return pd.DataFrame({k: (v.values() if isinstance(v, Coded) else v) for k, v in cols.items()})


def to_arrow(cols: Columns):
    """The columns as a pyarrow Table: text columns as dictionaries of strings with 32-bit codes (a
    parquet file stores them as strings with a dictionary page, read back as plain strings)."""
    import pyarrow as pa

    arrays, names = [], []
    for k, v in cols.items():
        if isinstance(v, Coded):
            idx = pa.array(np.asarray(v.codes, dtype=np.int32), type=pa.int32())
            arrays.append(pa.DictionaryArray.from_arrays(idx, pa.array(list(v.labels), type=pa.string())))
        elif v.dtype == object:
            arrays.append(pa.array(v, type=pa.string()))
        else:
            arrays.append(pa.array(v))
        names.append(k)
    return pa.Table.from_arrays(arrays, names=names)


def _index(rec: FullRecorder, seeds: list[int], first_run: int, *dims: tuple[str, tuple]) -> Columns:
    """Columns run, seed, date and the given dims, for rows in the order (run, date, *dims)."""
    T, N = len(rec.dates), len(seeds)
    sizes = [len(v) for _, v in dims]
    inner = math.prod(sizes)
    local = np.repeat(np.arange(N, dtype=np.int64), T * inner)
    cols: Columns = {
        "run": local + int(first_run),
        "seed": np.asarray(seeds, dtype=np.int64)[local] if N else np.zeros(0, dtype=np.int64),
        "date": Coded(np.tile(np.repeat(np.arange(T), inner), N), list(rec.dates)),
    }
    for k, (name, values) in enumerate(dims):
        after = math.prod(sizes[k + 1:])
        before = N * T * math.prod(sizes[:k])
        cols[name] = Coded(np.tile(np.repeat(np.arange(len(values)), after), before), [str(v) for v in values])
    return cols


def _runs_first(rec: FullRecorder, key: str, months: list[np.ndarray]) -> np.ndarray:
    """A recorded series (T of (N, ...)) as one array laid out (N, T, ...), flattened."""
    return rec.runs_first(key, months).reshape(-1)


def timeseries_columns(rec: FullRecorder, seeds: list[int], first_run: int = 0) -> Columns:
    st = rec.setup
    cols = _index(rec, seeds, first_run, ("state", st.states), ("power", st.powers))
    cols["alignment"] = _runs_first(rec, "alignment", rec.alignment)
    return cols


def drivers_columns(rec: FullRecorder, seeds: list[int], first_run: int = 0) -> Columns:
    st = rec.setup
    cols = _index(rec, seeds, first_run, ("state", st.states), ("power", st.powers), ("driver", DRIVERS))
    cols["contribution"] = _runs_first(rec, "drivers", rec.drivers)
    return cols


def _label_codes(bits: np.ndarray, label) -> Coded:
    """Rows of booleans (..., B) -> a Coded column whose label for each distinct row is label(row). Rows
    are told apart by their bits read as one integer (quick to sort), or as bytes when B > 62."""
    flat = bits.reshape(-1, bits.shape[-1]).astype(bool)
    if flat.shape[1] == 0:
        return Coded(np.zeros(len(flat), dtype=np.int64), [label(np.zeros(0, dtype=bool))])
    if flat.shape[1] <= 62:
        keys = flat @ (np.int64(1) << np.arange(flat.shape[1], dtype=np.int64))
        distinct, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        return Coded(codes.reshape(-1), [label(flat[i]) for i in first])
    distinct, codes = np.unique(flat, axis=0, return_inverse=True)
    return Coded(codes.reshape(-1), [label(row) for row in distinct])


def states_columns(rec: FullRecorder, seeds: list[int], first_run: int = 0) -> Columns:
    st = rec.setup
    cols = _index(rec, seeds, first_run, ("state", st.states))
    for name, values in rec.state_vars.items():
        cols[name] = _runs_first(rec, f"state:{name}", values)
    members = rec.runs_first("members", rec.members)  # (N, T, S, O)
    cols["organisations"] = _label_codes(members, lambda row: " ".join(o for o, m in zip(st.orgs, row) if m))
    open_ = rec.runs_first("bases_open", rec.bases_open)  # (N, T, K)
    per_state = [[k for k, sl in enumerate(st.slots) if sl.kind == "base" and sl.state == s] for s in range(st.S)]
    width = max([len(ks) for ks in per_state] + [0])
    # one row per (run, date, state): which of that state's base slots are open, plus the state itself
    hosted = np.zeros(open_.shape[:2] + (st.S, width + st.S), dtype=bool)
    for s, ks in enumerate(per_state):
        hosted[:, :, s, width + s] = True
        for j, k in enumerate(ks):
            hosted[:, :, s, j] = open_[:, :, k]

    def names(row) -> str:
        s = int(np.flatnonzero(row[width:])[0])
        return "; ".join(f"{st.powers[st.slots[k].power]}:{st.slots[k].name}"
                         for j, k in enumerate(per_state[s]) if row[j])

    cols["bases"] = _label_codes(hosted, names)
    return cols


def powers_columns(rec: FullRecorder, seeds: list[int], first_run: int = 0) -> Columns:
    st = rec.setup
    cols = _index(rec, seeds, first_run, ("power", st.powers))
    for name, values in rec.power_vars.items():
        if name == "afghan_threat":
            continue
        cols[name] = _runs_first(rec, f"power:{name}", values)
    cols["stance"] = Coded(cols["stance"].astype(int), list(STANCES))
    afghan = rec.runs_first("power:afghan_threat", rec.power_vars["afghan_threat"])  # (N, T)
    cols["afghan_threat"] = np.repeat(afghan.reshape(-1), st.P)
    return cols


DECISION_COLUMNS = ["run", "seed", "date", "state", "counterpart", "decision", "detail"]
REFUSAL_COLUMNS = ["run", "seed", "date", "state", "counterpart", "request", "detail"]
EVENT_COLUMNS = ["run", "seed", "date", "id", "title", "type", "summary", "source"]


def _rows_columns(rows: list[dict], names: list[str]) -> Columns:
    """Columns from rows sorted by run, then date (stable: the order of the record within a month)."""
    rows = sorted(rows, key=lambda r: (r["run"], r["date"]))
    cols: Columns = {}
    for k in names:
        if k in ("run", "seed"):
            cols[k] = np.asarray([r[k] for r in rows], dtype=np.int64)
        else:
            cols[k] = np.asarray([r[k] for r in rows] + [""], dtype=object)[:-1]
    return cols


def decisions_columns(rec: FullRecorder, seeds: list[int], first_run: int = 0) -> Columns:
    rows = [{**d, "run": d["run"] + first_run, "seed": seeds[d["run"]]} for d in rec.decisions]
    return _rows_columns(rows, DECISION_COLUMNS)


def refusals_columns(rec: FullRecorder, seeds: list[int], first_run: int = 0) -> Columns:
    rows = [{**d, "run": d["run"] + first_run, "seed": seeds[d["run"]]} for d in rec.refusals]
    return _rows_columns(rows, REFUSAL_COLUMNS)


def events_columns(rec: FullRecorder, seeds: list[int], first_run: int = 0) -> Columns:
    summaries: dict[int, str] = {}  # the same event object is applied in many runs: describe it once
    rows = []
    for e in rec.events:
        ev = e["event"]
        if id(ev) not in summaries:
            summaries[id(ev)] = describe_event(ev)
        rows.append({"run": e["run"] + first_run, "seed": seeds[e["run"]], "date": e["date"], "id": ev.id,
                     "title": ev.title, "type": ev.type, "summary": summaries[id(ev)], "source": ev.source})
    return _rows_columns(rows, EVENT_COLUMNS)


def _frame(cols: Columns, names: list[str]):
    """A DataFrame of rows-built columns; with no rows, an empty frame with the columns (as before)."""
    import pandas as pd

    if not len(cols["run"]):
        return pd.DataFrame([], columns=names)
    return to_pandas(cols)


def timeseries(rec: FullRecorder, seeds: list[int], first_run: int = 0):
    return to_pandas(timeseries_columns(rec, seeds, first_run))


def drivers(rec: FullRecorder, seeds: list[int], first_run: int = 0):
    return to_pandas(drivers_columns(rec, seeds, first_run))


def states(rec: FullRecorder, seeds: list[int], first_run: int = 0):
    return to_pandas(states_columns(rec, seeds, first_run))


def powers(rec: FullRecorder, seeds: list[int], first_run: int = 0):
    return to_pandas(powers_columns(rec, seeds, first_run))


def decisions(rec: FullRecorder, seeds: list[int], first_run: int = 0):
    return _frame(decisions_columns(rec, seeds, first_run), DECISION_COLUMNS)


def refusals(rec: FullRecorder, seeds: list[int], first_run: int = 0):
    """Requests and offers that lapsed unanswered: run, seed, date, state, counterpart, request, detail."""
    return _frame(refusals_columns(rec, seeds, first_run), REFUSAL_COLUMNS)


def describe_event(ev) -> str:
    """A short description of an event's targets and size."""
    t = ev.type
    parts = []
    for name in ("targets", "place", "state", "actor", "org", "series", "name"):
        v = getattr(ev, name, None)
        if v:
            parts.append(f"{name}={'+'.join(v) if isinstance(v, list) else v}")
    for name in ("magnitude", "level", "value", "factor"):
        v = getattr(ev, name, None)
        if v is not None:
            parts.append(f"{name}={v}")
    if getattr(ev, "blame", None):
        parts.append(f"blame={'+'.join(ev.blame)}")
    return f"{t}: " + ", ".join(parts)


def events(rec: FullRecorder, seeds: list[int], first_run: int = 0):
    return _frame(events_columns(rec, seeds, first_run), EVENT_COLUMNS)
