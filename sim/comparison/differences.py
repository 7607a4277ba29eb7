"""Differences against the reference scenario, paired run by run, and which of them matter most.

Run i of every scenario has the same seed, so it shares the same 1999-2008 history and the same random
draws wherever the scenarios agree. The effect of a scenario on run i is the difference between its run i
and the reference's run i; across runs these paired differences show both the size of the effect and how
reliably it appears:

- alignment: the median of the paired differences, their 10-90% range, and the share of runs in which the
  scenario's score is higher. A difference is *clear* when at least 80% of the runs that differ move the
  same way, and *matters* when its median is at least 0.05 (on the 0-1 scale) as well.
- outcomes (a base open, a deal in force, a membership, a leaning): the difference of the shares of runs,
  with the standard error of a paired difference of proportions, sqrt(b + c - (c - b)^2 / n) / n, where b
  runs have the outcome only under the reference and c only under the scenario. *Clear* when the difference
  exceeds twice its standard error; it *matters* when it is also at least 15 points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.codes import POWER_NAMES, STATE_NAMES
from sim.comparison.collect import ScenarioRun
from sim.comparison.outcomes import KEYS, describe

ALIGNMENT_MATTERS = 0.05
SHARE_MATTERS = 0.15
CONSISTENT = 0.8


def alignment_differences(ref: ScenarioRun, other: ScenarioRun, dates: list[str]) -> pd.DataFrame:
    """Paired differences of alignment (other - reference) at the given months, for each state and power
    both scenarios have."""
    keys = ["run", "date", "state", "power"]
    a = ref.alignment[ref.alignment.date.isin(dates)][keys + ["alignment"]]
    b = other.alignment[other.alignment.date.isin(dates)][keys + ["alignment"]]
    m = a.merge(b, on=keys, suffixes=("_ref", "")).sort_values(keys, kind="stable")
    m["diff"] = m.alignment - m.alignment_ref
    rows = []
    for (date, state, power), g in m.groupby(["date", "state", "power"], sort=False):
        d = g["diff"].to_numpy()
        moved = d[np.abs(d) > 1e-9]
        up = float((moved > 0).mean()) if len(moved) else 0.5
        med = float(np.median(d))
        clear = bool(len(moved) >= max(3, 0.5 * len(d)) and max(up, 1 - up) >= CONSISTENT)
        rows.append(dict(scenario=other.name, reference=ref.name, date=date, state=state, power=power,
                         reference_median=float(np.median(g.alignment_ref)),
                         median=float(np.median(g.alignment)), diff_median=med,
                         diff_q10=float(np.quantile(d, 0.1)), diff_q90=float(np.quantile(d, 0.9)),
                         share_higher=float((d > 1e-9).mean()), runs=len(d), clear=clear,
                         matters=bool(clear and abs(med) >= ALIGNMENT_MATTERS)))
    return pd.DataFrame(rows)


def largest_transient(ref: ScenarioRun, other: ScenarioRun, dates: list[str]) -> dict | None:
    """The largest median paired difference of alignment in any month (effects that fade before a checkpoint
    show here): state, power, date, diff_median, share of runs moving that way. None if nothing differs."""
    keys = ["run", "date", "state", "power"]
    a = ref.alignment[ref.alignment.date.isin(dates)][keys + ["alignment"]]
    b = other.alignment[other.alignment.date.isin(dates)][keys + ["alignment"]]
    m = a.merge(b, on=keys, suffixes=("_ref", ""))
    m["diff"] = m.alignment - m.alignment_ref
    med = m.groupby(["date", "state", "power"], sort=False)["diff"].median()
    if med.empty or float(med.abs().max()) == 0.0:
        return None
    date, state, power = med.abs().idxmax()
    d = m[(m.date == date) & (m.state == state) & (m.power == power)]["diff"]
    value = float(med.loc[(date, state, power)])
    same = float((np.sign(d) == np.sign(value)).mean())
    return dict(state=state, power=power, date=date, diff_median=value, share=same)


def transient_sentence(t: dict) -> str:
    st, pw = STATE_NAMES.get(t["state"], t["state"]), POWER_NAMES.get(t["power"], t["power"])
    way = "higher" if t["diff_median"] > 0 else "lower"
    return (f"The largest difference in any month: {st}'s alignment with {pw} in {t['date']}, "
            f"{t['diff_median']:+.3f} ({way} in {t['share']:.0%} of runs)")


def outcome_differences(ref: ScenarioRun, other: ScenarioRun, ref_ind: pd.DataFrame,
                        other_ind: pd.DataFrame) -> pd.DataFrame:
    """Paired differences of outcome shares (other - reference). An outcome a scenario cannot produce counts
    as never holding there (column ``in_reference`` / ``in_scenario`` says whether it could)."""
    keys = ["run", "date"] + KEYS
    m = ref_ind[keys + ["holds"]].merge(other_ind[keys + ["holds"]], on=keys, how="outer",
                                        suffixes=("_ref", ""), indicator=True)
    m["in_reference"] = m._merge != "right_only"
    m["in_scenario"] = m._merge != "left_only"
    m["holds_ref"] = m.holds_ref.fillna(False).astype(bool)
    m["holds"] = m.holds.fillna(False).astype(bool)
    rows = []
    n = len(ref.seeds)
    for key, g in m.groupby(["date"] + KEYS, sort=False):
        b = int((g.holds_ref & ~g.holds).sum())
        c = int((~g.holds_ref & g.holds).sum())
        p_ref, p = g.holds_ref.sum() / n, g.holds.sum() / n
        diff = (c - b) / n
        se = float(np.sqrt(max(0.0, b + c - (c - b) ** 2 / n)) / n)
        clear = bool(abs(diff) > 2 * se and (b + c) > 0)
        date, kind, state, cp, name = key
        rows.append(dict(scenario=other.name, reference=ref.name, date=date, kind=kind, state=state,
                         counterpart=cp, name=name, outcome=describe(kind, state, cp, name),
                         reference_share=p_ref, share=p,
                         diff=diff, se=se, only_reference=b, only_scenario=c,
                         in_reference=bool(g.in_reference.all()), in_scenario=bool(g.in_scenario.all()),
                         clear=clear, matters=bool(clear and abs(diff) >= SHARE_MATTERS)))
    return pd.DataFrame(rows)


def alignment_sentence(row) -> str:
    """'Kazakhstan's alignment with China in 2020-12: 0.62 instead of 0.48 (+0.14; higher in 95% of runs)'."""
    st, pw = STATE_NAMES.get(row.state, row.state), POWER_NAMES.get(row.power, row.power)
    way = "higher" if row.diff_median > 0 else "lower"
    share = row.share_higher if row.diff_median > 0 else 1 - row.share_higher
    return (f"{st}'s alignment with {pw} in {row.date}: {row['median']:.2f} "
            f"instead of {row.reference_median:.2f} "
            f"({row.diff_median:+.2f}; {way} in {share:.0%} of runs)")


