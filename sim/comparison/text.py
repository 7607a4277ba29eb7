"""compare.md: the comparison in words, for a reader who has not opened the tables."""

from __future__ import annotations

import pandas as pd

from sim.codes import POWER_NAMES, STATE_NAMES
from sim.comparison.collect import ScenarioRun
from sim.comparison.differences import ALIGNMENT_MATTERS, CONSISTENT, SHARE_MATTERS, transient_sentence


def _pct(x) -> str:
    return "–" if pd.isna(x) else f"{x:.0%}"


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def outcome_section(probs: pd.DataFrame, names: list[str], spread: float = 0.05) -> list[str]:
    """The outcomes whose share differs between scenarios (by ``spread`` or more, or possible in some only),
    one row per outcome and checkpoint; then, in one line, those every scenario agrees on."""
    L = ["## Bases, deals, memberships and leanings", "",
         "Share of runs in which each holds at each checkpoint month (– : not possible in that scenario, "
         "e.g. a base never requested there or a power it does not declare). Listed: the outcomes on which "
         "the scenarios differ; `outcomes.csv` has them all, and `figures/outcomes.png` shows those that "
         "differ most from the reference.", ""]
    wide = probs.pivot_table(index=["outcome", "date"], columns="scenario", values="share", sort=False,
                             dropna=False).reindex(columns=names)
    filled = wide.fillna(0.0)
    differ = (filled.max(axis=1) - filled.min(axis=1) >= spread) & (filled.max(axis=1) > 0)
    shown = wide[differ]
    if len(shown):
        L += ["| outcome | month | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
        for (outcome, date), row in shown.iterrows():
            L.append(f"| {outcome} | {date} | " + " | ".join(_pct(row[s]) for s in names) + " |")
    else:
        L.append("The scenarios do not differ on any base, deal, membership or leaning at these months.")
    L.append("")
    agreed = wide[~differ & wide.notna().all(axis=1)]
    always = [o for o, g in agreed.groupby(level=0, sort=False) if len(g) and (g.min(axis=1) >= 0.95).all()
              and o not in set(shown.index.get_level_values(0))]
    if always:
        L += [f"In (nearly) every run of every scenario at every checkpoint: {'; '.join(always)}.", ""]
    return L


def build(runs: list[ScenarioRun], marks: list[str], band: pd.DataFrame, probs: pd.DataFrame,
          ever: pd.DataFrame, tops: dict[str, pd.DataFrame], files: list[str],
          transients: dict | None = None) -> str:
    ref = runs[0]
    seeds = ref.seeds
    n = len(seeds)
    L = [f"# Comparison: {' / '.join(r.name for r in runs)}", ""]
    L += [f"{len(runs)} scenarios, each run {n} times with seeds {seeds[0]} to {seeds[-1]}. Run i of every "
          "scenario has the same seed, so it shares the same random draws and, for outlooks, the same "
          "1999-2008 history: the differences below are paired run by run, and what they show comes from the "
          f"scenarios, not from luck. The reference is the first scenario, **{ref.name}**. "
          f"Checkpoint months: {', '.join(marks)}.", ""]
    L += ["## The scenarios", "", "| scenario | title | period | file | in short |", "|---|---|---|---|---|"]
    for r, f in zip(runs, files):
        sp = r.loaded.spec
        L.append(f"| {r.name} | {sp.title} | {sp.period.start} to {sp.period.end} | `{f}` | "
                 f"{_first_sentence(sp.description)} |")
    L.append("")
    # --- the differences that matter ------------------------------------------------------------------
    L += ["## What differs most", "",
          f"Against {ref.name}, the differences that are clear (at least {CONSISTENT:.0%} of the runs that "
          "differ move the same way, or a share difference beyond twice its standard error) and large enough "
          f"to matter (an alignment median moved by {ALIGNMENT_MATTERS} or more, a share by "
          f"{SHARE_MATTERS:.0%} or more), largest first.", ""]
    for r in runs[1:]:
        L += [f"### {r.loaded.spec.title} ({r.name})", ""]
        top = tops.get(r.name)
        if top is None or top.empty:
            L.append(f"Nothing passes these thresholds at the checkpoints with {n} runs: whatever this "
                     "scenario changes there is smaller than the spread across runs (try more runs, or read "
                     "the figures).")
        else:
            L += [f"- {row.text}." for _, row in top.iterrows()]
        t = (transients or {}).get(r.name)
        same = "Alignment is the same as the reference's in every run and month."
        L += ["", (transient_sentence(t) + ".") if t else same, ""]
    # --- alignment at the last checkpoint ------------------------------------------------------------
    last = marks[-1]
    L += [f"## Alignment in {last}", "", "Median across runs, with the 10-90% range in brackets "
          "(0 estranged, 1 client). Figures: `figures/alignment_<STATE>.png`, "
          "`figures/alignment_overview.png`.",
          ""]
    b = band[band.date == last]
    powers = list(dict.fromkeys(p for r in runs for p in r.powers))
    for state in ref.states:
        L += [f"**{STATE_NAMES.get(state, state)}**", "", "| scenario | " + " | ".join(powers) + " |",
              "|---|" + "---|" * len(powers)]
        for r in runs:
            cells = []
            for p in powers:
                row = b[(b.scenario == r.name) & (b.state == state) & (b.power == p)]
                if row.empty:
                    cells.append("–")
                    continue
                lo, mid, hi = row["low"].iloc[0], row["median"].iloc[0], row["high"].iloc[0]
                cells.append(f"{mid:.2f} [{lo:.2f}-{hi:.2f}]")
            L.append(f"| {r.name} | " + " | ".join(cells) + " |")
        L.append("")
    # --- outcomes at checkpoints ---------------------------------------------------------------------
    names = [r.name for r in runs]
    L += outcome_section(probs, names)
    # --- decisions ever ------------------------------------------------------------------------------
    L += ["## Decisions taken at least once", "",
          "Share of runs in which the state took the decision at least once in the period (and the median "
          "month it first did, in brackets; – : not possible in that scenario).", ""]
    if len(ever):
        ew = ever.pivot_table(index=["state", "decision", "counterpart", "detail"], columns="scenario",
                              values="share", sort=False).reindex(columns=names)
        mm = ever.pivot_table(index=["state", "decision", "counterpart", "detail"], columns="scenario",
                              values="median_month", aggfunc="first", sort=False).reindex(columns=names)
        L += ["| state | decision | with | detail | " + " | ".join(names) + " |",
              "|---|---|---|---|" + "---|" * len(names)]
        for key, row in ew.iterrows():
            cells = []
            for s in names:
                m = mm.loc[key, s] if key in mm.index else None
                cells.append(_pct(row[s]) + (f" ({m})" if isinstance(m, str) else ""))
            state, dec, cp, detail = key
            L.append(f"| {STATE_NAMES.get(state, state)} | {dec.replace('_', ' ')} | "
                     f"{POWER_NAMES.get(cp, cp)} | {detail} | " + " | ".join(cells) + " |")
    else:
        L.append("No state took any decision in any run.")
    L.append("")
    L += ["## Files", "",
          "- `bands.csv`: median and 10-90% of alignment by scenario, month, state and power.",
          "- `alignment.parquet`: every run's alignment (scenario, run, seed, date, state, power).",
          "- `outcomes.csv`: share of runs with each base, deal, membership and leaning at the checkpoints.",
          "- `decisions.csv`: share of runs that took each decision at least once, and its median month.",
          "- `differences_alignment.csv`, `differences_outcomes.csv`: paired differences against the "
          "reference, with the columns `clear` and `matters`; `top_differences.csv`: the lists above.",
          "- `figures/`, `manifest.json` (command, files and their hashes, seeds, parameters, versions).", ""]
    return "\n".join(L)
