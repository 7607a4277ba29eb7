"""The scenario schema: what a scenario file may contain, with types, ranges and meanings.

Every event has an ``id``, a ``title`` (a short name people read: "The Tulip revolution"), a ``date``
(YYYY-MM), a ``type`` from the vocabulary below, and a ``source`` note. Codes: states KAZ UZB TKM TJK
KGZ; powers RUS USA CHN plus any the scenario declares under ``powers``; organisations CSTO SCO EURASEC
GUUAM CACO plus any declared under ``organisations``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
CODE = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,11}$")]
# Numbers with a documented range (docs/limits.md); no number in a file may be NaN or infinite.
SHIFT = Annotated[float, Field(ge=-3, le=3, description="A shift of affinity, in logit units.")]
WEIGHT = Annotated[float, Field(ge=-3, le=3, description="A patron weight of an organisation.")]
ELASTICITY = Annotated[float, Field(ge=-3, le=3, description="Elasticity of capacity to a series.")]
SERIES_VALUE = Annotated[float, Field(gt=0, le=1e6, description="A value of a series (a price, an index).")]


def month_index(text: str) -> int:
    """'1999-01' -> 1999*12 + 0. Raises ValueError for anything that is not a valid YYYY-MM."""
    m = MONTH_RE.match(str(text))
    if not m:
        raise ValueError(f"expected a month written YYYY-MM, got {text!r}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"expected a month written YYYY-MM with MM from 01 to 12, got {text!r}")
    if not 1900 <= year <= 2200:
        raise ValueError(f"expected a year between 1900 and 2200, got {text!r}")
    return year * 12 + month - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Month(str):
    """A YYYY-MM month (validated)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema

        def check(value):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                raise ValueError(f"expected a month written YYYY-MM in quotes or plain, got the number {value!r}")
            month_index(str(value))
            return str(value)

        return core_schema.no_info_plain_validator_function(check)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False, strict=True)


# --------------------------------------------------------------------------------------------------
# Events: the world's shocks, and the offers and requests of powers. What states do is the model's.
# --------------------------------------------------------------------------------------------------
TITLE_MAX = 60


class EventBase(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=80)]
    title: str = Field(description="A short name people read in logs and reports, e.g. 'IMU raid on Batken' "
                                   f"(1 to {TITLE_MAX} characters, on one line).")
    date: Month
    source: str = Field(min_length=1, description="Where the event comes from (a seed passage or a what-if).")
    note: str | None = None
    requires: list[str] = Field(default_factory=list,
                                description="Ids of events this one only happens after; dropping one drops this.")

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        """A title is one line of 1 to TITLE_MAX characters, not blank."""
        text = v.strip()
        if not text:
            raise ValueError("expected a short title (e.g. 'The Tulip revolution'), got an empty one")
        if "\n" in text:
            raise ValueError("expected a title on one line")
        if len(text) > TITLE_MAX:
            raise ValueError(f"expected a title of at most {TITLE_MAX} characters, got {len(text)}: "
                             "keep the longer story in 'note'")
        return text


class TerrorAttack(EventBase):
    """A terrorist attack on states (raises their local security threat) or powers (their own threat)."""
    type: Literal["terror_attack"]
    targets: list[CODE] = Field(min_length=1)
    magnitude: float = Field(ge=0, le=3)


class Incursion(EventBase):
    """An armed incursion (e.g. the IMU); neighbours feel a share ``spillover`` of it."""
    type: Literal["incursion"]
    targets: list[CODE] = Field(min_length=1)
    magnitude: float = Field(ge=0, le=3)
    spillover: float = Field(0.3, ge=0, le=1)


class AfghanInsurgency(EventBase):
    """Insurgent strength in Afghanistan (Taliban and allies) is now ``level`` (0 none, 1 holds most of the country)."""
    type: Literal["afghan_insurgency"]
    level: float = Field(ge=0, le=2)


class MilitaryOperation(EventBase):
    """A power's military operation in Afghanistan now runs at ``level`` (0 none, 1 full-scale war)."""
    type: Literal["military_operation"]
    actor: CODE
    level: float = Field(ge=0, le=1.5)


class WarElsewhere(EventBase):
    """A power is absorbed by a war outside the region: ``level`` of its attention is taken (0 ends it)."""
    type: Literal["war_elsewhere"]
    actor: CODE
    level: float = Field(ge=0, le=1)


class ColorRevolution(EventBase):
    """A color revolution at ``place`` (a state code, or another country's code with its ``openness``)."""
    type: Literal["color_revolution"]
    place: CODE
    openness: float | None = Field(None, ge=0, le=1)
    magnitude: float = Field(ge=0, le=3)
    blame: list[CODE] = Field(default_factory=list,
                              description="What-ifs only: powers the regimes are made to blame, instead of the "
                                          "blame they infer from what they see of each power.")
    new_openness: float | None = Field(None, ge=0, le=1)
    affinity_shift: dict[CODE, SHIFT] = Field(default_factory=dict)


