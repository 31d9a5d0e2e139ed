"""bot.render: one answer payload rendered for Slack, Teams and plain text (pure functions, no servers)."""

from __future__ import annotations

import json

import pytest

from bot.answer import compose
from bot.render import bot_message, outline, payload_of_submit, to_adaptive_card, to_slack, to_teams_activity, to_text
from bot.render.markup import to_plain, to_slack_mrkdwn
from bot.render.parts import Citation, Heading, Quote

SOURCE = "Collaboration Executive Summary, National Leadership Centre / Ipsos MORI (2021)"


def message_of(answer, **extra) -> dict:
    return bot_message(answer, **extra)


@pytest.fixture(scope="module")
def enabler_message(fake_engine) -> dict:
    # A question whose answer shows the Kent Fire & Rescue box: its quote has the '&' the Slack test needs.
    answer = compose.compose_answer("we don't know what other partner organisations can offer", fake_engine)
    assert answer.payload and answer.payload["enabler"] and answer.payload["example"]["id"] == "kent_fire_age_uk"
    return message_of(answer)


@pytest.fixture(scope="module")
def example_message(fake_engine, enabler_message) -> dict:
    payload = enabler_message["custom"]["answer"]
    memory = compose.Memory(enabler_id=payload["enabler"]["id"], example_id=payload["example"]["id"])
    return message_of(compose.show_example(fake_engine, memory))


def slack_quotes(blocks: list[dict]) -> list[str]:
    return [t["text"] for b in blocks if b["type"] == "rich_text" for q in b["elements"] for t in q["elements"]]


def card_quotes(card: dict) -> list[str]:
    return [r["text"] for c in card["body"] if c["type"] == "Container" for b in c["items"] for r in b["inlines"]]


def test_an_enabler_answer_is_laid_out_from_its_payload(enabler_message):
    payload = enabler_message["custom"]["answer"]
    doc = outline(enabler_message)
    headings = [p for p in doc.parts if isinstance(p, Heading)]
    assert headings[0] == Heading(payload["enabler"]["title"], key=f"enabler:{payload['enabler']['id']}")
    assert headings[1].key == f"example:{payload['example']['id']}"
    assert [p.text for p in doc.parts if isinstance(p, Quote)] == [c["quote"] for c in payload["citations"]]
    assert [b.payload for b in doc.buttons] == [b["payload"] for b in payload["buttons"]]
    assert doc.answer_id == payload["answer_id"]


def test_every_slack_quote_is_verbatim_in_the_report_even_with_an_ampersand(enabler_message, report_text):
    rendered = to_slack(outline(enabler_message))
    quotes = slack_quotes(rendered["blocks"])
    assert quotes == [c["quote"] for c in enabler_message["custom"]["answer"]["citations"]]
    assert any("&" in q for q in quotes), "the Kent example quote has an '&' that must not become &amp;"
    assert all(report_text.contains(q) for q in quotes)


def test_slack_blocks_carry_the_title_citation_and_round_trippable_buttons(enabler_message):
    payload = enabler_message["custom"]["answer"]
    blocks = to_slack(outline(enabler_message))["blocks"]
    header = next(b for b in blocks if b["type"] == "header")
    assert header["text"] == {"type": "plain_text", "text": payload["enabler"]["title"]}
    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert f"— {SOURCE}, {payload['citations'][0]['section']}" in contexts
    actions = blocks[-1]
    assert actions["type"] == "actions" and actions["block_id"] == f"answer:{payload['answer_id']}"
    assert [e["value"] for e in actions["elements"]] == [b["payload"] for b in payload["buttons"]]
    assert len({e["action_id"] for e in actions["elements"]}) == len(actions["elements"])
    assert len({b["block_id"] for b in blocks if "block_id" in b}) == len([b for b in blocks if "block_id" in b])


def test_the_teams_card_is_adaptive_1_4_with_verbatim_quotes_and_message_back_buttons(enabler_message):
    payload = enabler_message["custom"]["answer"]
    activity = to_teams_activity(outline(enabler_message))
    (attachment,) = activity["attachments"]
    card = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert activity["summary"] == payload["enabler"]["title"]
    assert card_quotes(card) == [c["quote"] for c in payload["citations"]]
    assert card["body"][1]["id"] == f"enabler:{payload['enabler']['id']}"
    for action, button in zip(card["actions"], payload["buttons"]):
        back = action["data"]["msteams"]
        assert action["type"] == "Action.Submit" and back["type"] == "messageBack"
        assert (back["displayText"], back["text"]) == (button["title"], button["payload"])
        assert payload_of_submit(back["value"]) == button["payload"]
        assert payload_of_submit(action["data"]) == button["payload"]


def test_the_text_fallback_reads_well_without_markup(enabler_message):
    payload = enabler_message["custom"]["answer"]
    text = to_text(outline(enabler_message))
    assert "**" not in text and "<" not in text
    assert payload["enabler"]["title"].upper() in text
    for citation in payload["citations"]:
        assert f"“{citation['quote']}”" in text
    assert text.endswith("Reply with: " + " · ".join(b["title"] for b in payload["buttons"]))
    assert to_adaptive_card(outline(enabler_message))["fallbackText"] == text


def test_a_show_the_example_reply_is_laid_out_from_its_blocks_with_native_quotes(example_message, report_text):
    doc = outline(example_message)
    quotes = [p.text for p in doc.parts if isinstance(p, Quote)]
    assert quotes == example_message["custom"]["answer"]["example"]["quotes"]
    assert all(report_text.contains(q) for q in quotes)
    blocks = to_slack(doc)["blocks"]
    assert slack_quotes(blocks) == quotes
    assert not any("**" in json.dumps(b) for b in blocks)


