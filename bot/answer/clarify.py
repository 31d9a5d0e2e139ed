"""Ask, don't refuse: when a message about working with partners matches nothing confidently, offer
the nearest Table 2 challenges (titles exactly as Table 2, each with its own words from the report)
and "none of these"; when bare keywords ("funding") touch several items, ask which is meant. The
button chosen comes back as the `choose_topic` intent, whose `topic_id` entity Rasa records as a slot
event.
"""

from __future__ import annotations

from typing import Optional

from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Block, Text
from bot.answer.run import Run
from bot.knowledge.model import Kind, Knowledge
from bot.retrieval.search import Retrieval

NONE_OF_THESE = "none_of_these"
ANSWER_KINDS = (Kind.CHALLENGE, Kind.ENABLER)


def clarify_if_ambiguous(run: Run) -> Optional[t.Answer]:
    """Stage: bare keywords that sit close to several challenges and enablers get a choice, not a guess."""
    d = run.engine.settings.decision
    assert run.retrieval is not None
    # Only bare keywords ("funding", "data sharing"): a question, however short its content words,
    # says enough to answer ("how do I get buy-in from partners").
    if len(run.text.split()) > d.clarify_max_words:
        return None
    knowledge = run.engine.knowledge
    top = run.retrieval.items[0]
    # "shared purpose" is one of an item's own bank questions: not ambiguous, answer it. "funding"
    # touches several challenges and an enabler: ask rather than guess.
    if run.retrieval.best_dense >= d.exact_match or knowledge[top.item_id].kind not in ANSWER_KINDS:
        return None
    # Nearness on the search signals alone: the head is trained to pick one item, so with it every
    # bare keyword would look unambiguous.
    near = sorted(run.retrieval.items, key=lambda h: h.searched, reverse=True)
    best = near[0].searched
    close = [h for h in near if knowledge[h.item_id].kind in ANSWER_KINDS and h.searched >= best - d.keyword_margin][:3]
    if len(close) < 2:
        return None
    buttons = [c.button(knowledge[h.item_id].title, f'/choose_topic{{"topic_id":"{h.item_id}"}}') for h in close]
    buttons.append(none_of_these())
    titles = "\n".join(f"- {knowledge[h.item_id].title}" for h in close)
    blocks = [Text("The report covers a few things about that. Which is closest to what you mean?"), Text(titles)]
    return c.answer(knowledge, t.CLARIFICATION, blocks, buttons)


def challenge_scores(knowledge: Knowledge, retrieval: Retrieval) -> dict[str, float]:
    """Each challenge's nearness: its own score, or that of an enabler that answers it."""
    score: dict[str, float] = {}
    for hit in retrieval.items:
        item = knowledge[hit.item_id]
        if item.kind is Kind.CHALLENGE:
            linked = [item]
        elif item.kind is Kind.ENABLER:
            linked = knowledge.challenges_for(item.id)
        else:
            continue
        for challenge in linked:
            score[challenge.id] = max(score.get(challenge.id, 0.0), hit.score)
    return score


def nearest_challenges(knowledge: Knowledge, retrieval: Retrieval, options: int) -> t.Answer:
    score = challenge_scores(knowledge, retrieval)
    challenges = [knowledge[ch] for ch in sorted(score, key=lambda ch: score[ch], reverse=True)[:options]]
    blocks: list[Block] = [Text("I want to point you to the right part of the report. "
                                "Is it one of these challenges it names?")]
    for ch in challenges:
        blocks += [Text(f"**{ch.title}** ({(ch.theme or '').capitalize()})"), c.quotes(knowledge, ch, [ch.quotes[0]])]
    blocks.append(c.cite(knowledge, "Table 2: Challenges for collaboration"))
    buttons = [c.button(ch.title, f'/choose_topic{{"topic_id":"{ch.id}"}}') for ch in challenges]
    buttons.append(none_of_these())
    return c.answer(knowledge, t.CLARIFICATION, blocks, buttons)


def none_of_these() -> t.Button:
    return c.button("None of these — let me rephrase", f'/choose_topic{{"topic_id":"{NONE_OF_THESE}"}}')


def rephrase(knowledge: Knowledge) -> t.Answer:
    """The reply to "none of these": an invitation to say it another way, not a refusal."""
    return c.answer(knowledge, t.CLARIFICATION, [Text(
        "Of course. Tell me in your own words what is happening with your partners: who is involved, "
        "what gets in the way, and what you would like to change.")])
