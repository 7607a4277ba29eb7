"""docs/teaching.md states the model's behaviour as the model gives it: every number and claim about the
model sits in a block computed by sim.docs_teaching, and this test fails when the guide and the model
disagree (one set of runs shared by all blocks)."""

from __future__ import annotations

import re

from sim import docs_teaching
from sim.docs_gen import current_block


def test_every_block_is_what_the_model_gives():
    text = docs_teaching.DOC.read_text(encoding="utf-8")
    blocks = docs_teaching.render_all()
    stale = [n for n, b in blocks.items() if current_block(text, n) != b.strip("\n")]
    assert not stale, f"docs/teaching.md is stale in {stale}: run python -m sim.docs_teaching"


def test_no_number_about_the_model_outside_the_blocks():
    """Alignments (0.62) and model months outside a computed block are stale claims waiting to happen."""
    text = docs_teaching.DOC.read_text(encoding="utf-8")
    for name in docs_teaching.BLOCKS:
        text = re.sub(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", "", text, flags=re.DOTALL)
    rules = {"0.95"}  # the why panel's rule (what is left of an event's size after a month), not a result
    scores = set(re.findall(r"(?<![\w.])0\.\d\d+", text)) - rules
    assert not scores, f"numbers outside the computed blocks: {sorted(scores)}"
    for claim in ("loses Manas in 2004", "closes K2 in 2005", "about 0.", "in seed 0"):
        assert claim not in text, claim
