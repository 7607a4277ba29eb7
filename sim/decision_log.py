"""Turn the decision flags of a month into readable rows: state, counterpart, decision, detail."""

from __future__ import annotations

import numpy as np

from sim.codes import ORG_NAMES
from sim.core.world import World


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
        if not (np.any(jrow) or np.any(lrow)):
            continue
        for o, org in enumerate(st.orgs):
            if jrow[o]:
                rows.append(dict(state=st.states[s], counterpart=org, decision="joined",
                                 detail=f"joined {ORG_NAMES.get(org, org)}"))
            if lrow[o]:
                why = "the organisation ended" if not sch.org_active[o] else "its appeal fell below the threshold"
                rows.append(dict(state=st.states[s], counterpart=org, decision="left",
                                 detail=f"left {ORG_NAMES.get(org, org)} ({why})"))
    flags = [np.asarray(pick(dec[f])) for f in ("asked", "opened", "closed") if f in dec]
    if dec["slots"] and all(f.ndim == 1 for f in flags) and not any(f.any() for f in flags):
        return rows  # no slot asked, opened or closed this month
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


def batch_rows(world: World, dec: dict) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    """(decisions, refusals) of every run of a batch this month, as (run, row) pairs in run order and,
    within a run, in the order of ``decision_rows`` and ``refusal_rows``; found with ``np.nonzero`` on the
    flags, since most runs decide nothing in a month."""
    st, sch = world.setup, world.schedule
    found = []  # (run, section, a, b, kind): the order decision_rows produces rows in
    for kind, key in enumerate(("joined", "left")):
        for n, s, o in zip(*np.nonzero(np.asarray(dec[key]))):
            found.append((int(n), 0, int(s), int(o), kind))
    ks = dec["slots"]
    for kind, key in enumerate(("asked", "opened", "closed")):  # per slot: the ask, then the answer
        if ks and key in dec:
            for n, j in zip(*np.nonzero(np.asarray(dec[key]))):
                found.append((int(n), 1, int(j), 0, kind))
    found.sort()
    rows = []
    for n, section, a, b, kind in found:
        if section == 0:
            org = st.orgs[b]
            if kind == 0:
                row = {"state": st.states[a], "counterpart": org, "decision": "joined",
                       "detail": f"joined {ORG_NAMES.get(org, org)}"}
            else:
                why = "the organisation ended" if not sch.org_active[b] else "its appeal fell below the threshold"
                row = {"state": st.states[a], "counterpart": org, "decision": "left",
                       "detail": f"left {ORG_NAMES.get(org, org)} ({why})"}
        else:
            sl = st.slots[ks[a]]
            words = (("base_requested", "base_opened", "base_closed") if sl.kind == "base"
                     else ("deal_offered", "deal_signed", "deal_ended"))
            row = {"state": st.states[sl.state], "counterpart": st.powers[sl.power], "decision": words[kind],
                   "detail": sl.name}
        rows.append((n, row))
    refused = []
    if ks and "refused" in dec:
        for n, j in sorted(zip(*np.nonzero(np.asarray(dec["refused"])))):
            sl = st.slots[ks[int(j)]]
            refused.append((int(n), {"state": st.states[sl.state], "counterpart": st.powers[sl.power],
                                     "request": "base request" if sl.kind == "base" else "energy deal",
                                     "detail": sl.name}))
    return rows, refused