class Unrest(EventBase):
    """Unrest or an uprising inside a state; the regime blames the powers it suspects (the blame rule)."""
    type: Literal["unrest"]
    state: CODE
    magnitude: float = Field(ge=0, le=3)
    blame: list[CODE] = Field(default_factory=list,
                              description="What-ifs only: powers the regime is made to blame, instead of the "
                                          "blame it infers.")
    contagion_share: float = Field(0.3, ge=0, le=1)


class AidOffer(EventBase):
    """A power is made to offer aid, credit or security help (a what-if: powers' own aid follows their rules)."""
    type: Literal["aid_offer"]
    actor: CODE
    targets: list[CODE] = Field(min_length=1)
    magnitude: float = Field(ge=-2, le=2)


class EnergyDeal(EventBase):
    """A power is made to offer an energy deal (a what-if: powers offer deals by their rules); the state signs
    it or not."""
    type: Literal["energy_deal"]
    actor: CODE
    state: CODE
    name: str = Field(min_length=1)
    value: float = Field(gt=0, le=1, description="Export route capacity toward the actor added if signed, in units "
                                                "of the state's 1999 hydrocarbon exports (0-1).")
    window: int | None = Field(None, ge=1, le=120)


class BaseRequest(EventBase):
    """A power is made to ask a state for a military base (a what-if: powers ask by their rules); the state
    grants it or not."""
    type: Literal["base_request"]
    actor: CODE
    state: CODE
    name: str = Field(min_length=1)
    window: int | None = Field(None, ge=1, le=120)


class OrgFounded(EventBase):
    """An organisation comes into being; who joins is up to the states."""
    type: Literal["org_founded"]
    org: CODE


class OrgDissolved(EventBase):
    """An organisation ends (or merges ``into`` another); its members leave it. ``into`` is recorded for the
    story only: whether former members join the other organisation is their own decision."""
    type: Literal["org_dissolved"]
    org: CODE
    into: CODE | None = None


class OrgReformed(EventBase):
    """An organisation changes: new patron weights, a shift of its appeal, a new security role."""
    type: Literal["org_reformed"]
    org: CODE
    weights: dict[CODE, WEIGHT] = Field(default_factory=dict)
    bias_shift: float = Field(0.0, ge=-1, le=1)
    security: float | None = Field(None, ge=0, le=1)


class PowerPolicy(EventBase):
    """A power changes course: its conditions on democracy, its base attention to the region, its reach."""
    type: Literal["power_policy"]
    actor: CODE
    conditionality: float | None = Field(None, ge=0, le=1)
    attention: float | None = Field(None, ge=0, le=2)
    reach: float | None = Field(None, ge=0, le=2)


class PriceShock(EventBase):
    """A series (e.g. the oil price) is multiplied by ``factor`` from this month, for ``months`` (0: for good)."""
    type: Literal["price_shock"]
    series: str
    factor: float = Field(gt=0, le=10)
    months: int = Field(0, ge=0, le=600)


class LeaderChange(EventBase):
    """A new leader in a state: a new openness, new leanings, a period of insecurity."""
    type: Literal["leader_change"]
    state: CODE
    openness: float | None = Field(None, ge=0, le=1)
    affinity_shift: dict[CODE, SHIFT] = Field(default_factory=dict)
    regime_threat: float = Field(0.0, ge=0, le=3)


Event = Annotated[
    TerrorAttack | Incursion | AfghanInsurgency | MilitaryOperation | WarElsewhere | ColorRevolution | Unrest | AidOffer | EnergyDeal | BaseRequest | OrgFounded | OrgDissolved | OrgReformed | PowerPolicy | PriceShock | LeaderChange,
    Field(discriminator="type"),
]
EVENT_CLASSES = (TerrorAttack, Incursion, AfghanInsurgency, MilitaryOperation, WarElsewhere, ColorRevolution,
                 Unrest, AidOffer, EnergyDeal, BaseRequest, OrgFounded, OrgDissolved, OrgReformed, PowerPolicy,
                 PriceShock, LeaderChange)
EVENT_TYPES = {cls.model_fields["type"].annotation.__args__[0]: cls for cls in EVENT_CLASSES}
HAZARD_TYPES = ("terror_attack", "incursion", "unrest", "color_revolution", "leader_change")


class Hazard(Strict):
    """A random shock: each month from ``start`` to ``end``, in each run, it happens with ``probability``."""
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
    start: Month
    end: Month
    probability: float = Field(ge=0, le=1)
    source: str = Field(min_length=1)
    event: dict = Field(description="The event that happens: its fields without id and date.")


