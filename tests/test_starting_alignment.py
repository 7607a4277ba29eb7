"""The 1999 alignments follow the last UN General Assembly votes before the replay (1998), where the votes
tell the states apart: the base file's comments say so, and this checks it.

The UN leaning of a state is its ideal point on the axis from Russia (0) to the USA (1)
(sim.validation.undata); its starting leaning in the model is alignment toward the USA minus toward Russia.
"""

from __future__ import annotations

from itertools import combinations

import pytest
from conftest import BASE

from sim.scenario import load_scenario
from sim.validation.undata import un_lean

CLOSE = 0.05  # UN leanings this close do not order two states, and their starting leanings must be as close


@pytest.fixture(scope="module")
def starts():
    spec = load_scenario(BASE).spec
    un = un_lean(years=(1998, 1998)).set_index("state").un_lean.to_dict()
    return spec.states, un


def test_the_aligned_states_start_in_the_order_of_their_1998_un_votes(starts):
    states, un = starts
    aligned = [s for s, st in states.items() if st.neutrality == 0 and s in un]
    assert len(aligned) == 4
    for a, b in combinations(aligned, 2):
        gap_a = states[a].alignment["USA"] - states[a].alignment["RUS"]
        gap_b = states[b].alignment["USA"] - states[b].alignment["RUS"]
        if abs(un[a] - un[b]) <= CLOSE:
            assert abs(gap_a - gap_b) <= CLOSE, (a, b, gap_a, gap_b)
        else:
            assert (gap_a > gap_b) == (un[a] > un[b]), (a, b, gap_a, gap_b, un[a], un[b])


def test_the_neutral_state_that_voted_least_with_the_usa_starts_with_the_lowest_usa_score(starts):
    # Turkmenistan's neutrality keeps it low toward every power, so its UN votes set its USA score only
    states, un = starts
    lowest = min(un, key=un.get)
    assert states[lowest].neutrality > 0
    assert states[lowest].alignment["USA"] == min(st.alignment["USA"] for st in states.values())
