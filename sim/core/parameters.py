"""The model's global parameters: one registry with each parameter's meaning, unit, range, default and source.

Every rule reads its parameters from a ``Params`` mapping of name -> numpy array. A single run holds
scalars; a batch of N runs holds arrays of shape (N,), one value per run, so a sweep can vary any
parameter run by run. The ODD document (docs/odd.md) is generated from, and checked against, this table.

Sources: "seed 000 §X" is ../shared/seeds/000_70a211056a8b6a84.txt (Russian policy under Putin),
"seed 001 §X" the 2009 paper on energy and security; "assumption" marks a modelling choice, stated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Parameter:
    name: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    group: str
    integer: bool = False


_P = Parameter
PARAMETERS: tuple[Parameter, ...] = (
    # --- alignment: how the scores move -------------------------------------------------------------
    _P("alignment_rate", 0.0722, 0.01, 0.4, "1/month",
       "Share of the gap between a state's alignment and its target closed each month (1 - inertia).",
       "held at a point calibration in which it was free (fixed: calibration/free_parameters.yaml); "
       "assumption: elites re-orient over one to two years (seed 000, the phases last 2-4 years)", "alignment"),
    _P("noise_sd", 0.004, 0.0, 0.03, "alignment units/month",
       "Standard deviation of the monthly random drift of every alignment score.",
       "assumption: small idiosyncratic diplomacy", "alignment"),
    _P("w_security", 1.27795, 0.0, 8.0, "logit units per (threat x offer)",
       "Weight of the security threat times how much better than its rivals a power answers it.",
       "calibrated (calibration/point.yaml, over [0.2, 5.0]); "
       "seed 000 §Concerns about Security: Russia seen as 'the only really effective ally against the Taliban'",
       "alignment"),
    _P("w_regime", 2.280597, 0.0, 8.0, "logit units per (threat x support)",
       "Weight of the regime threat times how much better than its rivals a power backs the regime.",
       "calibrated (calibration/point.yaml, over [0.2, 6.0]); "
       "seed 000 §Russia Reasserts: good relations with Russia seen as a guarantee against color revolutions",
       "alignment"),
    _P("w_conditions", 1.068143, 0.0, 6.0, "logit units per unit of pressure",
       "How strongly a power's democracy and human-rights conditions repel a regime that fears for itself.",
       "calibrated (calibration/point.yaml, over [0.0, 4.0]); "
       "seed 000 §Concerns about Security: Russia did not make assistance depend on democratic development",
       "alignment"),
    _P("w_economy", 5.967748, 0.0, 10.0, "logit units per unit of tie",
       "Weight of energy and trade ties (export routes, contracts, trade share) with a power.",
       "calibrated (calibration/point.yaml, over [0.2, 8.0]); "
       "seed 001 §Control over hydrocarbons", "alignment"),
    _P("w_blame", 3.669143, 0.0, 10.0, "logit units per unit of blame",
       "How strongly blame for a revolution or unrest lowers alignment with the blamed power.",
       "calibrated (calibration/point.yaml, over [0.2, 8.0]); "
       "seed 000 §Russia Reasserts: Uzbek authorities accused US NGOs over Andijan", "alignment"),
    _P("w_offers", 2.738, 0.0, 5.0, "logit units per unit of offer",
       "Weight of aid, security assistance and goodwill a power has recently offered.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 001 §Introduction: the stabilisation fund and the $2bn promised to Kyrgyzstan", "alignment"),
    _P("w_rivalry", 0.3015, 0.0, 4.0, "logit units per unit of rival presence",
       "How much a state's closeness to a power's rivals (bases, alignment) costs it with that power.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Impact of 9/11: Moscow feared US bases would erode its influence", "alignment"),
    # --- threats ------------------------------------------------------------------------------------
    _P("security_decay", 0.8477, 0.7, 0.995, "1/month",
       "Monthly persistence of a state's local security threat after an attack or incursion.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "assumption: the memory of a raid fades over about a year", "threats"),
    _P("afghan_relax", 0.15, 0.02, 0.6, "1/month",
       "How fast the Afghan threat follows insurgent strength minus military suppression.",
       "assumption", "threats"),
    _P("suppression", 0.6, 0.0, 1.0, "threat units per operation",
       "How much one full military operation in Afghanistan cuts the Afghan threat.",
       "seed 000 §Impact of 9/11: the Taliban routed in late 2001, regrouping by 2003-04", "threats"),
    _P("regime_decay", 0.8843, 0.8, 0.995, "1/month",
       "Monthly persistence of a regime's fear after a color revolution or unrest.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "assumption: the 2003-2005 wave kept regimes alarmed for years (seed 000)", "threats"),
    _P("contagion", 0.16467, 0.0, 3.0, "regime-threat units per revolution",
       "Multiplier on how much a revolution abroad frightens regimes alike to the one that fell.",
       "calibrated (calibration/point.yaml, over [0.1, 2.5]); "
       "seed 000 §Russia Reasserts: all post-Soviet elites feared losing power", "threats"),
    _P("democracy_pressure", 0.0061, 0.0, 0.1, "regime-threat units/month",
       "Regime fear added each month per unit of a power's democracy promotion (NGOs, criticism).",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Russia Reasserts: US support of opposition seen as 'undermining stability'", "threats"),
    _P("blame_decay", 0.9146, 0.85, 0.998, "1/month",
       "Monthly persistence of blame held against a power.", "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "assumption: half-life of about two years",
       "threats"),
    # --- powers -------------------------------------------------------------------------------------
    _P("attention_rate", 0.2, 0.02, 0.8, "1/month",
       "How fast a power's attention to the region follows its target.", "assumption", "powers"),
    _P("threat_attention_gain", 0.2091, 0.0, 3.0, "attention per threat unit",
       "Extra attention a power pays the region per unit of the threat it feels from there.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Impact of 9/11", "powers"),
    _P("war_attention", 0.3, 0.0, 1.0, "attention per unit of operations",
       "Attention a power's own military operations next to the region hold on it: its access, supply routes "
       "and partners there.",
       "assumption (fixed: calibration/free_parameters.yaml): the US kept Central Asia in view while Iraq drew "
       "attention away (seed 000 §Russia Reasserts: US criticism after Andijan, the Manas talks)", "powers"),
    _P("own_threat_decay", 0.98, 0.9, 0.999, "1/month",
       "Monthly persistence of a power's own sense of threat after an attack on its homeland.",
       "assumption", "powers"),
    _P("encroachment_decay", 0.9206, 0.85, 0.998, "1/month",
       "Monthly persistence of a power's sense that rivals encroach on it (revolutions it blames on them).",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Russia Reasserts: color revolutions seen in Moscow as a 'Western assault'", "powers"),
    _P("promotion_encroachment", 0.0883, 0.0, 0.2, "encroachment/month per unit of promotion",
       "Sense of encroachment a power gains each month per unit of its rivals' democracy promotion "
       "(conditionality x attention), unless it presses for democracy itself.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Russia Reasserts: US support of opposition groups; the revolutions seen as a 'Western "
       "assault'", "powers"),
    _P("presence_weight", 0.5867, 0.0, 1.0, "encroachment per rival base",
       "How much each rival base in the region adds to a power's sense of encroachment.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Impact of 9/11: fear of 'encirclement' by US bases", "powers"),
    _P("cooperation_weight", 2.8805, 0.1, 4.0, "stance units per threat unit",
       "Weight a power gives to a threat it shares with rivals who are fighting it, when choosing a stance.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Impact of 9/11: 'a unique opportunity to destroy its worst enemies with American help'",
       "powers"),
    _P("stance_tolerance", 1.570213, 0.0, 2.0, "stance units",
       "How much more encroachment than shared threat a power tolerates before it counterbalances.",
       "calibrated (calibration/point.yaml, over [0.0, 2.0]); "
       "assumption: Russia 'grudgingly' accepted US bases (seed 000, Impact of 9/11)", "powers"),
    _P("assertiveness", 0.762984, 0.0, 3.0, "-",
       "Elasticity of a power's tolerance of rivals to its capacity: richer, it tolerates less encroachment.",
       "calibrated (calibration/point.yaml, over [0.0, 2.0]); "
       "seed 001 §Is Russia losing its influence?: oil and gas income gave Russia influence it did not have; "
       "seed 000 §Russia Reasserts", "powers"),
    _P("stance_dwell", 6, 1, 24, "months",
       "Months a power keeps a stance before it may change it again.", "assumption", "powers", True),
    _P("hostility_integrate", 0.5, 0.0, 1.0, "0-1",
       "Hostility toward rivals of a power that integrates the region on its own.", "seed 000 §Abstract",
       "powers"),
    _P("hostility_cooperate", 0.15, 0.0, 1.0, "0-1",
       "Hostility toward rivals of a power that cooperates with them.", "seed 000 §Abstract", "powers"),
    _P("hostility_counterbalance", 1.0, 0.0, 1.0, "0-1",
       "Hostility toward rivals of a power that counterbalances them.", "seed 000 §Abstract", "powers"),
    _P("effort_rate", 0.0006, 0.0, 0.1, "offer units/month",
       "Offers (aid, arms, training, credit) a power's effort adds each month, scaled by capacity and attention.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 001 §The security issue: subsidised arms and training within the CSTO", "powers"),
    _P("membership_benefit", 0.4823, 0.0, 3.0, "share of effort per unit of patron weight",
       "Extra share of a power's help (offers) that goes to each member of an organisation it sponsors, per unit "
       "of its patron weight.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 001 §The security issue: CSTO arms at Russian domestic prices and training; seed 000 §Forming "
       "Alliances: Russia and China finance the lion's share of the SCO", "powers"),
    _P("offers_decay", 0.95, 0.8, 0.995, "1/month", "Monthly persistence of the goodwill from an offer.",
       "assumption", "powers"),
    _P("base_presence_bonus", 0.3, 0.0, 1.0, "offer units",
       "Extra security a power can provide a state where it keeps a base.", "seed 001 §The security issue",
       "powers"),
    _P("war_encroachment", 0.154297, 0.0, 0.5, "encroachment/month per unit of war",
       "Sense of encroachment a power gains each month per unit of attention its rivals' wars beyond the "
       "region absorb (unless it presses for democracy itself).",
       "calibrated (calibration/point.yaml, over [0.0, 0.4]); "
       "assumption; seed 000 §Russia Reasserts: the war in Iraq and US unilateralism behind Russia's turn",
       "powers"),
    _P("client_loss", 0.3, 0.0, 2.0, "encroachment per client",
       "Sense of encroachment a power gains for each client it loses (a state leaving a bloc it leads, a base "
       "of its closed).",
       "assumption; seed 000 §Forming Alliances: Uzbekistan's exit from the CST read in Moscow as a loss",
       "powers"),
    # --- policy: the powers' asks and offers (sim.core.rules.policy) --------------------------------------
    _P("ask_threshold", 0.494891, 0.0, 1.0, "motive x acceptance",
       "Motive times expected acceptance above which a power asks a state for a base.",
       "calibrated (calibration/point.yaml, over [0.02, 0.6]); "
       "assumption: a power does not risk a refusal for a small gain", "policy"),
    _P("offer_threshold", 0.06, 0.0, 1.0, "motive x acceptance",
       "Motive times expected acceptance above which a power offers a state an energy contract.",
       "convention (fixed: calibration/free_parameters.yaml): a contract is worth its negotiation only past a "
       "certain size", "policy"),
    _P("oil_haul_cost", 0.229142, 0.02, 0.4, "reference price per 1000 km",
       "What carrying oil 1,000 km by a new pipeline costs a buyer, as a share of the oil's value at the "
       "reference price (a smaller share as the price rises): a far buyer offers a contract only once its "
       "growth pays for the distance.",
       "calibrated (calibration/point.yaml, over [0.05, 0.35]); "
       "public pipeline tariffs (about 1.5-3 USD a barrel per 1,000 km at a reference price of 25 USD) put it "
       "near 0.06-0.12, more with a new pipe's capital and its transit risk", "policy"),
    _P("gas_haul_ratio", 3.0, 1.5, 5.0, "ratio",
       "How many times as much as oil carrying gas costs for the same value (the gas haul cost is oil_haul_cost x "
       "this ratio).",
       "theory: gas needs about three times the pipeline of oil for the same energy (density, compressor "
       "stations)", "policy"),
    _P("counter_base_drive", 0.0, 0.0, 2.0, "motive units",
       "Motive of a counterbalancing power for a base of its own in a state, before the rival bases there.",
       "seed 001 §The changing Russian presence: the Kant base (2003) next to the US base at Manas",
       "policy"),
    _P("ask_cooldown", 24, 1, 120, "months",
       "Months a power waits before asking again for a base or a contract that was refused or ended.",
       "assumption", "policy", True),
    _P("host_aid", 1.0, 0.0, 5.0, "priority units",
       "Extra priority a power gives in its help to a state that hosts one of its bases (rent and aid).",
       "seed 000 §Russia Reasserts: Central Asian hopes of substantial Western assistance for the bases",
       "policy"),
    _P("crisis_credit", 0.3854, 0.0, 3.0, "offer units per (shock x fear x support)",
       "Goodwill a power earns by backing a regime shaken by unrest or a revolution next door.",
       "seed 000 §Russia Reasserts: Russia and China backed Karimov after Andijan", "threats"),
    # --- trade: shares of trade and energy exports (sim/core/rules/trade.py) --------------------------------
    _P("trade_mass_elasticity", 1.2543, 0.0, 3.0, "-",
       "Elasticity of a partner's gravity weight in a state's ordinary trade to the partner's GDP at the "
       "reference year (the cross-section of partners).",
       "fitted (calibration/trade_fit.yaml, to the COW shares 1995-2008); gravity models of trade find "
       "about 1 (Anderson and van Wincoop 2003)", "trade"),
    _P("trade_growth_elasticity", 2.1551, 0.0, 4.0, "-",
       "Elasticity of a partner's gravity weight to the growth of its real GDP since the reference year (1999).",
       "fitted (calibration/trade_fit.yaml, to the COW shares 1995-2008); world trade grew about twice as fast "
       "as world output in the 1990s and 2000s (a long-run income elasticity of trade near 2)", "trade"),
    _P("trade_distance_decay", 0.2348, 0.0, 2.0, "1/(1000 km)",
       "How fast a partner's gravity weight falls with distance: exp(-decay x distance in 1000 km).",
       "fitted (calibration/trade_fit.yaml, to the COW shares 1995-2008); trade falls with distance in "
       "every gravity study", "trade"),
    _P("trade_legacy", 4.1664, 0.0, 6.0, "log weight",
       "Extra log weight of the trade links the Soviet economy left (rail, suppliers, Russian buyers) with a "
       "partner whose legacy is 1 (Russia).",
       "fitted (calibration/trade_fit.yaml, to the COW shares 1995-2008); seed 001 §Control over "
       "hydrocarbons", "trade"),
    _P("trade_border", 1.3851, 0.0, 4.0, "log weight",
       "Extra log weight of a partner that shares a land border with the state (border trade, bazaars).",
       "fitted (calibration/trade_fit.yaml, to the COW shares 1995-2008); contiguity in gravity models",
       "trade"),
    _P("oil_value_elasticity", 1.2837, 0.0, 2.0, "-",
       "Elasticity of the value of a state's hydrocarbon exports (relative to its other trade) to the oil price.",
       "fitted (calibration/trade_fit.yaml, to the COW shares 1995-2008); 1 when volumes stay put", "trade"),
    _P("transit_share", 1.0, 0.0, 1.0, "0-1",
       "Share of the hydrocarbons a state exports through a transit network (Russia's pipelines) that buyers "
       "beyond it (Europe, Ukraine) buy.",
       "fitted (calibration/trade_fit.yaml, to the COW shares 1995-2008); seed 001 §Control over "
       "hydrocarbons", "trade"),
    _P("route_rate", 0.028, 0.005, 0.2, "1/month",
       "Share of the gap between a state's export route capacity in service and the capacity signed that "
       "is built each month.",
       "assumption: first oil or gas came 26 to 44 months after the agreement (CPC 1998-2001, "
       "Atasu-Alashankou 2004-2006, Central Asia-China 2006-2009): a time constant of about three years",
       "trade"),
    # --- decisions ----------------------------------------------------------------------------------
    _P("base_grant", 0.527508, 0.3, 0.9, "alignment units",
       "Score above which a state grants a base a power has asked for.", "calibrated (calibration/point.yaml, over [0.35, 0.75]); "
       "assumption", "decisions"),
    _P("base_revoke", 0.0516, 0.05, 0.6, "alignment units",
       "Score below which a state closes a base it hosts (below base_grant: hysteresis).", "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "assumption",
       "decisions"),
    _P("base_security_weight", 0.8014, 0.0, 1.0, "alignment units per (operation x threat)",
       "Extra case for hosting a base of a power whose military operations fight the state's own threat.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000, Impact of 9/11: Uzbekistan gave the US bases even before Russia agreed", "decisions"),
    _P("base_blame_weight", 1.317608, 0.0, 2.0, "alignment units per unit of blame",
       "How much the blame a state holds against a power subtracts from the case for hosting its base.",
       "calibrated (calibration/point.yaml, over [0.0, 2.0]); "
       "seed 000 §Russia Reasserts: after Andijan the Uzbek leadership immediately closed the US base", "decisions"),
    _P("neutrality_weight", 0.7762, 0.0, 2.0, "alignment units",
       "How much a state's declared neutrality subtracts from the case for any base or bloc.",
       "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "seed 000 §Impact of 9/11: neutral Turkmenistan took no part", "decisions"),
    _P("veto_weight", 0.252207, 0.0, 1.0, "alignment units",
       "How much the hostility of a security-bloc patron subtracts from hosting that patron's rivals.",
       "calibrated (calibration/point.yaml, over [0.0, 1.0]); "
       "seed 000 §Impact of 9/11: Russian permission required under the Collective Security Treaty",
       "decisions"),
    _P("join_threshold", 0.513759, 0.3, 0.9, "utility units",
       "Utility above which a state joins an organisation.", "calibrated (calibration/point.yaml, over [0.45, 0.75]); "
       "assumption", "decisions"),
    _P("leave_threshold", 0.4211, 0.05, 0.6, "utility units",
       "Utility below which a member leaves (below join_threshold: hysteresis).", "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "assumption", "decisions"),
    _P("deal_accept", 0.1592, 0.1, 0.9, "alignment units",
       "Score (plus the deal's own value) above which a state signs an offered energy deal.", "held at an earlier calibration of the replay (fixed: calibration/free_parameters.yaml); "
       "assumption",
       "decisions"),
    _P("deal_end", 0.1, 0.0, 0.5, "alignment units",
       "Score below which a state ends a deal it signed.", "assumption", "decisions"),
    _P("choice_scale", 0.03, 0.005, 0.3, "utility units",
       "Spread (logistic scale) of a state's own taste for each organisation and each ask: how contingent its "
       "choices are; a power's estimate that a state accepts is logistic((utility - threshold) / scale).",
       "assumption: random-utility (logit) choice", "decisions"),
    _P("bloc_conflict", 0.5, 0.0, 2.0, "utility units per unit of weight",
       "Cost of belonging both to an organisation led by one patron and to a grouping set against that patron.",
       "seed 000 §Forming Alliances: Uzbekistan left the CST before joining GUUAM, and GUUAM before the CSTO",
       "decisions"),
    _P("min_dwell", 12, 0, 36, "months",
       "Months a decision stands before the state may reverse it.", "assumption", "decisions", True),
    _P("request_window", 6, 1, 24, "months",
       "Months an offer or a base request stays open when the scenario gives no window.", "assumption",
       "decisions", True),
)

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
DEFAULTS: dict[str, float] = {p.name: p.default for p in PARAMETERS}

Params = dict[str, np.ndarray]


def make_params(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Defaults with the given overrides applied (names are checked by the scenario schema)."""
    values = dict(DEFAULTS)
    if overrides:
        values.update(overrides)
    return values


def batch_params(rows: list[dict[str, float]]) -> Params:
    """Stack per-run parameter dicts into arrays of shape (N,), one entry per run."""
    return {name: np.array([float(r[name]) for r in rows], dtype=np.float64) for name in DEFAULTS}


def single_params(values: dict[str, float]) -> Params:
    """Parameters of one run, as 0-d arrays (the rules broadcast them like a batch of one)."""
    return {name: np.asarray(float(values[name]), dtype=np.float64) for name in DEFAULTS}
