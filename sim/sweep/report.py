"""``analysis.md``: a sweep's results in words: what was varied, how the outcomes spread, which assumptions
drive which outcome, and which parameter ranges make a condition likely."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.parameters import BY_NAME

MATTER = 0.05  # an index below this: the parameter hardly matters for the outcome
INTERACT = 0.1  # total minus first-order above this: the parameter acts through interactions


def describe_outcome(o) -> str:
    """The outcome's own description, or one made from its definition."""
    if o.description:
        return o.description
    win = ""
    if getattr(o, "start", None) or getattr(o, "end", None):
        win = f" from {o.start or 'the start'} to {o.end or 'the end'}"
    k = o.kind
    if k == "alignment_at":
        return f"{o.state}'s alignment toward {o.power} in {o.date}"
    if k == "alignment_mean":
        return f"{o.state}'s mean alignment toward {o.power}{win}"
    if k in ("first_decision", "decision_count"):
        who = " ".join(x for x in (o.state, o.decision.replace("_", " "), o.counterpart, o.name) if x)
        return (f"year of the first decision: {who}{win}" if k == "first_decision"
                else f"number of decisions: {who}{win}")
    sel = o.name if getattr(o, "name", None) else f"a {getattr(o, 'power', '')} base in {getattr(o, 'state', '')}"
    if k == "base_open_at":
        return f"{sel} open in {o.date} (1 yes, 0 no)"
    if k == "base_months":
        return f"months {sel} is open{win}"
    if k == "deal_in_force_at":
        return f"{sel} in force in {o.date} (1 yes, 0 no)"
    if k == "member_at":
        return f"{o.state} a member of {o.org} in {o.date} (1 yes, 0 no)"
    if k == "months_in_org":
        return f"months {o.state} spends in {o.org}{win}"
    if k == "stance_months":
        return f"months {o.power} holds the stance {o.stance}{win}"
    return k


def describe_parameter(name: str, ps) -> str:
    if ps.kind == "values":
        return "one of " + ", ".join(f"{v:g}" for v in ps.values)
    if ps.kind == "uniform":
        return f"uniform from {ps.low:g} to {ps.high:g}"
    if ps.kind == "triangular":
        return f"triangular from {ps.low:g} to {ps.high:g}, mode {ps.mode:g}"
    reg = BY_NAME[name]
    lo = reg.low if ps.low is None else ps.low
    hi = reg.high if ps.high is None else ps.high
    return f"normal, mean {ps.mean:g}, sd {ps.sd:g}, cut to {lo:g}-{hi:g}"


def summary_table(ok: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    rows = []
    for name in outcomes:
        x = ok[name].to_numpy(dtype=float)
        v = x[np.isfinite(x)]
        q = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95]) if len(v) else [np.nan] * 5
        rows.append({"outcome": name, "runs": len(x), "no_value": int(len(x) - len(v)),
                     "mean": v.mean() if len(v) else np.nan, "sd": v.std() if len(v) else np.nan,
                     "q05": q[0], "q25": q[1], "median": q[2], "q75": q[3], "q95": q[4]})
    return pd.DataFrame(rows)


def format_value(x: float) -> str:
    """A number as the sweep reports write it: three significant digits, two decimals from 1,000 on (a year as
    2005.17, not 2.01e+03), and "-" for a missing value."""
    if not np.isfinite(x):
        return "-"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.2f}"


def _hardly(weak: list) -> str:
    return "Hardly matters" if len(weak) == 1 else "Hardly matter"


