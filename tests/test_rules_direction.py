"""Each rule pushes the way the theory says, tested by adding one event to the quiet 1999 world.

Same seed, same parameters: the only difference between the two runs is the event, so the difference in
the outcome is its effect.
"""

import numpy as np
from conftest import BASE, final_alignment, write_whatif

from sim.codes import STATES

POWERS = ("RUS", "USA", "CHN")
S = STATES.index
P = POWERS.index


def test_a_security_threat_raises_alignment_with_the_power_that_answers_it(tmp_path):
    quiet = final_alignment(BASE, until="2000-12")
    attacked = final_alignment(write_whatif(tmp_path, "attack", """
events:
  - {id: raid, title: Raid, date: "2000-01", type: incursion, targets: [UZB], magnitude: 1.5, source: test}
"""), until="2000-12")
    # before 2001 Russia answers the region's threats best: the raid pulls Uzbekistan toward it
    assert attacked[S("UZB"), P("RUS")] > quiet[S("UZB"), P("RUS")] + 0.02


def test_a_power_fighting_the_threat_gains_alignment(tmp_path):
    quiet = final_alignment(BASE, until="2002-12")
    war = final_alignment(write_whatif(tmp_path, "war", """
events:
  - {id: war, title: War, date: "2001-10", type: military_operation, actor: USA, level: 1.0, source: test}
"""), until="2002-12")
    # the US war raises its security offer: the states most exposed to Afghanistan move toward it
    assert war[S("TJK"), P("USA")] > quiet[S("TJK"), P("USA")] + 0.02
    assert war[S("UZB"), P("USA")] > quiet[S("UZB"), P("USA")] + 0.02


def test_blame_lowers_alignment_with_the_blamed_power(tmp_path):
    quiet = final_alignment(BASE, until="2006-05")
    blamed = final_alignment(write_whatif(tmp_path, "unrest", """
events:
  - {id: riot, title: Riot, date: "2005-05", type: unrest, state: UZB, magnitude: 1.0, blame: [USA], source: test}
"""), until="2006-05")
    assert blamed[S("UZB"), P("USA")] < quiet[S("UZB"), P("USA")] - 0.05
    # a regime in fear turns to the powers that back regimes unconditionally
    assert blamed[S("UZB"), P("RUS")] > quiet[S("UZB"), P("RUS")]


def test_conditions_repel_closed_regimes_more_than_open_ones(tmp_path):
    quiet = final_alignment(BASE, until="2003-01")
    pressed = final_alignment(write_whatif(tmp_path, "pressure", """
events:
  - {id: press, title: Press, date: "2001-01", type: power_policy, actor: USA, conditionality: 1.0, attention: 0.6, source: test}
"""), until="2003-01")
    drop = quiet[:, P("USA")] - pressed[:, P("USA")]
    # Turkmenistan (openness 0.05) is repelled more than Kyrgyzstan (0.55)
    assert drop[S("TKM")] > drop[S("KGZ")]


def test_revolution_contagion_frightens_similar_regimes_most(tmp_path):
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario import load_scenario

    path = write_whatif(tmp_path, "revolution", """
events:
  - {id: rev, title: Rev, date: "2003-11", type: color_revolution, place: GEO, openness: 0.6, magnitude: 1.0, source: test}
""")
    eng = BatchEngine(load_scenario(path), [make_params()], [0])
    for _ in range(59):  # through 2003-11
        eng.step()
    fear = eng.world.runs.regime_threat[0]
    assert fear[S("KGZ")] > fear[S("KAZ")] > fear[S("TKM")]


def test_a_signed_energy_deal_raises_ties_and_alignment(tmp_path):
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario import load_scenario

    path = write_whatif(tmp_path, "deal", """
events:
  - {id: pipe, title: Pipe, date: "2002-01", type: energy_deal, actor: CHN, state: KAZ, name: pipeline, value: 0.3, source: test}
""")
    runs = {}
    for name, p in (("quiet", BASE), ("deal", path)):
        eng = BatchEngine(load_scenario(p), [make_params()], [5])
        eng.run()
        runs[name] = eng.world.runs
    # the pipeline's capacity comes into service over years: the tie with China grows, and the alignment with it
    assert runs["deal"].economy[0, S("KAZ"), P("CHN")] > runs["quiet"].economy[0, S("KAZ"), P("CHN")] + 0.03
    assert runs["deal"].alignment[0, S("KAZ"), P("CHN")] > runs["quiet"].alignment[0, S("KAZ"), P("CHN")] + 0.02


def test_oil_price_drives_russian_capacity(tmp_path):
    from sim.core.world import build_setup
    from sim.scenario import load_scenario

    setup = build_setup(load_scenario(BASE))
    rus = setup.powers.index("RUS")
    oil = setup.series[:, setup.series_names.index("oil_price")]
    assert np.corrcoef(oil, setup.capacity[:, rus])[0, 1] > 0.99


def test_a_world_without_shocks_or_trends_stays_at_rest(tmp_path):
    """The model starts at rest: with no events, flat price series and no noise, nothing moves."""
    from sim.scenario import load_scenario

    spec = load_scenario(BASE).spec  # a child's series values merge into the parent's: flatten them all
    series = "\n".join(f"  {name}: {{values: {{" + ", ".join(f'"{m}": {s.reference}' for m in s.values) + "}}"
                       for name, s in spec.series.items())
    # export routes already in service as signed: nothing is under construction
    routes = "\n".join(f"  {code}: {{routes_signed: {{" + ", ".join(f"{p}: {v}" for p, v in st.routes.items()) + "}"
                       + (", members: [CACO, GUUAM]" if code == "UZB" else "") + "}"
                       for code, st in spec.states.items())
    flat = write_whatif(tmp_path, "flat", f"""
states:   # Uzbekistan where its 1999 leanings put it, so it has nothing to decide
{routes}
series:
{series}
""")
    sc = load_scenario(flat)
    start = np.array([[sc.spec.states[s].alignment[p] for p in POWERS] for s in STATES])
    end = final_alignment(flat, noise_sd=0.0, own_threat_decay=1.0)  # Russia's Chechnya threat does not fade
    assert np.abs(end - start).max() < 0.005


def test_rising_oil_prices_strengthen_russia_in_a_quiet_world():
    from sim.scenario import load_scenario

    sc = load_scenario(BASE)
    start = np.array([[sc.spec.states[s].alignment[p] for p in POWERS] for s in STATES])
    end = final_alignment(BASE, noise_sd=0.0)
    assert (end[:, P("RUS")] > start[:, P("RUS")]).all()
