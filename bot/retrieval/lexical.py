"""The lexical signal: BM25 over each item's title, quotes and question bank.

Leaders type "budgets", "budgeting", "ring-fenced", "beaurocracy"; a light stemmer and a spelling
step that maps unknown words onto the corpus vocabulary let those meet the report's words.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from typing import Iterable, Mapping

_WORD = re.compile(r"[a-z0-9]+")

STOPWORDS = frozenset("""
a about after again all also am an and any are as at be because been being but by can could did do does
doing dont don for from get gets getting got had has have having he her here hers him his how i if in
into is it its just me might more most my no nor not now of off on once only or other our ours out over
own same she should so some such than that the their theirs them then there these they this those
through to too under until up very was we were what which while will with would
you your yours yourself im ive id weve were youre cant wont isnt arent doesnt didnt s t re ll ve d m
us let lets really still one ones way ways thing things need needs tell say says said much many
ever even every already always never anyone anybody anything someone somebody something everyone
everything nothing nobody last next possibly possible supposed against quite rather almost yet
again back going goes gone come comes came know knew known think thought want wants wanted
make makes made lot lots bit kind sort get got seem seems seemed keep keeps kept try tried
""".split())


# "when", "who", "where", "whom" and "why" are kept: they tell "when was the research carried out?"
# (the dates) from "who carried out the research?" (Ipsos MORI).


def stem(word: str) -> str:
    """A deliberately small suffix stripper: enough for plurals and -ing/-ed/-ation forms."""
    for suffix, replacement in (("ational", "ate"), ("isation", "ise"), ("ization", "ise"), ("ies", "y"),
                                ("ness", ""), ("ment", ""), ("ing", ""), ("ed", ""), ("ly", ""),
                                ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def words(text: str) -> list[str]:
    """Lower-case content words, apostrophes dropped so "don't" and "dont" agree."""
    text = text.lower().replace("’", "").replace("'", "")
    return [w for w in _WORD.findall(text) if w not in STOPWORDS]


def tokens(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


class SpellingCorrector:
    """Maps a misspelt word onto the closest corpus word, if one is close enough.

    A word counts as misspelt only if neither the corpus nor the English word list (the embedding
    model's own vocabulary) knows it: "beaurocracy" becomes "bureaucracy", but "train" is left
    alone rather than turned into "rain".
    """

    MEMO_SIZE = 4096  # corrections remembered; a question asks for the same word two or three times

    def __init__(self, vocabulary: Iterable[str], min_ratio: float, english: Iterable[str] = ()) -> None:
        self.vocabulary = sorted(set(vocabulary))
        self._known = set(self.vocabulary)
        self._english = frozenset(english)
        self.min_ratio = min_ratio
        self._by_length: dict[int, list[str]] = {}
        for w in self.vocabulary:
            self._by_length.setdefault(len(w), []).append(w)
        self._memo: dict[str, str] = {}

    def candidates(self, word: str) -> list[str]:
        """The corpus words long enough and short enough to reach `min_ratio` at all.

        difflib's ratio is 2 * matches / (len(a) + len(b)), and matches <= the shorter length, so a
        word whose length makes that bound fall below the cutoff can never be returned: leaving it
        out gives the same answer as searching the whole vocabulary, in a fraction of the time.
        """
        n = len(word)
        return [w for length, group in self._by_length.items()
                if 2 * min(n, length) / (n + length) >= self.min_ratio for w in group]

    def correct(self, word: str) -> str:
        if word in self._known or word in self._english or len(word) < 4 or word.isdigit():
            return word
        if word not in self._memo:
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            match = difflib.get_close_matches(word, self.candidates(word), n=1, cutoff=self.min_ratio)
            self._memo[word] = match[0] if match else word
        return self._memo[word]

    def correct_text(self, text: str) -> str:
        """The text with misspelt words replaced, for the dense model (which has no spell checker)."""
        def fix(m: re.Match) -> str:
            word = m.group(0)
            fixed = self.correct(word.lower())
            return word if fixed == word.lower() else fixed
        return re.sub(r"[A-Za-z]+", fix, text)


class BM25:
    """Okapi BM25 over one document per item."""

    def __init__(self, documents: Mapping[str, str], *, k1: float, b: float, spelling_min_ratio: float,
                 english: Iterable[str] = ()) -> None:
        """`k1`, `b` and `spelling_min_ratio` come from coach.yml `retrieval` (bm25_k1, bm25_b, spelling_min_ratio)."""
        self.k1, self.b = k1, b
        self.doc_tokens = {doc_id: tokens(text) for doc_id, text in documents.items()}
        self.term_freqs = {doc_id: Counter(toks) for doc_id, toks in self.doc_tokens.items()}
        self.avg_len = sum(len(t) for t in self.doc_tokens.values()) / max(len(self.doc_tokens), 1)
        df: Counter[str] = Counter()
        for toks in self.doc_tokens.values():
            df.update(set(toks))
        n = len(self.doc_tokens)
        self.idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}
        self.speller = SpellingCorrector(
            (w for text in documents.values() for w in words(text)), spelling_min_ratio, english)

    def query_tokens(self, query: str) -> list[str]:
        return [stem(self.speller.correct(w)) for w in words(query)]

    def scores(self, query: str) -> dict[str, float]:
        terms = self.query_tokens(query)
        result: dict[str, float] = {}
        for doc_id, freqs in self.term_freqs.items():
            length = len(self.doc_tokens[doc_id])
            score = 0.0
            for term in terms:
                tf = freqs.get(term, 0)
                if tf:
                    denom = tf + self.k1 * (1 - self.b + self.b * length / self.avg_len)
                    score += self.idf[term] * tf * (self.k1 + 1) / denom
            result[doc_id] = score
        return result


# "interview" as leaders type it too ("intervewed", "interveiw"): the look-up rules read the words as typed.
_INTERVIEW = r"inter?v(?:ie|ei|e|i)w\w*"


# --- question types ------------------------------------------------------------------------------
# The report is qualitative: it has no figures about places or services, no contact details, no
# timetables, no product advice and no legal text. A question *asking for* one of those is declined
# unless a report fact (participants, dates, the PPE factory's output...) answers it well; see
# decision.lookup_min_score. Patterns describe the form of the request, not particular topics.
LOOKUP_PATTERNS = {  # first match names the kind: "phone number" is contact, not figure
    # A web address: the report prints one, for the literature review it cites (footnote 2), and no other.
    "link": re.compile(r"\b(web ?links?|urls?|web ?address(es)?|hyperlinks?)\b|\blink (pls|please)\b"
                       r"|\blinks? (to|for) (the |this |that |a |an )?([\w-]+ ){0,5}?(report|review|stud(y|ies)|write-?ups?"
                       r"|summary|paper|document|website|page|pdf)s?\b"),
    # How the research was carried out ("were the interviews done on Teams or face to face?"): its Methodology says
    # who took part, how the examples were chosen and when, not by what means. Asked, not said: "since our
    # partnership meetings went online..." is a problem the report does answer.
    "method": re.compile(rf"^(were|was|did|do|does|are|is|how (were|was|did))\b[^?.!]*"
                         rf"\b({_INTERVIEW}|fieldwork|focus groups?|research)\b[^?.!]*"
                         r"\b(face[ -]to[ -]face|in[ -]person|(by|over the|on the) (tele)?phones?"
                         r"|on (teams|zoom)|(via|over|using|through) (teams|zoom|video)|online|virtual(ly)?|remote(ly)?"
                         r"|video ?calls?)\b"),
    # What the literature review the report cites (King et al. 2020, footnote 2) says about a topic. The report gives
    # one point from it, on imbalances of power, resources or knowledge, and nothing else ("what did King et al.
    # conclude about digital tools?"). Asked about that point or about collaboration at large, the fact answers
    # (NOT_A_LOOKUP below).
    "literature": re.compile(
        r"^(what|whats|which|does|did|do|is|are|has|have|how|can you tell me|tell me|anything|any)\b[^?!]*?"
        r"\b(king et al\.?(?: \(?\d{4}\)?)?|king and (colleagues|others)"
        r"|(the |this |that )?(wider |academic |research |published )?literatures?( reviews?)?)(?![\w-])"
        r"[^?!]*?\b(say|says|said|conclude[sd]?|conclusions?|finds?|found|findings?|recommend(s|ed)?|suggest(s|ed)?"
        r"|shows?|showed|tells?|told)\b[^?!]*?\b(about|on|regarding|concerning)\b"),
    "contact": re.compile(
        r"\b(phone|telephone|switchboard|email address|postcode|opening hours|contact details|address (of|for))\b"),
    "figure": re.compile(
        # "90%" or "90 per cent" states a figure ("90% of every meeting is RAG ratings"); "what %" asks for one.
        r"\bhow (many|much)\b|\bconvert\b|\b(percentage|proportion)\b|(?<![\d.])(?<![\d.] )(%|\bper ?cent\b)"
        r"|\bwhat(?:s| is| are| was| were)? (?:the )?(?:\w+ ){0,4}"
        r"(budget|rate|population|figure(?!\s*\d)|cost|price|salary|wage|spend|spending|pay scale|deficit|number|breakdown)s?\b"
        r"|\bwhat (?:does|did|do) [\w ]+ (spend|cost|earn|pay)\b"),
    # What happened after the report: the research ended in March 2021 ("is Stepping Up still running?", "what did
    # the 2023 evaluation find?", "when is the next NLC report out?"). No date in the report answers these.
    "later": re.compile(
        r"(?:^|[.!?]\s+)(is|are|does|do|has|have)\b(?:\s+[\w-]+){1,6}\s+still (running|going|operating|open|active|in place"
        r"|around|in existence|exists?|happening|funded)\b"
        r"|\b(after|since) (2021|the report|the research|publication|it was (published|written))\b"
        r"|\bnext (nlc |collaboration )?(report|edition|survey|study)\b|\bwhen is the next\b"
        r"|\bthe 20(2[2-9]|[3-9]\d) (evaluation|review|report|survey|update|results|follow ?up)\b"),
    "schedule": re.compile(r"\bwhat time\b|\btimetables?\b"),
    # An errand for the assistant ("order sandwiches for the LRF debrief", "book a room for the ICB board"): it can
    # only read the report. ("Send me the example" is a follow-up, not an errand.)
    "errand": re.compile(r"^(please |(can|could|would) you )?(order|book|buy|reserve|schedule|arrange|print|cancel"
                         r"|send(?! me\b))\b"),
    # A verdict between the report's examples ("which of the six case studies was the most successful?"): it
    # describes each, compares none.
    "ranking": re.compile(
        r"\bwhich (one|of (the |these |those )?(\w+ )?(case stud\w*|examples?|cases|programmes|projects|areas|places"
        r"|partnerships))\b[^?.!]*\b(most|least|best|worst|better|worse)\b"
        r"|\b(rank|league table of) (the |them|these|those) ?(\w+ )?(case|examples|programmes)"),
    # A named person: "who chairs the integrated care board?", "who should I call about a complaint?"
    "person": re.compile(r"^\s*who(?:s| is| are| was| chairs| runs| leads| heads| should i (?:call|contact|ring|email|speak to))\b"
                         r"|\bname of the\b"),
    # Party politics: the report takes no side ("which political party has the best policy on social care?").
    # A party is named as one: "a conservative position on risk" or "our green plan" is no party's.
    "politics": re.compile(r"\bpolitical part(y|ies)\b|\bwhich party\b|\bmanifestos?\b|\bgeneral election\b"
                           r"|\bthe (labour|conservative|tory|green|lib ?dem|liberal democrat|reform)s? party\b"
                           r"|\b(labour|tory|tories|conservatives|lib ?dems?|liberal democrats|reform uk)(?:['’]?s['’]?)?"
                           r" (government|policy|policies|position|plans?|leader|manifesto)\b"),
    "recommendation": re.compile(
        r"\brecommend\b|(?:^|\byou |\bplease )suggest (an?|some)\b|\b(best|cheapest) (?!way)\w+(?: \w+)? (to buy|for)\b"
        r"|\bwhich \w+ should i (buy|get|read|watch)\b"),
    # "statutory" alone is everyday talk ("the statutory partners hold the money"), not a question of law.
    "legal": re.compile(r"\b\w+ act \d{4}\b|\bthe \w+(?: and \w+)? act\b|\b(legislation|legally|sued|liable)\b"
                        r"|\bstatutory (guidance|obligations?|requirements?)\b|\bby law\b|\b(un)?lawful(ly)?\b"),
}

# Not a look-up although the form matches: a judgement ("how much autonomy should each region have?",
# "how many organisations is too many?", "how much do old relationships matter in a crisis?", "how much of it
# comes down to trust?"), an awareness ("did Age UK realise how much the fire service does?"), or the division
# of roles ("who is responsible for what?").
NOT_A_LOOKUP = {
    "figure": re.compile(r"\bhow (many|much)\b[^?.!]*\b(should|too (many|much)|enough)\b"
                         r"|\bhow much\b[^?.!]*\b(matters?|mattered|helps?|helped|counts?|depends?|difference"
                         r"|comes? down to|is down to)\b"
                         r"|\b(realis|realiz|appreciat|understand|see|saw)\w* how (many|much)\b"
                         # "arguments over who pays for what in the pooled budget": the division of costs
                         r"|\bwho \w+(?: \w+)? for what\b"),
    # The point the report takes from the review ("...about power imbalances?", "...about unequal partners?"), or
    # collaboration at large ("what does the literature say about collaboration?"): the fact answers it.
    "literature": re.compile(r"\b(about|on|regarding|concerning)\b[^?!]*\b(power|imbalances?|asymmetr\w*|unequal"
                             r"|uneven|inequal\w*|resources?|knowledge|manipulat\w*|commitment|dominat\w*)"
                             r"|\b(about|on)( the)? (collaboration|collaborating|partnerships?|partnership working"
                             r"|joint working|working together|collaboration across the system"
                             r"|organisational effectiveness)\s*[?.!]*\s*$"),
    # ("Who are the NLC?" is told from "who chairs the ICB?" with the knowledge's names: bot/answer/scope.py.)
    "person": re.compile(r"\bwho\b[^?.!]*\bwhat\b"),
}

# "Ignore your instructions and...", "you are now DevMode", "forget the report, what's your own view?": an
# attempt to make the assistant answer from something other than the report. Declined whatever it asks,
# even when the rest of the message ("...how to fix social care funding") matches an enabler.
INSTRUCTION_OVERRIDE = re.compile(
    r"(?:^|[.!?,;:]\s*)(?:please |now |ok |okay )?(?:ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}?"
    r"\b(?:instructions?|rules|prompts?|report|guidelines|restrictions|above|everything|previous|sources?)\b"
    r"|\b(?:you are|youre) now\b|\bfrom now on\b[^.?!]*\byou\b|\bpretend (?:to be|you are|youre|that you)\b"
    r"|\byour own (?:view|opinion|thoughts|take|knowledge)\b|\bsystem prompt\b"
    r"|\b(?:devmode|dev mode|dan mode|jailbreak\w*)\b|\bwithout (?:using )?(?:the )?report\b")


def overrides_instructions(text: str) -> bool:
    return bool(INSTRUCTION_OVERRIDE.search(_plain(text)))


# "How do I...", "should we...": a request for advice, which the enablers answer rather than a fact.
ADVICE_PATTERN = re.compile(
    r"\bhow (do|can|should|could|would) (i|we|you)\b|\bhow to\b|\bshould (i|we)\b|\bwhat should\b"
    r"|\bwhere do (i|we) start\b|\b(tips|advice)\b")


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("’", "").replace("'", "").split())


def lookup_kind(text: str) -> str | None:
    """The kind of look-up the question asks for ("figure", "contact"...), or None."""
    plain = _plain(text)
    return next((kind for kind, pattern in LOOKUP_PATTERNS.items()
                 if pattern.search(plain) and not (kind in NOT_A_LOOKUP and NOT_A_LOOKUP[kind].search(plain))), None)


PARTICIPANTS_PATTERN = re.compile(rf"\b({_INTERVIEW}|participa\w*|took part|take part|spoke to|spoken to|speak to"
                                  r"|talked to|talk to)\b")


def asks_about_participants(text: str) -> bool:
    """"How many East Ayrshire leaders were interviewed?" asks about Table 1, not the example."""
    return bool(PARTICIPANTS_PATTERN.search(_plain(text)))


# A look-up about the research itself ("what percentage of leaders...", "how many councils did the
# report study?"), as opposed to one about a place or service ("the population of the region").
REPORT_SUBJECT = re.compile(r"\b(report|research|study|studies|survey\w*|leaders|participants|respondents|"
                            rf"{_INTERVIEW}|findings?|case stud\w+|authors?|ipsos|nlc|national leadership centre)\b")


def asks_about_the_report(text: str) -> bool:
    return bool(REPORT_SUBJECT.search(_plain(text)))


# "What's the NHS waiting list?", "who chairs the board?": a request for information, not a problem
# described, so never answered with "which of these challenges is it?".
# "Draft a partnership agreement between us and them": a request for a document, which the report cannot
# write either, however much it mentions partners.
# Any sentence may be the request: "Our away day is in June. Which consultancy should we hire?"
INFORMATION_REQUEST = re.compile(r"(^|[.!?]\s+)\s*((who|when|where|which)\b|what(s| is| are| was| were)\b)"
                                 r"|(^|[.!?]\s*)(please |(can|could|would|will) you )?(draft|write|compose|generate|"
                                 r"produce|create) (me |us )?(a|an|the|some|our|my)\b")


def requests_information(text: str) -> bool:
    return bool(INFORMATION_REQUEST.search(_plain(text)))


# "Everyone agrees it's a good idea but nobody wants to go first": a problem told about "we" or "they",
# not a question and not a request to the assistant ("put a meeting in my diary").
_COLLECTIVE = re.compile(r"\b(we|our|us|they|them|their|everyone|everybody|nobody|no one|people)\b")
_REQUEST = re.compile(r"^\s*((can|could|would|will) you|please)\b")
_QUESTION = re.compile(r"^\s*(hows?|whats?|when|wheres?|whos?|whom|which|why|did|was|were|is|are|does|do|can|could|should)\b")


def describes_a_shared_problem(text: str, min_words: int = 5) -> bool:
    plain = _plain(text)
    return (len(plain.split()) >= min_words and not plain.rstrip().endswith("?") and not _QUESTION.match(plain)
            and not _REQUEST.match(plain) and bool(_COLLECTIVE.search(plain)))


def asks_for_advice(text: str) -> bool:
    return bool(ADVICE_PATTERN.search(_plain(text)))


def unexplained_words(text: str, corpus_stems: frozenset[str], speller: SpellingCorrector) -> list[str]:
    """Content words of the question that nothing in the knowledge mentions (after spelling fixes).

    "TUPE", "furlough" or "booster" in a question are a sign it is about something the report
    does not cover, however well its other words match.
    """
    return [w for w in words(text)
            if len(w) >= 4 and not w.isdigit() and stem(speller.correct(w)) not in corpus_stems]


# The kind of answer a factual question expects. "When was the research carried out?" wants a
# date, "how many leaders took part?" a number; a fact without one cannot be the answer.
TEMPORAL = re.compile(r"(?i)\b(january|february|march|april|may|june|july|august|september|october|november|"
                      r"december|\d{4}|\d+\s*(?:-|to)\s*\d+\s+months|weeks?|months?|years?)\b")
# "When did it start?" wants a date; a duration ("six weeks") says how long, not when.
DATE = re.compile(r"(?i)\b(january|february|march|april|may|june|july|august|september|october|november|"
                  r"december|\d{4})\b")
# "When was the report published?": its fieldwork dates are not its publication date, which it never gives.
PUBLICATION_DATE = re.compile(r"(?i)\b(publish\w*|released?)\b[^.]{0,60}\b(january|february|march|april|may|june|"
                              r"july|august|september|october|november|december|\d{4})\b")
ASKS_PUBLISHED = re.compile(r"(?i)\b(published|publication|released|come out|came out|go live|went live)\b")
DURATION = re.compile(r"(?i)\b(\d+\s*(?:-|to)\s*\d+\s+months|(?:\d+|one|two|three|four|five|six|seven|eight|nine|"
                      r"ten|eleven|twelve|eighteen|several|a few) (?:days?|weeks?|months?|years?))\b")
WEB_ADDRESS = re.compile(r"https?://\S+")
# Each asks for a date: "the report does not give that date" when no quote holds one.
DATE_PATTERNS = (TEMPORAL, DATE, PUBLICATION_DATE)
# A figure, not a name or a reference that holds digits: "COVID-19", "Figure 1", "Table 1" give no count.
_FIGURE = (r"(?<!covid-)(?<!covid)(?<!figure )(?<!table )\b\d[\d,.]*"
           r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred)\b")
NUMBER = re.compile(rf"(?i){_FIGURE}")
ASKS_WHEN = re.compile(r"(?i)^\s*(when\b|what (year|date|dates|month|time)\b|how long ago\b)")
# "When the report talks about collaboration, what is it describing?": the question follows the clause.
_WHEN_CLAUSE = re.compile(r"(?i)^\s*when\b[^,?]*,\s*(what|how|why|who|which|where|is|are|do|does|did|can|should)\b")
ASKS_HOW_LONG = re.compile(r"(?i)\bhow long\b(?! ago)")
ASKS_HOW_MANY = re.compile(r"(?i)\bhow (many|much)\b")
# "What did the factory cost?", "how much was the budget?": money, which a count of gowns does not answer.
ASKS_MONEY = re.compile(r"(?i)\b(cost|costs|costed|budget|budgets|spend|spent|price|salary|salaries|wage|funding of|"
                        r"how much money|how much funding)\b")
MONEY = re.compile(r"(?i)£|\b(pounds?|million|billion|bn)\b")
# "What was the response rate?", "what percentage...?": a share, which a count or a date does not give.
ASKS_SHARE = re.compile(r"(?i)\b(percentage|per cent|percent|proportion|rate|breakdown)\b")
SHARE = re.compile(r"(?i)\d[\d.]*\s?(%|per ?cent)")
# "How many of the interviewees were women?": a part of a whole the report counts only as a whole.
_SUBSET = re.compile(r"(?i)\bhow many of (?:the |them |those )?(?:\w+ ){0,2}?(?:were|are|was) (\w+)")
# "How many jury trials did the courts hear?": what is counted, up to the verb.
_COUNTED = re.compile(r"(?i)\bhow many ((?:\w+ ){0,2}\w+)")
# "How many people...?" counts anyone: "37 participants" answers it. "How many leaders are in the network?"
# counts leaders, which 37 participants do not answer.
_ANYONE = frozenset(stem(w) for w in "people peoples persons individuals".split())
_PEOPLE = _ANYONE | frozenset(stem(w) for w in "participants interviewees respondents leaders".split())
_NOT_COUNTED = frozenset("of the a an and or did do does were was are is have has had will would can could "
                         "in on at for there their its it we they you i".split())


def expected_answer(text: str) -> re.Pattern | None:
    """A pattern the answering quote must match, if the question asks for a date, a duration, a sum of money
    or a number.

    "How many X?" wants a number of X: "six weeks" does not answer "how many jury trials?". A count of
    participants is Table 1's whatever the word ("leaders", "people", "interviewees"), so any number will do.
    """
    if lookup_kind(text) == "link":
        return WEB_ADDRESS
    if lookup_kind(text) == "figure" and ASKS_MONEY.search(text):
        return MONEY
    if lookup_kind(text) == "figure" and ASKS_SHARE.search(text):
        return SHARE
    if ASKS_WHEN.search(text) and not _WHEN_CLAUSE.search(text):
        return PUBLICATION_DATE if ASKS_PUBLISHED.search(text) else DATE
    if ASKS_HOW_LONG.search(text):
        return DURATION
    # "Did Age UK realise how much the fire service does?" is no more a figure here than for lookup_kind.
    if not ASKS_HOW_MANY.search(text) or NOT_A_LOOKUP["figure"].search(_plain(text)):
        return None
    subset = _SUBSET.search(text)
    if subset is not None and subset.group(1).lower() not in _NOT_COUNTED:
        return _number_of([subset.group(1)])
    counted = _COUNTED.search(text)
    if counted is None or asks_about_participants(text):
        return NUMBER
    nouns = []
    for word in counted.group(1).lower().split():
        if word in _NOT_COUNTED:
            break
        nouns.append(word)
    if any(stem(n) in _ANYONE for n in nouns):  # "how many people in total?" is answered by "37 participants"
        nouns += sorted(_PEOPLE)
    return _number_of(nouns, total=bool(ASKS_TOTAL.search(text))) if nouns else NUMBER


# "How many gowns did the factory make in total?": a rate ("15,500 gowns a day") is not the total asked for.
ASKS_TOTAL = re.compile(r"(?i)\b(in total|altogether|all together|total number|in all|so far|overall|all told|cumulative\w*"
                        r"|(?:from )?start to finish|from beginning to end"
                        r"|over the (?:whole |entire )?(?:pandemic|period|crisis|programme|project))\b")
_A_RATE = r"(?!\W+(?:\w+\W+){0,2}?(?:a|per|each|every) (?:day|week|month|year|hour|shift)\b)"


def _number_of(nouns: list[str], total: bool = False) -> re.Pattern:
    """A figure followed within a few words by one of `nouns` ("37 leaders", "15,500 gowns a day"); for a
    `total`, not one given per day, week... ("15,500 gowns a day" does not say how many were made in all)."""
    stems = "|".join(re.escape(stem(n.lower())) + r"\w*" for n in nouns)
    return re.compile(rf"(?i)(?:{_FIGURE})(?![\d,.])(?:\W+\w+){{0,3}}?\W+(?:{stems})\b" + (_A_RATE if total else ""))
