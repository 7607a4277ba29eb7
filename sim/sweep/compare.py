"""Compare the results of two or more sweeps: each outcome's distribution side by side.

``python run.py compare results/sweep_a results/sweep_b`` (every argument a sweep result folder) calls
``compare_results``. Outcomes are matched by name; for each outcome found in two sweeps or more it writes
the distribution over every successful run of each sweep (mean, sd, quantiles), the shift of the mean
against the first sweep, and the probability that a run of the other sweep gives a higher value than a run
of the first (the common-language effect size: 0.5 means no difference; from the Mann-Whitney U
statistic, ties counted half).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.cli import UsageError
from sim.sweep.report import format_value  # as analysis.md writes them


def _labels(results) -> list[str]:
    names = [r.name for r in results]
    if len(set(names)) == len(names):
        return names
    return [f"{r.name} ({r.folder.name})" if names.count(r.name) > 1 else r.name for r in results]


def superiority(a: np.ndarray, b: np.ndarray) -> float:
    """P(a run of b > a run of a) + 0.5 P(equal), from the Mann-Whitney U statistic."""
    from scipy.stats import mannwhitneyu

    if len(a) == 0 or len(b) == 0:
        return float("nan")
    if np.all(a == a[0]) and np.all(b == a[0]):
        return 0.5
    u = mannwhitneyu(b, a, alternative="two-sided").statistic
    return float(u / (len(a) * len(b)))


def compare_results(folders: list[Path], out: Path | None = None) -> Path:
    """Write the comparison of the sweeps in ``folders`` to ``out`` (default results/compare_<names>/)."""
    from sim.outputs.writer import atomic_folder
    from sim.sweep import figures
    from sim.sweep.report import describe_outcome, summary_table
    from sim.sweep.results import read_results
    from sim.sweep.store import StoreError

    if len(folders) < 2:
        raise UsageError("comparing sweeps needs two or more sweep result folders")
    results = []
    for f in folders:
        try:
            results.append(read_results(f))
        except StoreError as e:
            raise UsageError(f"{e} (compare takes sweep result folders written by run.py sweep)") from None
    for r in results:
        if r.ok.empty:
            raise UsageError(f"{r.folder}: no successful run stored yet; nothing to compare")
    labels = _labels(results)
    order: list[str] = []
    for r in results:
        order += [o for o in r.outcomes if o not in order]
    shared = [o for o in order if sum(o in r.outcomes for r in results) >= 2]
    if not shared:
        raise UsageError("the sweeps have no outcome in common (outcomes are matched by name): "
                         + "; ".join(f"{lab}: {', '.join(r.outcomes)}" for lab, r in zip(labels, results)))
    out = Path(out) if out else Path("results") / ("compare_" + "_vs_".join(r.name for r in results))[:120]
    from sim.outputs.folders import check_destination

    check_destination(out)

    summaries, shifts = [], []
    for lab, r in zip(labels, results):
        s = summary_table(r.ok, [o for o in shared if o in r.outcomes])
        s.insert(0, "sweep", lab)
        summaries.append(s)
    summary = pd.concat(summaries, ignore_index=True)
    ref_label, ref = labels[0], results[0]
    for o in shared:
        base = ref.ok[o].to_numpy(dtype=float) if o in ref.outcomes else None
        for lab, r in zip(labels[1:], results[1:]):
            if base is None or o not in r.outcomes:
                continue
            a, b = base[np.isfinite(base)], r.ok[o].to_numpy(dtype=float)
            b = b[np.isfinite(b)]
            shifts.append({"outcome": o, "reference": ref_label, "sweep": lab,
                           "mean_shift": (b.mean() - a.mean()) if len(a) and len(b) else np.nan,
                           "p_higher": superiority(a, b)})
    shift = pd.DataFrame(shifts, columns=["outcome", "reference", "sweep", "mean_shift", "p_higher"])

    with atomic_folder(out) as tmp:
        (tmp / "figures").mkdir()
        for o in shared:
            data = {lab: r.ok[o].to_numpy(dtype=float) for lab, r in zip(labels, results) if o in r.outcomes}
            figures.side_by_side(data, o, tmp / "figures" / f"{o}.png")
        summary.to_csv(tmp / "outcome_summary.csv", index=False, float_format="%.6g")
        shift.to_csv(tmp / "shifts.csv", index=False, float_format="%.6g")
        lines = ["# Sweeps compared", ""]
        for lab, r in zip(labels, results):
            m = r.manifest
            lines.append(f"- **{lab}** (`{r.folder}`): {r.spec.title}; scenario `{m['scenario']}`, design "
                         f"{r.spec.design.method}, {len(r.ok):,} successful runs of {m['runs']:,}"
                         + ("" if r.complete else " (not finished)"))
        lines += ["", "Each outcome's distribution over the successful runs of each sweep (figures in `figures/`). "
                      f"Shift: the change of the mean against **{ref_label}**; P(higher): the chance that a run of "
                      "that sweep gives a higher value than a run of the reference (0.5: no difference).", ""]
        for o in shared:
            defs = {r.spec.outcomes[o].model_dump_json(exclude={"description"}) for r in results if o in r.outcomes}
            o_spec = next(r.spec.outcomes[o] for r in results if o in r.outcomes)
            lines += [f"## {o}", "", describe_outcome(o_spec)
                      + (" **Defined differently in some sweeps: compare with care.**" if len(defs) > 1 else ""), "",
                      "| sweep | runs | mean | 5% | median | 95% | shift | P(higher) |", "|---|---|---|---|---|---|---|---|"]
            for _, row in summary[summary.outcome == o].iterrows():
                sh = shift[(shift.outcome == o) & (shift.sweep == row.sweep)]
                mshift = f"{sh.mean_shift.iloc[0]:+.3g}" if len(sh) else "ref."
                ph = f"{sh.p_higher.iloc[0]:.2f}" if len(sh) else "-"
                lines.append(f"| {row.sweep} | {row.runs - row.no_value:,} | {format_value(row['mean'])} | "
                             f"{format_value(row.q05)} | {format_value(row['median'])} | {format_value(row.q95)} | "
                             f"{mshift} | {ph} |")
            lines += ["", f"![{o}](figures/{o}.png)", ""]
        only = {lab: [o for o in r.outcomes if o not in shared] for lab, r in zip(labels, results)}
        if any(only.values()):
            lines += ["Outcomes of one sweep only (not compared): "
                      + "; ".join(f"{lab}: {', '.join(v)}" for lab, v in only.items() if v) + "."]
        (tmp / "comparison.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
