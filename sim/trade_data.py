"""The trade submodel's data, read from a validated scenario: partners, distances, ties, commodity shares,
export routes and the masses and oil price at any month.

The partners are the scenario's powers, in order, then the rest of the world (``economy.rest_of_world``).
Series are interpolated linearly between their points, as the world's series table does, but at any month
(the trade fit reaches back to 1995, before the replay starts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.codes import STATES
from sim.scenario.schema import Scenario, month_index


class TradeDataError(ValueError):
    """The scenario has no trade data (no ``economy`` block)."""


@dataclass(frozen=True)
class TradeData:
    states: tuple[str, ...]
    partners: tuple[str, ...]  # the powers, then the rest of the world
    active: np.ndarray  # (J,) 1 for a partner with a mass series; a power without one has no share
    distance_km: np.ndarray  # (S, J)
    legacy: np.ndarray  # (S, J) Soviet-era links, 0-1
    border: np.ndarray  # (S, J) 1 for a shared land border
    transit: np.ndarray  # (J,) 1 where the partner's pipelines carry exports on (0 for the rest of the world)
    hydrocarbon_share: np.ndarray  # (S,)
    commodity_share: np.ndarray  # (S,)
    routes: np.ndarray  # (S, J) route capacity in service at the start
    routes_signed: np.ndarray  # (S, J) route capacity signed at the start
    mass_reference: np.ndarray  # (J,) each partner's mass at its series' reference (1999)
    mass_points: tuple[tuple[np.ndarray, np.ndarray], ...]  # per partner: (month indices, values)
    price_points: tuple[np.ndarray, np.ndarray]
    price_reference: float

    def mass_at(self, month: int | np.ndarray) -> np.ndarray:
        """Each partner's mass at a month index (year x 12 + month - 1): (J,), or (T, J) for T months."""
        return np.stack([np.interp(month, xs, ys) for xs, ys in self.mass_points], axis=-1)

    def price_ratio_at(self, month: int | np.ndarray) -> np.ndarray:
        """The oil price over its reference at a month index (or months)."""
        xs, ys = self.price_points
        return np.interp(month, xs, ys) / self.price_reference


def _points(series) -> tuple[np.ndarray, np.ndarray]:
    pts = sorted((month_index(m), v) for m, v in series.values.items())
    return np.array([p[0] for p in pts], dtype=float), np.array([p[1] for p in pts], dtype=float)


def trade_data(spec: Scenario) -> TradeData:
    """The trade data of a validated scenario (the loader has checked its codes and series)."""
    eco = spec.economy
    if eco is None:
        raise TradeDataError("the scenario has no 'economy' block: no trade partners' masses")
    partners = tuple(spec.powers) + (eco.rest_of_world,)
    S, J = len(STATES), len(partners)
    distance = np.zeros((S, J))
    border = np.zeros((S, J))
    routes = np.zeros((S, J))
    signed = np.zeros((S, J))
    for s, code in enumerate(STATES):
        st = spec.states[code]
        for j, p in enumerate(partners):
            distance[s, j] = st.distance.get(p, 1.0)
            border[s, j] = 1.0 if p in st.borders else 0.0
            routes[s, j] = st.routes.get(p, 0.0)
            signed[s, j] = st.routes_signed.get(p, routes[s, j])
    legacy = np.tile(np.array([eco.legacy.get(p, 0.0) for p in partners]), (S, 1))
    transit = np.array([eco.transit.get(p, 0.0) for p in partners])
    transit[-1] = 0.0
    constant = (np.array([0.0, 1.0]), np.array([1.0, 1.0]))  # a partner without mass: 1 at every month
    return TradeData(
        states=STATES, partners=partners, active=np.array([1.0 if p in eco.mass else 0.0 for p in partners]),
        distance_km=distance, legacy=legacy, border=border, transit=transit,
        hydrocarbon_share=np.array([spec.states[c].hydrocarbon_share for c in STATES]),
        commodity_share=np.array([spec.states[c].commodity_share for c in STATES]),
        routes=routes, routes_signed=signed,
        mass_reference=np.array([spec.series[eco.mass[p]].reference if p in eco.mass else 1.0 for p in partners]),
        mass_points=tuple(_points(spec.series[eco.mass[p]]) if p in eco.mass else constant for p in partners),
        price_points=_points(spec.series[eco.price]), price_reference=spec.series[eco.price].reference,
    )
