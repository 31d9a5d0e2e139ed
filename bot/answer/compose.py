"""compose_answer: the answer as named stages.

    check_input -> retrieve -> decline_if_out_of_scope -> clarify_if_ambiguous -> choose_and_render

Each stage takes the run's context (bot/answer/run.py) and either fills it in or stops the run with
a finished, frozen Answer (a canned status such as `unanswerable_out_of_scope`, a clarification, or
the answer itself). The stages live in modules named for what they do: bot/answer/scope.py (decline
or ask), bot/answer/clarify.py (ambiguous keywords), bot/answer/choose.py (which enabler or fact, and
its answer). Follow-ups ("another enabler", "show the example") are in bot/answer/browse.py and reuse
the same answers with the conversation's memory. Nothing here renders text: bot/render does, at the edge.
"""

from __future__ import annotations

from typing import Optional

from bot.answer import guard, passages
from bot.answer import types as t
from bot.answer.browse import another_enabler, answer_topic, enablers_overview, show_example
from bot.answer.choose import (FACT_KINDS, asks_about_the_case, choose_and_render, enabler_answer,
                               fact_answer, fact_that_answers, rank_enablers, without_names)
from bot.answer.clarify import ANSWER_KINDS, clarify_if_ambiguous
from bot.answer.content import canned
from bot.answer.examples import best_sentences, pick_example
from bot.answer.memory import Memory
from bot.answer.run import Run, Stage
from bot.answer.scope import ask_or_decline, best_in_and_out, decline_if_out_of_scope
from bot.engine import Engine
from bot.knowledge.model import Kind  # noqa: F401 - tests read compose.Kind

__all__ = ["ANSWER_KINDS", "FACT_KINDS", "Memory", "Run", "STAGES", "Stage", "another_enabler", "answer_topic",
           "ask_or_decline", "asks_about_the_case", "best_in_and_out", "best_sentences", "canned", "check_input",
           "choose_and_render", "clarify_if_ambiguous", "compose_answer", "decline_if_out_of_scope",
           "enabler_answer", "enablers_overview", "fact_answer", "fact_that_answers", "pick_example",
           "rank_enablers", "retrieve", "show_example", "without_names"]


def check_input(run: Run) -> Optional[t.Answer]:
    checked = guard.check(run.question, run.engine.settings.input.max_chars, run.engine.settings.input)
    if checked.status:
        return canned(checked.status)
    run.text = checked.text
    return None


def retrieve(run: Run) -> Optional[t.Answer]:
    run.retrieval = run.engine.retriever.retrieve(run.text)
    run.ranked_enablers = rank_enablers(run.engine, run.retrieval)
    return None


STAGES: list[Stage] = [check_input, retrieve, decline_if_out_of_scope, clarify_if_ambiguous, choose_and_render]


def compose_answer(question: Optional[str], engine: Engine, memory: Optional[Memory] = None,
                   stages: Optional[list[Stage]] = None) -> t.Answer:
    """Answer one question. Always returns an Answer; never raises for a user's input."""
    run = Run(question=question or "", engine=engine, memory=memory or Memory())
    for stage in stages or STAGES:
        answer = stage(run)
        if answer is not None:
            return passages.refine(run, answer)  # the report's own passages (issue 15, ADR 0012)
    return canned(t.OUT_OF_SCOPE)
