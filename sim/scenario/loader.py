"""Load a scenario file: follow ``extends``, merge, validate against the schema, check codes and dates.

Merging rules for ``extends: parent.yaml`` (a path relative to the child file):
- mappings (states, powers, organisations, series, parameters) merge key by key, the child winning;
- ``events`` and ``hazards``: the parent's, minus the ids in ``drop_events`` (and the events that
  ``require`` a dropped one), plus the child's; a child event with a parent's id replaces it;
- every other field (name, title, period, ...) is the child's when it gives one.
Any problem ends in one ScenarioError naming the file, the line and the field.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from sim.codes import STATES
from sim.core.parameters import BY_NAME
from sim.scenario.errors import ScenarioError, describe_validation_error
from sim.scenario.errors import suggest as _suggest
from sim.scenario.schema import EVENT_TYPES, HAZARD_TYPES, Scenario, month_index, month_text
from sim.scenario.values import check_value
from sim.scenario.yamlfile import dotted, read_yaml

LIST_SECTIONS = ("events", "hazards")
TOP_KEYS = set(Scenario.model_fields) | {"extends", "drop_events"}


@dataclass
class LoadedScenario:
    """A validated scenario with where it came from."""

    spec: Scenario
    path: Path
    files: list[Path]  # this file and every file it extends, child first
    dropped: list[str] = field(default_factory=list)  # event ids dropped (directly or as dependents)
    outside_period: list[str] = field(default_factory=list)  # inherited events outside the period
    continues_path: Path | None = None  # 'continues' resolved against the file that declares it

    @property
    def powers(self) -> tuple[str, ...]:
        return tuple(self.spec.powers)

    @property
    def orgs(self) -> tuple[str, ...]:
        return tuple(self.spec.organisations)

    @property
    def start(self) -> int:
        return month_index(self.spec.period.start)

    @property
    def end(self) -> int:
        return month_index(self.spec.period.end)

    @property
    def months(self) -> int:
        return self.end - self.start + 1


@dataclass
class _Doc:
    data: dict
    where: dict  # path -> (file, line)
    files: list[Path]
    dropped: list[str]


def _fail(where: dict, path: tuple, message: str, default_file: str) -> ScenarioError:
    """Build an error at the deepest known prefix of ``path``, named as in the file it comes from.

    ``where`` maps a path of the merged document to (file, line, path in that file): an event that an
    extending file adds is ``events[33]`` of the merged scenario but ``events[2]`` of the user's file."""
    for k in range(len(path), -1, -1):
        if path[:k] in where:
            file, line, local = where[path[:k]]
            return ScenarioError(file, message, line=line, field=dotted(local + path[k:]) or None)
    return ScenarioError(default_file, message, field=dotted(path) or None)




