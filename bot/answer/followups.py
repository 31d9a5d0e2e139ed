"""Follow-ups and corrections: short replies that only make sense against what was just shown.

"why?", "who did that?", "what does that mean in practice?", "how many people did they interview
for that one?", "tell me more about Kent", "which enabler matters most?" are answered from the
answer memory (`compose.Memory`: the enabler, challenge, example and case study last shown).
"no, that's not what I meant — the issue is X" re-reads X with the previous question and answers
with a different enabler; a bare "that answer wasn't right" offers the nearest challenges instead.
Every sentence shown is a knowledge item's verbatim quote, cited; numbers come from Table 1 (the
case studies' `participants`). Nothing here knows Rasa.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

from bot.answer import compose
from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Block, Text, TryThis
from bot.engine import Engine
from bot.knowledge.model import Item, Kind, Knowledge
from bot.retrieval.lexical import asks_about_participants, lookup_kind, stem, words

REFERS = re.compile(r"\b(that|this|it|they|them|their|those|these|there|he|she|one)\b")
WHY = re.compile(r"^(why|how come|how does (that|this|it) help|what'?s the reason(ing)?|what is the reason(ing)?)\b")
WHO = re.compile(r"^(who (did|was|were|ran|led|made|organi[sz]ed|took part|is behind|was behind|else)|"
                 r"which (organi[sz]ations?|councils?|bodies|partners|services?|agenc(y|ies)|trusts?|charit(y|ies))|"
                 r"what organi[sz]ations?)\b")
PRACTICE = re.compile(r"\b(in practice|in real life|on the ground|look like|looks like|practically|concretely|"
                      r"day to day|what does (that|this|it) mean|what would (that|this|it) mean|"
                      r"what do you mean|how would (that|this|it) work|how does (that|this|it) work)\b")
MORE = re.compile(r"^(tell me more|more about|say more|go on|more on|more detail|can you expand|expand on)\b")
MOST = re.compile(r"\b(matters? (the )?most|most important|biggest|most effective|the key one|main one|"
                  r"most useful|which (one|enabler|factor) (is|matters)|where (do|should) (i|we) start)\b")
SHARE = re.compile(r"\b(e-?mail|mail|share|send|forward|copy|download|export|print)\b")
SHARE_WHAT = re.compile(r"\b(plan|this|it|that|team|colleagues?|boss|director|manager|board|partners|them)\b")
# A correction opens with a correction word followed by punctuation or nothing ("no, ...", "wrong."),
# or says so in words; "no one will share budgets" and "the timing is not right" are not corrections.
CORRECTION = re.compile(
    r"^\s*((no|nope|nah|wrong|incorrect|not quite)(?=\s*([,.!?;:—–-]|$))|"
    r"no,? (that|this|it)('s| is| was)? (not|wrong|isn't|wasn't)\b|"
    r"no,? (i (meant|mean|was asking)|the (real |actual )?(issue|problem|question|point))\b|"
    r"(that'?s|that is|this is|it'?s) (not (it|right|what i)|wrong)\b|"
    r"not what i (meant|asked|mean|was asking)\b|you('ve| have)? (misunderstood|got (it|that|me) wrong)\b|"
    r"that (answer )?(was|is)n'?t (right|it|what i)\b|that (answer )?(was|is) (wrong|not right)\b|"
    r"that didn'?t answer\b)")
CORRECTION_ANYWHERE = re.compile(r"\b(not what i (meant|asked|mean|was asking)|(that|this|answer|it) (was|is)n'?t "
                                 r"(right|what i)|you('ve| have)? misunderstood|wrong answer|answer was wrong)\b")
NEW_WORDS = re.compile(r"\b(the (real |actual )?(issue|problem|question|point|thing) (is|was)|i meant|i mean|"
                       r"i was asking about|what i meant was|i'?m asking about|it'?s (more |really )?about|"
                       r"i wanted|i want|rather|instead)\b")
# Words that carry no topic of their own in a follow-up ("which enabler matters most?").
GENERIC = frozenset("""which what enabler enablers factor factors matter matters most important biggest key best
first report say view overall single main effective useful start collaboration help helps where should
do we i the why who how come reason reasoning organisation organisations organization organizations mean
means practice real life ground look looks like practically concretely day work works would involved
did done they them that this those these it there one ones council councils people""".split())


def plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w'?/ -]+", " ", (text or "").lower().replace("’", "'")).split())


def topic_words(text: str) -> list[str]:
    """The content words of a reply that are not the wording of a follow-up itself."""
    return [w for w in words(text) if w not in GENERIC]


def has_context(memory: compose.Memory) -> bool:
    return bool(memory.enabler_id or memory.fact_id or memory.example_id or memory.case_study_id)


# --- which case study a reply means ----------------------------------------------------------------

_NAMES: dict[int, tuple[Knowledge, dict[str, str], list[tuple[re.Pattern, str]]]] = {}


def case_names(knowledge: Knowledge) -> dict[str, str]:
    """Each name in knowledge/source.yml `names` that belongs to one case study -> that case study's id."""
    return _names_of(knowledge)[1]


