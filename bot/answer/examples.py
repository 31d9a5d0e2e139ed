"""Which case box, and which sentence in it, to show with an enabler.

An enabler's own worked example comes first, then examples of the challenges it answers; with the
leader's question, a box that matches their words clearly better comes first ("six weeks rather than the
usual 18-24 months" for a question about speed), and the sentence shown is the box's sentence closest
to the question. Nothing is invented: every sentence is one of the example's verbatim quotes.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.engine import Engine
from bot.knowledge.model import Item
from bot.retrieval.search import Retrieval


def pick_example(engine: Engine, enabler: Item, challenge: Optional[Item], exclude: list[str],
                 retrieval: Optional[Retrieval] = None) -> Optional[Item]:
    """An example of the enabler itself; failing that, one of a challenge it answers. With the
    question's `retrieval`, the candidate whose words best match the leader's comes first."""
    knowledge = engine.knowledge
    own = knowledge.examples_for(enabler.id)
    related = (knowledge.examples_for(challenge.id) if challenge else []) + [
        ex for c in knowledge.challenges_for(enabler.id) for ex in knowledge.examples_for(c.id)]
    candidates = list(dict.fromkeys(own + related))
    if retrieval is not None and candidates:
        scores = {h.item_id: h.score for h in retrieval.items}
        best = max(candidates, key=lambda ex: scores.get(ex.id, 0.0))
        # Only a clearly better match displaces the enabler's own example ("six weeks rather than the
        # usual 18-24 months" for a question about speed).
        if scores.get(best.id, 0.0) >= scores.get(candidates[0].id, 0.0) + engine.settings.decision.example_margin:
            candidates.remove(best)
            candidates.insert(0, best)
    for candidate in candidates:
        if candidate.id not in exclude:
            return candidate
    return (candidates or [None])[0]


# A sentence that opens by pointing back ("This meant they had not considered…") needs the one before it.
_POINTS_BACK = re.compile(r"^(this|that|these|those|they|it|its|their|he|she|such|as a result)\b", re.IGNORECASE)


def best_sentences(example: Item, retrieval: Optional[Retrieval]) -> list[str]:
    """The example's sentence closest to the question (its first when there is no question), with the
    sentence before it when it only makes sense after that one."""
    if retrieval is None or not retrieval.quote_scores:
        best = 0
    else:
        best = max(range(len(example.quotes)),
                   key=lambda n: retrieval.quote_scores.get((example.id, n), -1.0))
    if best > 0 and _POINTS_BACK.match(example.quotes[best]):
        return [example.quotes[best - 1], example.quotes[best]]
    return [example.quotes[best]]