def drivers_text(outcome: str, sens: pd.DataFrame, method: str, noise: float) -> str:
    """A few sentences: which parameters drive the outcome, which hardly matter."""
    s = sens[sens.outcome == outcome]
    if s.empty:
        return ""
    get = lambda idx: s[s["index"] == idx].set_index("parameter")
    out = []
    if method == "sobol":
        st, s1 = get("ST"), get("S1")
        order = st.value.sort_values(ascending=False)
        top = [p for p in order.index if order[p] >= MATTER]
        if top:
            parts = [f"`{p}` (total {st.value[p]:.2f} ± {st.conf[p]:.2f}, alone {s1.value[p]:.2f})" for p in top[:4]]
            out.append("Driven by " + ", then ".join(parts) + ".")
        inter = [p for p in top if st.value[p] - s1.value[p] > INTERACT]
        if inter:
            out.append("Acting largely through interactions with other parameters: "
                       + ", ".join(f"`{p}`" for p in inter) + ".")
        weak = [p for p in order.index if order[p] < MATTER]
        if weak:
            out.append(f"{_hardly(weak)} (total index below 0.05): " + ", ".join(f"`{p}`" for p in weak) + ".")
        s2 = get("S2")
        if len(s2) and s2.value.max() >= MATTER:
            pair = s2.value.idxmax()
            out.append(f"Strongest pair acting together: `{pair}` (S2 {s2.value[pair]:.2f} ± {s2.conf[pair]:.2f}).")
        wide = [p for p in top if st.conf[p] > 0.5 * st.value[p]]
        if wide:
            out.append("The intervals of " + ", ".join(f"`{p}`" for p in wide) + " are wide: more `samples` would "
                       "firm them up.")
        share = float(np.clip(s1.value.clip(lower=0).sum(), 0, 1))
        out.append(f"First-order effects add up to {share:.0%} of the variance of the point means.")
    elif method == "morris":
        mu, sg = get("mu_star"), get("sigma")
        order = mu.value.sort_values(ascending=False)
        biggest = order.iloc[0] if len(order) else 0
        top = [p for p in order.index if biggest > 0 and order[p] >= 0.1 * biggest]
        if not biggest > 0:
            out.append("No parameter moves it along the trajectories (mu* is 0 for all of them).")
        parts = [f"`{p}` (mu* {format_value(mu.value[p])} ± {format_value(mu.conf[p])}, "
                 f"sigma {format_value(sg.value[p])})" for p in top[:5]]
        if parts:
            out.append("Moving a parameter across its range changes the outcome most for " + ", ".join(parts) + ".")
        nonlin = [p for p in top if mu.value[p] > 0 and sg.value[p] > mu.value[p]]
        if nonlin:
            out.append("Non-linear or interacting (sigma above mu*): " + ", ".join(f"`{p}`" for p in nonlin) + ".")
        weak = [p for p in order.index if p not in top]
        if weak and top:
            out.append("Below a tenth of the largest effect: " + ", ".join(f"`{p}`" for p in weak) + ".")
    else:
        d = get("S1")
        order = d.value.sort_values(ascending=False)
        top = [p for p in order.index if order[p] >= MATTER]
        conf = lambda p: f" ± {d.conf[p]:.2f}" if np.isfinite(d.conf[p]) else ""
        label = "S1" if method == "lhs" else "main-effect share"
        if top:
            out.append("Driven by " + ", then ".join(f"`{p}` ({label} {d.value[p]:.2f}{conf(p)})" for p in top[:4]) + ".")
        weak = [p for p in order.index if order[p] < MATTER]
        if weak:
            out.append(f"{_hardly(weak)} ({label} below 0.05): " + ", ".join(f"`{p}`" for p in weak) + ".")
    if np.isfinite(noise):
        out.append(f"Chance (differences between replications of the same point) accounts for {noise:.0%} of the "
                   "spread across runs" + (" — more than the parameters: read the indices with care." if noise > 0.5
                                            else "."))
    return " ".join(out)