def _names_of(knowledge: Knowledge) -> tuple[Knowledge, dict[str, str], list[tuple[re.Pattern, str]]]:
    # Worked out once per knowledge base: every question passes through `follow_up`.
    cached = _NAMES.get(id(knowledge))
    if cached is not None and cached[0] is knowledge:
        return cached
    found: dict[str, str] = {}
    for case in knowledge.of_kind(Kind.CASE_STUDY):
        texts = [case.title, *case.quotes]
        texts += [q for ex in case_examples(knowledge, case) for q in (ex.title, *ex.quotes)]
        for name in knowledge.names:
            if any(re.search(rf"(?i)(?<!\w){re.escape(name)}(?!\w)", x) for x in texts):
                found.setdefault(name.lower(), case.id)
    patterns = [(re.compile(rf"(?<!\w){re.escape(n)}(?!\w)"), found[n]) for n in sorted(found, key=len, reverse=True)]
    _NAMES[id(knowledge)] = (knowledge, found, patterns)
    return _NAMES[id(knowledge)]


def case_examples(knowledge: Knowledge, case: Item) -> list[Item]:
    return [ex for ex in knowledge.of_kind(Kind.EXAMPLE) if ex.case_study == case.id]


def named_case(knowledge: Knowledge, text: str) -> Optional[Item]:
    """The case study the text names, if it names exactly one."""
    said = (text or "").lower()
    hits = {case_id for pattern, case_id in _names_of(knowledge)[2] if pattern.search(said)}
    return knowledge[hits.pop()] if len(hits) == 1 else None


def remembered_case(knowledge: Knowledge, memory: compose.Memory) -> Optional[Item]:
    case = knowledge.items.get(memory.case_study_id or "")
    if case is None and memory.example_id in knowledge:
        case = knowledge.items.get(knowledge[memory.example_id].case_study or "")
    return case if case is not None and case.kind is Kind.CASE_STUDY else None


# --- follow-ups ----------------------------------------------------------------------------------

def follow_up(text: str, engine: Engine, memory: compose.Memory) -> Optional[t.Answer]:
    """The answer to a follow-up about what was just shown; None when the text is not one."""
    said = plain(text)
    knowledge = engine.knowledge
    if not said or len(said.split()) > 14:
        return None
    if MOST.search(said) and not topic_words(said):
        return most_important(engine)
    named = named_case(knowledge, text)
    refers = bool(REFERS.search(said))
    if asks_about_participants(said):
        case = named or (remembered_case(knowledge, memory) if refers else None)
        return case_numbers(engine, case) if case is not None else None
    if MORE.search(said) and named is not None:
        return case_detail(engine, named)
    if not has_context(memory) or named is not None:
        return None
    short = len(said.split()) <= 3
    if WHY.search(said) and (short or refers) and not topic_words(said):
        return why(engine, memory)
    if WHO.search(said) and (short or refers) and not topic_words(said):
        return who(engine, memory)
    if PRACTICE.search(said) and not topic_words(said):
        return in_practice(engine, memory)
    if MORE.search(said) and not topic_words(said):
        case = remembered_case(knowledge, memory)
        if memory.fact_id and case is not None and memory.fact_id == case.id:
            return case_detail(engine, case)
        return in_practice(engine, memory)
    return None


