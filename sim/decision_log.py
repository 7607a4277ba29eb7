"""Turn the decision flags of a month into readable rows: state, counterpart, decision, detail."""

from __future__ import annotations

import numpy as np

from sim.codes import ORG_NAMES
from sim.world import World


def decision_rows(world: World, dec: dict, state_idx=None, run: int | None = None) -> list[dict]:
    """Rows for one run: ``run`` selects it from a batch (None for a single Mesa run)."""
    st, sch = world.setup, world.schedule
    pick = (lambda x: x) if run is None else (lambda x: x[run])
    rows = []
    states = [state_idx] if state_idx is not None else list(range(st.S))
    joined, left = pick(dec["joined"]), pick(dec["left"])
    for i, s in enumerate(states):
        jrow = joined if state_idx is not None else joined[s]
        lrow = left if state_idx is not None else left[s]
        for o, org in enumerate(st.orgs):
            if jrow[o]:
                rows.append(dict(state=st.states[s], counterpart=org, decision="joined",
                                 detail=f"joined {ORG_NAMES.get(org, org)}"))
            if lrow[o]:
                why = "the organisation ended" if not sch.org_active[o] else "its appeal fell below the threshold"
                rows.append(dict(state=st.states[s], counterpart=org, decision="left",
                                 detail=f"left {ORG_NAMES.get(org, org)} ({why})"))
    for j, k in enumerate(dec["slots"]):
        sl = st.slots[k]
        code, power = st.states[sl.state], st.powers[sl.power]
        if "asked" in dec and bool(np.asarray(pick(dec["asked"]))[..., j]):
            decision = "base_requested" if sl.kind == "base" else "deal_offered"
            rows.append(dict(state=code, counterpart=power, decision=decision, detail=sl.name))
        for flag, base_word, deal_word in (("opened", "base_opened", "deal_signed"),
                                           ("closed", "base_closed", "deal_ended")):
            if bool(np.asarray(pick(dec[flag]))[..., j]):
                decision = base_word if sl.kind == "base" else deal_word
                rows.append(dict(state=code, counterpart=power, decision=decision, detail=sl.name))
    return rows


def refusal_rows(world: World, dec: dict, run: int | None = None) -> list[dict]:
    """Requests and offers a state let lapse this month: a base request or an energy deal whose window
    closed without the state granting or signing it. Not a decision of the decisions.csv vocabulary, but
    part of the story (Turkmenistan's neutrality, say)."""
    st = world.setup
    pick = (lambda x: x) if run is None else (lambda x: x[run])
    if "refused" not in dec:
        return []
    rows = []
    for j, k in enumerate(dec["slots"]):
        if bool(np.asarray(pick(dec["refused"]))[..., j]):
            sl = st.slots[k]
            rows.append(dict(state=st.states[sl.state], counterpart=st.powers[sl.power],
                             request="base request" if sl.kind == "base" else "energy deal", detail=sl.name))
    return rows
