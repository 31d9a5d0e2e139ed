"""The report's own passages in the answer (issue 15, ADR 0012): the last stage of compose_answer.

After the item stages have answered or declined, the question is searched against every paragraph,
bullet, case box, Table 1 row and footnote of the report (bot/retrieval/passage_search.py):

(a) an item's answer that does not already show the words that best answer the question gets them,
    preferring a passage that holds the answer's own items' quotes ("…cannot guarantee funds over the
    necessary timescales" under the funding-periods card);
(b) a question no item answers but a passage does gets "The report says:" with the passage quoted
    verbatim, its section cited, and the challenge, enabler or example it belongs to;
(c) a question asking for a figure, a date or a person's name that no passage holds is declined
    saying so, with what the report does say (`unanswerable_not_in_report`).

Every quote is whole sentences of one passage, so it is verbatim in the report.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Callable, Optional

from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Block, Quotes, Text, TryThis
from bot.answer.choose import name_pattern, without_names
from bot.answer.examples import _POINTS_BACK
from bot.knowledge.model import Item, Kind, Knowledge
from bot.knowledge.segment import SEP
from bot.knowledge.source import fold_space
from bot.retrieval.lexical import (DATE, DATE_PATTERNS, DURATION, NUMBER, TEMPORAL, WEB_ADDRESS, asks_about_participants,
                                   asks_about_the_report, expected_answer, lookup_kind, stem, tokens, words)
from bot.retrieval.passage_search import PassageHit

if TYPE_CHECKING:
    from bot.answer.run import Run

# A person's name ("who led…", "who was the director…", "the name of the manager"): the report names no
# individual people, so an item's answer to it is turned into "the report does not give that name".
_ROLE = (r"(leaders?|chief|chief executive|ceo|director|manager|head|chair|officer|boss|minister|researchers?|"
         r"interviewees?|participants?|staff)")
ASKS_FOR_A_NAME = re.compile(rf"(?i)\bnames? of (the |their |its )?(\w+ )?{_ROLE}\b|\bwhich (\w+ ){{0,2}}researchers\b"
                             rf"|\bwho (was|is|were|are) (the |their |its )?{_ROLE}\b"
                             r"|^\s*who (led|chaired|headed|ran|runs|leads|heads|chairs)\b|\b(first|full|last) names?\b"
                             r"|\bnames and (job )?titles\b|\bjob titles?\b")
# "Which" that asks, not the relative "which" after a comma (", which kills any trust" asks about no NHS trust).
_ASKING_WHICH = r"(?<!,)(?<!, )\bwhich"
# The name of an organisation or place ("which CCGs…", "what's the name of the company…"): the report names
# only the organisations of its case studies, so an answer gives one only if it shows a name the question lacks.
ASKS_FOR_AN_ORGANISATION = re.compile(
    rf"(?i){_ASKING_WHICH} (\w+ ){{0,2}}?(company|companies|firm|firms|trusts?|ccgs?|icbs?|lrfs?|councils?|charit(y|ies)|"
    r"venues?|buildings?|hospitals?|departments?|suppliers?)\b"
    r"|\bnames? (of|please)\b|\bcan you name\b|\bname the\b|\bwhat(?:'s|’s| is| was) the name\b")
# Kinds of body whose names say what they are ("NHS Kent and Medway CCG", "Kent Resilience Forum"): asked
# for one of these, only a name of that kind answers; Age UK is not "which LRF did Kent work through?".
# A company or charity can be called anything, so for those any new name counts.
_NAMED_BY_KIND = {
    "trust": r"trust", "ccg": r"ccg|clinical commissioning", "icb": r"icb|integrated care board",
    "lrf": r"lrf|resilience forum", "council": r"council", "venue": r"venue|court|centre|hall|building",
    "building": r"building|court|centre|hall|house", "hospital": r"hospital|infirmary",
    "department": r"department|ministry|office",
}
_ASKED_KIND = re.compile(rf"(?i){_ASKING_WHICH} (?:\w+ ){{0,2}}?(trust|ccg|icb|lrf|council|venue|building|hospital|department)s?\b")
# The items answering first, most specific first, for what a passage "belongs to".
LINK_ORDER = (Kind.EXAMPLE, Kind.CASE_STUDY, Kind.FACT, Kind.CHALLENGE, Kind.ENABLER)


def refine(run: "Run", answer: t.Answer) -> t.Answer:
    """The answer the item stages gave, with the report's passages brought in where they help."""
    search = run.engine.passages
    if search is None or run.retrieval is None or not run.text:
        return answer
    if answer.status in (t.ANSWERED, t.ANSWERED_FACT) and (
            ASKS_FOR_A_NAME.search(run.text)
            or (ASKS_FOR_AN_ORGANISATION.search(run.text) and not shows_a_new_name(run, answer))):
        return lacking_answer(run, what_it_says(run, search.search(run.text)), None)
    if answer.status in (t.ANSWERED, t.ANSWERED_FACT):
        return add_best_words(run, answer, search.search(run.text))
    if answer.status == t.OUT_OF_SCOPE:
        return answer_from_passages(run, answer, search.search(run.text))
    if answer.status == t.NOT_IN_REPORT:
        return found_after_all(run, answer, search.search(run.text))
    return answer