def _answer(engine: Engine, status: str, blocks: list[Block], buttons: list[t.Button],
            **ids: Optional[str]) -> t.Answer:
    return c.answer(engine.knowledge, status, blocks, buttons, **ids)


def most_important(engine: Engine) -> t.Answer:
    """The report ranks no enabler first: its finding is that the factors combine and interact."""
    knowledge = engine.knowledge
    summary = knowledge["summary_of_findings"]
    blocks = [Text("The report doesn't single out one enabler as the most important. Its finding is that they "
                   "work together:"), *c.cited(knowledge, summary, list(summary.quotes)),
              Text("So the place to start is the challenge that is hardest for you; tell me what's getting in the way.")]
    buttons = [c.button("What helps collaboration?", "/ask_enablers_overview"),
               c.button("Start coaching", "/start_coaching")]
    return _answer(engine, t.ANSWERED_FACT, blocks, buttons, fact_id=summary.id)


def case_numbers(engine: Engine, case: Item) -> t.Answer:
    """How many leaders were interviewed for one case study (Table 1)."""
    knowledge = engine.knowledge
    blocks = [Text(f"For **{case.title}**, {case.participants} leaders were interviewed (Table 1 of the report)."),
              *c.cited(knowledge, case, list(case.quotes))]
    name = short_name(knowledge, case)
    return _answer(engine, t.ANSWERED_FACT, blocks,
                   [c.button(f"Tell me more about {name}", f"tell me more about {name}")], fact_id=case.id)


def short_name(knowledge: Knowledge, case: Item) -> str:
    """The shortest name the case study goes by ("Kent", "Bristol")."""
    names = [n for n, c in case_names(knowledge).items() if c == case.id]
    shortest = min(names, key=len) if names else case.title
    return next((n for n in knowledge.names if n.lower() == shortest), shortest)


def case_detail(engine: Engine, case: Item, sentences: Optional[list[tuple[Item, str]]] = None,
                lead: str = "**{title}** is one of") -> t.Answer:
    """A case study: what it was, its worked examples (or only the sentences asked about), and Table 1's count."""
    knowledge = engine.knowledge
    if sentences is None:
        sentences = [(case, q) for q in case.quotes] + [(ex, q) for ex in case_examples(knowledge, case)
                                                         for q in ex.quotes]
    blocks: list[Block] = [Text(lead.format(title=case.title) + " the report's six case studies "
                                f"({case.participants} leaders were interviewed for it, Table 1).")]
    for item in dict.fromkeys(i for i, _ in sentences):
        said = [q for i, q in sentences if i is item]
        if item.kind is Kind.EXAMPLE:
            blocks.append(Text(f"The report's worked example from it, **{item.title}**:"))
        blocks += c.cited(knowledge, item, said)
    example = next((i for i, _ in sentences if i.kind is Kind.EXAMPLE), None)
    related = list(example.enablers) if example else []
    related += [e for ch in (example.challenges if example else ()) for e in knowledge[ch].enablers]
    buttons = [c.button(f"What helps: {knowledge[related[0]].title}", f'/choose_topic{{"topic_id":"{related[0]}"}}')
               ] if related else []
    buttons.append(c.button("What helps collaboration?", "/ask_enablers_overview"))
    return _answer(engine, t.ANSWERED_FACT, blocks, buttons, fact_id=case.id,
                   example_id=example.id if example else None)


# Words too common in the case studies to show that a question is about one of their sentences
# ("who runs the Kent local elections?" shares only "local" with the Kent case).
COMMON_STEMS = frozenset(stem(w) for w in """do did local public service services work worked working team people
organisation organisations sector sectors community communities new support supported pandemic covid help
helped area city council councils""".split())


def case_question(text: str, engine: Engine) -> Optional[t.Answer]:
    """A question naming a case study that the pipeline declined ("what did Kent do with the
    ambulance service?"): the case's sentences that share its words, or None (then the decline stands).

    Requests for figures, contacts and the like stay declined: the report has none of them.
    """
    knowledge = engine.knowledge
    case = named_case(knowledge, text)
    if case is None or (lookup_kind(text) and not asks_about_participants(text)):
        return None
    name_stems = {stem(w) for n in knowledge.names for w in words(n)}
    wanted = {stem(w) for w in words(compose.without_names(text, knowledge.names))} - name_stems - COMMON_STEMS
    if not wanted:
        return None
    sentences = [(case, q) for q in case.quotes] + [(ex, q) for ex in case_examples(knowledge, case) for q in ex.quotes]
    matching = [(item, q) for item, q in sentences if wanted & {stem(w) for w in words(q)}]
    return case_detail(engine, case, matching) if matching else None


