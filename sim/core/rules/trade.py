"""Trade and energy shares: how a state's trade and its energy exports divide among its partners.

A state trades with J partners: the powers and, last, the rest of the world (everyone else, neighbours
included). Every function takes arrays whose last two axes are (S states, J partners), with an optional
leading batch axis of N runs; a per-run parameter has shape () or (N,). Sums run over the partners in a
fixed order (``sum_last``), so a batch of runs gives the same bits as the runs one by one.

The month's shares come in four steps:

1. **Gravity** (``gravity_shares``): the trade a state does in ordinary goods goes to each partner in
   proportion to the partner's economic mass (its GDP at the reference year) raised to
   ``trade_mass_elasticity``, times its growth since then raised to ``trade_growth_elasticity``, times
   ``exp(-trade_distance_decay x distance in 1000 km)``, times ``exp(trade_legacy x legacy)`` for the ties the
   Soviet economy left (Russia), times ``exp(trade_border x border)`` for a shared land border; the weights
   are then divided by their sum over all partners, so the shares sum to 1 with the rest of the world.
2. **Export routes** (``route_next``, ``route_shares``): each state's hydrocarbon exports leave by pipelines
   and other routes toward a partner. The capacity in service follows the capacity signed a little each
   month (``route_rate``): a pipeline agreed today carries oil years later. The energy-export share toward
   a partner is its share of the capacity in service.
3. **Commodities** (``commodity_weights``): hydrocarbons (valued at the oil price) and other commodities sold
   on world markets (metals, gold, cotton) are shares of the state's trade; the dearer oil is, the larger
   the hydrocarbon share (``oil_value_elasticity``).
4. **Trade shares** (``trade_shares``): ordinary goods follow gravity; hydrocarbons follow the routes to their
   buyers (``energy_buyers``: what runs through a transit network, Russia's, is mostly bought further on,
   ``transit_share`` of it by the rest of the world); other commodities go to the rest of the world.

The tie the alignment pull uses (``economic_tie``) mixes the trade share and the energy-export share by
the state's hydrocarbon dependence.
"""

from __future__ import annotations

import numpy as np

from sim.core.rules.arrays import per_run, sum_last


def _p(x, trailing: int = 2):
    """A parameter of shape () or (N,) with trailing axes to broadcast over (states, partners)."""
    return per_run(np.asarray(x, dtype=np.float64), trailing)


def normalise(weights: np.ndarray) -> np.ndarray:
    """Each weight divided by the sum of its row (over the partners, in order); rows of zeros stay zero."""
    total = sum_last(weights)[..., None]
    safe = np.where(total > 0.0, total, 1.0)
    return np.where(total > 0.0, weights / safe, 0.0)


def gravity_weights(mass, reference_mass, distance_km, legacy, border, mass_elasticity, growth_elasticity,
                    distance_decay, legacy_weight, border_weight):
    """The gravity weight of each partner j for state s:

        w[s, j] = reference_mass[j] ^ mass_elasticity x (mass[j] / reference_mass[j]) ^ growth_elasticity
                  x exp(-distance_decay x distance_km[s, j] / 1000)
                  x exp(legacy_weight x legacy[s, j] + border_weight x border[s, j])

    The partners' sizes at the reference year set the cross-section (``mass_elasticity``, about 1 in gravity
    studies); their growth since then moves the weights over time (``growth_elasticity``: trade has grown
    faster than output). mass, reference_mass (..., J) economic mass of each partner this month and at the
    reference (GDP, any fixed unit); distance_km (S, J); legacy and border (S, J) indicators from 0 to 1.
    Returns (..., S, J), all positive.
    """
    ref = np.log(np.asarray(reference_mass, dtype=np.float64))[..., None, :]
    growth = np.log(np.asarray(mass, dtype=np.float64))[..., None, :] - ref
    a, g, b = _p(mass_elasticity), _p(growth_elasticity), _p(distance_decay)
    lw, bw = _p(legacy_weight), _p(border_weight)
    exponent = a * ref + g * growth - b * (np.asarray(distance_km) / 1000.0) + lw * legacy + bw * border
    return np.exp(exponent)


def gravity_shares(mass, reference_mass, distance_km, legacy, border, mass_elasticity, growth_elasticity,
                   distance_decay, legacy_weight, border_weight):
    """Shares of a state's ordinary trade by partner: the gravity weights divided by their sum over the
    powers and the rest of the world (so each row sums to 1). Shapes as in ``gravity_weights``."""
    return normalise(gravity_weights(mass, reference_mass, distance_km, legacy, border, mass_elasticity,
                                     growth_elasticity, distance_decay, legacy_weight, border_weight))


def route_next(route, capacity_signed, rate):
    """Export route capacity in service next month: it closes the share ``rate`` of its gap to the capacity
    signed (pipelines built, contracts taken up; a route given up winds down the same way):

        route(t+1) = route + rate x (capacity_signed - route)

    route, capacity_signed (..., S, J) in units of the state's 1999 hydrocarbon exports; rate per month.
    """
    return route + _p(rate) * (capacity_signed - route)


def route_shares(route):
    """Energy-export share toward each partner: its share of the state's route capacity in service
    (route[s, j] / sum over j of route[s, j]); a state with no routes has shares of 0. Returns (..., S, J)."""
    return normalise(np.maximum(route, 0.0))


