"""Going back, the recommendation, the plan card and the health check, on the real knowledge."""

from __future__ import annotations

import pytest

from bot.answer.types import CitationPayload
from bot.coaching import diagnose, flow, health, plan
from bot.coaching import types as ct
from bot.render.markdown import to_markdown

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
            assert rec.enabler.reflective_question in to_markdown(answer)
            assert rec.example is not None and rec.example.title in to_markdown(answer)


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
    # A three-line summary first; then the detail with one quote per enabler, not every quote again.
    assert card["summary"] == ("Challenge: Siloed funding streams and competition (Structures)\n"
                               "First step: Map every budget line that touches families\nWhen: next Friday")
    assert card["markdown"].split("\n\n")[1] == (
        "**Challenge:** Siloed funding streams and competition (Structures)  \n"
        "**First step:** Map every budget line that touches families  \n**When:** next Friday")
    assert card["markdown"].count("\n> ") + card["markdown"].startswith("> ") <= 3
    assert len([line for line in card["markdown"].splitlines() if line.strip()]) <= 22  # was about 40


def test_sharing_the_plan_gives_copyable_text_summary_first_and_sends_nothing(fake_engine, report_text):
    _, card = plan.build_plan(fake_engine, ANSWERED)
    answer, share = plan.share(fake_engine, card)
    assert answer.payload["status"] == ct.COACHING_PLAN_SHARED and "can't send e-mail" in share["note"]
    assert share["text"].splitlines()[:5] == [
        "Our collaboration plan", "", "Challenge: Siloed funding streams and competition (Structures)",
        "First step: Map every budget line that touches families", "When: next Friday"]
    quoted = [line.split("“", 1)[1].split("”", 1)[0] for line in share["text"].splitlines() if "“" in line]
    assert quoted and all(report_text.contains(q) for q in quoted)


@pytest.mark.parametrize("scores, themes, lowest", [
    ((5, 5, 1, 2, 4, 4), ["structures"], ["health_structures_1"]),
    ((2, 2, 4, 4, 5, 5), ["motivations"], ["health_motivations_1", "health_motivations_2"]),
    ((3, 3, 3, 3, 3, 2), ["relationships"], ["health_relationships_2"]),
    ((3, 3, 2, 4, 4, 2), ["motivations", "structures", "relationships"], ["health_structures_1",
                                                                          "health_relationships_2"])])
def test_the_health_check_keeps_ties_as_ties(knowledge, scores, themes, lowest):
    result = health.score(knowledge, dict(zip(flow.HEALTH_STEPS, scores)))
    assert result.lowest_themes == themes and result.lowest == lowest


def test_the_health_check_result_aims_at_the_lowest_statement_with_one_enabler_an_example_and_a_step(
        fake_engine, report_text):
    answer = health.result_answer(fake_engine, dict(zip(flow.HEALTH_STEPS, (5, 5, 1, 2, 4, 4))))
    assert answer.payload["status"] == ct.HEALTH_CHECK_RESULT
    assert "The lowest area is **Structures**" in to_markdown(answer)
    assert "Your lowest answer was 1 of 5, for “Our funding and budgets let us share staff" in to_markdown(answer)
    assert answer.payload["enabler"]["id"] == "dedicated_flexible_funding"
    assert answer.payload["example"] is not None and "**One step to try:**" in to_markdown(answer)
    _verbatim(answer.payload["citations"], report_text)
    assert answer.button_payloads[0] == {"title": "Coach me on Structures",
                                 "payload": '/start_coaching{"coach_theme":"structures"}'}
    assert {"title": "Another enabler", "payload": "/ask_another_enabler"} in answer.button_payloads


def test_a_tie_is_said_as_a_tie_and_level_answers_name_no_weakest_area(fake_engine, report_text):
    tied = health.result_answer(fake_engine, dict(zip(flow.HEALTH_STEPS, (3, 3, 2, 4, 4, 2))))
    assert "Motivations, Structures and Relationships are tied as the lowest, at 3.0." in to_markdown(tied)
    assert "Your lowest answers were 2 of 5, for" in to_markdown(tied) and "weakest area is" not in to_markdown(tied)
    level = health.result_answer(fake_engine, dict(zip(flow.HEALTH_STEPS, (3,) * 6)))
    assert "no area stands out as weakest" in to_markdown(level) and "Structures" not in to_markdown(level).split("\n")[2]
    assert [b["title"] for b in level.button_payloads][:3] == ["Coach me on Motivations", "Coach me on Structures",
                                                      "Coach me on Relationships"]
    _verbatim(level.payload["citations"], report_text)


def test_a_challenge_picked_from_the_list_is_quoted_on_its_own_line_in_the_plan(fake_engine):
    _, card = plan.build_plan(fake_engine, ANSWERED)   # no description: picked from the list
    quote = card["challenge"]["citations"][0]["quote"]
    assert f"**About the challenge.**\n\n> {quote}" in card["markdown"]
    assert not [line for line in card["markdown"].splitlines() if ">" in line and not line.startswith(">")]


def test_health_check_statements_are_never_shown_as_quotes():
    for slot in flow.HEALTH_STEPS:
        text, _ = health.statement_prompt(slot)
        assert not [line for line in text.splitlines() if line.startswith(">")]
        assert f"*{health.STATEMENTS[slot]}*" in text
