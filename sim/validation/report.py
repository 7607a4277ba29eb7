"""validation.md and validation.csv: the checkpoints' pass rates, the UN fit and the counterfactuals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.validation.counterfactuals import Effect
from sim.validation.spec import LoadedValidation


def checkpoint_table(validation: LoadedValidation, passed: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = []
    for c in validation.spec.checkpoints:
        rows.append({"id": c.id, "set": "held_out" if validation.is_holdout(c) else "calibration", "kind": c.kind,
                     "group": c.group,
                     "window": f"{c.window.start} to {c.window.end}", "pass_rate": float(passed[c.id].mean()),
                     "claim": c.claim, "source": c.source})
    return pd.DataFrame(rows)


def tidy_csv(validation: LoadedValidation, checks: pd.DataFrame, summary: dict, fits: dict[str, dict],
             effects: list[Effect]) -> pd.DataFrame:
    """One row per (section, item, metric): long and tidy."""
    rows = []
    for key in ("overall", "calibration", "held_out"):
        rows.append({"section": "summary", "id": f"{key}_pass_rate", "set": key, "metric": "pass_rate",
                     "value": summary[key], "description": f"mean checkpoint pass rate ({key})", "source": ""})
    for r in checks.itertuples():
        rows.append({"section": "checkpoint", "id": r.id, "set": r.set, "metric": "pass_rate", "value": r.pass_rate,
                     "description": r.claim, "source": r.source})
    for label, f in fits.items():
        for metric in ("rank", "pooled", "trend", "state_years"):
            rows.append({"section": "un_fit", "id": label, "set": label, "metric": metric, "value": f[metric],
                         "description": "UN General Assembly ideal points vs model leaning",
                         "source": "sim/data/unga_idealpoints_1995_2008.csv"})
    for e in effects:
        for metric, value in (("replay", e.replay), ("counterfactual", e.counterfactual_value),
                              ("difference", e.difference), ("share_expected_sign", e.share_expected_sign),
                              ("holds", float(e.holds))):
            rows.append({"section": "counterfactual", "id": e.counterfactual, "set": e.direction, "metric": metric,
                         "value": value, "description": e.label, "source": ""})
    return pd.DataFrame(rows)


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.0f}%"


def markdown(validation: LoadedValidation, scenario_title: str, seeds: list[int], checks: pd.DataFrame,
             summary: dict, fits: dict[str, dict], effects: list[Effect], counterfactual_titles: dict[str, str],
             figure: str) -> str:
    spec = validation.spec
    lines = [f"# Validation: {scenario_title}", "",
             (f"Runs: {len(seeds)} (seeds {seeds[0]} to {seeds[-1]}). Checkpoints: `{validation.path}`. "
             f"Held out of the calibration: {spec.holdout.describe()}, and the fit to the UN data "
             "(see docs/validation.md)."), "",
             "## Summary", "",
             (f"- Checkpoints passed, on average over runs: **{_pct(summary['overall'])}** "
             f"({len(checks)} checkpoints)"),
             (f"- Calibration checkpoints: {_pct(summary['calibration'])} "
             f"({summary['n_calibration']})"),
             f"- Held-out checkpoints: {_pct(summary['held_out'])} ({summary['n_held_out']})"]
    held = [e for e in effects if e.holds]
    if effects:
        lines.append(f"- Counterfactual effects in the expected direction: {len(held)} of {len(effects)}")
    main = fits.get("all years")
    if main:
        lines.append(f"- Fit to UN voting ({spec.un_fit.years[0]}-{spec.un_fit.years[1]}): rank correlation "
                     f"{main['rank']:.2f}, pooled correlation {main['pooled']:.2f}, trend correlation "
                     f"{main['trend']:.2f}")
    lines += ["", "## Checkpoints", "",
              "| checkpoint | set | group | window | passed | claim | source |", "|---|---|---|---|---|---|---|"]
    for r in checks.itertuples():
        lines.append(f"| `{r.id}` | {r.set.replace('_', '-')} | {r.group} | {r.window} | {_pct(r.pass_rate)} | {r.claim} | "
                     f"{r.source} |")
    lines += ["", "## Fit to UN General Assembly voting", "",
              (f"Leaning between {spec.un_fit.powers[1]} and {spec.un_fit.powers[0]}: in the UN, each state's "
              "ideal point placed on the axis from Russia (0) to the USA (1); in the model, the yearly mean of "
              f"alignment toward {spec.un_fit.powers[0]} minus toward {spec.un_fit.powers[1]} (mean of the "
              "runs). Both relative to the five states' yearly mean. rank: Spearman correlation across states, "
              "year by year, averaged; pooled: Pearson over all state-years; trend: Pearson of the regional "
              "mean year by year. Years a state cast no votes are missing."), "",
              "| years | states | rank | pooled | trend | state-years |", "|---|---|---|---|---|---|"]
    for label, f in fits.items():
        lines.append(f"| {label} | {f.get('states', 'all five')} | {f['rank']:.2f} | {f['pooled']:.2f} | "
                     f"{f['trend']:.2f} | {f['state_years']} |")
    lines += ["", f"![UN leaning beside simulated leaning]({figure})", ""]
    if effects:
        lines += ["## Counterfactuals", "",
                  ("Each what-if runs with the replay's seeds and parameters; differences are paired run by run "
                  "(counterfactual minus replay)."), "",
                  ("| counterfactual | measure | expected | replay | counterfactual | difference | seeds with the "
                  "expected sign | holds |"), "|---|---|---|---|---|---|---|---|"]
        for e in effects:
            exp = {"higher": "higher", "lower": "lower", "none": "zero in every run"}[e.direction]
            lines.append(f"| {counterfactual_titles.get(e.counterfactual, e.counterfactual)} | {e.label} | {exp} | "
                         f"{e.replay:.3f} | {e.counterfactual_value:.3f} | {e.difference:+.3f} | "
                         f"{_pct(e.share_expected_sign)} | {'yes' if e.holds else '**no**'} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def score_rows(scores: list[dict], construction: dict[str, float], margins: list[dict],
               robust: list[dict]) -> pd.DataFrame:
    """The scores, by-construction pass rates, decision margins and +-10% robustness as rows of validation.csv."""
    rows = [{"section": "score", "id": r["id"], "set": "", "metric": "value", "value": r["value"],
             "description": r["description"], "source": ""} for r in scores]
    rows += [{"section": "by_construction", "id": k, "set": "null_world", "metric": "pass_rate", "value": v,
              "description": "pass rate in the null world with parameters drawn from the priors",
              "source": "scenarios/base/central_asia_1999.yaml"} for k, v in construction.items()]
    for m in margins:
        for metric in ("share", "median_margin"):
            rows.append({"section": "margin", "id": m["id"], "set": m["window"], "metric": metric, "value": m[metric],
                         "description": m["claim"], "source": ""})
    for r in robust:
        for metric in ("pass_minus_10", "pass_plus_10", "survives"):
            rows.append({"section": "robustness", "id": r["id"], "set": r["parameter"], "metric": metric,
                         "value": float(r[metric]), "description": "decision pass rate with the parameter at 0.9 / "
                         "1.1 times its value; survives: both at least 0.5", "source": ""})
    return pd.DataFrame(rows)
