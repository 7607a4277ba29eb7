"""The figures of run.py run drawn in two steps (their frames before the runs are simulated, the lines after)
are the same files, byte for byte, as drawn in one; a wrong guess of the frame only costs a redraw."""

from __future__ import annotations

import numpy as np
import pytest

from sim.outputs import figures


@pytest.fixture(scope="module")
def drawn(replay):
    from sim.outputs import tables
    from sim.simulate import run_scenario

    rec = run_scenario(replay, [0, 1])
    st = rec.setup
    alignment = np.stack(rec.alignment)  # (T, N, S, P)
    data = figures.figure_data(replay.spec.title, rec.dates, st.states, st.powers, alignment,
                               tables.events_columns(rec, [0, 1]), tables.decisions_columns(rec, [0, 1]))
    return data


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.png"))}


def test_the_expected_frame_of_the_replay_is_what_its_runs_show(replay, drawn):
    from sim.commands.run_command import expected_frame

    assert figures._frame_key(expected_frame(replay, 2)) == figures._frame_key(drawn)
    assert drawn.event_months and drawn.decisions  # the figures have events and decisions to mark


def test_prepared_figures_are_the_figures_drawn_at_once(tmp_path, drawn):
    figures._PREPARED.clear()
    figures.write_figures(tmp_path / "once", drawn)
    frame = figures.frame_data(drawn.title, drawn.dates, drawn.states, drawn.powers, drawn.runs)
    frame.event_months = drawn.event_months
    figures.prepare_figures(frame)
    figures.write_figures(tmp_path / "prepared", drawn)
    once, prepared = _files(tmp_path / "once"), _files(tmp_path / "prepared")
    assert sorted(once) == sorted([f"alignment_{s}.png" for s in drawn.states] + ["alignment_all.png"])
    assert once == prepared
    assert not figures._PREPARED  # used once


def test_a_wrong_frame_is_redrawn(tmp_path, drawn):
    figures._PREPARED.clear()
    figures.write_figures(tmp_path / "once", drawn)
    wrong = figures.frame_data(drawn.title, drawn.dates, drawn.states, drawn.powers, drawn.runs)  # no events
    figures.prepare_figures(wrong)
    figures.write_figures(tmp_path / "guessed", drawn)
    assert _files(tmp_path / "once") == _files(tmp_path / "guessed")
    wrong = figures.frame_data(drawn.title, drawn.dates, drawn.states, drawn.powers, drawn.runs + 1)
    wrong.event_months = drawn.event_months
    figures.prepare_figures(wrong)
    figures.write_figures(tmp_path / "runs", drawn)
    assert _files(tmp_path / "once") == _files(tmp_path / "runs")
