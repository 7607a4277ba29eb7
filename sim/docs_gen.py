"""The generated parts of docs/odd.md, so the model's description never drifts from its code.

Five blocks of the document are written from the code and data, each between a pair of marker comments:
- ``parameters``: every model parameter of ``sim.core.parameters.PARAMETERS`` with its meaning, unit, range,
  default, source and group;
- ``events``: every event type of the scenario schema (``sim.scenario.schema.EVENT_TYPES``) with its fields,
  their kinds, allowed ranges and defaults;
- ``initial-world``: the states, powers and organisations of January 1999 (scenarios/base/central_asia_1999.yaml);
- ``replay-events``: the dated events of the 1999-2008 replay (scenarios/replay_1999_2008.yaml);
- ``trade-fit``: the recorded fit of the trade shares to the COW data (calibration/trade_fit.yaml).
Everything outside the markers is prose and is left exactly as it is.

    python -m sim.docs_gen            # rewrite the blocks of docs/odd.md and say whether they changed
    python -m sim.docs_gen --check    # change nothing; exit 1 when a block is out of date
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path

import annotated_types
from pydantic_core import PydanticUndefined

from sim.core.parameters import PARAMETERS, Parameter

ROOT = Path(__file__).resolve().parent.parent
ODD_PATH = ROOT / "docs" / "odd.md"
BASE_SCENARIO = ROOT / "scenarios" / "base" / "central_asia_1999.yaml"
REPLAY_SCENARIO = ROOT / "scenarios" / "replay_1999_2008.yaml"
TRADE_FIT = ROOT / "calibration" / "trade_fit.yaml"
COMMON_EVENT_FIELDS = ("id", "title", "date", "type", "source", "note", "requires")


class DocError(Exception):
    """The document cannot be updated (missing file, missing or misplaced markers)."""


def markers(block: str) -> tuple[str, str]:
    """The comment lines that open and close a generated block."""
    return f"<!-- {block}:start -->", f"<!-- {block}:end -->"


# --- formatting helpers ----------------------------------------------------------------------------------
def number(x: float, integer: bool = False) -> str:
    """A number as it is written in the registry: 12 for whole numbers, else the shortest exact decimal."""
    if integer:
        return str(int(x))
    return repr(float(x)).removesuffix(".0")


def cell(text: str) -> str:
    """Text fit for one cell of a Markdown table (no line breaks, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


# --- the parameter table ---------------------------------------------------------------------------------
def parameter_row(p: Parameter) -> str:
    value_range = f"{number(p.low, p.integer)} to {number(p.high, p.integer)}"
    if p.integer:
        value_range += " (whole)"
    cells = [f"`{p.name}`", cell(p.meaning), cell(p.unit), value_range, number(p.default, p.integer),
             cell(p.source), p.group]
    return "| " + " | ".join(cells) + " |"


def render_parameter_table(parameters: typing.Sequence[Parameter] = PARAMETERS) -> str:
    """The Markdown table of every parameter, in the registry's order (which groups them)."""
    lines = [
        "<!-- Generated from sim/core/parameters.py by `python -m sim.docs_gen`; edit the registry, not this table. -->",
        "",
        f"{len(parameters)} parameters. Range: the values a scenario file, `--set` or a sweep may give.",
        "",
        "| name | meaning | unit | range | default | source | group |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [parameter_row(p) for p in parameters]
    return "\n".join(lines)


# --- the event vocabulary ---------------------------------------------------------------------------------
def _is_code(meta: typing.Iterable) -> bool:
    return any(getattr(m, "pattern", None) for m in meta)


def kind(annotation, meta: typing.Iterable = ()) -> str:
    """A field's type in words: number, whole number, text, code, list of codes, mapping code -> number."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return kind(args[0], list(meta) + list(getattr(args[1], "metadata", [])) + list(args[1:]))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return " or ".join(kind(a, meta) for a in inner)
    if origin is typing.Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {kind(args[0])}s"
    if origin is dict:
        return f"mapping {kind(args[0])} -> {kind(args[1])}"
    if annotation is str:
        return "code" if _is_code(meta) else "text"
    if annotation is float:
        return "number"
    if annotation is int:
        return "whole number"
    if annotation is bool:
        return "true/false"
    return getattr(annotation, "__name__", str(annotation))


def bounds(meta: typing.Iterable, text_field: bool = False) -> str:
    """A field's allowed range in words, from its pydantic constraints ('0 to 3', 'above 0, at most 1')."""
    low = high = ""
    min_len = None
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            low = number(m.ge)
        elif isinstance(m, annotated_types.Gt):
            low = f"above {number(m.gt)}"
        elif isinstance(m, annotated_types.Le):
            high = number(m.le)
        elif isinstance(m, annotated_types.Lt):
            high = f"below {number(m.lt)}"
        elif isinstance(m, annotated_types.MinLen):
            min_len = m.min_length
    if low and high:
        text = f"{low} to {high}" if not low.startswith("above") else f"{low}, at most {high}"
    else:
        text = low and f"at least {low}" or high and f"at most {high}" or ""
    if min_len and text_field:
        text = "not empty"
    elif min_len:
        text = ", ".join(x for x in (text, f"at least {min_len} item" if min_len == 1 else
                                     f"at least {min_len} items") if x)
    return text


def default_text(field) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        return "default empty" if not value else f"default {value!r}"
    if field.default is None or field.default is PydanticUndefined:
        return "optional"
    value = field.default
    return f"default {number(value) if isinstance(value, float) else repr(value)}"


def field_text(name: str, field) -> str:
    parts = [kind(field.annotation, field.metadata)]
    b = bounds(field.metadata, text_field=field.annotation is str)
    if b:
        parts.append(b)
    parts.append(default_text(field))
    note = f": {field.description.rstrip('.')}" if field.description else ""
    return f"`{name}` ({', '.join(parts)}){note}"


def render_event_table(event_types: dict | None = None, hazard_types: typing.Iterable[str] | None = None) -> str:
    """The Markdown table of every event type: its own fields (kind, range, default) and what it is."""
    from sim.scenario.schema import EVENT_TYPES, HAZARD_TYPES

    event_types = EVENT_TYPES if event_types is None else event_types
    hazard_types = set(HAZARD_TYPES if hazard_types is None else hazard_types)
    lines = [
        "<!-- Generated from sim/scenario/schema.py by `python -m sim.docs_gen`; edit the schema, not this table. -->",
        "",
        (f"{len(event_types)} event types. Every event also has `id`, `title` (a short name), `date` (YYYY-MM), "
         "`source` and the optional `note` and `requires` (ids of events it only happens after). Hazard: the type may be drawn at random "
         "by a `hazards` entry."),
        "",
        "| type | fields | what it is | hazard |",
        "|---|---|---|---|",
    ]
    for name, cls in event_types.items():
        fields = [field_text(n, f) for n, f in cls.model_fields.items() if n not in COMMON_EVENT_FIELDS]
        doc = cell((cls.__doc__ or "").strip().replace("``", "`"))
        lines.append(f"| `{name}` | {cell('; '.join(fields))} | {doc} | {'yes' if name in hazard_types else ''} |")
    return "\n".join(lines)


# --- the initial world and the replay's events ------------------------------------------------------------
def _mapping(d: dict) -> str:
    return ", ".join(f"{k} {number(v) if isinstance(v, float) else v}" for k, v in d.items()) or "-"


def render_initial_world(path: Path = BASE_SCENARIO) -> str:
    """Tables of the states, powers and organisations a scenario file starts from (after ``extends``)."""
    from sim.codes import STATES
    from sim.scenario.loader import load_scenario

    sc = load_scenario(path)
    spec, powers = sc.spec, sc.powers
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = [
        f"<!-- Generated from {rel} by `python -m sim.docs_gen`; edit the scenario, not these tables. -->",
        "",
        (f"Period {spec.period.start} to {spec.period.end}; insurgent strength in Afghanistan at the start "
         f"{number(spec.afghan_insurgency)}. The file's comments give the source of each value."),
        "",
        ("| state | openness | neutrality | Afghan exposure | alignment " + " / ".join(powers)
         + " | hydrocarbons | fixed ties | members | bases |"),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for code in STATES:
        st = spec.states[code]
        trade = _mapping(st.trade) if st.trade else ""
        bases = "; ".join(f"{p}: {', '.join(names)}" for p, names in st.bases.items()) or "-"
        lines.append(f"| {code} | {number(st.openness)} | {number(st.neutrality)} | {number(st.afghan_exposure)} | "
                     + " / ".join(number(st.alignment[p]) for p in powers)
                     + f" | {number(st.hydrocarbons)}{' ' + st.hydrocarbon_kind if st.hydrocarbons else ''}"
                     + f" | {trade or '-'} | {' '.join(st.members) or '-'} | {cell(bases)} |")
    lines += [
        "",
        ("| power | capacity | capacity drivers (elasticity) | attention | conditionality | reach | Afghan exposure "
         "| own threat | stance | rivals |"),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for code in powers:
        pw = spec.powers[code]
        rivals = " ".join(pw.rivals) if pw.rivals is not None else "all others"
        lines.append(f"| {code} | {number(pw.capacity)} | {_mapping(pw.capacity_drivers)} | {number(pw.attention)} | "
                     f"{number(pw.conditionality)} | {number(pw.reach)} | {number(pw.afghan_exposure)} | "
                     f"{number(pw.own_threat)} | {pw.stance} | {rivals} |")
    lines += ["", "| organisation | patron weights | bias | security | active at the start |", "|---|---|---|---|---|"]
    for code, org in spec.organisations.items():
        lines.append(f"| {code} | {_mapping(org.weights)} | {number(org.bias)} | {number(org.security)} | "
                     f"{'yes' if org.active else 'no'} |")
    eco = spec.economy
    if eco is not None:
        partners = tuple(powers) + (eco.rest_of_world,)
        lines += [
            "",
            ("| state | distance km " + " / ".join(partners) + " | borders | hydrocarbon share | commodity share "
             "| export routes in service | routes signed |"),
            "|---|---|---|---|---|---|---|",
        ]
        for code in STATES:
            st = spec.states[code]
            lines.append(f"| {code} | " + " / ".join(number(float(st.distance[p])) for p in partners)
                         + f" | {' '.join(st.borders) or '-'} | {number(st.hydrocarbon_share)} | "
                         f"{number(st.commodity_share)} | {_mapping(st.routes)} | "
                         f"{_mapping(st.routes_signed or st.routes)} |")
        lines += ["", (f"Trade partners: the powers and `{eco.rest_of_world}` (the rest of the world); masses "
                       + ", ".join(f"{p} `{m}`" for p, m in eco.mass.items())
                       + f"; hydrocarbons priced by `{eco.price}`; legacy {_mapping(eco.legacy)}; "
                       f"transit {_mapping(eco.transit)}.")]
    lines += ["", "| series | unit | reference | values |", "|---|---|---|---|"]
    for name, series in spec.series.items():
        values = ", ".join(f"{m}: {number(v)}" for m, v in series.values.items())
        lines.append(f"| `{name}` | {cell(series.unit)} | {number(series.reference)} | {values} |")
    return "\n".join(lines)


def _value(v) -> str:
    if isinstance(v, list):
        return "+".join(str(x) for x in v)
    if isinstance(v, dict):
        return "{" + _mapping(v) + "}"
    return number(v) if isinstance(v, float) else str(v)


def describe_event(ev) -> str:
    """'type: field=value, ...' with every field the event sets (defaults left out)."""
    given = ev.model_dump(exclude=set(COMMON_EVENT_FIELDS), exclude_defaults=True)
    return f"{ev.type}: " + ", ".join(f"{k}={_value(v)}" for k, v in given.items())


def render_replay_events(path: Path = REPLAY_SCENARIO) -> str:
    """The dated events of a scenario (after ``extends``), in the order the model applies them."""
    from sim.scenario.loader import load_scenario

    sc = load_scenario(path)
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = [
        f"<!-- Generated from {rel} by `python -m sim.docs_gen`; edit the scenario, not this table. -->",
        "",
        f"{len(sc.spec.events)} events, {len(sc.spec.hazards)} hazards.",
        "",
        "| month | id | title | event | source |",
        "|---|---|---|---|---|",
    ]
    for ev in sc.spec.events:
        lines.append(f"| {ev.date} | `{ev.id}` | {cell(ev.title)} | {cell(describe_event(ev))} | {cell(ev.source)} |")
    return "\n".join(lines)


def render_trade_fit(path: Path = TRADE_FIT) -> str:
    """The recorded fit of the trade shares (calibration/trade_fit.yaml): its parameters and its errors."""
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    mae = doc["mae"]
    partners = list(next(iter(mae.values())))
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = [
        f"<!-- Generated from {rel} by `python -m sim.docs_gen`; rerun calibration/fit_trade.py, not this table. -->",
        "",
        "Fitted: " + ", ".join(f"`{k}` = {number(float(v))}" for k, v in doc["parameters"].items())
        + "; fixed: " + ", ".join(f"`{k}` = {number(float(v))}" for k, v in doc["fixed"].items()) + ".",
        "",
        ("Mean absolute error of the yearly trade shares 1995-2008 against the Correlates of War data (the rest "
         "of the world against 1 minus the powers' shares):"),
        "",
        "| state | " + " | ".join(partners) + " |",
        "|---|" + "---|" * len(partners),
    ]
    for code, row in mae.items():
        lines.append(f"| {code} | " + " | ".join(f"{float(row[p]):.3f}" for p in partners) + " |")
    lines += ["", (f"Mean over the states and powers {float(doc['mae_overall_powers']):.3f}; worst of all "
                   f"{float(doc['mae_worst']):.3f}."), "",
              "China's share of each state's trade, 1999 and 2008:", "",
              "| state | model 1999 | model 2008 | data 1999 | data 2008 |", "|---|---|---|---|---|"]
    for code, row in doc["china_share"].items():
        lines.append(f"| {code} | " + " | ".join(f"{float(row[k]):.3f}" for k in
                                                 ("model_1999", "model_2008", "data_1999", "data_2008")) + " |")
    return "\n".join(lines)


RENDERERS: dict[str, typing.Callable[[], str]] = {
    "parameters": render_parameter_table,
    "events": render_event_table,
    "initial-world": render_initial_world,
    "replay-events": render_replay_events,
    "trade-fit": render_trade_fit,
}


# --- rewriting the document --------------------------------------------------------------------------------
def block_span(text: str, block: str, where: str = "the document") -> tuple[int, int]:
    """Start and end offsets of the content between a block's markers (exactly one pair, in order)."""
    start, end = markers(block)
    if text.count(start) != 1 or text.count(end) != 1:
        raise DocError(f"{where}: expected exactly one '{start}' and one '{end}' line, found "
                       f"{text.count(start)} and {text.count(end)}")
    a, b = text.index(start) + len(start), text.index(end)
    if b < a:
        raise DocError(f"{where}: '{end}' comes before '{start}'")
    return a, b


def current_block(text: str, block: str, where: str = "the document") -> str:
    """What stands between a block's markers now, without the surrounding blank lines."""
    a, b = block_span(text, block, where)
    return text[a:b].strip("\n")


def replace_block(text: str, block: str, content: str, where: str = "the document") -> str:
    """The text with the content between a block's markers replaced (a blank line on either side)."""
    a, b = block_span(text, block, where)
    return text[:a] + "\n\n" + content.strip("\n") + "\n\n" + text[b:]


def regenerate(text: str, where: str = "the document") -> str:
    """The document with every generated block rewritten from the code."""
    for block, render in RENDERERS.items():
        text = replace_block(text, block, render(), where)
    return text


def stale_blocks(text: str, where: str = "the document") -> list[str]:
    """Names of the blocks whose content differs from what the code renders now."""
    return [block for block, render in RENDERERS.items()
            if current_block(text, block, where) != render().strip("\n")]


def blocks_command(prog: str, description: str, doc: Path, render: typing.Callable[[], dict[str, str]],
                   argv: list[str] | None = None) -> int:
    """The command line of a document whose generated blocks are computed by running the model
    (sim.docs_validation, sim.docs_teaching): rewrite the stale blocks, or with ``--check`` change nothing
    and exit 1 when one is stale; exit 2 when the document or its markers are missing."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 when a block is stale")
    args = ap.parse_args(argv)
    try:
        if not doc.is_file():
            raise DocError(f"{doc}: no such file")
        text = doc.read_text(encoding="utf-8")
        blocks = render()
        stale = [n for n, b in blocks.items() if current_block(text, n, str(doc)) != b.strip("\n")]
        if args.check:
            print(f"{doc}: " + (f"out of date ({', '.join(stale)}); run {prog}" if stale else "up to date"),
                  file=sys.stderr if stale else sys.stdout)
            return 1 if stale else 0
        for n in stale:
            text = replace_block(text, n, blocks[n], str(doc))
        if stale:
            doc.write_text(text, encoding="utf-8")
    except DocError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{doc}: {'updated (' + ', '.join(stale) + ')' if stale else 'unchanged'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.docs_gen",
                                     description="Rewrite the generated blocks (parameters, events) of docs/odd.md.")
    parser.add_argument("path", nargs="?", default=str(ODD_PATH), help="the document (default docs/odd.md)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a block is out of date (for CI)")
    args = parser.parse_args(argv)
    path = Path(args.path)
    try:
        if not path.is_file():
            raise DocError(f"{path}: no such file")
        text = path.read_text(encoding="utf-8")
        stale = stale_blocks(text, str(path))
        if args.check:
            if stale:
                print(f"{path}: out of date ({', '.join(stale)}); run python -m sim.docs_gen", file=sys.stderr)
                return 1
            print(f"{path}: up to date")
            return 0
        new = regenerate(text, str(path))
    except DocError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: updated ({', '.join(stale) or 'spacing'}); {len(PARAMETERS)} parameters")
    else:
        print(f"{path}: unchanged; {len(PARAMETERS)} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
