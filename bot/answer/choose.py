"""Stage: choose what answers the question (an enabler with its example, or the report's words on a
fact) and build that answer.

An enabler inherits the score of a challenge that links to it, so a leader describing a problem gets
what helps with it; a fact, case study or worked example answers only when it clearly beats the best
enabler and the question asks for it.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Text
from bot.answer.examples import best_sentences, pick_example
from bot.answer.memory import Memory
from bot.answer.run import Run
from bot.engine import Engine
from bot.knowledge.model import Item, Kind
from bot.retrieval.lexical import (DATE_PATTERNS, NUMBER, WEB_ADDRESS, asks_about_participants, asks_for_advice,
                                   expected_answer, lookup_kind)
from bot.retrieval.search import ItemScore, Retrieval

FACT_KINDS = (Kind.FACT, Kind.CASE_STUDY, Kind.EXAMPLE)
INTERROGATIVE = re.compile(r"(?i)^\s*(how|what|when|where|who|whom|which|why|did|was|were|is|are|does|do)\b")


def choose_and_render(run: Run) -> Optional[t.Answer]:
    knowledge = run.engine.knowledge
    assert run.retrieval is not None
    top = run.retrieval.items[0]
    top_item = knowledge[top.item_id]
    best_enabler = run.ranked_enablers[0]
    d = run.engine.settings.decision
    # "...moved faster in covid, how do we get that?" wants advice even though a covid fact matches.
    margin = d.advice_fact_margin if asks_for_advice(run.text) else d.fact_margin
    if top_item.kind in FACT_KINDS:
        top, top_item = fact_that_answers(run, top)
    if top_item.kind in FACT_KINDS and top.score >= best_enabler[1] + margin and (
            top_item.kind is not Kind.EXAMPLE or asks_about_the_case(run)):
        if top_item.kind is Kind.EXAMPLE and top_item.case_study and asks_about_participants(run.text):
            # Table 1's counts belong to the case study, not to the worked example drawn from it.
            return fact_answer(run, knowledge[top_item.case_study])
        return fact_answer(run, top_item)
    if top_item.kind is Kind.THEME:
        in_theme = [e for e in run.ranked_enablers if knowledge[e[0]].theme == top_item.id]
        enabler_id, _, via = in_theme[0]
        others = ", ".join(e.title for e in knowledge.enablers_in(top_item.id) if e.id != enabler_id)
        intro = (f"Under **{top_item.title}** the report names these enablers: "
                 f"{knowledge[enabler_id].title}, {others}. The one closest to your question:")
        return enabler_answer(run.engine, enabler_id, None, run.memory, intro=intro, retrieval=run.retrieval)
    if top_item.kind is Kind.EXAMPLE:
        # "Every council has its own forms, it's a nightmare" matches the worked example of that
        # problem; a leader describing it wants what helps, so the example's challenge answers.
        ranked = rank_enablers(run.engine, run.retrieval, examples=True)
        enabler_id, _, via = ranked[0]
        return enabler_answer(run.engine, enabler_id, via, run.memory, retrieval=run.retrieval)
    enabler_id, _, via = best_enabler
    return enabler_answer(run.engine, enabler_id, via, run.memory, retrieval=run.retrieval)


def fact_that_answers(run: Run, top: ItemScore) -> tuple[ItemScore, Item]:
    """Among facts scoring close to the best, the first whose quotes hold the kind of answer asked
    for (a date for "when", a number for "how many"); the best one if none does or none is asked."""
    knowledge = run.engine.knowledge
    wanted = expected_answer(run.text)
    assert run.retrieval is not None
    if wanted is not None and not any(wanted.search(q) for q in knowledge[top.item_id].quotes):
        margin = run.engine.settings.decision.answer_type_margin
        # On the search signals alone: the head's confidence in the top item is not evidence
        # that it holds the date or number asked for.
        for hit in sorted(run.retrieval.items, key=lambda h: h.searched, reverse=True):
            if hit.searched < top.searched - margin:
                break
            item = knowledge[hit.item_id]
            if item.kind in FACT_KINDS and any(wanted.search(q) for q in item.quotes):
                return hit, item
    return top, knowledge[top.item_id]


def asks_about_the_case(run: Run) -> bool:
    """Whether a question matching a worked example is about that case rather than a problem like it.

    "How did Kent Fire and Rescue work with Age UK?" names the case; "how many gowns a day?" asks
    for a detail of it. "Every council has its own forms, it's a nightmare" does neither.
    """
    names_a_case = without_names(run.text, run.engine.knowledge.names) != run.text
    asks = run.text.rstrip().endswith("?") or bool(INTERROGATIVE.match(run.text))
    return names_a_case or (asks and not asks_for_advice(run.text))


def name_pattern(name: str) -> re.Pattern:
    """A case-study name as a whole word, in any case, possessive or not ("Kent", "Kent's")."""
    return re.compile(rf"(?i)(?<!\w){re.escape(name)}(?:['’]s)?(?!\w)")


def without_names(text: str, names: tuple[str, ...]) -> str:
    """The text with case-study names removed (longest first, whole words, any case)."""
    for name in sorted(names, key=len, reverse=True):
        text = name_pattern(name).sub(" ", text)
    return " ".join(text.split())


def rank_enablers(engine: Engine, retrieval: Retrieval,
                  examples: bool = False) -> list[tuple[str, float, Optional[str]]]:
    """Enablers by score; an enabler also inherits the score of a challenge that links to it
    (and, with `examples`, of a worked example that illustrates it or its challenge).

    A challenge hands on its two Table 2 enablers in the order the question itself prefers them (each one's
    own score, or that of a worked example illustrating it), Table 2's order on a tie: "a joint service
    takes us 18 months to set up" matches the Nightingale courts, an example of streamlining decision-making,
    so that enabler comes first (ADR 0009, seventh addendum).

    Returns (enabler id, score, id of the challenge it came through or None), best first.
    """
    knowledge = engine.knowledge
    decay = engine.settings.retrieval.link_decay
    # How much the question itself prefers each enabler: its own score, or that of a worked example of it
    # (counted even when examples do not pass on their score, since they only order a challenge's pair).
    own: dict[str, float] = {}
    for hit in retrieval.items:
        item = knowledge[hit.item_id]
        for e in ([item.id] if item.kind is Kind.ENABLER else item.enablers if item.kind is Kind.EXAMPLE else []):
            own[e] = max(own.get(e, 0.0), hit.score)

    def preferred(challenge_id: str) -> list[str]:  # stable: equal scores keep Table 2's order
        return sorted(knowledge[challenge_id].enablers, key=lambda e: own.get(e, 0.0), reverse=True)

    best: dict[str, tuple[float, Optional[str]]] = {}
    for hit in retrieval.items:
        item = knowledge[hit.item_id]
        if item.kind is Kind.ENABLER:
            candidates = [(item.id, hit.score, None)]
        elif item.kind is Kind.CHALLENGE:
            candidates = [(e, hit.score * decay ** (n + 1), item.id) for n, e in enumerate(preferred(item.id))]
        elif item.kind is Kind.EXAMPLE and examples:
            candidates = [(e, hit.score * decay, None) for e in item.enablers] + [
                (e, hit.score * decay ** (n + 2), c) for c in item.challenges
                for n, e in enumerate(preferred(c))]
        else:
            continue
        for enabler_id, score, via in candidates:
            if score > best.get(enabler_id, (-1.0, None))[0]:
                best[enabler_id] = (score, via)
    return sorted(((e, s, v) for e, (s, v) in best.items()), key=lambda x: x[1], reverse=True)


# --- the two answers ------------------------------------------------------------------------------

def enabler_answer(engine: Engine, enabler_id: str, challenge_id: Optional[str], memory: Memory,
                   intro: Optional[str] = None, retrieval: Optional[Retrieval] = None) -> t.Answer:
    knowledge = engine.knowledge
    enabler = knowledge[enabler_id]
    challenge = knowledge[challenge_id] if challenge_id else None
    example = pick_example(engine, enabler, challenge, memory.shown_examples, retrieval)
    example_quotes = best_sentences(example, retrieval) if example else []
    buttons = [c.button("Another enabler", "/ask_another_enabler")]
    if example:
        buttons.append(c.button("Show the example", "/show_example"))
    buttons.append(c.button("Start coaching", "/start_coaching"))
    blocks = c.enabler_blocks(knowledge, enabler, challenge, example, example_quotes, intro)
    return c.answer(knowledge, t.ANSWERED, blocks, buttons, enabler_id=enabler.id,
                    challenge_id=challenge.id if challenge else None, example_id=example.id if example else None,
                    try_this=enabler.try_this)


def fact_answer(run: Run, item: Item, lacking: bool = False) -> t.Answer:
    """The report's words on a fact. `lacking`: the question asks for a figure or date the report does
    not give; say so plainly before what it does say."""
    knowledge = run.engine.knowledge
    assert run.retrieval is not None
    scores = run.retrieval.quote_scores
    wanted = expected_answer(run.text) or (NUMBER if lookup_kind(run.text) == "figure" else None)
    if (item.kind is Kind.FACT or lacking) and len(item.quotes) > 1:
        # The best-matching quote among those that hold what is asked for (the web address of footnote 2 for
        # "is there a link to the literature review?"), if any does.
        holding = [n for n, q in enumerate(item.quotes) if wanted is not None and wanted.search(q)]
        best = max(holding or range(len(item.quotes)), key=lambda n: scores.get((item.id, n), 0.0))
        quotes = [item.quotes[best]]
    else:
        quotes = list(item.quotes)
    table_count = item.kind is Kind.CASE_STUDY and asks_about_participants(run.text)
    if wanted is not None and not table_count and not any(wanted.search(q) for q in quotes):
        lacking = True  # (a case study's lead gives Table 1's count of its interviewees)
    buttons: list[t.Button] = []
    related = list(item.enablers) or [e for ch in item.challenges for e in knowledge[ch].enablers]
    if related:
        buttons.append(c.button(f"What helps: {knowledge[related[0]].title}",
                                f'/choose_topic{{"topic_id":"{related[0]}"}}'))
    buttons.append(c.button("What helps collaboration?", "/ask_enablers_overview"))
    blocks = c.fact_blocks(knowledge, item, quotes)
    if lacking:
        what = ("date" if lookup_kind(run.text) == "schedule" or wanted in DATE_PATTERNS
                else "web address" if wanted is WEB_ADDRESS else "figure")
        blocks.insert(0, Text(f"The report does not give that {what}. What it does say:"))
    return c.answer(knowledge, t.NOT_IN_REPORT if lacking else t.ANSWERED_FACT, blocks, buttons,
                    fact_id=item.id, example_id=item.id if item.kind is Kind.EXAMPLE else None)
