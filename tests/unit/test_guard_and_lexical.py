"""Input checks and the lexical helpers, without any model."""

from __future__ import annotations

import dataclasses

import pytest

from bot.answer import guard
from bot.answer import types as t
from bot.retrieval.lexical import BM25, SpellingCorrector, stem, tokens


@pytest.mark.parametrize("message, status", [
    ("", t.EMPTY),
    ("   \n\t ", t.EMPTY),
    (None, t.EMPTY),
    ("x" * 1001, t.TOO_LONG),
    ("😀🙏👍", t.NO_TEXT),
    ("??? !!! 123", t.NO_TEXT),
    ("<script>alert(1)</script>", t.NO_TEXT),
    ("我们如何与合作伙伴建立信任", t.LANGUAGE),
    ("كيف نبني الثقة مع الشركاء", t.LANGUAGE),
    ("Как построить доверие", t.LANGUAGE),
    ("Sut gallwn ni weithio'n well gyda partneriaid?", t.LANGUAGE),
    ("Beth yw'r ffordd orau i gydweithio?", t.LANGUAGE),
])
def test_unusable_input_gets_a_status_not_a_search(message, status):
    assert guard.check(message, max_chars=1000).status == status


@pytest.mark.parametrize("message", [
    "partners dont trust us what do i do",
    "how did Kent Fire and Rescue work with Age UK?",
    "what about structures?",
    "café culture in the council — how do we build trust?",
])
def test_ordinary_english_questions_pass(message):
    assert guard.check(message, max_chars=1000).status is None


def test_markup_is_removed_but_the_words_are_kept():
    checked = guard.check('<b>how</b> do we <img src=x onerror="alert(1)">build trust?', 1000)
    assert checked.status is None
    assert checked.text == "how do we build trust?"


def test_the_script_and_welsh_shares_come_from_coach_yml(settings):
    rules = settings.input
    assert (rules.min_latin_share, rules.welsh_word_share) == (0.5, 0.3)   # as documented in coach.yml
    half_cyrillic = "trust доверие"               # 5 of 12 letters Latin: under one half
    assert guard.check(half_cyrillic, 1000, rules).status == t.LANGUAGE
    laxer = dataclasses.replace(rules, min_latin_share=0.4)
    assert guard.check(half_cyrillic, 1000, laxer).status is None
    mixed = "sut do we build trust with partners"  # one Welsh marker, 1 word in 7 Welsh
    assert guard.check(mixed, 1000, rules).status is None
    assert guard.check(mixed, 1000, dataclasses.replace(rules, welsh_word_share=0.1)).status == t.LANGUAGE


def test_a_message_at_the_limit_is_accepted_and_one_over_is_not():
    assert guard.check("a" * 999 + "?", 1000).status is None
    assert guard.check("a" * 1001, 1000).status == t.TOO_LONG


def test_stemming_folds_plurals_and_verb_forms():
    assert stem("budgets") == stem("budget")
    assert stem("relationships") == stem("relationship")
    assert tokens("Partners don't trust us") == tokens("partners dont trust us")


def test_spelling_is_corrected_towards_the_corpus_vocabulary():
    speller = SpellingCorrector(["bureaucracies", "partners", "trust"], min_ratio=0.8)
    assert speller.correct("partnars") == "partners"
    assert speller.correct("weather") == "weather"  # nothing close: left alone


def test_bm25_prefers_the_document_that_shares_rare_words(settings):
    r = settings.retrieval
    bm25 = BM25({"funding": "siloed funding streams and budgets", "trust": "trust and open communication"},
                k1=r.bm25_k1, b=r.bm25_b, spelling_min_ratio=r.spelling_min_ratio)
    scores = bm25.scores("our budgets are siloed")
    assert scores["funding"] > scores["trust"] == 0.0


def test_the_length_bound_never_changes_a_correction(knowledge):
    import difflib

    from bot.retrieval.lexical import words

    vocabulary = [w for item in knowledge.items.values() for q in item.quotes for w in words(q)]
    speller = SpellingCorrector(vocabulary, 0.80)
    probes = ["beaurocracy", "colaboration", "partnrship", "fundng", "leadersip", "goverance", "trst",
              "accountabilty", "organisatoins", "xyzzyq", "communitees", "devolutoin", "budgetting"]
    for word in probes:
        everything = difflib.get_close_matches(word, speller.vocabulary, n=1, cutoff=0.80)
        assert speller.correct(word) == (everything[0] if everything else word), word
        assert speller.correct(word) == speller.correct(word)  # remembered, same answer
    assert len(speller.candidates("trst")) < len(speller.vocabulary) / 2