def _read(path: Path, chain: tuple[Path, ...]) -> _Doc:
    from sim.limits import MAX_EVENTS, MAX_EXTENDS

    path = _resolve(path)
    if path in chain:
        cycle = " -> ".join(p.name for p in chain + (path,))
        raise ScenarioError(str(chain[-1]), f"'extends' makes a cycle: {cycle}")
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(str(chain[-1]), f"the chain of 'extends' is longer than {MAX_EXTENDS} files "
                                            f"(from {chain[0].name}); refused (see docs/limits.md)")
    data, lines = read_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise ScenarioError(file, f"expected a mapping of fields at the top, got a {type(data).__name__}", line=1)
    where = {p: (file, ln, p) for p, ln in lines.items()}
    for key in data:
        if key not in TOP_KEYS:
            raise ScenarioError(file, f"unknown field {key!r}{_suggest(key, TOP_KEYS)} (the fields are "
                                      f"{', '.join(sorted(TOP_KEYS))})", line=lines.get((key,)), field=str(key))
    for section in LIST_SECTIONS:
        items = data.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise _fail(where, (section,), f"expected a list of {section}", file)
        if len(items) > MAX_EVENTS:
            raise _fail(where, (section,), f"{len(items):,} {section}; at most {MAX_EVENTS:,} are accepted "
                                           "(see docs/limits.md)", file)
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise _fail(where, (section, i), f"expected a mapping of fields (id, date, type, ...), got "
                                                 f"{_kind(item)}", file)
            if "id" in item and not isinstance(item["id"], str):
                raise _fail(where, (section, i, "id"), f"expected an id written as text (lower case letters, "
                                                       f"digits, _ and -), got {_kind(item['id'])}", file)
            for key in ("requires",) if section == "events" else ():
                req = item.get(key)
                if req is not None and not (isinstance(req, list) and all(isinstance(r, str) for r in req)):
                    raise _fail(where, (section, i, key), "expected a list of event ids", file)
            if isinstance(item.get("id"), str):
                if item["id"] in seen:
                    raise _fail(where, (section, i, "id"),
                                f"duplicate id {item['id']!r} (also {section}[{seen[item['id']]}])", file)
                seen[item["id"]] = i
    parent_ref = data.get("extends")
    if parent_ref is None:
        if "drop_events" in data:
            raise _fail(where, ("drop_events",), "'drop_events' needs 'extends' (there is nothing to drop from)", file)
        return _Doc(data, where, [path], [])
    if not isinstance(parent_ref, str):
        raise _fail(where, ("extends",), "expected the path of another scenario file", file)
    if "name" not in data:
        raise ScenarioError(file, "a scenario that extends another needs its own 'name'", line=1, field="name")
    target = path.parent / parent_ref
    if not target.exists():
        raise _fail(where, ("extends",), f"no scenario file {parent_ref!r} to extend (looked for {target}; the "
                                         "path is relative to this file)", file)
    parent = _read(target, chain + (path,))
    return _merge(parent, _Doc(data, where, [path], []), file)


def _resolve(path: Path) -> Path:
    try:
        return path.resolve() if path.exists() else path
    except (OSError, RuntimeError):  # a loop of symbolic links, a name too long
        return path


def _kind(x) -> str:
    if isinstance(x, dict):
        return "a mapping"
    if isinstance(x, list):
        return "a list"
    return f"{x!r}"