def build(res, sens: pd.DataFrame, notes: dict, noise: dict, summary: pd.DataFrame, discoveries: list[dict],
          figures: list[str]) -> str:
    spec, m = res.spec, res.manifest
    ok = res.ok
    method = spec.design.method
    lines = [f"# Sweep analysis: {spec.title}", "", spec.description.strip(), ""]
    lines += [f"Scenario `{m['scenario']}` ({m['period']['start']} to {m['period']['end']}); design **{method}** "
              f"with {m['points']:,} points x {m['replications']} replications = {m['runs']:,} runs.",
              f"Runs stored: {len(res.table):,}; succeeded: {len(ok):,}; failed: {len(res.table) - len(ok):,}."]
    if not res.complete:
        lines += ["", f"**The sweep is not finished** ({len(res.table):,} of {m['runs']:,} runs stored): run "
                      "`python run.py sweep` again with the same file to complete it; these results are partial."]
    lines += ["", "## Parameters varied", "", "| parameter | varied as | meaning | unit |", "|---|---|---|---|"]
    for name, ps in spec.parameters.items():
        reg = BY_NAME.get(name)
        lines.append(f"| `{name}` | {describe_parameter(name, ps)} | {reg.meaning if reg else ''} | "
                     f"{reg.unit if reg else ''} |")
    if spec.constants:
        lines += ["", "Held constant: " + ", ".join(f"`{k}` = {v:g}" for k, v in spec.constants.items()) + "."]
    lines += ["", "## Outcomes", "", "| outcome | what it measures | mean | sd | 5% | median | 95% | no value |",
              "|---|---|---|---|---|---|---|---|"]
    for _, r in summary.iterrows():
        lines.append(f"| `{r.outcome}` | {describe_outcome(spec.outcomes[r.outcome])} | {format_value(r['mean'])} | "
                     f"{format_value(r.sd)} | {format_value(r.q05)} | {format_value(r['median'])} | "
                     f"{format_value(r.q95)} | {r.no_value} |")
    lines += ["", "## Which assumptions drive which outcome", ""]
    idx_words = {"sobol": "Sobol indices (S1 first-order, ST total, 95% bootstrap intervals)",
                 "morris": "Morris elementary effects (mu*: mean absolute effect of moving a parameter across its "
                           "range; sigma: their spread)",
                 "lhs": "first-order S1 by RBD-FAST from the Latin hypercube sample (95% bootstrap intervals)",
                 "grid": "main-effect shares of the variance over the full factorial grid"}[method]
    how = "computed exactly from the grid" if method == "grid" else "computed with SALib"
    lines += [f"Indices: {idx_words}, {how}; full table in `sensitivity.csv`, heat map in "
              "`figures/sensitivity_heatmap.png`.", ""]
    for name in spec.outcomes:
        text = drivers_text(name, sens, method, noise.get(name, np.nan))
        if name in notes and not text:
            lines.append(f"- **{name}**: not analysed: {notes[name]}.")
        elif text:
            extra = f" ({notes[name]}.)" if name in notes else ""
            lines.append(f"- **{name}**: {text}{extra}")
    lines += ["", "## Scenario discovery", ""]
    if not discoveries:
        lines.append("No condition given (add `discovery:` to the sweep file or `--condition` to the command).")
    for d in discoveries:
        lines.append(f"### {d['name']}: `{d['condition']}`")
        lines.append("")
        if d.get("description"):
            lines += [d["description"], ""]
        if d["cases"] == 0:
            lines += [f"The condition holds in none of the {d['runs']:,} runs: nothing to discover.", ""]
            continue
        if d["cases"] == d["runs"]:
            lines += [f"The condition holds in every run ({d['runs']:,}): it does not depend on the parameters "
                      "varied here.", ""]
            continue
        b = d["box"]
        lines.append(f"It holds in {d['base_rate']:.0%} of the runs ({d['cases']:,} of {d['runs']:,}). PRIM's box "
                     f"(peeling trajectory in `figures/discovery_{d['name']}.png`):")
        lines.append("")
        if d["restricted"]:
            lines += ["| parameter | box | full range swept | density with this limit lifted |", "|---|---|---|---|"]
            for p, (lo, hi) in d["restricted"].items():
                flo, fhi = d["full"][p]
                lines.append(f"| `{p}` | {lo:.4g} to {hi:.4g} | {flo:.4g} to {fhi:.4g} | "
                             f"{d['density_without'][p]:.0%} |")
            lines.append("")
            lines.append(f"Inside the box the condition holds in **{b.density:.0%}** of the runs (density), against "
                         f"{d['base_rate']:.0%} overall; the box holds **{b.coverage:.0%}** of all the runs where it "
                         f"holds (coverage) and {b.mass:.0%} of all runs (mass). The limits are listed from the "
                         "one that matters most (lifting it loses the most density) to the most incidental.")
        else:
            lines.append("No box of parameter ranges raises the chance of the condition while keeping at least "
                         f"{d['min_coverage']:.0%} of its cases: the parameters varied do not explain it.")
        lines.append("")
    lines += ["## Files", "", "- `sensitivity.csv`: outcome, method, parameter, index, value, conf (95%)",
              "- `outcome_summary.csv`: distribution of each outcome over the successful runs",
              "- `discovery_boxes.csv`, `discovery_trajectory.csv`: PRIM boxes and peeling trajectories"]
    lines += [f"- `figures/{f}`" for f in figures]
    return "\n".join(lines) + "\n"
