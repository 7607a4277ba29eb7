"""The trade rules (sim/core/rules/trade.py) on small hand-made worlds, and the shipped fit against the COW data."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from sim.core.parameters import BY_NAME, DEFAULTS
from sim.core.rules import trade as tr
from sim.scenario.loader import load_scenario
from sim.trade_data import trade_data
from sim.trade_history import cow_shares, errors, monthly_shares, read_record, yearly_shares

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "base" / "central_asia_1999.yaml"
RECORD = ROOT / "calibration" / "trade_routes.yaml"
TRADE = {p.name: p.default for p in BY_NAME.values() if p.group == "trade"}

# two states, three partners (two powers and the rest of the world)
DIST = np.array([[2000.0, 4000.0, 5000.0], [3000.0, 3000.0, 5000.0]])
ZERO = np.zeros((2, 3))
MASS = np.array([1.0, 2.0, 10.0])
REF = np.array([1.0, 1.5, 8.0])


def gravity(mass=MASS, dist=DIST, legacy=ZERO, border=ZERO, a=1.0, g=2.0, b=0.3, lw=1.0, bw=1.0, ref=REF):
    return tr.gravity_shares(mass, ref, dist, legacy, border, a, g, b, lw, bw)


def world(**over):
    base = {"mass_reference": REF, "active": np.ones(3), "distance_km": DIST, "legacy": ZERO, "border": ZERO, "transit": np.array([1.0, 0.0, 0.0]),
            "hydrocarbon_share": np.array([0.4, 0.0]), "commodity_share": np.array([0.1, 0.3])}
    base.update(over)
    return SimpleNamespace(**base)


def test_shares_sum_to_one_with_the_rest_of_the_world():
    g = gravity()
    assert g.shape == (2, 3) and np.all(g > 0)
    assert np.allclose(g.sum(-1), 1.0)
    route = np.array([[1.0, 0.5, 0.2], [0.0, 0.0, 0.0]])
    x = tr.month_shares(MASS, 2.0, route, world(), TRADE)
    for key in ("trade", "energy", "tie"):
        assert np.all(x[key] >= 0) and np.all(x[key] <= 1), key
    assert np.allclose(x["trade"].sum(-1), 1.0)
    assert np.allclose(x["energy"][0].sum(), 1.0) and np.all(x["energy"][1] == 0)  # no routes: no energy share
    assert np.all(x["tie"][..., :-1].sum(-1) <= 1.0 + 1e-12)


def test_the_gravity_weight_is_the_stated_product():
    w = tr.gravity_weights(MASS, REF, DIST, ZERO + 1, ZERO, 1.5, 2.5, 0.3, 0.7, 2.0)
    expected = REF ** 1.5 * (MASS / REF) ** 2.5 * np.exp(-0.3 * DIST / 1000) * np.exp(0.7)
    assert np.allclose(w, expected)
    assert np.allclose(tr.gravity_weights(REF, REF, DIST, ZERO, ZERO, 1.5, 2.5, 0.3, 0.7, 2.0),
                       REF ** 1.5 * np.exp(-0.3 * DIST / 1000))  # at the reference only the sizes count


def test_growth_raises_a_partners_share_more_with_a_larger_growth_elasticity():
    grown = MASS * np.array([1.0, 1.0, 1.0])
    grown[1] *= 1.5
    for g in (1.0, 2.0):
        assert np.all(gravity(mass=grown, g=g)[:, 1] > gravity(g=g)[:, 1])
    gains = [gravity(mass=grown, g=g)[:, 1] - gravity(g=g)[:, 1] for g in (1.0, 2.0)]
    assert np.all(gains[1] > gains[0])
    assert np.allclose(gravity(mass=grown, g=0.0), gravity(g=0.0))  # no growth elasticity: growth is ignored


def test_a_larger_mass_raises_a_partners_share_and_lowers_the_others():
    before = gravity()
    bigger = REF * np.array([2.0, 1.0, 1.0])
    after = gravity(ref=bigger, mass=MASS * np.array([2.0, 1.0, 1.0]))
    assert np.all(after[:, 0] > before[:, 0])
    assert np.all(after[:, 1:] < before[:, 1:])
    assert np.all(gravity(a=0.0)[:, 0] > before[:, 0])  # when size stops mattering, the smallest partner gains


def test_a_longer_distance_lowers_the_share():
    farther = DIST.copy()
    farther[0, 1] += 1000.0
    before, after = gravity(), gravity(dist=farther)
    assert after[0, 1] < before[0, 1] and after[0, 0] > before[0, 0]
    assert np.allclose(after[1], before[1])  # the other state's shares do not move


def test_legacy_and_border_raise_the_share():
    tie = ZERO.copy()
    tie[1, 0] = 1.0
    assert gravity(legacy=tie)[1, 0] > gravity()[1, 0]
    assert gravity(border=tie)[1, 0] > gravity()[1, 0]
    assert np.allclose(gravity(border=tie, bw=0.0), gravity())


def test_a_route_is_built_gradually_and_raises_the_share_toward_its_buyer():
    """A pipeline toward partner 1 (no transit) signed in month 0: the share toward it grows month by month,
    a third of the way after about a year at route_rate 0.033, never at once."""
    params = dict(TRADE, route_rate=0.033)
    route = np.array([[1.0, 0.0, 0.2], [0.0, 0.0, 0.0]])
    signed = route.copy()
    signed[0, 1] = 1.0
    shares = []
    for _ in range(61):
        shares.append(tr.month_shares(MASS, 1.0, route, world(), params)["trade"][0, 1])
        route = tr.route_next(route, signed, params["route_rate"])
    shares = np.array(shares)
    assert np.all(np.diff(shares) > 0)
    gain = shares - shares[0]
    assert gain[1] < 0.1 * gain[60] and gain[12] < 0.6 * gain[60]  # not at once: most of it comes years later
    assert 0.25 < 1 - (1 - 0.033) ** 12 < 0.4  # the built share of the route after a year
    assert gain[60] > 0.05  # five years on, a real rise
    assert tr.route_next(np.array(2.0), np.array(0.0), 0.5) == 1.0  # a route given up winds down


def test_transit_sends_energy_to_the_rest_of_the_world_in_trade_but_not_in_the_energy_share():
    energy = np.array([[0.6, 0.1, 0.3]])
    buyers = tr.energy_buyers(energy, np.array([1.0, 0.0, 0.0]), 0.75)
    assert np.allclose(buyers, [[0.15, 0.1, 0.75]])
    assert np.allclose(buyers.sum(-1), 1.0)


def test_dearer_oil_raises_the_hydrocarbon_share_of_trade():
    h, c = np.array([0.3, 0.0]), np.array([0.1, 0.2])
    xh1, xc1 = tr.commodity_weights(h, c, 1.0, 1.0)
    assert np.allclose(xh1, h) and np.allclose(xc1, c)
    xh2, xc2 = tr.commodity_weights(h, c, 3.0, 1.0)
    assert xh2[0] > xh1[0] and xc2[0] < xc1[0]
    assert xh2[1] == 0.0 and xc2[1] == pytest.approx(0.2)
    assert np.allclose(xh2[0], 0.9 / (0.9 + 0.1 + 0.6))


def test_the_tie_mixes_trade_and_energy_by_dependence():
    trade = np.array([[0.2, 0.1, 0.7]])
    energy = np.array([[1.0, 0.0, 0.0]])
    assert np.allclose(tr.economic_tie(trade, energy, np.array([0.0])), trade)
    assert np.allclose(tr.economic_tie(trade, energy, np.array([1.0])), energy)
    assert np.allclose(tr.economic_tie(trade, energy, np.array([0.5])), [[0.6, 0.05, 0.35]])


def test_unrouted_hydrocarbons_go_to_the_rest_of_the_world():
    g = gravity()
    share = tr.trade_shares(g, np.zeros((2, 3)), np.array([0.4, 0.0]), np.array([0.1, 0.0]))
    assert np.allclose(share.sum(-1), 1.0)
    assert np.allclose(share[0, :-1], 0.5 * g[0, :-1])


def test_a_batch_gives_the_same_bits_as_single_runs():
    rng = np.random.default_rng(3)
    N = 4
    values = {k: np.array([v * (1 + 0.2 * i) if k != "transit_share" else 0.2 * i for i in range(N)])
              for k, v in TRADE.items()}
    route = rng.uniform(0, 1, (N, 2, 3))
    signed = rng.uniform(0, 2, (N, 2, 3))
    batch = tr.month_shares(MASS, 1.7, route, world(), values)
    batch_next = tr.route_next(route, signed, values["route_rate"])
    for n in range(N):
        one = {k: np.asarray(v[n]) for k, v in values.items()}
        single = tr.month_shares(MASS, 1.7, route[n], world(), one)
        for key in ("gravity", "energy", "trade", "tie", "x_h"):
            assert np.array_equal(batch[key][n], single[key]), key
        assert np.array_equal(batch_next[n], tr.route_next(route[n], signed[n], one["route_rate"]))


# --- the shipped data and fit ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    data = trade_data(load_scenario(BASE).spec)
    record = read_record(RECORD, data)
    return data, record


def test_the_shipped_defaults_reproduce_the_cow_shares(shipped):
    """With the registry's defaults, every state's yearly share with every power lies within 0.05 of the
    Correlates of War data on average (1995-2008), and so does the rest of the world within 0.08."""
    data, record = shipped
    cow = cow_shares(data)
    shares = yearly_shares(data, record, TRADE, 1995, 2008)["trade"]
    mae = errors(shares, cow)
    assert mae[:, :-1].max() <= 0.05, mae
    assert mae[:, -1].max() <= 0.08, mae
    assert np.allclose(shares.sum(-1), 1.0)


def test_china_rises_with_its_growth_not_with_events(shipped):
    """China's share rises 1999-2008 in every state; by 2003, before its first pipeline deal, China's growth
    alone makes its share at least a quarter larger than with its mass held at the 1999 level."""
    data, record = shipped
    c = data.partners.index("CHN")
    shares = yearly_shares(data, record, TRADE, 1999, 2008)["trade"]
    assert np.all(shares[-1, :, c] > shares[0, :, c])
    frozen = data.mass_points[c][1].copy()
    xs = data.mass_points[c][0]
    frozen[:] = np.interp(1999 * 12 + 6, xs, frozen)
    still = SimpleNamespace(**{f: getattr(data, f) for f in data.__dataclass_fields__})
    points = list(data.mass_points)
    points[c] = (xs, frozen)
    still.mass_points = tuple(points)
    still.mass_at = lambda month: np.stack([np.interp(month, a, b) for a, b in points], axis=-1)
    still.price_ratio_at = data.price_ratio_at
    flat = yearly_shares(still, record, TRADE, 1999, 2003)["trade"]
    assert np.all(shares[4, :, c] > 1.25 * flat[-1, :, c])


def test_the_registry_holds_the_recorded_fit(shipped):
    """The trade defaults are the recorded fit, and the errors it records are what the defaults give now."""
    record = yaml.safe_load((ROOT / "calibration" / "trade_fit.yaml").read_text(encoding="utf-8"))
    for name, value in record["parameters"].items():
        assert DEFAULTS[name] == pytest.approx(value), name
        assert "calibration/trade_fit.yaml" in BY_NAME[name].source, name
    assert record["fixed"]["route_rate"] == DEFAULTS["route_rate"]
    assert set(record["parameters"]) | set(record["fixed"]) == set(TRADE)
    data, routes = shipped
    mae = errors(yearly_shares(data, routes, TRADE, 1995, 2008)["trade"], cow_shares(data))
    for s, code in enumerate(data.states):
        for j, p in enumerate(data.partners):
            assert record["mae"][code][p] == pytest.approx(mae[s, j], abs=6e-5), (code, p)
    assert record["mae_worst"] == pytest.approx(mae.max(), abs=6e-5)
    c = data.partners.index("CHN")
    shares = yearly_shares(data, routes, TRADE, 1999, 2008)["trade"]
    for s, code in enumerate(data.states):
        assert record["china_share"][code]["model_1999"] == pytest.approx(shares[0, s, c], abs=6e-5)
        assert record["china_share"][code]["model_2008"] == pytest.approx(shares[-1, s, c], abs=6e-5)


def test_the_scenarios_routes_of_1999_are_the_records_stock(shipped):
    data, record = shipped
    start = load_scenario(BASE).start
    m = monthly_shares(data, record, TRADE, start - record.start + 1)
    assert np.allclose(m["route"][-1], data.routes, atol=0.006)
    signed = record.routes.copy()
    for month, s, j, cap, _ in record.deals:
        if month <= start:
            signed[s, j] += cap
    assert np.allclose(signed, data.routes_signed)


# --- the scenario's trade data --------------------------------------------------------------------------
def test_a_new_power_without_a_mass_series_has_no_trade_share(tmp_path):
    from conftest import write_whatif

    states = "\n".join(f"  {s}: {{alignment: {{EU: 0.3}}}}" for s in ("KAZ", "UZB", "TKM", "TJK", "KGZ"))
    path = write_whatif(tmp_path, "with_eu", f"""
