"""One answer, many renderings, all from the same frozen Answer (bot/answer/types.py).

    to_markdown(answer)         # Markdown for REST and the web widget (bot/render/markdown.py)
    bot_message(answer)         # {"text", "buttons", "custom": {"answer": payload}}: what channels receive
    doc = outline(message)      # channel-neutral parts from the payload's blocks: headings, quotes, citations
    to_slack(doc)               # {"text", "blocks"} for chat.postMessage
    to_teams_activity(doc)      # a message activity with an Adaptive Card 1.4
    to_text(doc)                # readable plain text (the CLI, fallbacks, text-only clients)

Pure functions; no channel module is imported by the answer pipeline, and nothing here reads
Markdown back.
"""

from bot.render.markdown import to_markdown
from bot.render.message import answer_text, bot_message
from bot.render.outline import outline
from bot.render.slack import to_slack
from bot.render.teams import payload_of_submit, to_adaptive_card, to_teams_activity
from bot.render.text import to_text

__all__ = ["to_markdown", "bot_message", "answer_text", "outline", "to_slack", "to_teams_activity",
           "to_adaptive_card", "to_text", "payload_of_submit"]