_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w’'&-]*(?: (?:and |of |for )?[A-Z][\w’'&-]*)+")
# Words a name shares with many others: "the Nightingale court programme" does not name the Capacity Programme.
_GENERIC = frozenset("programme programmes service services council councils trust trusts foundation nhs court "
                     "courts tribunal tribunals fire rescue healthcare centre national leadership prison probation "
                     "hm her majesty majestys".split())


def shows_a_new_name(run: "Run", answer: t.Answer) -> bool:
    """Whether the answer quotes a name the question does not already give ("which charity did Kent work
    with?": Age UK): an organisation of the case studies, or a run of capitalised words ("the Additional Courts
    and Tribunal Capacity Programme"), sharing no distinctive word with the question."""
    asked = set(words(run.text)) - _GENERIC
    shown = " ".join(q.text for q in answer.quotes)
    named = [n for n in run.engine.knowledge.names if name_pattern(n).search(shown)]
    named += _CAPITALISED_RUN.findall(shown)
    kinds = [_NAMED_BY_KIND[k.lower()] for k in _ASKED_KIND.findall(run.text)]
    return any(set(words(n)) - _GENERIC and not asked & set(words(n)) and not spells_out(n, asked)
               and all(re.search(rf"(?i)\b({kind})", n) for kind in kinds) for n in named)


def spells_out(name: str, asked: set[str]) -> bool:
    """Whether `name` is only the long form of an abbreviation the question uses: "Clinical Commissioning Groups"
    names no CCG to "which CCGs did Northumbria work with?"."""
    initials = "".join(w[0] for w in words(name) if w not in ("and", "of", "for", "the"))
    return len(initials) >= 2 and any(a.rstrip("s") == initials for a in asked)


# --- (a) --------------------------------------------------------------------------------------------

def add_best_words(run: "Run", answer: t.Answer, hits: list[PassageHit]) -> t.Answer:
    s = run.engine.settings.passages
    own = related_items(run.engine.knowledge, {answer.enabler_id, answer.challenge_id, answer.example_id,
                                               answer.fact_id} - {None})
    # "When…?" and "how many…?" need a date or a number: a passage without one cannot be what answers.
    wanted = expected_answer(run.text)
    hits = [h for h in hits if wanted is None or wanted.search(quote_window(h, s.quote_max_chars))]
    if not hits:
        return answer
    mine = [h for h in hits if own & set(h.items)]
    pick = mine[0] if mine and mine[0].score >= hits[0].score - s.own_margin else hits[0]
    row = participants_row(run)
    if row is not None:
        pick = row
    elif pick.score < s.add_min:
        return answer
    words = quote_window(pick, s.quote_max_chars)
    # Nothing to add when all of it is shown, nor when a fact answer shows the sentence that best answers: a
    # fact answer is one sentence on purpose. A card shows its items' chosen sentences, so the passage they
    # come from is still worth showing whole when the question is about the words around them.
    shown = " ".join(fold_space(q.text) for q in answer.quotes)
    best_shown = fold_space(pick.passage.sentences[pick.best_sentence]) in shown
    if fold_space(words) in shown or (best_shown and answer.status == t.ANSWERED_FACT):
        return answer
    added = [Text("**The report's words closest to your question:**"), *cited(run.engine.knowledge, pick, words)]
    blocks = list(answer.blocks)
    at = next((n for n, b in enumerate(blocks) if isinstance(b, TryThis)), len(blocks))  # before "Try this"
    return dataclasses.replace(answer, blocks=tuple(blocks[:at] + added + blocks[at:]))


