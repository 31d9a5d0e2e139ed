"""Going back, the recommendation, the plan card and the health check, on the real knowledge."""

from __future__ import annotations

import pytest

from bot.answer.types import CitationPayload
from bot.coaching import diagnose, flow, health, plan
from bot.coaching import types as ct

ANSWERED = {flow.PURPOSE: "Join up support for families", flow.PARTNERS: {"sectors": ["nhs"], "detail": None},
            flow.STAGE: "stuck", flow.THEME: "structures", flow.CHALLENGE: "siloed_funding_and_competition",
            flow.FIRST_STEP: "Map every budget line that touches families", flow.WHEN: "next Friday"}


def test_going_back_clears_the_previous_answer_only():
    slots = {flow.PURPOSE: "x", flow.PARTNERS: {"sectors": ["nhs"]}, flow.STAGE: "stuck"}
    assert flow.go_back(flow.COACHING_FORM, slots, flow.THEME) == [flow.STAGE]


def test_going_back_from_the_first_step_clears_the_challenge_and_its_description():
    slots = {**ANSWERED, flow.CHALLENGE: "other", flow.DESCRIPTION: "budgets", flow.CONFIRMED: None,
             flow.CANDIDATE: "siloed_funding_and_competition", flow.FIRST_STEP: None, flow.WHEN: None}
    assert flow.go_back(flow.COACHING_FORM, slots, flow.CONFIRMED) == [flow.DESCRIPTION, flow.CONFIRMED, flow.CANDIDATE]
    picked = {**ANSWERED, flow.FIRST_STEP: None, flow.WHEN: None}
    assert flow.go_back(flow.COACHING_FORM, picked, flow.FIRST_STEP) == \
        [flow.CHALLENGE, flow.DESCRIPTION, flow.CONFIRMED, flow.CANDIDATE]


def test_there_is_nothing_to_go_back_to_at_the_first_question():
    assert flow.go_back(flow.COACHING_FORM, {}, flow.PURPOSE) is None
    assert flow.go_back(flow.HEALTH_FORM, {}, "health_motivations_1") is None
    assert flow.go_back(flow.HEALTH_FORM, {"health_motivations_1": 3}, "health_motivations_2") == ["health_motivations_1"]


def test_the_theme_prompt_explains_each_theme_in_one_line(knowledge):
    prompt = diagnose.theme_prompt(knowledge)
    for theme in ("motivations", "structures", "relationships"):
        assert knowledge[theme].summary in prompt.text
    assert [b["title"] for b in prompt.buttons] == ["Motivations", "Structures", "Relationships"]


def test_the_challenge_prompt_offers_table2_titles_and_something_else(knowledge):
    prompt = diagnose.challenge_prompt(knowledge, "structures")
    titles = [b["title"] for b in prompt.buttons]
    assert titles[:-1] == [c.title for c in knowledge.challenges_in("structures")]
    assert titles[-1] == diagnose.OTHER_TITLE


def _verbatim(citations: list[CitationPayload], report_text) -> None:
    assert citations
    for citation in citations:
        assert report_text.contains(citation["quote"]), citation["quote"]


def test_the_recommendation_gives_at_most_two_enablers_each_with_an_example_and_a_question(fake_engine, knowledge,
                                                                                           report_text):
    for challenge in [c.id for c in knowledge.of_kind(diagnose.Kind.CHALLENGE)]:
        recs = plan.recommend(fake_engine, challenge)
        assert 1 <= len(recs) <= 2
        assert [r.enabler.id for r in recs] == list(knowledge[challenge].enablers[:2])
        answer = plan.recommendation(fake_engine, challenge)
        assert answer.payload["status"] == ct.COACHING_RECOMMENDATION
        _verbatim(answer.payload["citations"], report_text)
        for rec in recs:
            assert rec.enabler.reflective_question in answer.text
            assert rec.example is not None and rec.example.title in answer.text


def test_the_plan_card_holds_context_challenge_enablers_example_step_and_date(fake_engine, report_text):
    answer, card = plan.build_plan(fake_engine, ANSWERED)
    assert answer.payload["status"] == ct.COACHING_PLAN
    assert set(card) == set(ct.PlanPayload.__annotations__)
    assert card["context"] == {"purpose": "Join up support for families", "partners": ["NHS"],
                               "partners_detail": None, "stage": "Stuck"}
    assert card["challenge"]["title"] == "Siloed funding streams and competition"
    assert [e["id"] for e in card["enablers"]] == ["dedicated_flexible_funding", "existing_cross_sector_structures"]
    assert card["first_step"] == "Map every budget line that touches families" and card["when"] == "next Friday"
    assert card["example"] is not None
    _verbatim(card["challenge"]["citations"] + [c for e in card["enablers"] for c in e["citations"]]
              + [card["example"]["citation"]], report_text)
    for text in ("Join up support for families", "Map every budget line", "next Friday", "Siloed funding"):
        assert text in card["markdown"]


@pytest.mark.parametrize("scores, weakest", [((5, 5, 1, 2, 4, 4), "structures"), ((2, 2, 4, 4, 5, 5), "motivations"),
                                             ((3, 3, 3, 3, 3, 2), "relationships"), ((3, 3, 3, 3, 3, 3), "motivations")])
def test_the_health_check_names_the_lowest_scoring_theme(knowledge, scores, weakest):
    answers = dict(zip(flow.HEALTH_STEPS, scores))
    assert health.score(knowledge, answers).weakest == weakest


def test_the_health_check_result_cites_the_weakest_themes_enablers_and_offers_coaching_on_it(knowledge, report_text):
    answer = health.result_answer(knowledge, dict(zip(flow.HEALTH_STEPS, (5, 5, 1, 2, 4, 4))))
    assert answer.payload["status"] == ct.HEALTH_CHECK_RESULT
    assert len(answer.payload["citations"]) == len(knowledge.enablers_in("structures"))
    _verbatim(answer.payload["citations"], report_text)
    assert answer.buttons[0] == {"title": "Coach me on Structures",
                                 "payload": '/start_coaching{"coach_theme":"structures"}'}
