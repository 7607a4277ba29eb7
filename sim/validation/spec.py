"""The validation file: dated checkpoints, counterfactuals and the UN-data fit, as plain data.

A validation file (e.g. ``scenarios/checkpoints/replay_1999_2008.yaml``) names the scenario it judges
and lists:

- ``checkpoints``: dated, sourced claims that one run passes or fails. Kinds:
  ``stance`` (a power holds a stance for a share of the months of a window), ``membership`` (a state
  is, or is not, in an organisation for a share of a window), ``base_open`` (a base or deal is open, or
  not, for a share of a window), ``decision`` (a state takes a decision within a window, or never does),
  ``order`` (one score is above another, both averaged over a window), ``top`` (a state has the highest
  or lowest score among several), ``change`` (a score rises or falls by at least an amount between two
  windows), ``level`` (a score, averaged over a window, stays within bounds) and ``bounds`` (every
  monthly alignment of a state toward the powers stays within bounds).
- ``counterfactuals``: what-if scenarios and what each should change compared with the replay.
- ``un_fit``: the years over which simulated alignment is compared with UN General Assembly voting.

A score is written ``power: USA`` (alignment toward the USA) or ``power: USA-RUS`` (alignment toward the
USA minus alignment toward Russia: the state's leaning between the two); ``state`` is one code or a list
(the scores are averaged). Each checkpoint belongs to a ``group``: ``seeds`` (a claim of the source
documents) or ``un_data`` (an ordering read from the UN votes); ``holdout`` names the checkpoints the
calibration never sees.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.scenario.errors import ScenarioError, describe_validation_error
from sim.scenario.schema import Month, month_index
from sim.scenario.yamlfile import dotted, read_yaml

CODE = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,11}$")]
SCORE = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,11}(-[A-Z][A-Z0-9_]{1,11})?$")]
DECISIONS = ("joined", "left", "base_opened", "base_closed", "deal_signed", "deal_ended", "base_requested",
             "deal_offered")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Window(Strict):
    start: Month
    end: Month

    @model_validator(mode="after")
    def _ordered(self):
        if month_index(self.end) < month_index(self.start):
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")
        return self


def _window(v):
    """Accept a window written as a two-item list [start, end]."""
    if isinstance(v, list):
        if len(v) != 2:
            raise ValueError("expected a window written [start, end], e.g. [\"2001-10\", \"2002-03\"]")
        return {"start": v[0], "end": v[1]}
    if not isinstance(v, dict):
        raise ValueError(f"expected a window written [start, end], e.g. [\"2001-10\", \"2002-03\"], got {v!r}")
    return v


class Score(Strict):
    """One side of a comparison: a state (or the mean of several) and a power or a pair of powers."""

    state: CODE | list[CODE]
    power: SCORE

    @property
    def states(self) -> list[str]:
        return [self.state] if isinstance(self.state, str) else list(self.state)


class CheckBase(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=80)]
    claim: str = Field(min_length=1, description="The claim in words, as a reader would state it.")
    source: str = Field(min_length=1, description="Where the claim comes from: a seed passage or the data.")
    window: Window
    group: Literal["seeds", "un_data"] = Field("seeds", description="seeds: a claim of the seed documents; "
                                               "un_data: an ordering read from the UN voting data.")
    given: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]] = Field(
        default_factory=list,
        description="Checkpoints this claim presupposes (its premises): a run meets it only when it meets them "
                    "too. 'Once evicted, the US does not return' is not met by a run in which it was never let in.")

    _wrap = field_validator("window", mode="before")(_window)

    @property
    def dated(self) -> str:
        """The month the claim is about: the end of its (last) window."""
        return self.window.end


class StanceCheck(CheckBase):
    kind: Literal["stance"]
    power: CODE
    stance: Literal["integrate", "cooperate", "counterbalance"]
    share: float = Field(0.5, gt=0, le=1, description="Least share of the window's months in that stance.")


class MembershipCheck(CheckBase):
    kind: Literal["membership"]
    state: CODE | list[CODE]
    org: CODE | list[CODE]
    member: bool = True
    share: float = Field(1.0, gt=0, le=1, description="Least share of the window's months it holds.")


class BaseOpenCheck(CheckBase):
    kind: Literal["base_open"]
    state: CODE
    power: CODE
    event: str | None = Field(None, description="Id of the request or offer; needed when there are several.")
    open: bool = True
    share: float = Field(1.0, gt=0, le=1)


class DecisionCheck(CheckBase):
    kind: Literal["decision"]
    state: CODE | list[CODE]
    decision: Literal[DECISIONS]
    counterpart: CODE | list[CODE] = Field(description="The organisation or the power (any of a list).")
    event: str | None = Field(None, description="Id of the request or offer, for a base or deal decision.")
    occurs: bool = Field(True, description="false: the decision must not happen within the window.")


class OrderCheck(CheckBase):
    kind: Literal["order"]
    higher: Score
    lower: Score
    margin: float = Field(0.0, ge=0, le=1)


class TopCheck(CheckBase):
    kind: Literal["top"]
    state: CODE
    power: SCORE
    among: list[CODE] = Field(min_length=2)
    rank: Literal["highest", "lowest"] = "highest"


class ChangeCheck(CheckBase):
    kind: Literal["change"]
    score: Score
    before: Window
    at_least: float | None = Field(None, ge=-1, le=1, description="The score must rise by at least this much.")
    at_most: float | None = Field(None, ge=-1, le=1, description="The score must change by at most this (negative: fall).")

    _wrap_before = field_validator("before", mode="before")(_window)

    @model_validator(mode="after")
    def _bound(self):
        if self.at_least is None and self.at_most is None:
            raise ValueError("a change checkpoint needs at_least (a rise) or at_most (a fall)")
        return self


class LevelCheck(CheckBase):
    kind: Literal["level"]
    score: Score
    at_least: float | None = Field(None, ge=-1, le=1)
    at_most: float | None = Field(None, ge=-1, le=1)

    @model_validator(mode="after")
    def _bound(self):
        if self.at_least is None and self.at_most is None:
            raise ValueError("a level checkpoint needs at_least or at_most")
        return self


class BoundsCheck(CheckBase):
    kind: Literal["bounds"]
    state: CODE | list[CODE]
    powers: list[CODE] | None = Field(None, description="The powers (default: all).")
    at_least: float = Field(0.0, ge=0, le=1)
    at_most: float = Field(1.0, ge=0, le=1)


Checkpoint = Annotated[
    StanceCheck | MembershipCheck | BaseOpenCheck | DecisionCheck | OrderCheck | TopCheck | ChangeCheck | LevelCheck | BoundsCheck,
    Field(discriminator="kind"),
]


class Expectation(Strict):
    """What a counterfactual should change, compared with the replay run with the same seeds.

    measure: ``alignment`` (a score averaged over the window), ``bases_opened`` (bases a power opens in
    the window, per run), ``member`` (share of the window's months a state spends in an organisation),
    ``stance`` (share of the window's months a power holds a stance).
    direction: ``higher`` or ``lower`` than in the replay, or ``none`` (zero in every run).
    """

    measure: Literal["alignment", "bases_opened", "member", "stance"]
    window: Window
    direction: Literal["higher", "lower", "none"]
    state: CODE | list[CODE] | None = None
    power: SCORE | None = None
    org: CODE | None = None
    stance: Literal["integrate", "cooperate", "counterbalance"] | None = None
    label: str = Field(min_length=1, description="What is measured, in words.")

    _wrap = field_validator("window", mode="before")(_window)

    @model_validator(mode="after")
    def _needs(self):
        need = {"alignment": ("state", "power"), "bases_opened": ("power",), "member": ("state", "org"),
                "stance": ("power", "stance")}[self.measure]
        for name in need:
            if getattr(self, name) is None:
                raise ValueError(f"the measure {self.measure!r} needs '{name}'")
        return self


class Counterfactual(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
    scenario: str = Field(description="The what-if scenario file, relative to this file.")
    claim: str = Field(min_length=1)
    source: str = Field(min_length=1)
    expect: list[Expectation] = Field(min_length=1)


class UnFit(Strict):
    years: list[int] = Field(min_length=2, max_length=2, description="First and last year compared.")
    powers: list[CODE] = Field(["USA", "RUS"], min_length=2, max_length=2,
                               description="The leaning compared: alignment toward the first minus the second.")


class Holdout(Strict):
    """Which checkpoints the calibration never sees: those of the given groups, and those dated (by the end
    of their window) from the given month on."""

    groups: list[Literal["seeds", "un_data"]] = Field(default_factory=list)
    from_month: Month | None = None

    def describe(self) -> str:
        parts = []
        if self.groups:
            parts.append("the checkpoints of group " + " and ".join(self.groups))
        if self.from_month:
            parts.append(f"the checkpoints dated from {self.from_month} on")
        return " and ".join(parts) or "none"


class ValidationSpec(Strict):
    name: str
    scenario: str = Field(description="The scenario judged, relative to this file.")
    description: str
    holdout: Holdout = Field(description="The checkpoints held out of the calibration (only reported).")
    un_fit: UnFit
    checkpoints: list[Checkpoint] = Field(min_length=1)
    counterfactuals: list[Counterfactual] = Field(default_factory=list)


class LoadedValidation:
    """A validated validation file, its path, and the line of every field (for error messages)."""

    def __init__(self, spec: ValidationSpec, path: Path, lines: dict):
        self.spec = spec
        self.path = path
        self.lines = lines

    def error(self, where: tuple, message: str) -> ScenarioError:
        for k in range(len(where), -1, -1):
            if where[:k] in self.lines:
                return ScenarioError(str(self.path), message, line=self.lines[where[:k]], field=dotted(where) or None)
        return ScenarioError(str(self.path), message, field=dotted(where) or None)

    def resolve(self, relative: str) -> Path:
        return (self.path.parent / relative).resolve()

    def is_holdout(self, check, holdout: Holdout | None = None) -> bool:
        """Whether a checkpoint is held out of the calibration (by the file's split, or the one given)."""
        h = holdout or self.spec.holdout
        if check.group in h.groups:
            return True
        return h.from_month is not None and month_index(check.dated) >= month_index(h.from_month)


def load_validation(path: str | Path) -> LoadedValidation:
    """Read and check a validation file; any problem raises one ScenarioError naming file, line and field."""
    path = Path(path)
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(str(path), "expected a mapping with name, scenario, checkpoints, ...", line=1)
    try:
        spec = ValidationSpec.model_validate(data)
    except ValidationError as err:
        loc, msg = describe_validation_error(err, _KINDS, "kind", "checkpoint", ValidationSpec)
        loaded = LoadedValidation(None, path, lines)  # type: ignore[arg-type]
        raise loaded.error(loc, msg) from None
    loaded = LoadedValidation(spec, path, lines)
    seen: dict[str, int] = {}
    for i, c in enumerate(spec.checkpoints):
        if c.id in seen:
            raise loaded.error(("checkpoints", i, "id"), f"duplicate id {c.id!r} (also checkpoints[{seen[c.id]}])")
        seen[c.id] = i
    for i, c in enumerate(spec.checkpoints):
        for j, g in enumerate(c.given):
            if g not in seen:
                raise loaded.error(("checkpoints", i, "given", j), f"no checkpoint {g!r} in this file to presuppose")
            if g == c.id:
                raise loaded.error(("checkpoints", i, "given", j), "a checkpoint cannot presuppose itself")
    _no_premise_cycle(loaded, spec, seen)
    if not loaded.resolve(spec.scenario).exists():
        raise loaded.error(("scenario",), f"no scenario file {spec.scenario!r} next to this file")
    for i, cf in enumerate(spec.counterfactuals):
        if not loaded.resolve(cf.scenario).exists():
            raise loaded.error(("counterfactuals", i, "scenario"), f"no scenario file {cf.scenario!r}")
    a, b = spec.un_fit.years
    if not 1995 <= a < b <= 2008:
        raise loaded.error(("un_fit", "years"), "expected two years from 1995 to 2008, the first before the second")
    return loaded


def _no_premise_cycle(loaded: LoadedValidation, spec: ValidationSpec, index: dict[str, int]) -> None:
    """Premises (``given``) must not lead back to the checkpoint that names them."""
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(cid: str, path: list[str]) -> None:
        if state.get(cid) == 2:
            return
        if state.get(cid) == 1:
            cycle = " -> ".join(path[path.index(cid):] + [cid])
            raise loaded.error(("checkpoints", index[cid], "given"), f"premises form a cycle: {cycle}")
        state[cid] = 1
        for g in spec.checkpoints[index[cid]].given:
            visit(g, path + [cid])
        state[cid] = 2

    for c in spec.checkpoints:
        visit(c.id, [])


_KINDS = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in typing.get_args(typing.get_args(Checkpoint)[0])}
