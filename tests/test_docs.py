"""docs/odd.md stays in step with the code: its generated tables match what the registry, the schema and the
scenario files render now, and its prose names every parameter, event type, state variable and driver and
only functions that exist."""

from __future__ import annotations

import dataclasses
import importlib
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from sim import docs_gen
from sim.core.parameters import BY_NAME, PARAMETERS
from sim.core.rules import powers as pw
from sim.core.rules.alignment import DRIVERS
from sim.core.world import RunState
from sim.docs_gen import (
    RENDERERS,
    DocError,
    current_block,
    markers,
    number,
    regenerate,
    render_event_table,
    render_parameter_table,
    replace_block,
    stale_blocks,
)
from sim.scenario.schema import EVENT_TYPES, HAZARD_TYPES

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "odd.md"


@pytest.fixture(scope="module")
def text() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def prose(text) -> str:
    """The document without its generated blocks: what a person wrote."""
    for block in RENDERERS:
        a, b = docs_gen.block_span(text, block)
        text = text[:a] + text[b:]
    return text


def table_rows(block_text: str) -> dict[str, list[str]]:
    """Rows of a generated Markdown table keyed by their first cell (backticks removed)."""
    rows = {}
    for line in block_text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0].strip("`")] = cells
    return rows


# --- the generated blocks match the code --------------------------------------------------------------------
def test_generated_blocks_match_the_code(text):
    stale = stale_blocks(text, str(ODD))
    assert not stale, f"docs/odd.md is out of date in {stale}: run `.venv/bin/python -m sim.docs_gen`"


def test_parameter_table_lists_every_parameter_with_its_default_range_and_source(text):
    rows = table_rows(current_block(text, "parameters"))
    assert list(rows) == [p.name for p in PARAMETERS]
    for p in PARAMETERS:
        _, meaning, unit, value_range, default, source, group = rows[p.name]
        assert default == number(p.default, p.integer), p.name
        assert value_range.startswith(f"{number(p.low, p.integer)} to {number(p.high, p.integer)}"), p.name
        assert unit == docs_gen.cell(p.unit) and group == p.group, p.name
        assert meaning and source, f"{p.name}: a parameter needs a meaning and a source"


def test_a_changed_default_makes_the_document_stale(text, monkeypatch):
    changed = [dataclasses.replace(p, default=p.high) if p.name == "alignment_rate" else p for p in PARAMETERS]
    monkeypatch.setitem(RENDERERS, "parameters", lambda: render_parameter_table(changed))
    assert stale_blocks(text) == ["parameters"]
    assert number(BY_NAME["alignment_rate"].high) in regenerate(text)


def test_event_table_lists_every_type_and_field(text):
    rows = table_rows(current_block(text, "events"))
    assert list(rows) == list(EVENT_TYPES)
    for name, cls in EVENT_TYPES.items():
        for field in cls.model_fields:
            if field not in docs_gen.COMMON_EVENT_FIELDS:
                assert f"`{field}` (" in rows[name][1], f"{name}.{field} missing from the event table"
        assert (rows[name][3] == "yes") == (name in HAZARD_TYPES), name


def test_event_fields_show_kind_range_and_default():
    table = render_event_table()
    assert "`magnitude` (number, 0 to 3, required)" in table
    assert "`spillover` (number, 0 to 1, default 0.3)" in table
    assert "`value` (number, above 0, at most 1, required)" in table
    assert "`targets` (list of codes, at least 1 item, required)" in table
    assert "`blame` (list of codes, default empty)" in table
    assert "`window` (whole number, 1 to 120, optional)" in table


# --- the prose covers the model ------------------------------------------------------------------------------
def code_of(prose: str) -> str:
    """The code the prose shows: inline `spans` and indented equation blocks."""
    spans = re.findall(r"`([^`\n]+)`", prose)
    blocks = [line for line in prose.splitlines() if line.startswith("    ")]
    return "\n".join(spans + blocks)


def test_prose_uses_every_parameter_in_an_equation_or_rule(prose):
    code = code_of(prose)
    missing = [p.name for p in PARAMETERS if not re.search(rf"\b{p.name}\b", code)]
    assert not missing, f"parameters that no equation or rule of the prose uses: {missing}"


def test_prose_describes_what_every_event_type_does(prose):
    missing = [t for t in EVENT_TYPES if f"**`{t}`**" not in prose]
    assert not missing, f"event types without a described effect in 7.1: {missing}"
    section = prose.split("### 7.11 Hazards", 1)[1].split("### 7.12", 1)[0]
    assert all(f"`{t}`" in section for t in HAZARD_TYPES)


def test_prose_describes_every_state_variable_and_driver(prose):
    section2 = prose.split("## 2 Entities", 1)[1].split("## 3 Process", 1)[0]
    missing = [f.name for f in fields(RunState) if f"`{f.name}`" not in section2]
    assert not missing, f"RunState variables missing from section 2: {missing}"
    missing = [d for d in DRIVERS if f"`{d}`" not in prose.split("### 7.8", 1)[1].split("### 7.9", 1)[0]]
    assert not missing, f"alignment drivers missing from 7.8: {missing}"


