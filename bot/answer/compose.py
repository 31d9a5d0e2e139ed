"""compose_answer: the answer as named stages.

    check_input -> retrieve -> decline_if_out_of_scope -> clarify_if_ambiguous -> choose -> render

Each stage takes the run's context and either fills it in or stops the run with a finished Answer
(a canned status such as `unanswerable_out_of_scope`). Follow-ups ("another enabler", "show the
example") reuse the same choosing and rendering with the conversation's memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Callable, Optional

from bot.answer import clarify, guard, passages
from bot.answer.examples import best_sentences, pick_example
from bot.answer import render as r
from bot.answer import types as t
from bot.engine import Engine
from bot.knowledge.model import Item, Kind, Knowledge
from bot.retrieval.lexical import (NUMBER, TEMPORAL, asks_about_participants, asks_about_the_report, asks_for_advice,
                         describes_a_shared_problem, expected_answer, lookup_kind, requests_information, words)
from bot.retrieval.search import ItemScore, Retrieval

ANSWER_KINDS = (Kind.CHALLENGE, Kind.ENABLER)
FACT_KINDS = (Kind.FACT, Kind.CASE_STUDY, Kind.EXAMPLE)


@dataclass
class Memory:
    """What the conversation has already shown (kept by Rasa in one slot between turns)."""

    last_query: Optional[str] = None
    enabler_id: Optional[str] = None
    challenge_id: Optional[str] = None
    example_id: Optional[str] = None
    shown_enablers: list[str] = field(default_factory=list)
    shown_examples: list[str] = field(default_factory=list)
    # For follow-ups (bot/answer/followups.py): the fact or case study last shown, and which of the
    # example's sentences were shown, as a bitmask (bit n: its quote n), since an enabler answer shows the
    # sentence closest to the question, not always the first.
    fact_id: Optional[str] = None
    case_study_id: Optional[str] = None
    example_quotes_shown: int = 0

    def as_slot(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_slot(cls, value: object) -> "Memory":
        """The memory a slot holds; anything unreadable (an old or hand-edited tracker) is forgotten."""
        if not isinstance(value, dict):
            return cls()
        text = {k: value.get(k) if isinstance(value.get(k), str) else None
                for k in ("last_query", "enabler_id", "challenge_id", "example_id", "fact_id", "case_study_id")}
        shown = {k: [x for x in value.get(k) or [] if isinstance(x, str)] if isinstance(value.get(k), list) else []
                 for k in ("shown_enablers", "shown_examples")}
        count = value.get("example_quotes_shown")
        return cls(**text, **shown, example_quotes_shown=count if type(count) is int else 0)


@dataclass
class Run:
    question: str
    engine: Engine
    memory: Memory
    text: str = ""
    retrieval: Optional[Retrieval] = None
    ranked_enablers: list[tuple[str, float, Optional[str]]] = field(default_factory=list)


Stage = Callable[[Run], Optional[t.Answer]]


def canned(status: str) -> t.Answer:
    return t.Answer(status=status, response=f"utter_{status}")


# --- stages --------------------------------------------------------------------------------------

def check_input(run: Run) -> Optional[t.Answer]:
    checked = guard.check(run.question, run.engine.settings.input.max_chars)
    if checked.status:
        return canned(checked.status)
    run.text = checked.text
    return None


def retrieve(run: Run) -> Optional[t.Answer]:
    run.retrieval = run.engine.retriever.retrieve(run.text)
    run.ranked_enablers = rank_enablers(run.engine, run.retrieval)
    return None


def decline_if_out_of_scope(run: Run) -> Optional[t.Answer]:
    d = run.engine.settings.decision
    assert run.retrieval is not None
    knowledge = run.engine.knowledge
    top, topic = best_in_and_out(knowledge, run.retrieval)
    # Each word the knowledge never mentions ("furlough", "TUPE") makes a match less believable.
    doubt = d.unexplained_penalty * min(len(run.retrieval.unexplained), d.unexplained_max)
    if top.score - doubt < d.decline_below or top.dense < d.dense_floor:
        return ask_or_decline(run, top, topic)
    # An out-of-scope topic that (nearly) ties the best real item means the question is more
    # likely a kind the report does not answer that happens to share a word with it.
    if topic is not None and topic.score >= top.score - d.oos_margin:
        return canned(t.OUT_OF_SCOPE)
    # "What's the phone number for Kent Fire and Rescue?" matches the Kent case study on the name;
    # without the name it is plainly a question about contact details, which the report lacks.
    unnamed = without_names(run.text, knowledge.names)
    probe = run.retrieval
    if unnamed != run.text and words(unnamed):
        probe = run.engine.retriever.retrieve(unnamed)
        top_u, topic_u = best_in_and_out(knowledge, probe)
        if topic_u is not None and topic_u.score >= d.decline_below and topic_u.score >= top_u.score - d.oos_margin:
            return canned(t.OUT_OF_SCOPE)
    # A request for a figure, contact, timetable, product or statute: only a report fact that still
    # matches well once names are taken out can answer it ("how many leaders were interviewed?").
    if lookup_kind(run.text):
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


def ask_or_decline(run: Run, top: ItemScore, topic: Optional[ItemScore]) -> t.Answer:
    """Nothing is confident: ask which challenge it is if the message is about working with partners
    (their vocabulary, or a problem told about "we" and "they"), decline politely if it is not
    (weather, recipes, code, one organisation's HR case, law, named people)."""
    d = run.engine.settings.decision
    assert run.retrieval is not None
    about_partners = (run.engine.retriever.glossary.about_collaboration(run.text)
                      or describes_a_shared_problem(run.text))
    if (not about_partners or top.score < d.ask_above or lookup_kind(run.text) or requests_information(run.text)
            or (topic is not None and topic.score >= top.score)):
        return canned(t.OUT_OF_SCOPE)
    return clarify.nearest_challenges(run.engine.knowledge, run.retrieval, d.ask_options)


def best_in_and_out(knowledge: Knowledge, retrieval: Retrieval) -> tuple[ItemScore, Optional[ItemScore]]:
    """The best real item and the best out-of-scope topic (None if the index has no topics)."""
    top = next(h for h in retrieval.items if knowledge[h.item_id].kind is not Kind.OUT_OF_SCOPE)
    topic = next((h for h in retrieval.items if knowledge[h.item_id].kind is Kind.OUT_OF_SCOPE), None)
    return top, topic


def without_names(text: str, names: tuple[str, ...]) -> str:
    """The text with case-study names removed (longest first, whole words, any case)."""
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?i)(?<!\w){re.escape(name)}(?:['’]s)?(?!\w)", " ", text)
    return " ".join(text.split())


def clarify_if_ambiguous(run: Run) -> Optional[t.Answer]:
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
    weight = run.engine.retriever.head_weight
    near = sorted(run.retrieval.items, key=lambda h: h.score - weight * h.head, reverse=True)
    best = near[0].score - weight * near[0].head
    close = [h for h in near
             if knowledge[h.item_id].kind in ANSWER_KINDS and h.score - weight * h.head >= best - d.clarify_margin][:3]
    if len(close) < 2:
        return None
    buttons = [r.button(knowledge[h.item_id].title, f'/choose_topic{{"topic_id":"{h.item_id}"}}') for h in close]
    buttons.append(clarify.none_of_these())
    titles = "\n".join(f"- {knowledge[h.item_id].title}" for h in close)
    answer = t.Answer(status=t.CLARIFICATION,
                      text=f"The report covers a few things about that. Which is closest to what you mean?\n\n{titles}",
                      buttons=buttons)
    return r.finish(knowledge, answer)


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
        weight = run.engine.retriever.head_weight
        for hit in sorted(run.retrieval.items, key=lambda h: h.score - weight * h.head, reverse=True):
            if hit.score - weight * hit.head < top.score - weight * top.head - margin:
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


INTERROGATIVE = re.compile(r"(?i)^\s*(how|what|when|where|who|whom|which|why|did|was|were|is|are|does|do)\b")


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


# --- choosing ------------------------------------------------------------------------------------

def rank_enablers(engine: Engine, retrieval: Retrieval,
                  examples: bool = False) -> list[tuple[str, float, Optional[str]]]:
    """Enablers by score; an enabler also inherits the score of a challenge that links to it
    (and, with `examples`, of a worked example that illustrates it or its challenge).

    Returns (enabler id, score, id of the challenge it came through or None), best first.
    """
    knowledge = engine.knowledge
    decay = engine.settings.retrieval.link_decay
    best: dict[str, tuple[float, Optional[str]]] = {}
    for hit in retrieval.items:
        item = knowledge[hit.item_id]
        if item.kind is Kind.ENABLER:
            candidates = [(item.id, hit.score, None)]
        elif item.kind is Kind.CHALLENGE:
            candidates = [(e, hit.score * decay ** (n + 1), item.id) for n, e in enumerate(item.enablers)]
        elif item.kind is Kind.EXAMPLE and examples:
            candidates = [(e, hit.score * decay, None) for e in item.enablers] + [
                (e, hit.score * decay ** (n + 2), c) for c in item.challenges
                for n, e in enumerate(knowledge[c].enablers)]
        else:
            continue
        for enabler_id, score, via in candidates:
            if score > best.get(enabler_id, (-1.0, None))[0]:
                best[enabler_id] = (score, via)
    return sorted(((e, s, v) for e, (s, v) in best.items()), key=lambda x: x[1], reverse=True)


def enabler_answer(engine: Engine, enabler_id: str, challenge_id: Optional[str], memory: Memory,
                   intro: Optional[str] = None, retrieval: Optional[Retrieval] = None) -> t.Answer:
    knowledge = engine.knowledge
    enabler = knowledge[enabler_id]
    challenge = knowledge[challenge_id] if challenge_id else None
    example = pick_example(engine, enabler, challenge, memory.shown_examples, retrieval)
    example_quotes = best_sentences(example, retrieval) if example else []
    quotes = [t.Quote(q, enabler.id, enabler.section) for q in enabler.quotes]
    quotes += [t.Quote(q, example.id, example.section) for q in example_quotes] if example else []
    buttons = [r.button("Another enabler", "/ask_another_enabler")]
    if example:
        buttons.append(r.button("Show the example", "/show_example"))
    buttons.append(r.button("Start coaching", "/start_coaching"))
    answer = t.Answer(
        status=t.ANSWERED,
        text=r.enabler_text(knowledge, enabler, challenge, example, example_quotes, intro),
        enabler_id=enabler.id, challenge_id=challenge.id if challenge else None,
        example_id=example.id if example else None,
        quotes=quotes, buttons=buttons, try_this=enabler.try_this)
    return r.finish(knowledge, answer)


def fact_answer(run: Run, item: Item, lacking: bool = False) -> t.Answer:
    """The report's words on a fact. `lacking`: the question asks for a figure or date the report does
    not give; say so plainly before what it does say."""
    knowledge = run.engine.knowledge
    assert run.retrieval is not None
    scores = run.retrieval.quote_scores
    if (item.kind is Kind.FACT or lacking) and len(item.quotes) > 1:
        best = max(range(len(item.quotes)), key=lambda n: scores.get((item.id, n), 0.0))
        quotes = [item.quotes[best]]
    else:
        quotes = list(item.quotes)
    wanted = expected_answer(run.text) or (NUMBER if lookup_kind(run.text) == "figure" else None)
    if wanted is not None and item.kind is not Kind.CASE_STUDY and not any(wanted.search(q) for q in quotes):
        lacking = True  # (a case study's lead gives Table 1's count)
    buttons: list[t.ButtonPayload] = []
    related = list(item.enablers) or [e for c in item.challenges for e in knowledge[c].enablers]
    if related:
        buttons.append(r.button(f"What helps: {knowledge[related[0]].title}",
                                f'/choose_topic{{"topic_id":"{related[0]}"}}'))
    buttons.append(r.button("What helps collaboration?", "/ask_enablers_overview"))
    text = r.fact_text(knowledge, item, quotes)
    if lacking:
        what = "date" if lookup_kind(run.text) == "schedule" or wanted is TEMPORAL else "figure"
        text = f"The report does not give that {what}. What it does say:\n\n" + text
    answer = t.Answer(status=t.NOT_IN_REPORT if lacking else t.ANSWERED_FACT, text=text,
                      fact_id=item.id, example_id=item.id if item.kind is Kind.EXAMPLE else None,
                      quotes=[t.Quote(q, item.id, item.section) for q in quotes], buttons=buttons)
    return r.finish(knowledge, answer)


# --- follow-ups ----------------------------------------------------------------------------------

def answer_topic(engine: Engine, topic_id: str, memory: Memory) -> t.Answer:
    """A specific item chosen by button: a challenge is answered with its first unseen enabler."""
    knowledge = engine.knowledge
    if topic_id == clarify.NONE_OF_THESE:
        return clarify.rephrase(knowledge)
    item = knowledge.items.get(topic_id or "")
    if item is None:
        return canned(t.OUT_OF_SCOPE)
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
    return canned(t.NOTHING_MORE)


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
        candidates = [c for c in candidates if c.id not in memory.shown_examples and c.id != memory.example_id]
    elif memory.example_id and memory.example_id in knowledge:
        candidates = [knowledge[memory.example_id]] + candidates
    if not candidates:
        return canned(t.NOTHING_MORE)
    example = candidates[0]
    case = knowledge.items.get(example.case_study or "")
    text = r.fact_text(knowledge, example, list(example.quotes))
    if case is not None:
        text += f"\n\nFrom the case study **{case.title}** ({case.participants} leaders interviewed)."
    buttons = [r.button("Another example", "/ask_another_example"), r.button("Another enabler", "/ask_another_enabler")]
    answer = t.Answer(status=t.ANSWERED, text=text, enabler_id=enabler.id if enabler else None,
                      challenge_id=challenge.id if challenge else None, example_id=example.id,
                      quotes=[t.Quote(q, example.id, example.section) for q in example.quotes], buttons=buttons)
    return r.finish(knowledge, answer)


def enablers_overview(engine: Engine) -> t.Answer:
    """All enablers by theme, from Table 2, with a button per theme."""
    knowledge = engine.knowledge
    lines = ["The report groups what helps collaboration into three themes (Table 2):"]
    buttons = []
    for theme in knowledge.of_kind(Kind.THEME):
        titles = "; ".join(e.title for e in knowledge.enablers_in(theme.id))
        lines.append(f"- **{theme.title}** — {titles}")
        buttons.append(r.button(theme.title, f'/choose_topic{{"topic_id":"{theme.id}"}}'))
    quote = knowledge["summary_of_findings"].quotes[0]
    lines.append("\n" + r.blockquote([quote]) + "\n\n" + r.cite_line(knowledge, knowledge["summary_of_findings"]))
    answer = t.Answer(status=t.ANSWERED_FACT, text="\n".join(lines), fact_id="summary_of_findings",
                      quotes=[t.Quote(quote, "summary_of_findings", knowledge["summary_of_findings"].section)],
                      buttons=buttons)
    return r.finish(knowledge, answer)