def test_markdown_is_never_read_back_into_quotes_or_citations(enabler_message):
    markdown_only = {"text": enabler_message["text"], "buttons": enabler_message["buttons"]}
    doc = outline(markdown_only)
    assert doc.parts and not any(isinstance(p, (Quote, Citation, Heading)) for p in doc.parts)
    from_blocks = outline(enabler_message)
    assert [p.text for p in from_blocks.parts if isinstance(p, Quote)] == \
        [c["quote"] for c in enabler_message["custom"]["answer"]["citations"]]


def test_a_canned_reply_without_a_payload_still_renders_with_its_buttons():
    message = {"text": "Hello. I'm Collaboration Coach.",
               "buttons": [{"title": "What helps collaboration?", "payload": "/ask_enablers_overview"}]}
    slack = to_slack(outline(message))
    assert slack["blocks"][0]["text"]["text"] == "Hello. I'm Collaboration Coach."
    assert slack["blocks"][-1]["elements"][0]["value"] == "/ask_enablers_overview"
    assert to_adaptive_card(outline(message))["actions"][0]["data"]["rasa_payload"] == "/ask_enablers_overview"


@pytest.mark.parametrize("custom", [None, {}, {"answer": None}, {"answer": {"enabler": {}, "citations": "x"}},
                                    {"answer": {"status": "answered", "enabler": {"title": "T"}, "citations": [{}]}},
                                    {"answer": {}, "plan": 42}, {"answer": {}, "plan": {"enablers": ["x", None]}}])
def test_odd_payloads_never_break_rendering(custom):
    message = {"text": "Some **text**.", "custom": custom}
    doc = outline(message)
    assert to_slack(doc)["text"] and to_adaptive_card(doc)["body"] and to_text(doc)


def test_a_structured_coaching_plan_is_rendered_from_its_fields_not_its_markdown(enabler_message):
    answer = enabler_message["custom"]["answer"]
    cite = answer["citations"][0]
    plan = {"version": 1,
            "context": {"purpose": "Joint discharge planning", "partners": ["NHS", "Local authority"],
                        "partners_detail": None, "stage": "Stuck"},
            "challenge": {"id": "building_new_relationships", "title": "Building new relationships",
                          "theme": "Relationships", "described_as": "they don't trust us", "citations": [cite]},
            "enablers": [{"id": answer["enabler"]["id"], "title": answer["enabler"]["title"], "theme": "Relationships",
                          "reflective_question": "Who have you not spoken to this month?", "citations": [cite]}],
            "example": answer["example"], "first_step": "Call the ward manager", "when": "Monday",
            "markdown": "## Your collaboration plan\n\n(the same again as Markdown)"}
    message = {"text": plan["markdown"], "custom": {"answer": {**answer, "status": "coaching_plan"}, "plan": plan}}
    doc = outline(message)
    text = to_text(doc)
    assert "(the same again as Markdown)" not in text
    for expected in ("Joint discharge planning", "NHS, Local authority", "Building new relationships",
                     "Who have you not spoken to this month?", "Call the ward manager", "Monday", cite["quote"]):
        assert expected in text
    blocks = to_slack(doc)["blocks"]
    assert {b.get("block_id") for b in blocks} >= {"plan:building_new_relationships",
                                                   f"enabler:{answer['enabler']['id']}"}
    assert cite["quote"] in card_quotes(to_adaptive_card(doc))


def test_a_plan_summary_comes_first_and_a_shared_plan_shows_its_note_on_every_channel(fake_engine):
    from bot.coaching import flow, plan as coaching_plan

    slots = {flow.PURPOSE: "Joint discharge planning", flow.PARTNERS: {"sectors": ["nhs"], "detail": None},
             flow.STAGE: "stuck", flow.CHALLENGE: "siloed_funding_and_competition",
             flow.FIRST_STEP: "Call both finance leads", flow.WHEN: "by Friday"}
    answer, card = coaching_plan.build_plan(fake_engine, slots)
    shown = to_text(outline(bot_message(answer, plan=card)))
    summary = "Challenge: Siloed funding streams and competition (Structures)"
    assert shown.index(summary) < shown.index("Joint discharge planning") < shown.index("What the research found")
    assert shown.index("First step: Call both finance leads") < shown.index("Joint discharge planning")
    shared, share = coaching_plan.share(fake_engine, card)
    doc = outline(bot_message(shared, plan=card, share=share))
    for rendered in (to_text(doc), json.dumps(to_slack(doc)), json.dumps(to_adaptive_card(doc))):
        assert "send e-mail myself" in rendered and "Call both finance leads" in rendered
    assert to_text(doc).index("send e-mail myself") < to_text(doc).index(summary)


def test_markdown_is_converted_for_each_dialect_and_escaped_for_slack():
    source = "**Bold** and *italic* & <b> - no\n- item"
    assert to_slack_mrkdwn(source) == "*Bold* and _italic_ &amp; &lt;b&gt; - no\n• item"
    assert to_plain("**Bold** and _italic_") == "Bold and italic"


def test_slack_limits_are_respected_for_long_headings_and_many_buttons():
    message = {"text": "x", "custom": {"answer": {"status": "answered", "answer_id": "a1",
                                                  "buttons": [{"title": "t" * 100, "payload": f"/p{n}"}
                                                              for n in range(30)]}}}
    blocks = to_slack(outline(message))["blocks"]
    elements = blocks[-1]["elements"]
    assert len(elements) == 25 and all(len(e["text"]["text"]) <= 75 for e in elements)
