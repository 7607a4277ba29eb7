"""The numbers of docs/validation.md, computed by running the model: ``python -m sim.docs_validation``.

The block between ``<!-- results:start -->`` and ``<!-- results:end -->`` of docs/validation.md is rewritten
from 100 seeded runs of the replay (seeds 0-99) with the calibrated defaults, the same 100 seeds with each
run's free parameters drawn from the posterior (calibration/posterior.csv), the counterfactuals on the same
seeds, and the early calibration (calibration/point_early.yaml) scored on the checkpoints dated from 2005.
``--check`` changes nothing and exits 1 when the block is stale (tests/test_docs_validation.py does the same).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "validation.md"
CHECKPOINTS = ROOT / "scenarios" / "checkpoints" / "replay_1999_2008.yaml"
EARLY = ROOT / "calibration" / "point_early.yaml"
POSTERIOR = ROOT / "calibration" / "posterior.csv"
RUNS = 100
BLOCK = "results"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def measure(runs: int = RUNS) -> dict:
    """Everything the block states, from the model."""
    from sim.core.parameters import make_params
    from sim.posterior import posterior_rows
    from sim.scenario import load_scenario
    from sim.validation import scores, trade, undata
    from sim.validation.checkpoints import evaluate_all, summary
    from sim.validation.counterfactuals import compare
    from sim.validation.outcomes import simulate
    from sim.validation.spec import load_validation

    validation = load_validation(CHECKPOINTS)
    scenario = load_scenario(validation.resolve(validation.spec.scenario))
    seeds = list(range(runs))
    base = make_params(scenario.spec.parameters)
    out = simulate(scenario, seeds)
    passed = evaluate_all(validation, out)
    summ = summary(validation, passed)
    post_rows, _ = posterior_rows(str(POSTERIOR), scenario, seeds, {})
    post = summary(validation, evaluate_all(validation, simulate(scenario, seeds, param_rows=post_rows)))
    effects = []
    for k, cf in enumerate(validation.spec.counterfactuals):
        alt = simulate(load_scenario(validation.resolve(cf.scenario)), seeds)
        effects += compare(validation, k, out, alt)
    early = scores.early_score(validation, scenario, seeds, base, EARLY, scores.read_point(EARLY))
    fit = undata.fit(out, tuple(validation.spec.un_fit.powers), tuple(validation.spec.un_fit.years))
    rates = {c.id: float(passed[c.id].mean()) for c in validation.spec.checkpoints}
    claims = {c.id: c.claim for c in validation.spec.checkpoints}
    return {"runs": runs, "summary": summ, "posterior": post, "effects": effects, "early": early,
            "un": fit, "trade": trade.trade_share_error(out), "rates": rates, "claims": claims,
            "n": len(rates)}


def render(m: dict | None = None) -> str:
    m = m or measure()
    s, p = m["summary"], m["posterior"]
    early = m["early"]
    held = [e for e in m["effects"] if e.holds]
    lines = [
        (f"Computed by `python -m sim.docs_validation` from {m['runs']} runs (seeds 0-{m['runs'] - 1}); "
         "`run.py validate scenarios/replay_1999_2008.yaml --runs 100` reports the same."),
        "",
        "| measure | value |",
        "|---|---|",
        f"| checkpoints met, calibrated defaults ({m['n']} checkpoints) | **{_pct(s['overall'])}** |",
        f"| calibration checkpoints (group `seeds`, {s['n_calibration']}) | {_pct(s['calibration'])} |",
        f"| held-out checkpoints (group `un_data`, {s['n_held_out']}) | {_pct(s['held_out'])} |",
        f"| checkpoints met, each run's free parameters drawn from the posterior | **{_pct(p['overall'])}** |",
        (f"| early calibration (checkpoints up to 2004) on the {early['n']} checkpoints dated from 2005 | "
         f"**{_pct(early['share'])}** |") if early else "| early calibration | not measured |",
        f"| counterfactual effects in the expected direction | {len(held)} of {len(m['effects'])} |",
        (f"| UN General Assembly orderings, rank correlation (pooled / trend) | {m['un']['rank']:.2f} "
         f"({m['un']['pooled']:.2f} / {m['un']['trend']:.2f}) |"),
        f"| trade shares, mean absolute error per state, power and year (COW) | {m['trade']['mae']:.3f} |",
        "",
        "Checkpoints met in fewer than 90% of the runs:",
        "",
        "| checkpoint | runs | claim |",
        "|---|---|---|",
    ]
    for cid, rate in m["rates"].items():
        if rate < 0.9:
            lines.append(f"| `{cid}` | {_pct(rate)} | {m['claims'][cid]} |")
    lines += ["", "Counterfactuals (same seeds, paired run by run; counterfactual minus replay):", "",
              "| counterfactual | measure | replay | what-if | difference | expected | seeds with that sign |",
              "|---|---|---|---|---|---|---|"]
    for e in m["effects"]:
        lines.append(f"| `{e.counterfactual}` | {e.label} | {e.replay:.3f} | {e.counterfactual_value:.3f} | "
                     f"{e.difference:+.3f} | {e.direction} | {_pct(e.share_expected_sign)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from sim.docs_gen import blocks_command

    return blocks_command("python -m sim.docs_validation", __doc__.split("\n\n")[0], DOC,
                          lambda: {BLOCK: render()}, argv)


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
