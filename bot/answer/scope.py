"""Stage: decline what the report does not cover, or ask which challenge a vague message means.

A message that tries to override the assistant's instructions ("ignore your instructions", "you are
now...") is declined whatever else it asks.
A message the off-topic model places among the out-of-scope topics is declined, unless a real item beats
every topic by a wide margin (`decision.off_topic_overruled_by`). A real item must match
well enough, beat the out-of-scope topics it nearly ties, still match once the case studies' names are
taken out, and, for a request for a figure or a date, hold one.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from bot.answer import clarify
from bot.answer import types as t
from bot.answer.choose import FACT_KINDS, fact_answer, without_names
from bot.answer.content import canned
from bot.answer.run import Run
from bot.knowledge.model import Kind, Knowledge
from bot.retrieval.lexical import (asks_about_participants, asks_about_the_report, describes_a_shared_problem,
                                   expected_answer, lookup_kind, overrides_instructions, requests_information,
                                   words)
from bot.retrieval.search import ItemScore, Retrieval


_ASKING_WORDS = frozenset("who whos what whats which".split())


def decline_if_out_of_scope(run: Run) -> Optional[t.Answer]:
    d = run.engine.settings.decision
    assert run.retrieval is not None
    knowledge = run.engine.knowledge
    top, topic = best_in_and_out(knowledge, run.retrieval)
    if overrides_instructions(run.text):  # prompt injection: the report is the only source, whatever is asked
        return canned(t.OUT_OF_SCOPE)
    # The off-topic model learnt from the out-of-scope topics' near-domain phrasings what "about leadership
    # in one organisation" looks like next to "about working with partners" (bot/retrieval/off_topic.py).
    # It learnt from few phrasings, though, so it does not overrule a question that plainly matches an item
    # ("buy-in from frontline staff as well as the execs" shares "staff" with one organisation's HR).
    # When the message names a body as the one worked with ("any advice on working with the OPCC?", "how do I get
    # the district councils interested?"), the model's verdict is doubt, not a decision: it is asked about or
    # declined as below. A partnership word alone is not enough ("mileage for driving to a partner meeting").
    if run.retrieval.off_topic > d.off_topic_above and not (
            topic is not None and top.score - topic.score >= d.off_topic_overruled_by):
        if run.engine.retriever.glossary.names_a_partner(run.text):
            return ask_or_decline(run, top, topic)
        return canned(t.OUT_OF_SCOPE)
    # Each word the knowledge never mentions ("furlough", "TUPE") makes a match less believable.
    doubt = d.unexplained_penalty * min(len(run.retrieval.unexplained), d.unexplained_max)
    if top.score - doubt < d.decline_below or top.dense < d.dense_floor:
        return ask_or_decline(run, top, topic)
    # An out-of-scope topic that (nearly) ties the best real item means the question is more
    # likely a kind the report does not answer that happens to share a word with it; unless it is about
    # working with partners ("any tips for working with other agencies?") and the topic does not beat the
    # item by more than `ask_topic_margin` ("legal stuff with our partners keeps tripping us up"): then it is
    # asked, not declined.
    if topic is not None and topic.score >= top.score - d.oos_margin:
        return ask_or_decline(run, top, topic)
    # "What's the phone number for Kent Fire and Rescue?" matches the Kent case study on the name;
    # without the name it is plainly a question about contact details, which the report lacks.
    unnamed = without_names(run.text, knowledge.names)
    probe = run.retrieval
    # Only a question word left ("who are the NLC?", "what is Stepping Up?"): it asks what the named body is.
    if unnamed != run.text and set(words(unnamed)) - _ASKING_WORDS:
        probe = run.engine.retriever.retrieve(unnamed)
        top_u, topic_u = best_in_and_out(knowledge, probe)
        if topic_u is not None and topic_u.score >= d.decline_below and topic_u.score >= top_u.score - d.oos_margin:
            return canned(t.OUT_OF_SCOPE)
    # A request for a figure, contact, timetable, product or statute: only a report fact that still
    # matches well once names are taken out can answer it ("how many leaders were interviewed?").
    kind = lookup_kind(run.text)
    if kind == "person" and asks_what_a_body_is(run.text, knowledge.names):
        kind = None
    # Nothing in a report of early 2021 says what came after it, ranks its cases, says how its interviews were held
    # or what the review it cites found beyond its one point.
    if kind in ("later", "ranking", "method", "literature"):
        return canned(t.OUT_OF_SCOPE)
    if kind:
        fact, _ = best_in_and_out(knowledge, probe)
        wanted = expected_answer(run.text)
        counts = knowledge[fact.item_id].kind is Kind.CASE_STUDY and asks_about_participants(run.text)
        if wanted is not None and not asks_about_the_report(run.text) and not counts \
                and not any(wanted.search(q) for q in knowledge[fact.item_id].quotes):
            # "How many prisons are there in England?" wants a number about the world; a fact
            # without one (and not about the research, nor Table 1's count of a case's
            # interviewees) cannot answer it.
            return canned(t.OUT_OF_SCOPE)
        if knowledge[fact.item_id].kind not in FACT_KINDS or fact.score < d.lookup_min_score:
            # "What percentage of leaders said collaboration improved?": the report is plainly the
            # subject, it just gives no figure. Say so and show what it does say, never an enabler card.
            if (lookup_kind(run.text) in ("figure", "schedule") and asks_about_the_report(run.text)
                    and fact.score >= d.lacks_min_score):
                return fact_answer(run, knowledge[fact.item_id], lacking=True)
            return canned(t.OUT_OF_SCOPE)
    return None


_WHO_IS = re.compile(r"(?i)\s*who(?:['’]?s| is| are| was| were) (?:the )?")


def asks_what_a_body_is(text: str, names: Iterable[str]) -> bool:
    """"Who are the NLC (when they're at home)?", "who is Vibrant Communities?": a name the report describes right
    after "who is / are" asks what that body is, which the report says. "Who chairs Age UK?", "who is Kent's chief
    fire officer?" and "who is the chief executive of Kent Fire and Rescue?" still ask for a person."""
    form = _WHO_IS.match(text)
    if form is None:
        return False
    rest = text[form.end():].lower()
    for name in sorted(names, key=len, reverse=True):
        if rest.startswith(name.lower()):
            return not re.match(r"\w|['’]s\b", rest[len(name):])
    return False


