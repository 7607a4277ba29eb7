"""Hostile and careless input: generated scenario files, raw bytes, alias bombs, devices, chains, command
lines. Every one ends with exit 0 or exit 2 and a message, never a traceback, within bounded time and
memory; after exit 2 no output is left; after exit 0 no NaN is written; nothing of the user's is deleted.
The limits are those of sim/limits.py and docs/limits.md."""

from __future__ import annotations

import copy
import hashlib
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import BASE, REPLAY, ROOT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim import limits
from sim.cli import main
from sim.scenario import ScenarioError, load_scenario

FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
ODD = [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 10**400, "text", [1, 2], {"a": 1}, None, True,
       -1, 0]


def load_or_error(path: Path) -> tuple[object, float]:
    """(LoadedScenario or ScenarioError, seconds); any other exception fails the test."""
    t0 = time.perf_counter()
    try:
        out = load_scenario(path)
    except ScenarioError as e:
        out = e
    return out, time.perf_counter() - t0


def all_finite(x) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, dict):
        return all(all_finite(v) for v in x.values())
    if isinstance(x, list):
        return all(all_finite(v) for v in x)
    return True


def leaves(doc, path=()):
    """Every (path, value) of a YAML document, the value a scalar."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, path + (i,))
    else:
        yield path, doc


def put(doc, path, value):
    for p in path[:-1]:
        doc = doc[p]
    doc[path[-1]] = value


REPLAY_DOC = yaml.safe_load(REPLAY.read_text())
REPLAY_DOC["extends"] = str(BASE)
BASE_DOC = yaml.safe_load(BASE.read_text())
NUMBER_PATHS = {"replay": [p for p, v in leaves(REPLAY_DOC) if isinstance(v, (int, float)) and not isinstance(v, bool)],
                "base": [p for p, v in leaves(BASE_DOC) if isinstance(v, (int, float)) and not isinstance(v, bool)]}
ALL_PATHS = {"replay": [p for p, _ in leaves(REPLAY_DOC)], "base": [p for p, _ in leaves(BASE_DOC)]}
DOCS = {"replay": REPLAY_DOC, "base": BASE_DOC}


@st.composite
def mutated(draw):
    """A shipped scenario (the replay, extending the base world; or the base world) with a few of its values
    replaced by odd ones (NaN, infinities, 1e308, text, lists, mappings), keys misspelt, or fields deleted."""
    which = draw(st.sampled_from(["replay", "base"]))
    doc = copy.deepcopy(DOCS[which])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["number", "any", "rename", "delete", "event_id"]))
        if kind == "number":
            put(doc, draw(st.sampled_from(NUMBER_PATHS[which])), draw(st.sampled_from(ODD)))
        elif kind == "any":
            put(doc, draw(st.sampled_from(ALL_PATHS[which])),
                draw(st.sampled_from(ODD) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5)))
        elif kind in ("rename", "delete"):
            path = draw(st.sampled_from(ALL_PATHS[which]))
            parent = doc
            for p in path[:-1]:
                parent = parent[p]
            key = path[-1]
            if isinstance(parent, dict) and key in parent and key != "extends":
                value = parent.pop(key)
                if kind == "rename":
                    parent[str(key)[:-1] + "x"] = value
        elif doc.get("events"):
            i = draw(st.integers(0, len(doc["events"]) - 1))
            doc["events"][i]["id"] = draw(st.sampled_from([["a", "b"], {"x": 1}, 3, None, ""]))
    return doc


@FAST
@given(mutated())
def test_generated_scenarios_load_or_give_one_message(doc):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True))
        out, seconds = load_or_error(path)
    assert seconds < 10
    if isinstance(out, ScenarioError):
        assert str(out).startswith(str(path.resolve())) or str(out).startswith(str(BASE)), str(out)
    else:  # it loaded: then every number in it is finite
        assert all_finite(out.spec.model_dump())


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_give_one_message(data):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.yaml"
        path.write_bytes(data)
        out, seconds = load_or_error(path)
    assert isinstance(out, ScenarioError) and seconds < 5


@FAST
@given(st.text(alphabet=st.sampled_from(list("[]{}:,-&*!|>'\"#\n ab1.")), max_size=300))
def test_random_yaml_punctuation_gives_one_message(text):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.yaml"
        path.write_text(text)
        out, seconds = load_or_error(path)
    assert isinstance(out, ScenarioError) and seconds < 5


def bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE_TEXTS = {
    "alias_bomb": (bomb(), "more than 200,000 values"),
    "merge_bomb": ("a: &a {x: 1}\n" + "".join(f"b{i}: &b{i} {{<<: [{', '.join(['*a' if i == 0 else f'*b{i - 1}'] * 4)}]}}\n"
                                            for i in range(12)), "values"),
    "deep_lists": ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
    "deep_maps": ("".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v: 1\n", "deep"),
    "python_tag": ("name: !!python/object/apply:os.system ['echo hi']\n", "tag"),
    "duplicate_key": ("name: a\nname: b\n", "twice"),
    "huge_int": ("name: a\nx: " + "9" * 5000 + "\n", ""),
    "list_at_top": ("- 1\n- 2\n", "mapping"),
    "empty": ("", "empty"),
    "mapping_key": ("? [a, b]\n: 1\n", "key"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXTS))
def test_hostile_yaml_is_refused_quickly(tmp_path, case):
    text, words = HOSTILE_TEXTS[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    out, seconds = load_or_error(path)
    assert isinstance(out, ScenarioError), case
    assert words in str(out), str(out)
    assert seconds < 5


def test_too_big_and_too_many_events_are_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("name: big\nnote: '" + "x" * (limits.MAX_FILE_BYTES + 10) + "'\n")
    assert "bytes" in str(load_or_error(big)[0])
    events = "".join(f"  - {{id: e{i}, date: '2001-01', type: afghan_insurgency, level: 0.5, source: x}}\n"
                     for i in range(limits.MAX_EVENTS + 1))
    many = tmp_path / "many.yaml"
    many.write_text(f"extends: {BASE}\nname: many\nevents:\n{events}")
    out, seconds = load_or_error(many)
    assert isinstance(out, ScenarioError) and "at most 5,000" in str(out) and seconds < 20


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "fifo", "folder"])
def test_extends_and_continues_read_only_regular_files(tmp_path, target):
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    elif target == "folder":
        target = str(tmp_path)
    for key in ("extends", "continues"):
        path = tmp_path / f"{key}.yaml"
        body = f"extends: {target}\nname: x\n" if key == "extends" else f"extends: {BASE}\nname: x\ncontinues: {target}\n"
        path.write_text(body)
        out, seconds = load_or_error(path)
        assert isinstance(out, ScenarioError), (key, target)
        assert seconds < 5
    # the file named on the command line is checked the same way
    out, _ = load_or_error(Path(target))
    assert isinstance(out, ScenarioError)


def test_chains_of_extends_and_continues_are_bounded(tmp_path):
    prev = BASE
    for i in range(1100):  # a chain of 1100 files: refused at the 16th, no RecursionError
        p = tmp_path / f"c{i}.yaml"
        p.write_text(f"extends: {prev}\nname: c{i}\n")
        prev = p
    out, seconds = load_or_error(prev)
    assert isinstance(out, ScenarioError) and "longer than 16" in str(out) and seconds < 5
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(f"extends: {BASE}\nname: a\ncontinues: b.yaml\n")
    b.write_text(f"extends: {BASE}\nname: b\ncontinues: a.yaml\n")
    out, _ = load_or_error(a)
    assert isinstance(out, ScenarioError) and "cycle" in str(out)


def test_messages_name_the_users_own_file_line_and_field(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"""extends: {REPLAY}
name: child
events:
  - {{id: ok_one, title: One, date: "2001-01", type: afghan_insurgency, level: 0.5, source: x}}
  - id: bad_one
    title: Bad
    date: "2001-02"
    type: terror_attack
    targets: [KAZ]
    magnitude: 7
    source: x
  - id: typo
    title: Typo
    date: "2001-03"
    type: afghan_insurgency
    level: 0.5
    sorce: x
