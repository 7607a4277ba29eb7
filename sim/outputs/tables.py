"""Tidy (long) tables from a FullRecorder: one row per run, date, state (and power)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.codes import STANCES
from sim.recorders import FullRecorder
from sim.rules.alignment import DRIVERS


def _index(rec: FullRecorder, seeds: list[int], *dims: tuple[str, tuple]) -> dict[str, np.ndarray]:
    """Columns run, seed, date and the given dims for an array laid out (T, N, *dims)."""
    T, N = len(rec.dates), len(seeds)
    shape = (T, N) + tuple(len(v) for _, v in dims)
    grids = np.indices(shape).reshape(len(shape), -1)
    cols = {
        "run": grids[1],
        "seed": np.asarray(seeds)[grids[1]],
        "date": np.asarray(rec.dates)[grids[0]],
    }
    for k, (name, values) in enumerate(dims):
        cols[name] = np.asarray(values)[grids[2 + k]]
    return cols


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def timeseries(rec: FullRecorder, seeds: list[int]) -> pd.DataFrame:
    st = rec.setup
    cols = _index(rec, seeds, ("state", st.states), ("power", st.powers))
    cols["alignment"] = rec.stacked("alignment").reshape(-1)
    return _sorted(pd.DataFrame(cols), ["run", "date"])


def drivers(rec: FullRecorder, seeds: list[int]) -> pd.DataFrame:
    st = rec.setup
    cols = _index(rec, seeds, ("state", st.states), ("power", st.powers), ("driver", DRIVERS))
    cols["contribution"] = rec.stacked("drivers").reshape(-1)
    return _sorted(pd.DataFrame(cols), ["run", "date"])


def states(rec: FullRecorder, seeds: list[int]) -> pd.DataFrame:
    st = rec.setup
    cols = _index(rec, seeds, ("state", st.states))
    for name, values in rec.state_vars.items():
        cols[name] = np.stack(values).reshape(-1)
    members = np.stack(rec.members)  # (T, N, S, O)
    cols["organisations"] = np.array([" ".join(o for o, m in zip(st.orgs, row) if m)
                                      for row in members.reshape(-1, members.shape[-1])])
    open_ = np.stack(rec.bases_open)  # (T, N, K)
    T, N = open_.shape[:2]
    hosted = np.empty((T, N, st.S), dtype=object)
    for t in range(T):
        for n in range(N):
            names = [[] for _ in range(st.S)]
            for k, sl in enumerate(st.slots):
                if sl.kind == "base" and open_[t, n, k]:
                    names[sl.state].append(f"{st.powers[sl.power]}:{sl.name}")
            for s in range(st.S):
                hosted[t, n, s] = "; ".join(names[s])
    cols["bases"] = hosted.reshape(-1)
    return _sorted(pd.DataFrame(cols), ["run", "date"])


def powers(rec: FullRecorder, seeds: list[int]) -> pd.DataFrame:
    st = rec.setup
    cols = _index(rec, seeds, ("power", st.powers))
    for name, values in rec.power_vars.items():
        if name == "afghan_threat":
            continue
        arr = np.stack(values)
        cols[name] = arr.reshape(-1)
    cols["stance"] = np.asarray(STANCES)[cols["stance"].astype(int)]
    afghan = np.stack(rec.power_vars["afghan_threat"])  # (T, N)
    cols["afghan_threat"] = np.repeat(afghan.reshape(-1), st.P)
    return _sorted(pd.DataFrame(cols), ["run", "date"])


def decisions(rec: FullRecorder, seeds: list[int]) -> pd.DataFrame:
    cols = ["run", "seed", "date", "state", "counterpart", "decision", "detail"]
    rows = [{**d, "seed": seeds[d["run"]]} for d in rec.decisions]
    df = pd.DataFrame(rows, columns=cols)
    return _sorted(df, ["run", "date"]) if len(df) else df


def refusals(rec: FullRecorder, seeds: list[int]) -> pd.DataFrame:
    """Requests and offers that lapsed unanswered: run, seed, date, state, counterpart, request, detail."""
    cols = ["run", "seed", "date", "state", "counterpart", "request", "detail"]
    df = pd.DataFrame([{**d, "seed": seeds[d["run"]]} for d in rec.refusals], columns=cols)
    return _sorted(df, ["run", "date"]) if len(df) else df


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


def events(rec: FullRecorder, seeds: list[int]) -> pd.DataFrame:
    cols = ["run", "seed", "date", "id", "title", "type", "summary", "source"]
    rows = [{"run": e["run"], "seed": seeds[e["run"]], "date": e["date"], "id": e["event"].id,
             "title": e["event"].title, "type": e["event"].type, "summary": describe_event(e["event"]),
             "source": e["event"].source}
            for e in rec.events]
    df = pd.DataFrame(rows, columns=cols)
    return _sorted(df, ["run", "date"]) if len(df) else df
