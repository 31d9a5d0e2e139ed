"""Answers to the buttons under an answer: a chosen topic, another enabler, the example, the overview.

They reuse the choosing stage's answers with the conversation's memory, so nothing already shown is
shown again while anything new is left.
"""

from __future__ import annotations

from typing import Optional

from bot.answer import clarify
from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Text
from bot.answer.choose import enabler_answer, fact_answer, rank_enablers
from bot.answer.examples import pick_example
from bot.answer.memory import Memory
from bot.answer.run import Run
from bot.engine import Engine
from bot.knowledge.model import Kind
from bot.retrieval.search import Retrieval


def answer_topic(engine: Engine, topic_id: str, memory: Memory) -> t.Answer:
    """A specific item chosen by button: a challenge is answered with its first unseen enabler."""
    knowledge = engine.knowledge
    if topic_id == clarify.NONE_OF_THESE:
        return clarify.rephrase(knowledge)
    item = knowledge.items.get(topic_id or "")
    if item is None or item.kind is Kind.OUT_OF_SCOPE:  # ids are the client's: an out-of-scope topic has no words
        return c.canned(t.OUT_OF_SCOPE)
    if item.kind is Kind.ENABLER:
        return enabler_answer(engine, item.id, None, memory)
    if item.kind is Kind.CHALLENGE:
        fresh = [e for e in item.enablers if e not in memory.shown_enablers] or list(item.enablers)
        return enabler_answer(engine, fresh[0], item.id, memory)
    if item.kind is Kind.THEME:
        enabler = next((e for e in knowledge.enablers_in(item.id) if e.id not in memory.shown_enablers),
                       knowledge.enablers_in(item.id)[0])
        return enabler_answer(engine, enabler.id, None, memory)
    run = Run(question=item.title, engine=engine, memory=memory, text=item.title)
    run.retrieval = Retrieval(query=item.title, items=[])
    return fact_answer(run, item)


def another_enabler(engine: Engine, memory: Memory) -> t.Answer:
    """The next enabler for the last question that has not been shown yet."""
    knowledge = engine.knowledge
    seen = set(memory.shown_enablers)
    order: list[tuple[str, Optional[str]]] = []
    if memory.challenge_id and memory.challenge_id in knowledge:
        order += [(e, memory.challenge_id) for e in knowledge[memory.challenge_id].enablers]
    if memory.last_query:
        retrieval = engine.retriever.retrieve(memory.last_query)
        order += [(e, None) for e, _, _ in rank_enablers(engine, retrieval)]
    if memory.enabler_id and memory.enabler_id in knowledge:
        order += [(e.id, None) for e in knowledge.enablers_in(knowledge[memory.enabler_id].theme or "")]
    order += [(e.id, None) for e in knowledge.of_kind(Kind.ENABLER)]
    for enabler_id, via in order:
        if enabler_id not in seen:
            return enabler_answer(engine, enabler_id, via, memory)
    return c.canned(t.NOTHING_MORE)


def show_example(engine: Engine, memory: Memory, another: bool = False) -> t.Answer:
    """The whole worked example for the current enabler (or a different one, if `another`)."""
    knowledge = engine.knowledge
    enabler = knowledge.items.get(memory.enabler_id or "")
    challenge = knowledge.items.get(memory.challenge_id or "")
    if enabler is None:
        candidates = knowledge.of_kind(Kind.EXAMPLE)
    else:
        first = pick_example(engine, enabler, challenge, [])
        theme_examples = [e for e in knowledge.of_kind(Kind.EXAMPLE) if e.theme == enabler.theme]
        candidates = ([first] if first else []) + theme_examples + knowledge.of_kind(Kind.EXAMPLE)
    if another:
        candidates = [x for x in candidates if x.id not in memory.shown_examples and x.id != memory.example_id]
    elif memory.example_id and memory.example_id in knowledge:
        candidates = [knowledge[memory.example_id]] + candidates
    if not candidates:
        return c.canned(t.NOTHING_MORE)
    example = candidates[0]
    case = knowledge.items.get(example.case_study or "")
    blocks = c.fact_blocks(knowledge, example, list(example.quotes))
    if case is not None:
        blocks.append(Text(f"From the case study **{case.title}** ({case.participants} leaders interviewed)."))
    buttons = [c.button("Another example", "/ask_another_example"), c.button("Another enabler", "/ask_another_enabler")]
    return c.answer(knowledge, t.ANSWERED, blocks, buttons, enabler_id=enabler.id if enabler else None,
                    challenge_id=challenge.id if challenge else None, example_id=example.id)


def enablers_overview(engine: Engine) -> t.Answer:
    """All enablers by theme, from Table 2, with a button per theme."""
    knowledge = engine.knowledge
    lines = ["The report groups what helps collaboration into three themes (Table 2):"]
    buttons = []
    for theme in knowledge.of_kind(Kind.THEME):
        titles = "; ".join(e.title for e in knowledge.enablers_in(theme.id))
        lines.append(f"- **{theme.title}** — {titles}")
        buttons.append(c.button(theme.title, f'/choose_topic{{"topic_id":"{theme.id}"}}'))
    summary = knowledge["summary_of_findings"]
    blocks = [Text("\n".join(lines)), *c.cited(knowledge, summary, [summary.quotes[0]])]
    return c.answer(knowledge, t.ANSWERED_FACT, blocks, buttons, fact_id=summary.id)