powers:
  EU: {{capacity: 1.5, attention: 0.3, conditionality: 0.7, reach: 0.4, rivals: []}}
states:
{states}
""")
    data = trade_data(load_scenario(path).spec)
    assert data.partners == ("RUS", "USA", "CHN", "EU", "ROW")
    x = tr.month_shares(data.mass_at(2003 * 12), data.price_ratio_at(2003 * 12), data.routes, data, TRADE)
    assert np.all(x["trade"][:, 3] == 0.0) and np.allclose(x["trade"].sum(-1), 1.0)
    base = trade_data(load_scenario(BASE).spec)
    y = tr.month_shares(base.mass_at(2003 * 12), base.price_ratio_at(2003 * 12), base.routes, base, TRADE)
    assert np.array_equal(np.delete(x["trade"], 3, axis=-1), y["trade"])


@pytest.mark.parametrize("body, message", [
    ("states:\n  KAZ: {distance: {IRN: 100}}\n", "unknown trade partner 'IRN'"),
    ("states:\n  KAZ: {distance: {RUS: -5}}\n", "expected a distance in km"),
    ("states:\n  KAZ: {routes: {CHN: 11}}\n", "expected a route capacity from 0 to 10"),
    ("states:\n  KAZ: {hydrocarbon_share: 0.8, commodity_share: 0.5}\n", "add up to more than 1"),
    ("economy: {mass: {CHN: china_gnp}}\n", "unknown series 'china_gnp'"),
    ("economy: {rest_of_world: RUS}\n", "is a power"),
    ("economy: {legacy: {RUS: 2}}\n", "expected a number from 0 to 1"),
])
def test_bad_trade_data_gives_one_clear_message(tmp_path, body, message):
    from conftest import write_whatif

    from sim.scenario import ScenarioError

    path = write_whatif(tmp_path, "bad_trade", body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert message in text and "bad_trade.yaml" in text


def test_a_route_record_with_an_unknown_partner_is_refused(tmp_path, shipped):
    from sim.trade_history import RecordError

    data, _ = shipped
    bad = tmp_path / "routes.yaml"
    bad.write_text('start: "1995-01"\nstates: {KAZ: {IRN: 1}}\ndeals: []\n')
    with pytest.raises(RecordError, match=r"routes.yaml: states.KAZ.IRN: unknown partner"):
        read_record(bad, data)
    bad.write_text('start: "1995-01"\nstates: {}\ndeals:\n  - {state: KAZ, partner: IRN, signed: "2004-05", '
                   'capacity: 1, name: x}\n')
    with pytest.raises(RecordError, match=r"deals\[0\].partner: unknown partner 'IRN'"):
        read_record(bad, data)


def test_normalise_divides_by_the_row_sum_even_below_one():
    out = tr.normalise(np.array([[0.1, 0.4], [0.0, 0.0], [2.0, 6.0]]))
    assert np.allclose(out, [[0.2, 0.8], [0.0, 0.0], [0.25, 0.75]])
    assert np.allclose(tr.route_shares(np.array([[0.3, -0.1, 0.1]])), [[0.75, 0.0, 0.25]])


def test_energy_buyers_pass_transit_oil_on_to_the_rest_of_the_world():
    share = np.array([[0.5, 0.3, 0.2]])  # partners: a transit power, another power, the rest of the world
    buyers = tr.energy_buyers(share, np.array([1.0, 0.0, 0.0]), 0.6)
    assert np.allclose(buyers, [[0.2, 0.3, 0.5]]) and np.allclose(buyers.sum(), 1.0)


def test_commodity_weights_and_trade_shares_exact():
    x_h, x_c = tr.commodity_weights(np.array([0.5, 0.0]), np.array([0.1, 0.2]), 4.0, 0.5)
    assert np.allclose(x_h, [1.0 / 1.5, 0.0]) and np.allclose(x_c, [0.1 / 1.5, 0.2])
    batch_h, _ = tr.commodity_weights(np.array([0.5]), np.array([0.1]), np.array([1.0, 4.0]), np.array([0.5, 0.5]))
    assert np.allclose(batch_h, [[0.5], [1.0 / 1.5]])
    g = np.array([[0.5, 0.25, 0.25]])
    shares = tr.trade_shares(g, np.array([[0.0, 1.0, 0.0]]), np.array([0.4]), np.array([0.2]))
    assert np.allclose(shares, [[0.2, 0.1 + 0.4, 0.1 + 0.2]])
    unrouted = tr.trade_shares(g, np.zeros((1, 3)), np.array([0.4]), np.array([0.2]))
    assert np.allclose(unrouted, [[0.2, 0.1, 0.1 + 0.4 + 0.2]])
    assert np.allclose(tr.economic_tie(np.array([[0.2, 0.6]]), np.array([[1.0, 0.0]]), np.array([0.25])),
                       [[0.4, 0.45]])