def participants_row(run: "Run") -> Optional[PassageHit]:
    """"How many people from Kent took part?" is answered by the row of Table 1 for the case it names, not by
    the case's story, however the two score."""
    search = run.engine.passages
    if search is None or not asks_about_participants(run.text):
        return None
    named = [p for p in map(name_pattern, run.engine.knowledge.names) if p.search(run.text)]
    if not named:
        return None
    return next((h for h in search.search(run.text, k=len(search.passages)) if h.passage.kind == "table_row"
                 and any(p.search(h.passage.text) for p in named)), None)


def related_items(knowledge: Knowledge, ids: set[str]) -> set[str]:
    """The answer's items and those they name: a case study's worked example and the other way round,
    a challenge's enablers, what an example illustrates."""
    related = set(ids)
    for item_id in ids:
        item = knowledge[item_id]
        related.update(item.enablers, item.challenges, [item.case_study] if item.case_study else [])
        related.update(ex.id for ex in knowledge.of_kind(Kind.EXAMPLE) if ex.case_study == item_id)
    return related


# --- (b) and (c) ------------------------------------------------------------------------------------

def answer_from_passages(run: "Run", declined: t.Answer, hits: list[PassageHit]) -> t.Answer:
    s = run.engine.settings.passages
    kind = lookup_kind(run.text)
    if not hits:
        return declined
    best = hits[0]
    score = best.score - doubt(run, best)
    if kind == "literature":  # what the review the report cites says about something else: show its one point
        cited = citing_passage(run)
        return lacking_answer(run, cited, None) if cited is not None else declined
    # "What year was the Bristol programme launched?" asks for a date as plainly as a look-up asks for a figure:
    # a passage without one does not answer it.
    if kind is not None or expected_answer(run.text) is DATE or ASKS_FOR_A_NAME.search(run.text):
        # The item stages already weighed look-ups (a number about the world, a contact, a statute) and
        # declined this one. About the report itself ("what percentage of leaders…?", "who led the
        # Kent partnership?") say what it does say; anything else stays declined, and so do the kinds no
        # passage can answer (a contact, a recommendation, a statute, a ranking of the cases, party politics).
        names = run.engine.knowledge.names
        about_report = asks_about_the_report(run.text) or without_names(run.text, names) != run.text
        if kind in (None, "figure", "schedule", "person", "later", "link", "method") and about_report:
            if score >= s.lacks_min:
                lacking = lacking_answer(run, what_it_says(run, hits), wanted_pattern(run.text, kind))
                if kind in ("later", "method"):  # no date in the report is what came after it, nor says how
                    return lacking
                return found_after_all(run, lacking, hits)  # unless a passage holds the date after all
            # "What was the budget of the Kent partnership?": the words match no passage well, but the
            # question names a case the report describes. Say what the report says about that case.
            named = naming_passage(run)
            if named is not None:
                return lacking_answer(run, named, wanted_pattern(run.text, kind))
        return declined
    # A question nearer a known off-topic kind ("what's the weather in Kent?") than any passage stays declined.
    topic = next((h for h in run.retrieval.items  # type: ignore[union-attr]
                  if run.engine.knowledge[h.item_id].kind is Kind.OUT_OF_SCOPE), None)
    if topic is not None and topic.dense >= best.dense:
        return declined
    if score < s.answer_min or best.dense < s.dense_min:
        return declined
    return passage_answer(run, best)


def found_after_all(run: "Run", lacking: t.Answer, hits: list[PassageHit]) -> t.Answer:
    """The item stages said the report lacks the date asked for, judging by the item that matched best
    ("when was the fieldwork carried out?" matched how the case studies were chosen). A passage that holds
    a date (or, for "how long", a length of time) and answers the question well enough overrules them: never
    tell a leader the report does not say what it does. Dates and durations only: a number is too common in the
    report ("COVID-19", "six case studies") to prove that a passage gives the figure asked for."""
    s = run.engine.settings.passages
    wanted = expected_answer(run.text)
    if wanted is not DATE and wanted is not DURATION:
        return lacking
    holding = [h for h in hits if wanted.search(quote_window(h, s.quote_max_chars))]
    if not holding or holding[0].score - doubt(run, holding[0]) < s.answer_min or holding[0].dense < s.dense_min:
        return lacking
    return passage_answer(run, holding[0])