def why(engine: Engine, memory: compose.Memory) -> Optional[t.Answer]:
    """The enabler's reasoning in the report's words, and the challenge it answers."""
    knowledge = engine.knowledge
    enabler = knowledge.items.get(memory.enabler_id or "")
    if enabler is None or enabler.kind is not Kind.ENABLER:
        return None
    challenge = knowledge.items.get(memory.challenge_id or "") or next(iter(knowledge.challenges_for(enabler.id)), None)
    reasoning = list(enabler.quotes[1:] or enabler.quotes)
    blocks = [Text(f"The report's reasoning for **{enabler.title}**:"), *c.cited(knowledge, enabler, reasoning)]
    if challenge is not None:
        blocks += [Text(f"It answers a challenge the report names under {challenge.theme.capitalize()}, "
                        f"**{challenge.title}**:"), *c.cited(knowledge, challenge, list(challenge.quotes[:1]))]
    buttons = [c.button("What does that mean in practice?", "what does that mean in practice?"),
               c.button("Another enabler", "/ask_another_enabler")]
    return _answer(engine, t.ANSWERED, blocks, buttons,
                   enabler_id=enabler.id, challenge_id=challenge.id if challenge else None)


def who(engine: Engine, memory: compose.Memory) -> t.Answer:
    """The organisations behind the example last shown: its case study, in the report's words."""
    knowledge = engine.knowledge
    case = remembered_case(knowledge, memory)
    if case is not None:
        return case_detail(engine, case, [(case, q) for q in case.quotes], lead="That was **{title}**, one of")
    enabler = knowledge.items.get(memory.enabler_id or "")
    title = enabler.title if enabler is not None else "that"
    return _answer(engine, t.NOTHING_MORE,
                   [Text(f"The report doesn't name the organisations behind **{title}**: it gives no worked example "
                         "of it from one of its six case studies.")],
                   [c.button("Show an example", "/show_example"), c.button("Another enabler", "/ask_another_enabler")])


def in_practice(engine: Engine, memory: compose.Memory) -> Optional[t.Answer]:
    """More of the example box than was shown, or a different example; never the same sentences again."""
    knowledge = engine.knowledge
    example = knowledge.items.get(memory.example_id or "")
    enabler = knowledge.items.get(memory.enabler_id or "")
    unseen = [q for n, q in enumerate(example.quotes) if not memory.example_quotes_shown >> n & 1] \
        if example is not None else []
    if example is not None and unseen:
        rest = unseen
        lead = f"In practice, from the report's example **{example.title}**:"
    else:
        challenge = knowledge.items.get(memory.challenge_id or "")
        seen = memory.shown_examples + ([example.id] if example else [])
        other = compose.pick_example(engine, enabler, challenge, seen) if enabler is not None else None
        if other is None or other.id in seen:
            theme = enabler.theme if enabler is not None else (example.theme if example is not None else None)
            other = next((e for e in knowledge.of_kind(Kind.EXAMPLE) if e.theme == theme and e.id not in seen), None)
        if other is None:  # the theme's examples are all shown: any other of the report's six
            other = next((e for e in knowledge.of_kind(Kind.EXAMPLE) if e.id not in seen), None)
        if other is None:  # said plainly; never an example shown again
            return compose.canned(t.NOTHING_MORE)
        example, rest = other, list(other.quotes)
        lead = f"Another example from the report, **{example.title}**:"
    blocks = [Text(lead), *c.cited(knowledge, example, rest)]
    if enabler is not None and enabler.try_this:
        blocks.append(TryThis(enabler.try_this))
    buttons = [c.button("Who did that?", "who did that?"), c.button("Another enabler", "/ask_another_enabler")]
    return _answer(engine, t.ANSWERED, blocks, buttons,
                   enabler_id=enabler.id if enabler is not None else None, challenge_id=memory.challenge_id,
                   example_id=example.id)


