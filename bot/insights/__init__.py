"""Usage insights for the report's owner, and the curator's review queue (docs/adr/0010).

- `events`: what one turn is recorded as (`UsageEvent`, `ReviewText`), derived from the turn's events;
- `store`: the `insight_events`, `insight_review` and `insight_review_decision` tables (SQLAlchemy);
- `aggregate`: counts per chart, with small-number suppression; `report`: HTML and CSV;
- `review`: the curator's queue and `--accept` / `--reject`;
- the Rasa side lives in `bot/server/insights_hook.py`, called by `bot.server.stores.GuardedSQLTrackerStore`.
"""
