"""Ask, don't refuse: when a message about working with partners matches nothing confidently, offer
the nearest Table 2 challenges (titles exactly as Table 2, each with its own words from the report)
and "none of these". The button chosen comes back as the `choose_topic` intent, whose `topic_id`
entity Rasa records as a slot event.
"""

from __future__ import annotations

from bot.answer import render as r
from bot.answer import types as t
from bot.knowledge.model import Kind, Knowledge
from bot.retrieval.search import Retrieval

NONE_OF_THESE = "none_of_these"


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
    challenges = [knowledge[c] for c in sorted(score, key=lambda c: score[c], reverse=True)[:options]]
    lines = ["I want to point you to the right part of the report. Is it one of these challenges it names?"]
    for c in challenges:
        lines.append(f"**{c.title}** ({(c.theme or '').capitalize()})\n\n{r.blockquote([c.quotes[0]])}")
    lines.append(f"— *{knowledge.document}*, {knowledge.publisher} ({knowledge.year}), "
                 "Table 2: Challenges for collaboration")
    buttons = [r.button(c.title, f'/choose_topic{{"topic_id":"{c.id}"}}') for c in challenges]
    buttons.append(none_of_these())
    answer = t.Answer(status=t.CLARIFICATION, text="\n\n".join(lines), buttons=buttons,
                      quotes=[t.Quote(c.quotes[0], c.id, c.section) for c in challenges])
    return r.finish(knowledge, answer)


def none_of_these() -> t.ButtonPayload:
    return r.button("None of these — let me rephrase", f'/choose_topic{{"topic_id":"{NONE_OF_THESE}"}}')


def rephrase(knowledge: Knowledge) -> t.Answer:
    """The reply to "none of these": an invitation to say it another way, not a refusal."""
    return r.finish(knowledge, t.Answer(
        status=t.CLARIFICATION,
        text="Of course. Tell me in your own words what is happening with your partners: who is involved, "
             "what gets in the way, and what you would like to change."))