# --------------------------------------------------------------------------------------------------
# The world: states, powers, organisations and series
# --------------------------------------------------------------------------------------------------
def _values_within(values: dict, low: float, high: float, expected: str, above: bool = False) -> dict:
    """A mapping whose every value lies in [low, high] (above low, with ``above``), or a message naming the key."""
    for k, x in values.items():
        if not ((low < float(x)) if above else (low <= float(x))) or not float(x) <= high:
            raise ValueError(f"{k}: expected {expected}, got {x}")
    return values


class BaseSite(Strict):
    """A site a power may ask a state for, and how much of a garrison it stations there."""

    name: str = Field(description="The site's name (an airfield, a garrison): for the story, not a decision.")
    footprint: float = Field(1.0, gt=0, le=1,
                             description="The share of a full garrison the site stations: 1 for a base with "
                                         "troops and aircraft of its own; less for access (overflight, "
                                         "refuelling, emergency landing). A smaller footprint asks less of the "
                                         "state and gives the power less presence (docs/odd.md 7.10).")


class StateSpec(Strict):
    name: str | None = None
    openness: float = Field(ge=0, le=1, description="0 closed autocracy, 1 open pluralist politics.")
    neutrality: float = Field(0.0, ge=0, le=1, description="1: declared permanent neutrality (Turkmenistan).")
    afghan_exposure: float = Field(ge=0, le=1.5, description="How much of the Afghan threat reaches the state.")
    alignment: dict[CODE, float] = Field(description="Initial alignment toward each power, 0-1.")
    trade: dict[CODE, float] = Field(default_factory=dict,
                                     description="A fixed economic tie, 0-1, with a power that has no mass series "
                                                 "(the trade shares cannot place it: a what-if's EU, say).")
    members: list[CODE] = Field(default_factory=list)
    bases: dict[CODE, list[str]] = Field(default_factory=dict, description="Bases hosted at the start, by power.")
    base_sites: dict[CODE, BaseSite] = Field(
        default_factory=dict,
        description="The site a power would ask for, by power: a name (a full base), or a name and its "
                    "footprint (access asks less of the state than a garrison).")
    hydrocarbons: float = Field(0.0, ge=0, le=1, description="Oil and gas export potential, 0 (none) to 1 "
                                                               "(an exporter whose economy rests on it).")
    hydrocarbon_kind: Literal["oil", "gas"] = Field(
        "oil", description="What the state mostly exports, oil or gas: gas costs more to carry by pipeline, so a "
                           "buyer far away offers a gas contract later (oil_haul_cost, gas_haul_ratio).")
    regime_threat: float = Field(0.0, ge=0, le=3)
    local_threat: float = Field(0.0, ge=0, le=3)
    # --- trade and energy shares (sim/core/rules/trade.py); all optional ---
    distance: dict[CODE, float] = Field(default_factory=dict,
                                        description="Distance in km to each trade partner (every power and the "
                                                    "rest of the world), capital to capital.")
    borders: list[CODE] = Field(default_factory=list, description="Trade partners sharing a land border.")
    hydrocarbon_share: float = Field(0.0, ge=0, le=1,
                                     description="Share of the state's trade that is hydrocarbon exports, at "
                                                 "the oil price's reference value.")
    commodity_share: float = Field(0.0, ge=0, le=1,
                                   description="Share of the state's trade that is other commodities sold on "
                                               "world markets (metals, gold, cotton).")
    routes: dict[CODE, float] = Field(default_factory=dict,
                                      description="Hydrocarbon export route capacity in service toward each "
                                                  "partner at the start (the state's 1999 exports = 1).")
    routes_signed: dict[CODE, float] = Field(default_factory=dict,
                                             description="Route capacity signed toward each partner, built or "
                                                         "not (default: the routes in service).")

    @field_validator("alignment", "trade")
    @classmethod
    def _unit_interval(cls, v):
        return _values_within(v, 0.0, 1.0, "a number from 0 to 1")

    @field_validator("distance")
    @classmethod
    def _positive_distance(cls, v):
        return _values_within(v, 0.0, 40000.0, "a distance in km above 0 and at most 40000", above=True)

    @field_validator("routes", "routes_signed")
    @classmethod
    def _route_capacity(cls, v):
        return _values_within(v, 0.0, 10.0, "a route capacity from 0 to 10")

    @field_validator("base_sites", mode="before")
    @classmethod
    def _site_names(cls, v):
        """A site given by its name alone is a full base (footprint 1)."""
        if isinstance(v, dict):
            return {k: {"name": x} if isinstance(x, str) else x for k, x in v.items()}
        return v


