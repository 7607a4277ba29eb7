"""The sweep schema: what a sweep file may contain.

A sweep is declared, not coded. It names the scenario it sweeps, the uncertain parameters with their ranges,
value lists or distributions, the design that samples them (grid, lhs, sobol, morris), how many seeded
replications each design point gets, and the named outcomes computed from every run. Like a scenario file it
is plain data: nothing in it is evaluated (a discovery condition is parsed, never run as code).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.codes import DECISIONS, STANCES
from sim.scenario.schema import Month

NAME = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
CODE = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,11}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


# --------------------------------------------------------------------------------------------------
# Parameters: a range (uniform), a list of values, or a distribution
# --------------------------------------------------------------------------------------------------
class ParameterSpec(Strict):
    """How one parameter varies. Give ``low``/``high`` (uniform), ``values`` (a list, each equally likely),
    or a ``distribution``: ``triangular`` (low, mode, high) or ``normal`` (mean, sd), the normal cut to the
    range ``low``-``high`` (default: the parameter's registered range)."""

    low: float | None = None
    high: float | None = None
    values: list[float] | None = Field(None, min_length=2)
    distribution: Literal["uniform", "triangular", "normal"] | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0, le=1e6)
    levels: int | None = Field(None, ge=2, le=50, description="Grid levels for this parameter (grid design).")

    @model_validator(mode="after")
    def _shape(self):
        dist = self.distribution or ("uniform" if self.values is None else None)
        if self.values is not None:
            if self.distribution is not None or self.low is not None or self.high is not None:
                raise ValueError("give either 'values' or a range (low/high/distribution), not both")
            if len(set(self.values)) != len(self.values):
                raise ValueError("'values' lists a value twice")
            return self
        if dist == "normal":
            if self.mean is None or self.sd is None:
                raise ValueError("a normal distribution needs 'mean' and 'sd'")
        elif self.low is None or self.high is None:
            raise ValueError("expected 'low' and 'high' (a range), or 'values' (a list)")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"'low' ({self.low}) must be below 'high' ({self.high})")
        if dist == "triangular":
            if self.mode is None:
                raise ValueError("a triangular distribution needs 'mode'")
            if not self.low <= self.mode <= self.high:
                raise ValueError(f"'mode' ({self.mode}) must lie between low and high")
        elif self.mode is not None:
            raise ValueError("'mode' belongs to a triangular distribution")
        if dist != "normal" and (self.mean is not None or self.sd is not None):
            raise ValueError("'mean' and 'sd' belong to a normal distribution")
        return self

    @property
    def kind(self) -> str:
        if self.values is not None:
            return "values"
        return self.distribution or "uniform"


# --------------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------------
class Design(Strict):
    """How the parameter space is sampled.

    - grid: every combination of each parameter's values (its ``values``, or ``levels`` points over its range);
    - lhs: ``samples`` points by Latin hypercube;
    - sobol: Saltelli's scheme for Sobol indices, ``samples`` (a power of 2) times (k + 2) points, or
      (2k + 2) with ``second_order``;
    - morris: ``trajectories`` one-at-a-time paths of k + 1 points over a grid of ``levels``.
    ``seed`` fixes the sample: the same sweep file always gives the same points.
    """

    method: Literal["grid", "lhs", "sobol", "morris"]
    samples: int | None = Field(None, ge=1, le=10_000_000)
    trajectories: int | None = Field(None, ge=2, le=100_000)
    levels: int | None = Field(None, ge=2, le=50)
    second_order: bool = False
    seed: int = Field(0, ge=0, le=2**32 - 1)

    @model_validator(mode="after")
    def _needs(self):
        m = self.method
        if m in ("lhs", "sobol") and self.samples is None:
            raise ValueError(f"the {m} design needs 'samples'")
        if m == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"the sobol design needs 'samples' to be a power of 2 (64, 128, 256, ...), "
                             f"got {self.samples}")
        if m == "morris" and self.trajectories is None:
            raise ValueError("the morris design needs 'trajectories' (10 to 50 is usual)")
        if m != "morris" and self.trajectories is not None:
            raise ValueError("'trajectories' belongs to the morris design")
        if m in ("grid", "morris") and self.samples is not None:
            raise ValueError(f"the {m} design takes no 'samples'"
                             + (" (its size is the product of the levels)" if m == "grid" else
                                " (give 'trajectories')"))
        if m == "lhs" and self.levels is not None:
            raise ValueError("'levels' belongs to the grid and morris designs")
        if self.second_order and m != "sobol":
            raise ValueError("'second_order' belongs to the sobol design")
        return self


# --------------------------------------------------------------------------------------------------
# Outcomes: each turns a run into one number
# --------------------------------------------------------------------------------------------------
class OutcomeBase(Strict):
    description: str | None = None


