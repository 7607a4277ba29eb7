"""How long the role play (run.py class) takes, on this machine, measured side by side in one run:

- a turn: the teacher presses "Run the turn" (sim.app.session.Session.run_turn: the session's scenario
  file rewritten and the session rerun from its first month, every choice as an event), for the first and
  the last year-long turn of the 1999-2008 replay and for a quarter-long turn;
- a step: one month of the session's world (the batch engine with one run);
- a page refresh: what the teacher's page and a team's page ask for every two seconds (the JSON views,
  with the map drawn), and the debrief.

    .venv/bin/python benchmarks/class_turn.py [--repeat 3]

The last line printed is one JSON object with each median in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPLAY = ROOT / "scenarios" / "replay_1999_2008.yaml"
PLAY = {"RUS": {"deal": "TKM", "aid": {"TJK": 8}}, "USA": {"base": "UZB", "aid": {"UZB": 4, "KGZ": 3}},
        "CHN": {"deal": "KAZ", "aid": {"KAZ": 8}}}


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _session(folder: Path, turn: str):
    from sim.app.session import Session

    s = Session.create(folder, REPLAY, seed=0, turn=turn)
    codes = {p: t["code"] for p, t in s.data["teams"].items()}
    return s, codes


def _turn(s, codes) -> float:
    for p, form in PLAY.items():
        s.submit(codes[p], form)
    return _timed(s.run_turn)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario import load_scenario

    out: dict[str, list[float]] = {k: [] for k in ("first_year_turn_s", "last_year_turn_s", "quarter_turn_s",
                                                  "step_s", "teacher_view_s", "team_view_s", "debrief_s")}
    for r in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            s, codes = _session(Path(tmp) / "year", "year")
            times = [_turn(s, codes) for _ in range(10)]
            out["first_year_turn_s"].append(times[0])
            out["last_year_turn_s"].append(times[-1])
            out["teacher_view_s"].append(_timed(s.teacher_view))
            out["team_view_s"].append(_timed(lambda s=s, codes=codes: s.team_view(codes["USA"])))
            s._runs.pop(("rule", s.played), None)
            s._runs.pop(("debrief", s.played), None)
            out["debrief_s"].append(_timed(s.debrief))
            q, qcodes = _session(Path(tmp) / "quarter", "quarter")
            out["quarter_turn_s"].append(statistics.median(_turn(q, qcodes) for _ in range(4)))
            sc = load_scenario(s.scenario_file())
            eng = BatchEngine(sc, [make_params(sc.spec.parameters)], [0])
            out["step_s"].append(statistics.median(_timed(eng.step) for _ in range(60)))
        print(f"repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in out.items()), flush=True)
    print(json.dumps({k.replace("_s", "_median_s"): round(statistics.median(v), 4) for k, v in out.items()}))


if __name__ == "__main__":
    main()