class PowerSpec(Strict):
    name: str | None = None
    capacity: float = Field(gt=0, le=10, description="Economic and military means, relative (Russia 1999 = 1).")
    capacity_drivers: dict[str, ELASTICITY] = Field(default_factory=dict,
                                               description="Series name -> elasticity of capacity to it.")
    attention: float = Field(ge=0, le=2, description="Base attention to Central Asia (0-1, 1 a top priority).")
    conditionality: float = Field(ge=0, le=1, description="Democracy and human-rights conditions on its help.")
    reach: float = Field(ge=0, le=2, description="How well its help reaches the region (proximity, logistics).")
    afghan_exposure: float = Field(0.0, ge=0, le=1.5, description="How much the Afghan threat reaches it.")
    own_threat: float = Field(0.0, ge=0, le=3)
    stance: Literal["integrate", "cooperate", "counterbalance"] = Field(
        "integrate", description="Stance before the first month; at the start the stance rule sets it.")
    rivals: list[CODE] | None = Field(None, description="Powers it contests the region with (default: all others).")
    energy_interest: float = Field(0.0, ge=0, le=2, description="How much the power seeks the region's oil and gas "
                                                                 "(contracts, pipelines), 0-2: 1 a growing "
                                                                 "importer, 2 one that makes energy the first aim "
                                                                 "of its policy and pays for long hauls.")
    basing: float = Field(1.0, ge=0, le=1, description="How much the power projects power through military "
                                                       "bases abroad, 0 (none) to 1: scales its wish for bases "
                                                       "when it counterbalances.")
    deal_size: float = Field(0.3, ge=0, le=1, description="Export route capacity a contract of this power adds, "
                                                          "in units of the state's 1999 hydrocarbon exports.")
    controller: Literal["rule", "scripted"] = Field(
        "rule", description="Who chooses its asks and offers: 'rule' (its rules, the default) or 'scripted' (only "
                            "the scenario's base_request, energy_deal and aid_offer events, for what-ifs).")


class OrgSpec(Strict):
    name: str = Field(min_length=1, description="The organisation's name in reports (a new one must give it, so that "
                                                "a misspelt code is not taken for a new organisation).")
    weights: dict[CODE, WEIGHT] = Field(default_factory=dict, description="Patron weights: appeal per unit of alignment.")
    bias: float = Field(0.0, ge=-2, le=2, description="Appeal of membership when alignments are zero.")
    security: float = Field(0.0, ge=0, le=1, description="Security help the patron gives members (0-1).")
    active: bool = True


class SeriesSpec(Strict):
    unit: str
    reference: float = Field(gt=0, le=1e6, description="The value at which the series leaves capacities unchanged.")
    values: dict[Month, SERIES_VALUE] = Field(min_length=1, description="Month -> value, interpolated linearly.")
    source: str = Field(min_length=1)


class EconomySpec(Strict):
    """The trade partners' data for the gravity shares (sim/core/rules/trade.py)."""
    rest_of_world: CODE = Field("ROW", description="Code of the partner that stands for everyone else.")
    mass: dict[CODE, str] = Field(min_length=1,
                                  description="Partner (each power and the rest of the world) -> the series "
                                              "of its economic mass (GDP).")
    price: str = Field("oil_price", description="The series that prices hydrocarbon exports.")
    legacy: dict[CODE, float] = Field(default_factory=dict,
                                      description="Partner -> strength of the trade links the Soviet economy "
                                                  "left with it, 0-1.")
    transit: dict[CODE, float] = Field(default_factory=dict,
                                       description="Partner -> 1 when its pipelines carry exports on to buyers "
                                                   "elsewhere, 0-1.")
    source: str = Field(min_length=1)

    @field_validator("legacy", "transit")
    @classmethod
    def _unit_interval(cls, v):
        return _values_within(v, 0.0, 1.0, "a number from 0 to 1")


class Period(Strict):
    start: Month
    end: Month


class ContinuesSpec(Strict):
    scenario: str = Field(description="Scenario file whose end state this one starts from.")


class Scenario(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
    title: str
    description: str
    teaching_notes: str | None = None
    period: Period
    continues: str | None = Field(None, description="Start from the end state of this scenario (same seed).")
    afghan_insurgency: float = Field(0.0, ge=0, le=2, description="Insurgent strength in Afghanistan at the start.")
    states: dict[CODE, StateSpec] = Field(default_factory=dict)
    powers: dict[CODE, PowerSpec] = Field(default_factory=dict)
    organisations: dict[CODE, OrgSpec] = Field(default_factory=dict)
    series: dict[str, SeriesSpec] = Field(default_factory=dict)
    economy: EconomySpec | None = Field(None, description="Trade partners' masses and ties (trade shares).")
    parameters: dict[str, float] = Field(default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    hazards: list[Hazard] = Field(default_factory=list)