class Window(OutcomeBase):
    """Months from ``start`` to ``end`` inclusive (default: the whole period)."""

    start: Month | None = None
    end: Month | None = None


class AlignmentAt(OutcomeBase):
    """A state's alignment toward a power at the end of a month (0-1)."""

    kind: Literal["alignment_at"]
    state: CODE
    power: CODE
    date: Month


class AlignmentMean(Window):
    """A state's mean alignment toward a power over a window of months."""

    kind: Literal["alignment_mean"]
    state: CODE
    power: CODE


class FirstDecision(Window):
    """When a decision first happens in the window, as a decimal year (2005-07 is 2005.5); ``never`` if
    it does not happen (default: no value). Filters: the deciding ``state``, the ``counterpart`` (a power for
    bases and deals, an organisation for joined and left) and the base or deal ``name``."""

    kind: Literal["first_decision"]
    decision: Literal[DECISIONS]  # type: ignore[valid-type]
    state: CODE | None = None
    counterpart: CODE | None = None
    name: str | None = None
    never: float | None = Field(None, ge=-1e6, le=1e6)


class DecisionCount(Window):
    """How many decisions of a kind happen in the window (same filters as first_decision)."""

    kind: Literal["decision_count"]
    decision: Literal[DECISIONS]  # type: ignore[valid-type]
    state: CODE | None = None
    counterpart: CODE | None = None
    name: str | None = None


class SlotSelector(OutcomeBase):
    """A base (or deal) by its ``name``, or every base (deal) of a ``power`` in a ``state``."""

    name: str | None = None
    state: CODE | None = None
    power: CODE | None = None

    @model_validator(mode="after")
    def _either(self):
        if self.name is None and (self.state is None or self.power is None):
            raise ValueError("name the base or deal ('name'), or give both 'state' and 'power'")
        return self


class BaseOpenAt(SlotSelector):
    """1 if the base is open at the end of the month, else 0 (with state+power: any such base)."""

    kind: Literal["base_open_at"]
    date: Month


class BaseMonths(SlotSelector, Window):
    """Months in the window during which the base is open."""

    kind: Literal["base_months"]


class DealInForceAt(SlotSelector):
    """1 if the energy deal is signed and in force at the end of the month, else 0."""

    kind: Literal["deal_in_force_at"]
    date: Month


class MemberAt(OutcomeBase):
    """1 if the state is a member of the organisation at the end of the month, else 0."""

    kind: Literal["member_at"]
    state: CODE
    org: CODE
    date: Month


class MonthsInOrg(Window):
    """Months in the window the state spends as a member of the organisation."""

    kind: Literal["months_in_org"]
    state: CODE
    org: CODE


class StanceMonths(Window):
    """Months in the window a power holds a stance (integrate, cooperate, counterbalance)."""

    kind: Literal["stance_months"]
    power: CODE
    stance: Literal[STANCES]  # type: ignore[valid-type]


Outcome = Annotated[
    AlignmentAt | AlignmentMean | FirstDecision | DecisionCount | BaseOpenAt | BaseMonths | DealInForceAt
    | MemberAt | MonthsInOrg | StanceMonths,
    Field(discriminator="kind"),
]
OUTCOME_CLASSES = (AlignmentAt, AlignmentMean, FirstDecision, DecisionCount, BaseOpenAt, BaseMonths,
                   DealInForceAt, MemberAt, MonthsInOrg, StanceMonths)
OUTCOME_KINDS = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in OUTCOME_CLASSES}


class TimeSeries(Strict):
    """Keep the monthly alignments of the first ``runs`` runs (run ids 0, 1, ...), for plots of paths."""

    runs: int = Field(ge=1, le=10_000)


class Discovery(Strict):
    """A condition on outcomes for scenario discovery, e.g. ``k2_open_2006 == 1 and uzb_usa_2005 > 0.5``.

    Clauses ``OUTCOME OP NUMBER`` (OP one of < <= > >= == !=) joined by ``and``; never evaluated as code."""

    name: NAME
    condition: str = Field(min_length=3)
    description: str | None = None


class Sweep(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=80)]
    title: str
    description: str
    scenario: str = Field(description="The scenario file swept, relative to this file.")
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    constants: dict[str, float] = Field(default_factory=dict)  # each checked against its parameter's range
    design: Design
    replications: int = Field(1, ge=1, le=10_000)
    seed: int = Field(0, ge=0, le=2**40, description="Replication r of every point runs with seed + r.")
    outcomes: dict[NAME, Outcome] = Field(min_length=1)
    timeseries: TimeSeries | None = None
    discovery: list[Discovery] = Field(default_factory=list)