def outcome_sentence(row) -> str:
    """'US base open in Kyrgyzstan (Manas transit centre), 2013-12: 62% of runs instead of 0% (not requested
    in the reference)'."""
    note = ""
    if not row.in_reference:
        note = " (never on the table in the reference)"
    elif not row.in_scenario:
        note = " (never on the table in this scenario)"
    return f"{row.outcome}, {row.date}: {row.share:.0%} of runs instead of {row.reference_share:.0%}{note}"


def top_differences(align: pd.DataFrame, outcomes: pd.DataFrame, limit: int = 8) -> pd.DataFrame:
    """The differences that matter most for one scenario: those that *matter*, largest first (sizes in units
    of their thresholds), each at the latest checkpoint where it matters. A shift of leaning or stance is
    named once, by what gained. Columns: scenario, kind (alignment/outcome), date, size, score, text,
    outcome (the outcome's label, for outcomes)."""
    rows = []
    if len(align):
        a = align[align.matters].sort_values("date", ascending=False).drop_duplicates(["state", "power"])
        for _, r in a.iterrows():
            rows.append(dict(scenario=r.scenario, kind="alignment", date=r.date, size=abs(r.diff_median),
                             score=abs(r.diff_median) / ALIGNMENT_MATTERS, text=alignment_sentence(r)))
    if len(outcomes):
        o = outcomes[outcomes.matters]
        # a leaning or a stance that one outcome gains another loses: name the gain only; and a new power's
        # stance, which the reference cannot have, says nothing about the difference
        shifts = o.kind.isin(["leaning", "stance"])
        o = o[~shifts | ((o["diff"] > 0) & ~((o.kind == "stance") & ~(o.in_reference & o.in_scenario)))]
        o = o.sort_values("date", ascending=False).drop_duplicates(KEYS)
        for _, r in o.iterrows():
            rows.append(dict(scenario=r.scenario, kind="outcome", date=r.date, size=abs(r["diff"]),
                             score=abs(r["diff"]) / SHARE_MATTERS, text=outcome_sentence(r),
                             outcome=r.outcome))
    df = pd.DataFrame(rows, columns=["scenario", "kind", "date", "size", "score", "text", "outcome"])
    return df.sort_values("score", ascending=False, kind="stable").head(limit).reset_index(drop=True)


__all__ = [
    "alignment_differences",
    "alignment_sentence",
    "outcome_differences",
    "outcome_sentence",
    "top_differences",
]
