"""Diagnosis: the prompts for the theme and challenge steps, and matching a leader's own
description of their difficulty to one of the report's challenges.

Matching uses the same retriever as questions (bot.engine), restricted to challenges, with the
same decline thresholds (coach.yml `decision`), so a description the report does not cover is not
forced onto a challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Block, Text, blocks_payload
from bot.coaching.steps import OTHER_CHALLENGE, choice_payload
from bot.engine import Engine
from bot.knowledge.model import Kind, Knowledge
from bot.render.markdown import blocks_markdown

OTHER_TITLE = "Something else — let me describe it"


@dataclass(frozen=True)
class Prompt:
    text: str                      # our Markdown subset
    buttons: list[t.ButtonPayload]
    # The Rasa custom payload, when the prompt quotes the report: {"content": [BlockPayload, ...]}, the
    # prompt as blocks (bot/answer/blocks.py), so Slack and Teams show the quote as a quote.
    custom: Optional[dict] = None


def button(title: str, payload: str) -> t.ButtonPayload:
    return c.button(title, payload).as_payload()


@dataclass(frozen=True)
class Match:
    challenge_id: str
    score: float
    in_theme: bool   # False when the best match lies under another theme than the one chosen


def themes(knowledge: Knowledge) -> dict[str, str]:
    return {theme.id: theme.title for theme in knowledge.of_kind(Kind.THEME)}


def challenges(knowledge: Knowledge, theme: Optional[str]) -> dict[str, str]:
    """The challenges offered at the challenge step: the chosen theme's, in Table 2 order."""
    return {c.id: c.title for c in knowledge.challenges_in(theme or "")}


def theme_prompt(knowledge: Knowledge) -> Prompt:
    lines = ["Which of these feels hardest in this collaboration?"]
    buttons = []
    for theme in knowledge.of_kind(Kind.THEME):
        lines.append(f"- **{theme.title}** — {theme.summary}")
        buttons.append(button(theme.title, choice_payload("theme", theme.id)))
    return Prompt("\n".join(lines), buttons)


def challenge_prompt(knowledge: Knowledge, theme: str) -> Prompt:
    title = knowledge[theme].title if theme in knowledge else theme
    options = challenges(knowledge, theme)
    lines = [f"Under **{title}**, the report names these challenges (Table 2). Which is closest to yours?"]
    lines += [f"{n}. {name}" for n, name in enumerate(options.values(), start=1)]
    lines.append("\nOr choose *something else* and describe it in your own words.")
    buttons = [button(name, choice_payload("challenge", cid)) for cid, name in options.items()]
    buttons.append(button(OTHER_TITLE, choice_payload("challenge", OTHER_CHALLENGE)))
    return Prompt("\n".join(lines), buttons)


def confirm_prompt(knowledge: Knowledge, challenge_id: str, chosen_theme: Optional[str]) -> Prompt:
    challenge = knowledge[challenge_id]
    theme = knowledge[challenge.theme].title if challenge.theme in knowledge else challenge.theme
    moved = "" if challenge.theme == chosen_theme else f" (the report puts it under {theme}, not the theme you chose)"
    blocks: list[Block] = [
        Text(f"That sounds like **{challenge.title}**, a challenge the report names under {theme}{moved}:"),
        *c.cited(knowledge, challenge, [challenge.quotes[0]]), Text("Is that it?")]
    return Prompt(blocks_markdown(blocks), [button("Yes, that's it", choice_payload("confirm", "yes")),
                                            button("No — show me the list", choice_payload("confirm", "no"))],
                  custom={"content": blocks_payload(tuple(blocks))})


def match_challenge(engine: Engine, description: str, theme: Optional[str]) -> Optional[Match]:
    """The challenge a description is closest to, or None when nothing is close enough.

    The leader confirms the match before going on, so a challenge is offered down to
    `clarify_margin` below the decline line for questions. A challenge under the chosen theme wins
    when it scores within `clarify_margin` of the best.
    """
    knowledge = engine.knowledge
    decision = engine.settings.decision
    retrieval = engine.retriever.retrieve(description)
    hits = [h for h in retrieval.items if knowledge[h.item_id].kind is Kind.CHALLENGE]
    if not hits:
        return None
    best = hits[0]
    if best.score < decision.decline_below - decision.clarify_margin:
        return None
    # "The canteen lasagne is cold": an out-of-scope topic that beats every challenge means no challenge fits.
    # (Not the off-topic model: in coaching the leader has already said it is about partners, and "my team
    # is exhausted" is then *Evaluating staff wellbeing while in crisis mode*.)
    topic = next((h for h in retrieval.items if knowledge[h.item_id].kind is Kind.OUT_OF_SCOPE), None)
    if topic is not None and topic.score > best.score:
        return None
    in_theme = next((h for h in hits if knowledge[h.item_id].theme == theme), None)
    if in_theme is not None and in_theme.score >= best.score - decision.clarify_margin:
        best = in_theme
    return Match(best.item_id, best.score, knowledge[best.item_id].theme == theme)