def first_passage(run: "Run", keep: Callable[[PassageHit], bool]) -> Optional[PassageHit]:
    """The best passage for the question, of all of them, that `keep` accepts."""
    search = run.engine.passages
    if search is None:
        return None
    return next((h for h in search.search(run.text, k=len(search.passages)) if keep(h)), None)


def naming_passage(run: "Run") -> Optional[PassageHit]:
    """The best passage that mentions a case study the question names, if it names one."""
    named = [p for p in map(name_pattern, run.engine.knowledge.names) if p.search(run.text)]
    if not named:
        return None
    return first_passage(run, lambda h: h.passage.kind != "table_row"
                         and any(p.search(h.passage.text) for p in named))


# The sentence that cites the literature review (footnote 2, King et al. 2020): the report's only use of it.
_CITES_THE_LITERATURE = re.compile(r"\bThe wider literature\b")


def citing_passage(run: "Run") -> Optional[PassageHit]:
    """The passage quoting the review the report cites, its citing sentence marked as the one to show."""
    hit = first_passage(run, lambda h: h.passage.kind != "footnote"
                        and any(_CITES_THE_LITERATURE.search(s) for s in h.passage.sentences))
    if hit is None:
        return None
    marked = tuple(1.0 if _CITES_THE_LITERATURE.search(s) else 0.0 for s in hit.passage.sentences)
    return dataclasses.replace(hit, sentence_scores=marked)


def what_it_says(run: "Run", hits: list[PassageHit]) -> PassageHit:
    """The passage to show beside "the report does not give that": the best, but not a row of Table 1 (a
    count of interviewees) unless the question is about who took part."""
    if asks_about_participants(run.text):
        return hits[0]
    return next((h for h in hits if h.passage.kind != "table_row"), hits[0])


def doubt(run: "Run", hit: PassageHit) -> float:
    """Each question word neither the items nor this passage mention makes the match less believable."""
    d = run.engine.settings.decision
    assert run.retrieval is not None
    mentioned = set(tokens(hit.passage.text))
    unexplained = [w for w in run.retrieval.unexplained if stem(w) not in mentioned]
    return d.unexplained_penalty * min(len(unexplained), d.unexplained_max)


def wanted_pattern(text: str, kind: Optional[str]) -> Optional[re.Pattern]:
    """What the answering words must hold: a number for "how many"/"what percentage", a date for "when"."""
    return expected_answer(text) or (NUMBER if kind == "figure" else TEMPORAL if kind == "schedule" else None)


def passage_answer(run: "Run", hit: PassageHit) -> t.Answer:
    knowledge = run.engine.knowledge
    words = quote_window(hit, run.engine.settings.passages.quote_max_chars)
    linked = linked_items(run, hit)
    blocks: list[Block] = [Text("The report says:"), *cited(knowledge, hit, words)]
    belongs = [belongs_line(item) for item in linked[:2]]
    if belongs:
        blocks.append(Text(" ".join(belongs)))
    return c.answer(knowledge, t.ANSWERED_FACT, blocks, help_buttons(knowledge, linked),
                    enabler_id=next((i.id for i in linked if i.kind is Kind.ENABLER), None),
                    challenge_id=next((i.id for i in linked if i.kind is Kind.CHALLENGE), None),
                    fact_id=linked[0].id if linked else None)


# The report's fieldwork ran from January to March 2021 (its Methodology); it says nothing of what came later.
AFTER_THE_REPORT = ("The report draws on interviews from January to March 2021 and says nothing about what happened "
                    "after. What it does say:")


# Its Methodology says who was interviewed and when, and how the examples were chosen; not by what means.
HOW_NOT_SAID = "The report does not say how the interviews were held. What it does say:"

# Footnote 2: the report cites King et al. (2020) for one sentence, on imbalances of power, resources or knowledge.
LITERATURE_NOT_SAID = ("The report cites one literature review, King et al. (2020), for a single point, on imbalances "
                       "of power, resources or knowledge, and does not say what it found about anything else. "
                       "What it does say:")

# The look-up kinds whose "not in the report" answer says why in its own words (the rest: "does not give that ...").
LEADS = {"later": AFTER_THE_REPORT, "method": HOW_NOT_SAID, "literature": LITERATURE_NOT_SAID}