def _merge_dict(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge_dict(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge(parent: _Doc, child: _Doc, file: str) -> _Doc:
    cdata = child.data
    drops = cdata.get("drop_events", [])
    if not isinstance(drops, list) or not all(isinstance(d, str) for d in drops):
        raise _fail(child.where, ("drop_events",), "expected a list of event ids", file)
    parent_ids = {e.get("id") for e in parent.data.get("events", []) or [] if isinstance(e, dict)}
    for i, d in enumerate(drops):
        if d not in parent_ids:
            known = ", ".join(sorted(x for x in parent_ids if isinstance(x, str)))
            raise _fail(child.where, ("drop_events", i), f"no event {d!r} to drop; the parent has: {known}", file)
    # dropping an event drops every event that requires it, transitively
    needed_by: dict[str, list[str]] = {}
    for e in parent.data.get("events", []) or []:
        for r in e.get("requires") or []:
            needed_by.setdefault(r, []).append(e.get("id"))
    dropped, todo = set(drops), list(drops)
    while todo:
        for eid in needed_by.get(todo.pop(), []):
            if isinstance(eid, str) and eid not in dropped:
                dropped.add(eid)
                todo.append(eid)

    data = {k: v for k, v in parent.data.items() if k not in ("extends", "drop_events", *LIST_SECTIONS)}
    where = {p: w for p, w in parent.where.items() if p and p[0] not in ("extends", "drop_events", *LIST_SECTIONS)}
    for k, v in cdata.items():
        if k in ("extends", "drop_events", *LIST_SECTIONS):
            continue
        data[k] = _merge_dict(data[k], v) if isinstance(v, dict) and isinstance(data.get(k), dict) else v
    where.update({p: w for p, w in child.where.items() if p and p[0] not in LIST_SECTIONS})

    for section in LIST_SECTIONS:
        merged: list = []
        origin: list[tuple[_Doc, int]] = []
        child_items = cdata.get(section) or []
        child_ids = {e.get("id"): j for j, e in enumerate(child_items) if isinstance(e, dict)}
        used = set()
        for j, e in enumerate(parent.data.get(section) or []):
            eid = e.get("id") if isinstance(e, dict) else None
            if section == "events" and eid in dropped:
                continue
            if eid in child_ids:  # the child replaces the parent's item in place
                merged.append(child_items[child_ids[eid]])
                origin.append((child, child_ids[eid]))
                used.add(eid)
            else:
                merged.append(e)
                origin.append((parent, j))
        for j, e in enumerate(child_items):
            if not (isinstance(e, dict) and e.get("id") in used):
                merged.append(e)
                origin.append((child, j))
        if merged or section in cdata or section in parent.data:
            data[section] = merged
            where[(section,)] = child.where.get((section,), parent.where.get((section,), (file, None, (section,))))
            for i, (doc, j) in enumerate(origin):
                for p, w in doc.where.items():
                    if len(p) >= 2 and p[0] == section and p[1] == j:
                        where[(section, i) + p[2:]] = w
    return _Doc(data, where, child.files + parent.files, sorted(dropped | set(parent.dropped)))


def _pydantic_error(err: ValidationError, doc: _Doc, file: str) -> ScenarioError:
    path, msg = describe_validation_error(err, EVENT_TYPES, "type", "event", Scenario)
    if len(path) == 3 and path[0] in ("states", "powers", "organisations", "series") and \
            msg.endswith("required but missing"):
        # a field is missing only from a new entry: the others merge into the parent's; a misspelt code is new
        others = sorted(k for k in doc.data.get(path[0]) or {} if k != path[1])
        kind = {"series": "series"}.get(path[0], path[0].removesuffix("s"))
        msg += (f"; {path[1]!r} is a new {kind}{_suggest(path[1], others)} (the {path[0]} of the scenario: "
                f"{', '.join(others) or 'none'}), and a new {kind} needs all its required fields")
    return _fail(doc.where, path, msg, file)


def load_scenario(path: str | Path, *, _continuing: tuple[Path, ...] = ()) -> LoadedScenario:
    """Read, merge and validate a scenario file; raise ScenarioError on any problem.

    A scenario that ``continues`` another is checked with the whole chain it starts from: every scenario
    of the chain loads, the chain has no cycle and at most MAX_CONTINUES scenarios."""
    from sim.limits import MAX_EVENTS

    path = Path(path)
    doc = _read(path, ())
    file = str(_resolve(path))
    for section in LIST_SECTIONS:
        n = len(doc.data.get(section) or [])
        if n > MAX_EVENTS:
            raise _fail(doc.where, (section,), f"the scenario and the files it extends hold {n:,} {section}; at "
                                               f"most {MAX_EVENTS:,} are accepted (see docs/limits.md)", file)
    try:
        spec = Scenario.model_validate(doc.data)
    except ValidationError as err:
        raise _pydantic_error(err, doc, file) from None
    loaded = LoadedScenario(spec=spec, path=path, files=doc.files, dropped=doc.dropped)
    _check(loaded, doc, file)
    if loaded.continues_path is not None:
        _check_continues(loaded, doc, file, _continuing + (_resolve(path),))
    return loaded


def _check_continues(sc: LoadedScenario, doc: _Doc, file: str, chain: tuple[Path, ...]) -> None:
    from sim.limits import MAX_CONTINUES

    target = _resolve(sc.continues_path)
    if target in chain:
        cycle = " -> ".join(p.name for p in chain + (target,))
        raise _fail(doc.where, ("continues",), f"'continues' makes a cycle: {cycle}", file)
    if len(chain) >= MAX_CONTINUES:
        raise _fail(doc.where, ("continues",), f"the chain of 'continues' is longer than {MAX_CONTINUES} "
                                               "scenarios; refused (see docs/limits.md)", file)
    load_scenario(target, _continuing=chain)


def _check(sc: LoadedScenario, doc: _Doc, file: str) -> None:
    """Checks the schema cannot express: codes, dates, names and cross-references."""
    spec = sc.spec
    fail = lambda path, msg: _fail(doc.where, path, msg, file)
    start, end = sc.start, sc.end
    if end < start:
        raise fail(("period", "end"), f"the period ends ({spec.period.end}) before it starts ({spec.period.start})")
    if end - start > 12 * 200:
        raise fail(("period", "end"), "the period is longer than 200 years")
    powers, orgs, series = set(spec.powers), set(spec.organisations), set(spec.series)
    if not powers:
        raise fail(("powers",), "a scenario needs at least one power (declare them under 'powers')")
    missing = [s for s in STATES if s not in spec.states]
    if missing:
        raise fail(("states",), f"missing states {', '.join(missing)}; every scenario covers {', '.join(STATES)}")

    def power(path, code):
        if code not in powers:
            raise fail(path, f"unknown power {code!r}; expected one of {', '.join(sorted(powers))} "
                             "(declare new powers under 'powers')")

    def state(path, code):
        if code not in STATES:
            raise fail(path, f"unknown state {code!r}; expected one of {', '.join(STATES)}")

    def org(path, code):
        if code not in orgs:
            raise fail(path, f"unknown organisation {code!r}; expected one of {', '.join(sorted(orgs))}")

    for code, st in spec.states.items():
        state(("states", code), code)
        for p in powers:
            if p not in st.alignment:
                raise fail(("states", code, "alignment"), f"no initial alignment toward {p}")
        for p in st.alignment:
            power(("states", code, "alignment", p), p)
        for p in st.trade:
            power(("states", code, "trade", p), p)
        for i, o in enumerate(st.members):
            org(("states", code, "members", i), o)
        for p in st.bases:
            power(("states", code, "bases", p), p)
    for code, ps in spec.powers.items():
        for j, q in enumerate(ps.rivals or []):
            power(("powers", code, "rivals", j), q)
            if q == code:
                raise fail(("powers", code, "rivals", j), "a power cannot be its own rival")
        for s in ps.capacity_drivers:
            if s not in series:
                raise fail(("powers", code, "capacity_drivers", s),
                           f"unknown series {s!r}; expected one of {', '.join(sorted(series)) or '(none declared)'}")
    for code, o in spec.organisations.items():
        for p in o.weights:
            power(("organisations", code, "weights", p), p)
    for name, s in spec.series.items():
        for m in s.values:
            month_index(m)
    for name, value in spec.parameters.items():
        if name not in BY_NAME:
            raise fail(("parameters", name), f"unknown parameter {name!r}{_suggest(name, BY_NAME)}; see docs/odd.md "
                                             "for the list")
        problem = check_value(name, value)
        if problem:
            raise fail(("parameters", name), problem)
    _check_economy(spec, powers, series, fail)
    if spec.continues is not None:
        declaring = Path(doc.where.get(("continues",), (file, None, ()))[0])
        target = declaring.parent / spec.continues
        if not target.is_file():
            raise fail(("continues",), f"no scenario file {spec.continues!r} next to {declaring.name} "
                                       f"(looked for {target})")
        sc.continues_path = target

    ids = {e.id for e in spec.events}
    dates = {e.id: e.date for e in spec.events}
    keep = []
    own_file = str(sc.files[0].resolve() if sc.files[0].exists() else sc.files[0])
    for i, ev in enumerate(spec.events):
        path = ("events", i)
        m = month_index(ev.date)
        if not start <= m <= end:
            origin = doc.where.get(path, (own_file, None, ()))[0]
            if origin != own_file:  # inherited from the parent: outside this period, so it does not happen
                sc.outside_period.append(ev.id)
                continue
            raise fail(path + ("date",), f"date {ev.date} is outside the period "
                                          f"{spec.period.start} to {spec.period.end}")
        for j, r in enumerate(ev.requires):
            if r not in ids:
                raise fail(path + ("requires", j), f"requires unknown event {r!r}")
            if month_index(dates[r]) > m:  # it happens only after what it requires
                raise fail(path + ("requires", j), f"requires {r!r}, which comes later ({dates[r]}) than this event "
                                                   f"({ev.date}); an event happens only after what it requires")
        _check_event(ev, path, powers, orgs, series, power, state, org, fail)
        keep.append(ev)
    spec.events = sorted(keep, key=lambda e: month_index(e.date))  # stable: file order within a month
    for i, hz in enumerate(spec.hazards):
        path = ("hazards", i)
        hs, he = month_index(hz.start), month_index(hz.end)
        if he < hs:
            raise fail(path + ("end",), "the hazard ends before it starts")
        ev = dict(hz.event)
        t = ev.get("type")
        if t not in HAZARD_TYPES:
            raise fail(path + ("event", "type"), f"a hazard's event type must be one of {', '.join(HAZARD_TYPES)}")
        try:
            parsed = EVENT_TYPES[t].model_validate({"id": hz.id, "date": hz.start, "source": hz.source, **ev})
        except ValidationError as err:
            inner, msg = describe_validation_error(err, EVENT_TYPES, "type", "event", EVENT_TYPES[t])
            raise fail(path + ("event",) + tuple(inner), msg) from None
        _check_event(parsed, path + ("event",), powers, orgs, series, power, state, org, fail)


def _check_economy(spec, powers, series, fail) -> None:
    """The trade data name known partners (the powers and the rest of the world) and known series; a state's
    distances cover every partner with a mass series (a power without one does not trade in the model); its
    commodity shares leave room for ordinary trade."""
    eco = spec.economy
    partners = set(powers) | ({eco.rest_of_world} if eco is not None else set())
    listed = ", ".join(sorted(partners))

    def partner(path, code):
        if code not in partners:
            raise fail(path, f"unknown trade partner {code!r}; expected one of {listed}"
                             + ("" if eco is not None else " (declare the rest of the world under 'economy')"))

    if eco is not None:
        if eco.rest_of_world in powers:
            raise fail(("economy", "rest_of_world"), f"{eco.rest_of_world!r} is a power; the rest of the world "
                                                      "needs a code of its own")
        for code, name in eco.mass.items():
            partner(("economy", "mass", code), code)
            if name not in series:
                raise fail(("economy", "mass", code),
                           f"unknown series {name!r}; expected one of {', '.join(sorted(series))}")
        if eco.rest_of_world not in eco.mass:
            raise fail(("economy", "mass"), f"no mass series for the rest of the world ({eco.rest_of_world})")
        if eco.price not in series:
            raise fail(("economy", "price"), f"unknown series {eco.price!r}; expected one of "
                                             f"{', '.join(sorted(series))}")
        for key in ("legacy", "transit"):
            for code in getattr(eco, key):
                partner(("economy", key, code), code)
    for code, st in spec.states.items():
        for key in ("distance", "routes", "routes_signed"):
            for p in getattr(st, key):
                partner(("states", code, key, p), p)
        for i, p in enumerate(st.borders):
            partner(("states", code, "borders", i), p)
        if st.hydrocarbon_share + st.commodity_share > 1.0:
            raise fail(("states", code, "commodity_share"),
                       "hydrocarbon_share and commodity_share add up to more than 1")
        if eco is not None:
            missing = sorted(set(eco.mass) - set(st.distance))
            if missing:
                raise fail(("states", code, "distance"), f"no distance to {', '.join(missing)}")


def _check_event(ev, path, powers, orgs, series, power, state, org, fail):
    t = ev.type
    if t in ("terror_attack",):
        for j, c in enumerate(ev.targets):
            if c not in STATES and c not in powers:
                raise fail(path + ("targets", j), f"unknown target {c!r}; expected a state ({', '.join(STATES)}) "
                                                  f"or a power ({', '.join(sorted(powers))})")
    if t in ("incursion", "aid_offer"):
        for j, c in enumerate(ev.targets):
            state(path + ("targets", j), c)
    if hasattr(ev, "actor"):
        power(path + ("actor",), ev.actor)
    if hasattr(ev, "state") and isinstance(ev.state, str):
        state(path + ("state",), ev.state)
    if hasattr(ev, "blame"):
        for j, c in enumerate(ev.blame):
            power(path + ("blame", j), c)
    if hasattr(ev, "affinity_shift"):
        for c in ev.affinity_shift:
            power(path + ("affinity_shift", c), c)
    if t == "color_revolution" and ev.place not in STATES and ev.openness is None:
        raise fail(path + ("openness",), f"a revolution outside the five states ({ev.place}) needs the "
                                         "'openness' of that country (0-1) to weigh its contagion")
    if t in ("org_founded", "org_dissolved", "org_reformed"):
        org(path + ("org",), ev.org)
    if t == "org_dissolved" and ev.into is not None:
        org(path + ("into",), ev.into)
    if t == "org_reformed":
        for c in ev.weights:
            power(path + ("weights", c), c)
    if t == "price_shock" and ev.series not in series:
        raise fail(path + ("series",), f"unknown series {ev.series!r}; expected one of {', '.join(sorted(series))}")


__all__ = ["LoadedScenario", "load_scenario", "month_index", "month_text"]
