"""Load a sweep file: validate it against the schema and against the scenario it sweeps.

Checks beyond the schema: every parameter is in the registry (sim/core/parameters.py) and varies inside its
registered range; a parameter is not both varied and held constant; outcomes name states, powers,
organisations, bases and deals the scenario has, at dates inside its period; the grid design knows the
levels of every parameter; discovery conditions name real outcomes. Any problem ends in one ScenarioError
naming the sweep file, the line and the field.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from sim.codes import STATES
from sim.core.parameters import BY_NAME
from sim.limits import MAX_SWEEP_RUNS
from sim.scenario.errors import ScenarioError, describe_validation_error
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import month_index
from sim.scenario.values import check_value
from sim.scenario.yamlfile import dotted, read_yaml
from sim.sweep.conditions import parse_condition
from sim.sweep.schema import OUTCOME_KINDS, Sweep


@dataclass
class LoadedSweep:
    """A validated sweep with the scenario it sweeps."""

    spec: Sweep
    path: Path
    scenario: LoadedScenario
    slot_names: list[tuple[str, str, str, str]]  # (kind, state, power, name) of every base and deal slot

    @property
    def names(self) -> list[str]:
        """The varied parameters, in file order."""
        return list(self.spec.parameters)

    def fingerprint(self) -> str:
        """A hash of everything that determines the runs and their outcomes (not titles or discovery)."""
        data = self.spec.model_dump(mode="json", exclude={"title", "description", "discovery"})
        for o in data["outcomes"].values():
            o.pop("description", None)
        files = [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in scenario_chain(self.scenario)]
        text = json.dumps({"sweep": data, "scenario_files": files}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def scenario_chain(sc: LoadedScenario) -> list[Path]:
    """Every file a scenario reads: itself, what it extends and, for a continuation, its parent's files."""
    files = list(sc.files)
    if sc.spec.continues:
        files += scenario_chain(load_scenario(sc.path.parent / sc.spec.continues))
    return files


def slot_table(sc: LoadedScenario) -> list[tuple[str, str, str, str]]:
    """(kind, state, power, name) of every base and deal slot a run of the scenario has, in engine order.

    Built by the engine itself for one run (a continuation inherits its parent's slots that way), so the
    names an outcome may use are exactly those the runs will have."""
    from sim.core.parameters import make_params
    from sim.engine import initial_world

    setup = initial_world(sc, [make_params(sc.spec.parameters)], [0]).setup
    return [(s.kind, setup.states[s.state], setup.powers[s.power], s.name) for s in setup.slots]


def _fail(lines: dict, path: tuple, message: str, file: str) -> ScenarioError:
    for k in range(len(path), -1, -1):
        if path[:k] in lines:
            return ScenarioError(file, message, line=lines[path[:k]], field=dotted(path) or None)
    return ScenarioError(file, message, field=dotted(path) or None)