def test_code_spans_close_on_their_line(prose):
    """A span split over two lines would hide its names from the checks above."""
    odd = [line for line in prose.splitlines() if line.count("`") % 2]
    assert not odd, f"lines with an unclosed code span: {odd}"


def test_odd_sections_are_all_there(prose):
    headings = ["## 1 Purpose and patterns", "## 2 Entities, state variables and scales",
                "## 3 Process overview and scheduling", "## 4 Design concepts", "## 5 Initialization",
                "## 6 Input data", "## 7 Submodels"]
    positions = [prose.find(h) for h in headings]
    assert -1 not in positions and positions == sorted(positions)
    for concept in ("Basic principles", "Emergence", "Adaptation", "Objectives", "Learning", "Prediction",
                    "Sensing", "Interaction", "Stochasticity", "Collectives", "Observation"):
        assert f"**{concept}.**" in prose, concept


def test_every_function_the_document_names_exists(prose):
    refs = set(re.findall(r"`(sim/[\w/]+\.py):(\w+)`", prose))
    assert len(refs) > 30, "the submodels should name the functions that implement them"
    for path, name in sorted(refs):
        assert (ROOT / path).is_file(), f"{path} does not exist"
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert hasattr(module, name), f"{path} has no {name}"
    for path in set(re.findall(r"`(sim/[\w/]+\.py)`", prose)):
        assert (ROOT / path).is_file(), f"{path} does not exist"


def test_every_phase_of_the_step_is_named(prose):
    from sim.core import step

    phases = [n for n in dir(step) if n.endswith("_phase") and callable(getattr(step, n))]
    missing = [n for n in phases if f"sim/core/step.py:{n}" not in prose]
    assert not missing, f"phases of sim/core/step.py the document does not name: {missing}"


def test_fixed_constants_match_the_code(prose):
    for name, values in (("ATTENTION_BONUS", pw.ATTENTION_BONUS), ("EFFORT", pw.EFFORT)):
        row = next(line for line in prose.splitlines() if line.startswith(f"| `{name}` |"))
        assert row.split("|")[2].strip() == " / ".join(number(v) for v in values), name


# --- the generator itself ---------------------------------------------------------------------------------------
def test_number_is_exact_and_short():
    assert number(12, integer=True) == "12"
    assert number(1.0) == "1" and number(0.995) == "0.995" and number(0.1 + 0.2) == "0.30000000000000004"


def test_cells_escape_pipes_and_line_breaks():
    assert docs_gen.cell("a | b\n c") == "a \\| b c"


def test_replace_block_keeps_the_prose_and_is_idempotent():
    start, end = markers("parameters")
    doc = f"before\n{start}\nold\n{end}\nafter\n"
    once = replace_block(doc, "parameters", "new")
    assert once == f"before\n{start}\n\nnew\n\n{end}\nafter\n"
    assert replace_block(once, "parameters", "new") == once
    assert current_block(once, "parameters") == "new"


@pytest.mark.parametrize("doc, message", [
    ("no markers at all", "exactly one"),
    ("<!-- parameters:start -->\n<!-- parameters:start -->\n<!-- parameters:end -->", "exactly one"),
    ("<!-- parameters:end -->\n<!-- parameters:start -->", "comes before"),
])
def test_bad_markers_are_refused(doc, message):
    with pytest.raises(DocError, match=message):
        replace_block(doc, "parameters", "x", "odd.md")


def test_main_rewrites_a_stale_copy_and_checks_it(tmp_path, capsys, text):
    copy = tmp_path / "odd.md"
    a, b = docs_gen.block_span(text, "parameters")
    copy.write_text(text[:a] + "\n| stale |\n" + text[b:], encoding="utf-8")
    assert docs_gen.main([str(copy), "--check"]) == 1
    assert "out of date (parameters)" in capsys.readouterr().err
    assert docs_gen.main([str(copy)]) == 0
    assert "updated (parameters)" in capsys.readouterr().out
    assert copy.read_text(encoding="utf-8") == regenerate(text)
    assert docs_gen.main([str(copy)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert docs_gen.main([str(copy), "--check"]) == 0


def test_main_reports_a_missing_file_or_markers_with_exit_code_2(tmp_path, capsys):
    assert docs_gen.main([str(tmp_path / "nothing.md")]) == 2
    assert "no such file" in capsys.readouterr().err
    bare = tmp_path / "bare.md"
    bare.write_text("# no markers\n", encoding="utf-8")
    assert docs_gen.main([str(bare)]) == 2
    err = capsys.readouterr().err
    assert str(bare) in err and "<!-- parameters:start -->" in err
    assert bare.read_text(encoding="utf-8") == "# no markers\n"


def test_module_entry_point_checks_the_document():
    done = subprocess.run([sys.executable, "-m", "sim.docs_gen", "--check", str(ODD)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