def lacking_answer(run: "Run", hit: PassageHit, wanted: Optional[re.Pattern]) -> t.Answer:
    knowledge = run.engine.knowledge
    what = ("date" if wanted in DATE_PATTERNS else "length of time" if wanted is DURATION
            else "web address" if wanted is WEB_ADDRESS else "figure" if wanted is not None else "name")
    words = quote_window(hit, run.engine.settings.passages.quote_max_chars)
    linked = linked_items(run, hit)
    lead = LEADS.get(lookup_kind(run.text) or "", f"The report does not give that {what}. What it does say:")
    blocks = [Text(lead), *cited(knowledge, hit, words)]
    return c.answer(knowledge, t.NOT_IN_REPORT, blocks, help_buttons(knowledge, linked),
                    fact_id=linked[0].id if linked else None)


# --- shared -----------------------------------------------------------------------------------------

def quote_window(hit: PassageHit, max_chars: int) -> str:
    """The whole passage if it is short enough; otherwise its best sentence, with the one before when it
    points back ("This meant…"), widened by neighbours while it stays under `max_chars`."""
    sentences = hit.passage.sentences
    if len(hit.passage.text) <= max_chars:
        return hit.passage.text
    first = last = hit.best_sentence
    if first > 0 and _POINTS_BACK.match(sentences[first]):
        first -= 1
    # Grow by the sentence before, then the one after, alternately, while it fits.
    fits = lambda lo, hi: 0 <= lo and hi < len(sentences) and len(" ".join(sentences[lo:hi + 1])) <= max_chars
    grown = True
    while grown:
        grown = False
        if fits(first - 1, last):
            first, grown = first - 1, True
        if fits(first, last + 1):
            last, grown = last + 1, True
    return " ".join(sentences[first:last + 1])


def linked_items(run: "Run", hit: PassageHit) -> list[Item]:
    """The items quoting this passage: one whose quote holds the passage's best sentence first, then the
    most specific kind (a bullet can state two challenges, "…funding streams…" and "…funding periods…")."""
    best = fold_space(hit.passage.sentences[hit.best_sentence])
    items = [run.engine.knowledge[i] for i in hit.items]

    def order(item: Item) -> tuple[int, int]:
        holds = any(best in fold_space(q) or fold_space(q) in best for q in item.quotes)
        return (0 if holds else 1, LINK_ORDER.index(item.kind) if item.kind in LINK_ORDER else len(LINK_ORDER))
    return sorted(items, key=order)


def belongs_line(item: Item) -> str:
    theme = (item.theme or "").capitalize()
    return {
        Kind.EXAMPLE: f"This is the report's worked example **{item.title}** ({theme}).",
        Kind.CHALLENGE: f"It describes the challenge **{item.title}** ({theme}).",
        Kind.ENABLER: f"It describes the enabler **{item.title}** ({theme}).",
        Kind.CASE_STUDY: f"It is about the case study **{item.title}**.",
    }.get(item.kind, f"See also **{item.title}**.")


def help_buttons(knowledge: Knowledge, linked: list[Item]) -> list[t.Button]:
    enablers = [i.id for i in linked if i.kind is Kind.ENABLER]
    enablers += [e for i in linked if i.kind in (Kind.CHALLENGE, Kind.EXAMPLE) for e in i.enablers]
    buttons = [c.button(f"What helps: {knowledge[enablers[0]].title}",
                        f'/choose_topic{{"topic_id":"{enablers[0]}"}}')] if enablers else []
    return buttons + [c.button("What helps collaboration?", "/ask_enablers_overview")]


def section_title(knowledge: Knowledge, hit: PassageHit) -> str:
    """"Structures: Challenges for collaboration", with a case box's title when an item names it."""
    title = ": ".join(hit.passage.section.split(SEP))
    if hit.passage.kind == "example":
        examples = [knowledge[i].title for i in hit.items if knowledge[i].kind is Kind.EXAMPLE]
        title += f", case example{': ' + examples[0] if examples else ''}"
    return title


def cited(knowledge: Knowledge, hit: PassageHit, words: str) -> list[Block]:
    """The passage's words, quoted under the passage's own section (not an item's), then their citation.
    The quote block names the passage by its id: a passage need not be any item's quote."""
    section = section_title(knowledge, hit)
    return [Quotes((words,), hit.passage.id, section, c.source(knowledge)), c.cite(knowledge, section)]