# --- corrections ---------------------------------------------------------------------------------

def _lower(text: str) -> str:
    return " ".join((text or "").lower().replace("’", "'").split())


def is_correction(text: str) -> bool:
    said = _lower(text)
    return bool(said) and bool(CORRECTION.match(said) or CORRECTION_ANYWHERE.search(said))


def new_words(text: str) -> str:
    """What a correction adds ("no, that's not what I meant — the issue is X" -> "X")."""
    said = _lower(text)
    marker = None
    for marker in NEW_WORDS.finditer(said):
        pass
    rest = said[marker.end():] if marker else CORRECTION.sub("", said, count=1)
    rest = CORRECTION_ANYWHERE.sub(" ", rest)
    return " ".join(rest.strip(" ,.;:-—–?!").split())


def correct(text: str, engine: Engine, memory: compose.Memory) -> tuple[t.Answer, Optional[str]]:
    """A different answer after "that's not what I meant": (answer, the question it now answers).

    With new words, the next-best enabler for them read with the previous question (never the one
    shown); without, the challenges nearest the previous question as buttons.
    """
    knowledge = engine.knowledge
    added = new_words(text)
    previous = memory.last_query or ""
    shown = set(memory.shown_enablers) | ({memory.enabler_id} if memory.enabler_id else set())
    if topic_words(added):
        # The leader's new words lead; the previous question only breaks ties between them.
        query = added if len(topic_words(added)) >= 2 or not previous else f"{added}. {previous}"
        retrieval = engine.retriever.retrieve(query)
        for enabler_id, _, via in compose.rank_enablers(engine, retrieval):
            if enabler_id not in shown:
                fresh = replace(memory, shown_enablers=sorted(shown))
                intro = "Thanks — reading it again with what you've added:"
                answer = compose.enabler_answer(engine, enabler_id, via, fresh, intro=intro)
                return answer, f"{added}. {previous}".strip(". ")
    return nearest_challenges(engine, memory), None


def nearest_challenges(engine: Engine, memory: compose.Memory) -> t.Answer:
    """The challenges closest to the previous question, as buttons: none that any answer in this thread
    (every enabler shown since the question, and their challenges) already gave."""
    knowledge = engine.knowledge
    ranked: list[Item] = []
    if memory.last_query:
        retrieval = engine.retriever.retrieve(memory.last_query)
        ranked = [knowledge[h.item_id] for h in retrieval.items if knowledge[h.item_id].kind is Kind.CHALLENGE]
    enabler = knowledge.items.get(memory.enabler_id or "")
    theme = enabler.theme if enabler is not None else None
    ranked += [ch for ch in knowledge.of_kind(Kind.CHALLENGE) if theme is None or ch.theme == theme]
    ranked += knowledge.of_kind(Kind.CHALLENGE)
    # Everything this thread already answered was rejected: a second correction must not offer it again.
    rejected = set(memory.shown_enablers) | ({memory.enabler_id} if memory.enabler_id else set())
    answered = {memory.challenge_id} | {ch.id for e in rejected for ch in knowledge.challenges_for(e)}
    choices = [ch for ch in dict.fromkeys(ranked) if ch.id not in answered][:3]
    lines = "\n".join(f"- {ch.title} ({ch.theme.capitalize()})" for ch in choices)
    blocks = [Text("Sorry that missed. Which of these challenges from the report is closer to what you meant? "
                   "Or tell me in your own words what's getting in the way."), Text(lines)]
    buttons = [c.button(ch.title, f'/choose_topic{{"topic_id":"{ch.id}"}}') for ch in choices]
    return c.answer(knowledge, t.CLARIFICATION, blocks, buttons)


SHARE_WORDS = frozenset("""email mail share send forward copy download export print plan team colleague colleagues
boss director directors manager managers board chief executive ceo can could please how""".split())


def wants_to_share(text: str) -> bool:
    """"can I email this to my team?", "share my plan", "send it to my director" (and not "how do we
    share data with partners?", which is a question for the report)."""
    said = plain(text).replace("e-mail", "email")
    if not SHARE.search(said) or [w for w in words(said) if w not in SHARE_WORDS]:
        return False
    return bool(SHARE_WHAT.search(said)) or len(said.split()) <= 2
