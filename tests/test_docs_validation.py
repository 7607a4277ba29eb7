"""docs/validation.md states the replay's scores as the model gives them: its results block is computed by
running the model (sim.docs_validation), and this test fails when the page and the model disagree."""

from __future__ import annotations

import pytest

from sim import docs_validation
from sim.docs_gen import current_block


@pytest.mark.slow
def test_the_results_block_is_what_the_model_gives():
    text = docs_validation.DOC.read_text(encoding="utf-8")
    assert current_block(text, docs_validation.BLOCK) == docs_validation.render().strip("\n"), (
        "docs/validation.md is stale: run python -m sim.docs_validation")


def test_the_block_names_every_score_the_issue_asks_for():
    text = docs_validation.DOC.read_text(encoding="utf-8")
    block = current_block(text, docs_validation.BLOCK)
    for words in ("checkpoints met, calibrated defaults", "drawn from the posterior", "early calibration",
                  "counterfactual effects", "rank correlation", "trade shares"):
        assert words in block, words