def energy_buyers(energy_share, transit, transit_share):
    """Who buys the hydrocarbons, as trade statistics record them: what leaves through a partner with a
    transit network (``transit[j]`` = 1: Russia's pipelines carry Central Asian oil and gas on to Europe and
    Ukraine) is bought by the rest of the world (the last partner) for the share ``transit_share``, by the
    transit partner for the rest; what leaves toward any other partner is bought by that partner.

        buyer[s, j]   = energy_share[s, j] x (1 - transit_share x transit[j])       for j a power
        buyer[s, ROW] = energy_share[s, ROW] + sum over powers j of energy_share[s, j] x transit_share x transit[j]

    energy_share (..., S, J); transit (J,) with 0 for the rest of the world. Returns (..., S, J).
    """
    passed = energy_share * (_p(transit_share) * np.asarray(transit, dtype=np.float64))
    kept = energy_share - passed
    onward = sum_last(passed)
    return np.concatenate([kept[..., :-1], (kept[..., -1] + onward)[..., None]], axis=-1)


def commodity_weights(hydrocarbon_share, commodity_share, price_ratio, value_elasticity):
    """The shares of a state's trade that are hydrocarbon exports (x_h) and other world-market commodities
    (x_c) this month. At the reference oil price they are the state's data ``hydrocarbon_share`` (h) and
    ``commodity_share`` (c); the value of hydrocarbons moves with the oil price, q = price_ratio ^
    value_elasticity, the rest of the trade does not:

        x_h = h x q / (h x q + c + 1 - h - c),   x_c = c / (h x q + c + 1 - h - c)

    hydrocarbon_share, commodity_share (S,); price_ratio scalar or (N,) (oil price / reference).
    Returns (x_h, x_c), each (..., S).
    """
    h = np.asarray(hydrocarbon_share, dtype=np.float64)
    c = np.asarray(commodity_share, dtype=np.float64)
    q = np.exp(_p(value_elasticity, 1) * np.log(_p(price_ratio, 1)))
    oil = h * q
    total = oil + c + (1.0 - h - c)
    return oil / total, c / total


def trade_shares(gravity, buyers, x_h, x_c):
    """A state's trade shares by partner: ordinary goods by gravity, hydrocarbons by their buyers, other
    commodities to the rest of the world (the last partner):

        share[s, j] = (1 - x_h - x_c) x gravity[s, j] + x_h x buyer[s, j] + x_c x [j is the rest of the world]

    A state without routes (buyer shares of 0) sells its hydrocarbons to the rest of the world. Each row sums
    to 1, so the powers' shares sum to at most 1. gravity, buyers (..., S, J); x_h, x_c (..., S).
    """
    has_route = sum_last(buyers) > 0.0
    xh, xc = x_h[..., None], x_c[..., None]
    ordinary = (1.0 - xh - xc) * gravity
    energy = xh * buyers
    unrouted = np.where(has_route, 0.0, x_h) + x_c
    return np.concatenate([(ordinary + energy)[..., :-1],
                           (ordinary[..., -1] + energy[..., -1] + unrouted)[..., None]], axis=-1)


def economic_tie(trade_share, energy_share, dependence):
    """The economic tie of a state with each partner, as the alignment pull reads it: its trade share and
    its energy-export share mixed by its hydrocarbon dependence d (0 to 1, the hydrocarbon share of its
    trade, ``commodity_weights``' x_h):

        tie[s, j] = (1 - d[s]) x trade_share[s, j] + d[s] x energy_share[s, j]

    Both shares lie in [0, 1] and sum to at most 1 over the partners, so the tie does too.
    trade_share, energy_share (..., S, J); dependence (..., S). Returns (..., S, J).
    """
    d = np.asarray(dependence, dtype=np.float64)[..., None]
    return (1.0 - d) * trade_share + d * energy_share


def month_shares(mass, price_ratio, route, data, params):
    """Everything of one month in one call, for the monthly step and the fit.

    mass (J,) the partners' masses this month; price_ratio the oil price over its reference this month
    (scalar, or (N,) per run); route (..., S, J) the route capacity in service; ``data`` a
    ``sim.trade_data.TradeData`` (or alike) with distance_km, legacy, border (S, J), transit, mass_reference
    and active (J,; active 0 for a power that does not trade in the model), hydrocarbon_share and
    commodity_share (S,); ``params`` a mapping with the trade parameters (scalars or (N,) arrays).
    Returns a dict of (..., S, J) arrays ``gravity``, ``energy`` (route shares), ``trade`` and ``tie`` (the
    last column is the rest of the world; the alignment pull reads ``tie[..., :P]``), and (..., S) ``x_h``.
    """
    w = gravity_weights(mass, data.mass_reference, data.distance_km, data.legacy, data.border,
                        params["trade_mass_elasticity"], params["trade_growth_elasticity"],
                        params["trade_distance_decay"], params["trade_legacy"], params["trade_border"])
    g = normalise(w * data.active)
    energy = route_shares(route)
    buyers = energy_buyers(energy, data.transit, params["transit_share"])
    x_h, x_c = commodity_weights(data.hydrocarbon_share, data.commodity_share, price_ratio,
                                 params["oil_value_elasticity"])
    trade = trade_shares(g, buyers, x_h, x_c)
    return {"gravity": g, "energy": energy, "trade": trade, "x_h": x_h,
            "tie": economic_tie(trade, energy, x_h)}
