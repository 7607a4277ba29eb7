"""Counterfactuals: drop a cause from the replay and check that its effect weakens or vanishes.

Each counterfactual is a what-if scenario (scenarios/counterfactuals/) run with the same seeds and
parameters as the replay, so run i of both differs only by the cause removed. For each expected change
the measure is computed per run in both, and the report gives the replay's mean, the counterfactual's
mean, the mean paired difference (counterfactual minus replay) and the share of seeds in which the
difference has the expected sign. An expectation holds when the mean difference has the expected sign
(``higher``, ``lower``) or, for ``none``, when the measure is zero in every counterfactual run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.codes import STANCES
from sim.core.world import OPEN
from sim.validation.checkpoints import Checker
from sim.validation.outcomes import Outcomes
from sim.validation.spec import Expectation, LoadedValidation, Score


def measure(checker: Checker, where: tuple, e: Expectation, out: Outcomes) -> np.ndarray:
    """The expectation's measure for each run (N,)."""
    w = out.window(e.window.start, e.window.end)
    if e.measure == "alignment":
        return checker.score(where, Score(state=e.state, power=e.power), out, w)
    if e.measure == "bases_opened":
        p = checker.power(where + ("power",), e.power)
        ss = checker.states(where + ("state",), e.state) if e.state else list(range(out.setup.S))
        ks = [k for k, sl in enumerate(out.setup.slots) if sl.kind == "base" and sl.power == p and sl.state in ss]
        if not ks:
            return np.zeros(out.n)
        start = max(w.start, 1)
        now = out.slot_status[:, start:w.stop][:, :, ks] == OPEN
        before = out.slot_status[:, start - 1:w.stop - 1][:, :, ks] == OPEN
        return (now & ~before).sum(axis=(1, 2)).astype(float)
    if e.measure == "member":
        ss = checker.states(where + ("state",), e.state)
        o = checker.org(where + ("org",), e.org)
        return out.member[:, w][:, :, ss, o].mean(axis=(1, 2))
    if e.measure == "stance":
        p = checker.power(where + ("power",), e.power)
        return (out.stance[:, w, p] == STANCES.index(e.stance)).mean(axis=1)
    raise ValueError(e.measure)  # pragma: no cover


@dataclass
class Effect:
    counterfactual: str
    label: str
    direction: str
    replay: float
    counterfactual_value: float
    difference: float
    share_expected_sign: float
    holds: bool


def compare(validation: LoadedValidation, index: int, replay: Outcomes, what_if: Outcomes) -> list[Effect]:
    """The effects of one counterfactual (by its index in the file) against the replay, run by run."""
    cf = validation.spec.counterfactuals[index]
    out = []
    for j, e in enumerate(cf.expect):
        where = ("counterfactuals", index, "expect", j)
        base = measure(Checker(validation, replay.setup), where, e, replay)
        alt = measure(Checker(validation, what_if.setup), where, e, what_if)
        d = alt - base
        if e.direction == "higher":
            share, holds = float((d > 0).mean()), bool(d.mean() > 0)
        elif e.direction == "lower":
            share, holds = float((d < 0).mean()), bool(d.mean() < 0)
        else:
            share, holds = float((alt == 0).mean()), bool(np.all(alt == 0))
        out.append(Effect(cf.id, e.label, e.direction, float(base.mean()), float(alt.mean()), float(d.mean()),
                          share, holds))
    return out