""")
    out, _ = load_or_error(child)
    assert f"{child}, line" in str(out)
    assert "events[2].sorce" in str(out) and "did you mean 'source'" in str(out), str(out)
    child.write_text(child.read_text().replace("    sorce: x\n", "    source: x\n"))
    out, _ = load_or_error(child)
    assert f"{child}, line 10 (events[1].magnitude)" in str(out), str(out)
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text("extends: nowhere.yaml\nname: orphan\n")
    out, _ = load_or_error(orphan)
    assert str(out).startswith(f"{orphan}, line 1 (extends)") and "nowhere.yaml" in str(out)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1e308"])
@pytest.mark.parametrize("where", ["series", "weights", "capacity", "shift", "energy"])
def test_numbers_that_are_not_numbers_are_refused(tmp_path, where, value):
    body = {
        "series": f"series: {{oil_price: {{values: {{'2001-01': {value}}}}}}}\n",
        "weights": f"organisations: {{CSTO: {{weights: {{RUS: {value}}}}}}}\n",
        "capacity": f"powers: {{RUS: {{capacity_drivers: {{oil_price: {value}}}}}}}\n",
        "shift": f"events:\n  - {{id: x, date: '2001-01', type: leader_change, state: KAZ, source: x, "
                 f"affinity_shift: {{RUS: {value}}}}}\n",
        "energy": f"states: {{KAZ: {{energy: {{RUS: {value}}}}}}}\n",
    }[where]
    path = tmp_path / "n.yaml"
    path.write_text(f"extends: {REPLAY}\nname: n\n" + body)
    out, _ = load_or_error(path)
    assert isinstance(out, ScenarioError), (where, value)
    assert f"{path}, line" in str(out)


def test_the_engine_stops_a_nan_before_it_is_recorded():
    from sim.core.parameters import make_params
    from sim.core.world_checks import NonFiniteState
    from sim.engine import BatchEngine
    from sim.recorders import FullRecorder

    sc = load_scenario(BASE)
    eng = BatchEngine(sc, [make_params()] * 3, [0, 1, 2])
    eng.world.runs.affinity[1, 0, 0] = np.nan
    rec = FullRecorder()
    with pytest.raises(NonFiniteState, match="seeds 1"):
        eng.step(rec)
    assert not rec.dates  # nothing recorded


# --- the command line -------------------------------------------------------------------------------
TINY = "period: {start: '1999-01', end: '1999-03'}\n"


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


OUTS = ["results/x", "mine", "notes.txt", ".", "/", "/proc", "", "mine/sub", "results", os.fsdecode(b"caf\xe9-out")]
SETS = st.one_of(st.sampled_from(["w_blame=4", "w_blame=nan", "w_blame=inf", "w_blame=1e308", "min_dwell=6.5",
                                  "min_dwell=6", "w_blam=1", "w_blame", "=", "w_blame=four", "noise_sd=-1"]),
                 st.builds(lambda v: f"w_blame={v!r}", st.floats(allow_nan=True, allow_infinity=True)))


@settings(FAST, max_examples=12)
@example(seed=0, runs=2, out="results/x", sets=["w_blame=4", "min_dwell=6"])
@example(seed=2**63 - 2, runs=2, out=os.fsdecode(b"caf\xe9-out"), sets=[])
@given(seed=st.sampled_from([0, 1, -1, 2**63 - 1, 2**63, 2**64 + 5, 10**30]),
       runs=st.sampled_from([1, 2, 0, -3, limits.MAX_RUNS + 1, 10**6]),
       out=st.sampled_from(OUTS), sets=st.lists(SETS, max_size=2))
def test_generated_command_lines_exit_0_or_2_and_keep_the_users_files(seed, runs, out, sets):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d / "mine").mkdir()
        (d / "mine" / "thesis.md").write_text("three years of work")
        (d / "notes.txt").write_text("notes")
        scen = d / "tiny.yaml"
        scen.write_text(f"extends: {BASE}\nname: tiny\n" + TINY)
        before = snapshot(d)
        argv = ["run", str(scen), "--quiet", "--seed", str(seed), "--runs", str(runs)]
        if out:
            argv += ["--out", out]
        else:
            argv += ["--out="]
        for s in sets:
            argv += ["--set", s]
        cwd = os.getcwd()
        os.chdir(d)
        try:
            t0 = time.perf_counter()
            try:
                rc = main(argv)
            except SystemExit as e:  # argparse refusing an option
                rc = e.code
            seconds = time.perf_counter() - t0
        finally:
            os.chdir(cwd)
        assert rc in (0, 2) and seconds < 60
        after = snapshot(d)
        assert {k: v for k, v in after.items() if k in before} == before  # nothing of the user's changed
        assert not [p for p in d.rglob("*greatgame-tmp*")]  # no temporary folder left
        new = {k for k in after if k not in before}
        if rc == 2:
            assert not new, new
        else:
            tables = [d / k for k in new if k.endswith(".csv")]
            assert tables
            for t in tables:
                df = pd.read_csv(t)
                assert not df.select_dtypes("number").isna().to_numpy().any(), t


def test_set_uses_the_files_validation_and_integers_stay_integers(tmp_path, capsys):
    import json

    scen = tmp_path / "tiny.yaml"
    scen.write_text(f"extends: {BASE}\nname: tiny\n" + TINY)
    assert main(["run", str(scen), "--quiet", "--set", "min_dwell=6.5", "--out", str(tmp_path / "a")]) == 2
    assert "whole number" in capsys.readouterr().err
    assert main(["run", str(scen), "--quiet", "--set", "min_dwell=7", "--out", str(tmp_path / "b")]) == 0
    m = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert m["parameters"]["min_dwell"] == 7 and isinstance(m["parameters"]["min_dwell"], int)


def test_run_replaces_only_its_own_folder(tmp_path, capsys):
    scen = tmp_path / "tiny.yaml"
    scen.write_text(f"extends: {BASE}\nname: tiny\n" + TINY)
    out = tmp_path / "out"
    assert main(["run", str(scen), "--quiet", "--out", str(out)]) == 0
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)  # ordinary permissions, not owner-only
    assert main(["run", str(scen), "--quiet", "--out", str(out)]) == 0  # its own: replaced
    (out / "my_notes.md").write_text("mine")
    assert main(["run", str(scen), "--quiet", "--out", str(out)]) == 2  # now it holds a file of the user's
    assert "did not write" in capsys.readouterr().err
    assert (out / "my_notes.md").read_text() == "mine"


def test_sweep_out_naming_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("keep me")
    assert main(["sweep", str(ROOT / "tests" / "fixtures" / "sweep_small.yaml"), "--quiet", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert f.read_text() == "keep me"


def test_bounded_memory_and_no_traceback_in_a_subprocess(tmp_path):
    """An alias bomb and a non-UTF-8 file name on the real command line: exit 2, a message, little memory."""
    bad = tmp_path / "bomb.yaml"
    bad.write_text(bomb(12))
    name = os.fsencode(tmp_path) + b"/sc\xe9nario.yaml"
    with open(name, "w") as f:
        f.write(f"extends: {BASE}\nname: x\n" + TINY + "magnitude: [1\n")
    for target in (str(bad), os.fsdecode(name)):
        # a forked child's peak memory starts at its parent's (Linux keeps it across exec), so the command runs
        # under a small Python process that reports the peak of its own child alone
        peak = tmp_path / "peak.txt"
        measure = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); _, s, u = os.wait4(p.pid, 0); "
                   "open(sys.argv[1], 'w').write(str(u.ru_maxrss)); sys.exit(os.waitstatus_to_exitcode(s))")
        p = subprocess.Popen([sys.executable, "-c", measure, str(peak), sys.executable, str(ROOT / "run.py"), "run",
                              target, "--out", str(tmp_path / "o")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        t0 = time.perf_counter()
        _, status, _usage = os.wait4(p.pid, 0)
        err = p.stderr.read().decode("utf-8", "replace")
        assert os.waitstatus_to_exitcode(status) == 2, err
        assert "Traceback" not in err and err.startswith("error: ")
        assert int(peak.read_text()) < 600_000  # kB
        assert time.perf_counter() - t0 < 60
    assert not (tmp_path / "o").exists()


def test_runs_times_months_is_bounded(tmp_path, capsys):
    long = tmp_path / "long.yaml"
    long.write_text(f"extends: {BASE}\nname: long\nperiod: {{start: '1999-01', end: '2190-12'}}\n")
    assert main(["run", str(long), "--quiet", "--runs", "100", "--out", str(tmp_path / "o")]) == 2
    assert "run-months" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path, monkeypatch):
    from sim.outputs import folders

    monkeypatch.setattr(folders.os, "access", lambda path, mode: False)  # as for a read-only folder
    with pytest.raises(folders.OutputFolderError, match="cannot write in"):
        folders.check_destination(tmp_path / "out")


def test_progress_bars_count_whole_runs():
    import io

    from tqdm import tqdm

    from sim.commands.run_command import WholeRuns

    text = io.StringIO()
    bar = tqdm(total=200, file=text, mininterval=0)
    feed, seen = WholeRuns(bar), []
    for _ in range(120):  # the batch engine: 200 runs advance a month at a time
        feed(200 / 120)
        seen.append(bar.n)
    bar.close()
    assert all(isinstance(n, int) for n in seen) and seen[-1] == 200 and seen == sorted(seen)
    assert "200/200" in text.getvalue() and ".9999" not in text.getvalue()
