"""One answer, many renderings: a bot message (text, buttons, answer payload) for each channel.

    doc = outline(message)      # channel-neutral parts: headings, quotes, citations, buttons
    to_slack(doc)               # {"text", "blocks"} for chat.postMessage
    to_teams_activity(doc)      # a message activity with an Adaptive Card 1.4
    to_text(doc)                # readable plain text (fallbacks, text-only clients)

Pure functions; no channel module is imported by the answer pipeline.
"""

from bot.render.outline import outline
from bot.render.slack import to_slack
from bot.render.teams import payload_of_submit, to_adaptive_card, to_teams_activity
from bot.render.text import to_text

__all__ = ["outline", "to_slack", "to_teams_activity", "to_adaptive_card", "to_text", "payload_of_submit"]