def _pydantic_error(err: ValidationError, lines: dict, file: str) -> ScenarioError:
    path, msg = describe_validation_error(err, OUTCOME_KINDS, "kind", "outcome", Sweep)
    if err.errors()[0]["type"] == "string_pattern_mismatch" and path and path[0] == "outcomes":
        msg = "an outcome name is lower case letters, digits and _ and starts with a letter"
    return _fail(lines, path, msg, file)


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and validate a sweep file; raise ScenarioError on any problem."""
    path = Path(path)
    data, lines = read_yaml(path)
    file = str(path.resolve() if path.exists() else path)
    if not isinstance(data, dict):
        raise ScenarioError(file, f"expected a mapping of fields at the top, got a {type(data).__name__}", line=1)
    try:
        spec = Sweep.model_validate(data)
    except ValidationError as err:
        raise _pydantic_error(err, lines, file) from None
    fail = lambda p, m: _fail(lines, p, m, file)
    scen_path = path.parent / spec.scenario
    if not scen_path.is_file():
        raise fail(("scenario",), f"no scenario file {spec.scenario!r} (the path is relative to the sweep file)")
    scenario = load_scenario(scen_path)
    _check_parameters(spec, fail)
    slots = slot_table(scenario)
    _check_outcomes(spec, scenario, slots, fail)
    _check_design(spec, fail)
    for i, d in enumerate(spec.discovery):
        try:
            parse_condition(d.condition, spec.outcomes)
        except ValueError as e:
            raise fail(("discovery", i, "condition"), str(e)) from None
    return LoadedSweep(spec=spec, path=path, scenario=scenario, slot_names=slots)


def _check_parameters(spec: Sweep, fail) -> None:
    for name, ps in spec.parameters.items():
        where = ("parameters", name)
        if name not in BY_NAME:
            raise fail(where, f"unknown parameter {name!r}; see docs/odd.md or sim/core/parameters.py for the list")
        if name in spec.constants:
            raise fail(("constants", name), f"{name!r} is varied under 'parameters' and cannot also be constant")
        reg = BY_NAME[name]
        rng = f"from {reg.low:g} to {reg.high:g} ({reg.unit})"
        for field in ("low", "high", "mode", "mean"):
            v = getattr(ps, field)
            if v is not None and not reg.low <= v <= reg.high:
                raise fail(where + (field,), f"expected a value {rng}, the parameter's range, got {v:g}")
        for j, v in enumerate(ps.values or []):
            if not reg.low <= v <= reg.high:
                raise fail(where + ("values", j), f"expected a value {rng}, got {v:g}")
            if reg.integer and float(v) != int(v):
                raise fail(where + ("values", j), f"{name} is a whole number of {reg.unit}, got {v:g}")
    for name, v in spec.constants.items():
        if name not in BY_NAME:
            raise fail(("constants", name), f"unknown parameter {name!r}; see sim/core/parameters.py for the list")
        problem = check_value(name, v)
        if problem:
            raise fail(("constants", name), problem)


def _check_design(spec: Sweep, fail) -> None:
    d = spec.design
    k = len(spec.parameters)
    if d.method == "grid":
        points = 1
        for name, ps in spec.parameters.items():
            n = len(ps.values) if ps.values is not None else (ps.levels or d.levels)
            if n is None:
                raise fail(("parameters", name), "the grid design needs this parameter's 'values' or 'levels' "
                                                 "(or 'levels' under 'design' for all)")
            points *= n
    else:
        for name, ps in spec.parameters.items():
            if ps.levels is not None:
                raise fail(("parameters", name, "levels"), f"'levels' of a parameter belongs to the grid design, "
                                                          f"not {d.method}")
        if d.method == "lhs":
            points = d.samples
        elif d.method == "sobol":
            points = d.samples * (2 * k + 2 if d.second_order else k + 2)
        else:
            points = d.trajectories * (k + 1)
    total = points * spec.replications
    if total > MAX_SWEEP_RUNS:
        raise fail(("design",), f"the sweep would make {total:,} runs ({points:,} points x {spec.replications} "
                                f"replications); at most {MAX_SWEEP_RUNS:,} runs are accepted (see docs/limits.md)")


def _window(o, scenario: LoadedScenario, where: tuple, fail) -> None:
    start, end = scenario.start, scenario.end
    period = f"{scenario.spec.period.start} to {scenario.spec.period.end}"
    for field in ("date", "start", "end"):
        v = getattr(o, field, None)
        if v is not None and not start <= month_index(v) <= end:
            raise fail(where + (field,), f"date {v} is outside the scenario's period {period}")
    if getattr(o, "start", None) and getattr(o, "end", None) and month_index(o.end) < month_index(o.start):
        raise fail(where + ("end",), "the window ends before it starts")


def _check_outcomes(spec: Sweep, scenario: LoadedScenario, slots, fail) -> None:
    powers, orgs = set(scenario.powers), set(scenario.orgs)
    for name, o in spec.outcomes.items():
        where = ("outcomes", name)
        _window(o, scenario, where, fail)
        state = getattr(o, "state", None)
        if state is not None and state not in STATES:
            raise fail(where + ("state",), f"unknown state {state!r}; expected one of {', '.join(STATES)}")
        power = getattr(o, "power", None)
        if power is not None and power not in powers:
            raise fail(where + ("power",), f"unknown power {power!r}; the scenario has {', '.join(sorted(powers))}")
        org = getattr(o, "org", None)
        if org is not None and org not in orgs:
            raise fail(where + ("org",), f"unknown organisation {org!r}; the scenario has {', '.join(sorted(orgs))}")
        if o.kind in ("first_decision", "decision_count"):
            cp = o.counterpart
            to_org = o.decision in ("joined", "left")
            if cp is not None and to_org and cp not in orgs:
                raise fail(where + ("counterpart",), f"{o.decision} takes an organisation as counterpart; "
                                                     f"expected one of {', '.join(sorted(orgs))}")
            if cp is not None and not to_org and cp not in powers:
                raise fail(where + ("counterpart",), f"{o.decision} takes a power as counterpart; "
                                                     f"expected one of {', '.join(sorted(powers))}")
            if o.name is not None:
                if to_org:
                    raise fail(where + ("name",), "'name' selects a base or deal; joined and left concern organisations")
                kind = "base" if o.decision.startswith("base") else "deal"
                _check_slot(kind, o.name, None, None, slots, where, fail)
        if o.kind in ("base_open_at", "base_months", "deal_in_force_at"):
            kind = "deal" if o.kind == "deal_in_force_at" else "base"
            _check_slot(kind, o.name, o.state, o.power, slots, where, fail)


def _check_slot(kind, name, state, power, slots, where, fail) -> None:
    match = [s for s in slots if s[0] == kind and (name is None or s[3] == name)
             and (state is None or s[1] == state) and (power is None or s[2] == power)]
    if match:
        return
    known = sorted({s[3] for s in slots if s[0] == kind})
    if name is not None:
        raise fail(where + ("name",), f"the scenario has no {kind} named {name!r}; its {kind}s: " + "; ".join(known))
    raise fail(where, f"the scenario has no {kind} of {power} in {state}; its {kind}s: " + "; ".join(known))


def total_points(spec: Sweep) -> int:
    """Number of design points (before replications)."""
    d, k = spec.design, len(spec.parameters)
    if d.method == "grid":
        return math.prod(len(p.values) if p.values is not None else (p.levels or d.levels)
                         for p in spec.parameters.values())
    if d.method == "lhs":
        return d.samples
    if d.method == "sobol":
        return d.samples * (2 * k + 2 if d.second_order else k + 2)
    return d.trajectories * (k + 1)
