"""The trade shares of 1995-2008 computed by the trade rules alone, for the fit and its test.

Month by month from the record's start: the partners' masses and the oil price from the scenario's series,
the export routes built toward the capacity the record's deals sign (``sim/core/rules/trade.py:route_next``),
and the month's shares (``sim/core/rules/trade.py:month_shares``); a year's share is the mean of its twelve
months, as the Correlates of War data are yearly totals. No engine and no other rule is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from sim.core.rules import trade as tr
from sim.data_sources import trade_shares as cow_table
from sim.scenario.schema import month_index
from sim.trade_data import TradeData


class RecordError(ValueError):
    """The route record is not as expected (the message names the file and the field)."""


@dataclass(frozen=True)
class RouteRecord:
    start: int  # month index
    routes: np.ndarray  # (S, J) capacity in service at the start
    deals: tuple[tuple[int, int, int, float, str], ...]  # (month, state, partner, capacity, name)


def read_record(path: Path, data: TradeData) -> RouteRecord:
    """Read calibration/trade_routes.yaml (routes at the start, then deals by month)."""
    where = str(path)
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RecordError(f"{where}: cannot read the route record ({e})") from None
    if not isinstance(doc, dict) or not {"start", "states", "deals"} <= set(doc):
        raise RecordError(f"{where}: expected the fields start, states and deals")
    try:
        start = month_index(doc["start"])
    except ValueError as e:
        raise RecordError(f"{where}: start: {e}") from None
    S, J = len(data.states), len(data.partners)
    routes = np.zeros((S, J))
    for code, caps in (doc["states"] or {}).items():
        if code not in data.states:
            raise RecordError(f"{where}: states.{code}: unknown state; expected one of {', '.join(data.states)}")
        for p, v in (caps or {}).items():
            if p not in data.partners:
                raise RecordError(f"{where}: states.{code}.{p}: unknown partner; expected one of "
                                  f"{', '.join(data.partners)}")
            routes[data.states.index(code), data.partners.index(p)] = float(v)
    deals = []
    for i, d in enumerate(doc["deals"] or []):
        if not isinstance(d, dict) or not {"state", "partner", "signed", "capacity", "name"} <= set(d):
            raise RecordError(f"{where}: deals[{i}]: expected state, partner, signed (YYYY-MM), capacity and name")
        if d["state"] not in data.states:
            raise RecordError(f"{where}: deals[{i}].state: unknown state {d['state']!r}; expected one of "
                              f"{', '.join(data.states)}")
        if d["partner"] not in data.partners:
            raise RecordError(f"{where}: deals[{i}].partner: unknown partner {d['partner']!r}; expected one of "
                              f"{', '.join(data.partners)}")
        try:
            deals.append((month_index(d["signed"]), data.states.index(d["state"]), data.partners.index(d["partner"]),
                          float(d["capacity"]), str(d["name"])))
        except (TypeError, ValueError) as e:
            raise RecordError(f"{where}: deals[{i}]: expected signed as YYYY-MM and a number as capacity "
                              f"({e})") from None
    return RouteRecord(start, routes, tuple(sorted(deals)))


def monthly_shares(data: TradeData, record: RouteRecord, params, months: int) -> dict[str, np.ndarray]:
    """The shares of every month from the record's start: arrays (months, [N,] S, J) of ``trade``, ``energy``
    and ``tie``, and the route capacity in service at the start of each month (``route``)."""
    route = record.routes.copy()
    signed = record.routes.copy()
    pending = list(record.deals)
    out: dict[str, list] = {"trade": [], "energy": [], "tie": [], "route": []}
    for k in range(months):
        month = record.start + k
        while pending and pending[0][0] <= month:
            _, s, j, cap, _ = pending.pop(0)
            signed[s, j] += cap
        x = tr.month_shares(data.mass_at(month), data.price_ratio_at(month), route, data, params)
        for key in ("trade", "energy", "tie"):
            out[key].append(x[key])
        out["route"].append(route)
        route = tr.route_next(route, signed, params["route_rate"])
    return {k: np.stack(v) for k, v in out.items()}


def yearly_shares(data: TradeData, record: RouteRecord, params, first: int, last: int) -> dict[str, np.ndarray]:
    """Yearly means (years, [N,] S, J) of the monthly shares, for the years first..last (the record must start
    in January of ``first`` or earlier)."""
    months = (last + 1) * 12 - record.start
    m = monthly_shares(data, record, params, months)
    offset = first * 12 - record.start
    out = {}
    for key in ("trade", "energy", "tie"):
        v = m[key][offset:]
        out[key] = v.reshape((last - first + 1, 12) + v.shape[1:]).mean(axis=1)
    return out


def cow_shares(data: TradeData, first: int = 1995, last: int = 2008) -> np.ndarray:
    """The Correlates of War shares (years, S, powers); NaN where the data have no value."""
    df = cow_table()
    powers = data.partners[:-1]
    y = np.full((last - first + 1, len(data.states), len(powers)), np.nan)
    for row in df.itertuples():
        if first <= row.year <= last and row.state in data.states and row.power in powers:
            y[row.year - first, data.states.index(row.state), powers.index(row.power)] = row.share_of_state_trade
    return y


def errors(model: np.ndarray, cow: np.ndarray) -> np.ndarray:
    """Mean absolute error of the yearly shares per state and partner (S, J): the powers against the data,
    the rest of the world against 1 minus the powers' shares in the data."""
    rest = 1.0 - np.nansum(cow, axis=-1)
    full = np.concatenate([cow, rest[..., None]], axis=-1)
    return np.nanmean(np.abs(model - full), axis=0)