def ask_or_decline(run: Run, top: ItemScore, topic: Optional[ItemScore]) -> t.Answer:
    """Nothing is confident: ask which challenge it is if the message is about working with partners
    (their vocabulary, or a problem told about "we" and "they"), decline politely if it is not
    (weather, recipes, code, one organisation's HR case, law, named people)."""
    d = run.engine.settings.decision
    assert run.retrieval is not None
    about_partners = (run.engine.retriever.glossary.about_collaboration(run.text)
                      or describes_a_shared_problem(run.text))
    if (not about_partners or top.score < d.ask_above or lookup_kind(run.text) or requests_information(run.text)
            or (topic is not None and topic.score >= top.score + d.ask_topic_margin)):
        return canned(t.OUT_OF_SCOPE)
    return clarify.nearest_challenges(run.engine.knowledge, run.retrieval, d.ask_options)


def best_in_and_out(knowledge: Knowledge, retrieval: Retrieval) -> tuple[ItemScore, Optional[ItemScore]]:
    """The best real item and the best out-of-scope topic (None if the index has no topics)."""
    top = next(h for h in retrieval.items if knowledge[h.item_id].kind is not Kind.OUT_OF_SCOPE)
    topic = next((h for h in retrieval.items if knowledge[h.item_id].kind is Kind.OUT_OF_SCOPE), None)
    return top, topic

