"""The scores of ``run.py validate`` beyond the checkpoint table: what the calibration claims and how robust it is.

- share of checkpoints met: the mean pass rate over the checkpoints and runs;
- early calibration: with ``--early FILE`` (calibration/point_early.yaml, the point calibrated on the
  checkpoints dated up to its ``until`` year), the mean pass rate, under those parameters, of the calibration
  checkpoints dated after that year (2005-2008);
- the UN General Assembly orderings: the rank correlation of the fit (sim.validation.undata);
- the trade-share error (sim.validation.trade), or a row saying it is not measured;
- the checkpoints that hold by construction (sim.validation.construction);
- each historical decision's margin and its survival of +-10% on each free parameter (sim.validation.margins).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.scenario.errors import ScenarioError
from sim.scenario.yamlfile import read_yaml
from sim.validation.scoring import calibration_checkpoints, run_checkpoints

EARLY_UNTIL = 2004


def read_point(path: str | Path) -> tuple[dict[str, float], int]:
    """The parameters and the ``until`` year of a point-calibration file (calibration/point_early.yaml)."""
    from sim.core.parameters import BY_NAME

    data, lines = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict) or not data["parameters"]:
        raise ScenarioError(str(path), "expected a point-calibration file with a 'parameters' mapping "
                            "(written by calibration/point.py)", line=1)
    out = {}
    for name, value in data["parameters"].items():
        where = lines.get(("parameters", name))
        if name not in BY_NAME:
            raise ScenarioError(str(path), f"unknown parameter {name!r}", line=where, field=f"parameters.{name}")
        p = BY_NAME[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not p.low <= value <= p.high:
            raise ScenarioError(str(path), f"expected a number from {p.low} to {p.high}, got {value!r}", line=where,
                                field=f"parameters.{name}")
        out[name] = float(value)
    until = data.get("until")
    if until is None:
        raise ScenarioError(str(path), "this calibration saw every checkpoint ('until' is empty), so it cannot be "
                            "scored on the later ones; give the early calibration (calibration/point.py --until "
                            f"{EARLY_UNTIL} writes calibration/point_early.yaml)", line=lines.get(("until",)),
                            field="until")
    if isinstance(until, bool) or not isinstance(until, int):
        raise ScenarioError(str(path), f"expected a year, got {until!r}", line=lines.get(("until",)), field="until")
    return out, until


def early_score(validation, scenario, seeds: list[int], base: dict, path: str | Path,
                point: tuple[dict, int] | None = None) -> dict:
    """Mean pass rate of the calibration checkpoints dated after the early calibration's last year
    (``point``: the file already read by read_point)."""
    values, until = point or read_point(path)
    every = calibration_checkpoints(validation)
    early = set(calibration_checkpoints(validation, until))
    late = [i for i in every if i not in early]
    if not late:
        raise ScenarioError(str(path), f"no calibration checkpoint is dated after {until}")
    rows = [{**base, **values}] * len(seeds)
    passed, _ = run_checkpoints(validation, scenario, rows, seeds, late)
    return {"file": str(path), "until": until, "n": len(late), "share": float(passed.mean()),
            "rates": {validation.spec.checkpoints[i].id: float(r) for i, r in zip(late, passed.mean(axis=0))}}


def score_rows(summary: dict, early: dict | None, un_rank: float, trade: dict, construction: dict[str, float],
               share: float) -> list[dict]:
    """The score table: one row per score with its value and what it is."""
    held = [k for k, v in construction.items() if v >= share]
    rows = [{"id": "checkpoints_met", "value": summary["overall"],
             "description": "mean checkpoint pass rate over all checkpoints and runs"}]
    if early is not None:
        rows.append({"id": "early_calibration_later_checkpoints", "value": early["share"],
                     "description": f"mean pass rate of the {early['n']} calibration checkpoints dated after "
                                    f"{early['until']}, with the parameters of {early['file']}"})
    else:
        rows.append({"id": "early_calibration_later_checkpoints", "value": float("nan"),
                     "description": "not measured: give the early calibration with --early FILE"})
    rows.append({"id": "un_rank_correlation", "value": un_rank,
                 "description": "UN General Assembly orderings: rank correlation across states, all years"})
    rows.append({"id": "trade_share_error", "value": trade["mae"], "description": trade["note"]})
    rows.append({"id": "checkpoints_by_construction", "value": float(len(held)),
                 "description": f"checkpoints passing in at least {share:.0%} of null-world runs with parameters "
                                f"drawn from the priors"})
    return rows


def markdown(scores: list[dict], construction: dict[str, float], share: float, margins: list[dict],
             robust: list[dict], null_runs: int, perturbed_runs: int) -> list[str]:
    lines = ["## Scores", "", "| score | value | what it is |", "|---|---|---|"]
    for r in scores:
        v = r["value"]
        shown = "not measured" if isinstance(v, float) and np.isnan(v) else (
            f"{v:.0f}" if r["id"] == "checkpoints_by_construction" else f"{v:.3f}")
        lines.append(f"| {r['id']} | {shown} | {r['description']} |")
    held = [k for k, v in construction.items() if v >= share]
    lines += ["", "## Checkpoints that hold by construction", "",
              (f"A checkpoint holds by construction when it passes in at least {share:.0%} of {null_runs} runs of the "
               "null world (scenarios/base/central_asia_1999.yaml, no events) whose free parameters are drawn from "
               "their priors: nothing the history does makes it true."), ""]
    lines += [f"- `{k}` ({100 * construction[k]:.0f}% of null runs)" for k in held] or ["- none"]
    lines += ["", "## Decision margins", "",
              ("Margin: how far the deciding utility was past its threshold at the month of the decision "
               "(alignment units), median over the runs in which the decision happened in its window."), "",
              "| decision | window | runs deciding | median margin |", "|---|---|---|---|"]
    for m in margins:
        mm = "n/a" if np.isnan(m["median_margin"]) else f"{m['median_margin']:.3f}"
        lines.append(f"| `{m['id']}` | {m['window']} | {100 * m['share']:.0f}% | {mm} |")
    lines += ["", "## Robustness of the decisions to +-10% on each free parameter", ""]
    if not robust:
        lines += ["Not measured (no free parameter or no historical decision).", ""]
        return lines
    names = list(dict.fromkeys(r["parameter"] for r in robust))
    ids = list(dict.fromkeys(r["id"] for r in robust))
    cell = {(r["id"], r["parameter"]): r for r in robust}
    lines += [(f"yes: the decision still happens in its window in at least half of {perturbed_runs} runs with the "
               "parameter at 0.9 and at 1.1 times its value (one at a time); no: it does not, with the lower of the "
               "two pass rates."), "",
              "| decision | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    reproduced = {m["id"]: m["share"] >= 0.5 for m in margins}
    for i in ids:
        cells = []
        for n in names:
            r = cell[(i, n)]
            cells.append("yes" if r["survives"] else f"**no** ({100 * min(r['pass_minus_10'], r['pass_plus_10']):.0f}%)")
        note = "" if reproduced.get(i, True) else " (happens in fewer than half of the validated runs)"
        lines.append(f"| `{i}`{note} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines
