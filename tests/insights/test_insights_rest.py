"""Usage insights end to end on SQLite: real conversations over REST, then `bot insights`, `bot review`,
GET /insights and `bot retention` read what the tracker store recorded (one running bot for the module)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.error
import urllib.request
import uuid

import pytest
import yaml

from tests.insights.helpers import (CHARTS, CLARIFIED, FUNDING_QUESTION, OFF_TOPIC, TRUST_QUESTION, bot_cli,
                                    config_with, csv_cells, drive, figures)
from tests.servers import ROOT, running_bot

pytestmark = pytest.mark.server
TOKEN = "insights-test-token-0123456789"


@pytest.fixture(scope="module")
def server():
    env = {"COACH_INSIGHTS_TOKEN": TOKEN, "COACH_INSIGHTS_SALT": "test-salt", "COACH_TURN_TIMEOUT": "60"}
    with running_bot(env=env) as bot:
        yield bot


@pytest.fixture(scope="module")
def traffic(server):
    return drive(server.say)


@pytest.fixture(scope="module")
def db_env(server, traffic):
    return {"COACH_CONVERSATIONS_DB": str(server.log.with_suffix(".db"))}


def insights_csv(db_env, tmp_path, **insights) -> dict:
    config = config_with(tmp_path, **insights)
    return csv_cells(bot_cli("--config", str(config), "insights", "--format", "csv", env=db_env).stdout)


def test_the_csv_counts_exactly_what_the_conversations_did(db_env, traffic, tmp_path):
    cells = insights_csv(db_env, tmp_path, min_conversations=1)
    # 5 funding + 1 trust + the topic chosen after the clarification; coaching and health turns are not questions.
    assert cells[("outcomes", "answered", "rest")] == "7"
    assert cells[("outcomes", "clarification", "total")] == "1"
    assert cells[("outcomes", "declined", "total")] == "1"
    assert cells[("summary", "Questions", "")] == "9"
    assert cells[("helpful_by_enabler", "dedicated_flexible_funding", "helpful")] == "5"
    assert cells[("helpful_by_enabler", "dedicated_flexible_funding", "helpful_rate")] == "100 %"
    trust = [k for k, v in cells.items() if k[0] == "helpful_by_enabler" and k[2] == "not_helpful"]
    assert len(trust) == 1 and cells[trust[0]] == "1"
    # The five funding answers name the challenge, and the coaching run chose it once (the plan restates it: not
    # counted again).
    assert cells[("challenges_by_channel", "siloed_funding_and_competition", "rest")] == "6"
    assert cells[("enablers_by_channel", "dedicated_flexible_funding", "total")].isdigit()
    for step in ("started", "challenge", "step", "plan"):
        assert cells[("coaching_funnel", step, "conversations")] == "1"
    assert cells[("health_scores", "motivations", "4")] == "1"
    assert cells[("health_scores", "structures", "1")] == "1"
    assert cells[("health_scores", "relationships", "4")] == "1"
    assert cells[("clarification_choices", traffic.choice, "chosen")] == "1"
    assert cells[("summary", "Conversations (per day)", "")] == str(len(traffic.senders))


def test_small_numbers_are_suppressed_by_default(db_env, traffic, tmp_path):
    cells = insights_csv(db_env, tmp_path)
    assert cells[("outcomes", "answered", "rest")] == "7"  # seven conversations: shown
    assert cells[("helpful_by_enabler", "dedicated_flexible_funding", "helpful")] == "5"
    assert cells[("outcomes", "declined", "total")] == "< 5"
    assert cells[("outcomes", "clarification", "total")] == "< 5"
    assert cells[("outcomes", "declined", "share")] == "suppressed"
    assert cells[("coaching_funnel", "plan", "conversations")] == "< 5"
    assert cells[("health_scores", "structures", "1")] == "< 5"
    assert cells[("clarification_choices", traffic.choice, "total")] == "< 5"
    assert not any(v in {"1", "2", "3", "4"} for k, v in cells.items() if k[0] != "summary"), cells


def test_the_html_report_has_every_chart_with_a_text_alternative_and_a_table(db_env, traffic, tmp_path):
    out = tmp_path / "insights.html"
    done = bot_cli("insights", "--out", str(out), "--since", "30d", env=db_env)
    assert f"written to {out}" in done.stdout
    page = figures(out.read_text(encoding="utf-8"))
    assert page.scripts == 0 and page.external == [], page.external  # opens offline, from disk
    for key in CHARTS:
        section = page.sections[key]
        svg = section["svg"]
        assert svg is not None, key
        assert svg["role"] == "img" and svg["aria-labelledby"] == f"{key}-title {key}-desc"
        assert section["title"].strip() and "table below" in section["desc"], section
        assert section["table"], key
    assert "&lt; 5" in out.read_text(encoding="utf-8")


def test_the_events_table_holds_no_message_text_and_no_sender_id(db_env, traffic):
    with sqlite3.connect(db_env["COACH_CONVERSATIONS_DB"]) as db:
        rows = db.execute("SELECT * FROM insight_events").fetchall()
        columns = [d[0] for d in db.execute("SELECT * FROM insight_events").description]
    assert len(rows) >= len(traffic.texts)
    stored = json.dumps(rows).lower()
    for sender in traffic.senders:
        assert sender.lower() not in stored
        assert sender.split("-")[-1] not in stored
    for text in traffic.texts:
        if not text.startswith("/") and len(text) > 12:
            assert text.lower() not in stored
    assert all(len(row[columns.index("conversation")]) == 16 for row in rows)
    assert {row[columns.index("hour")] % 3600 for row in rows} == {0}


def get(server, path: str, token: str | None = None, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            (headers if headers is not None else {}).update(reply.headers)
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_get_insights_needs_the_bearer_token_and_serves_the_same_report(server, traffic):
    assert get(server, "/insights")[0] == 401
    assert get(server, "/insights", "wrong-token-wrong-token")[0] == 401
    headers: dict = {}
    status, page = get(server, "/insights", TOKEN, headers)
    assert status == 200 and set(CHARTS) <= set(figures(page).sections)
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Cache-Control"] == "no-store"
    status, text = get(server, "/insights?format=csv&since=all", TOKEN)
    assert status == 200 and text.startswith("section,row,label,group,value")
    assert get(server, "/insights?since=forever", TOKEN)[0] == 400


def test_recording_the_conversations_logged_no_error_or_warning(server, traffic):
    lines = server.log.read_text(encoding="utf-8", errors="replace").splitlines()
    bad = [line for line in lines if (" ERROR " in line or " WARNING " in line)
           and ("insight" in line.lower() or "bot.server.stores" in line)]
    assert bad == []


def review(db_env, *args, config=None) -> str:
    pre = ["--config", str(config)] if config else []
    return bot_cli(*pre, "review", *args, env=db_env).stdout


def entry_number(listing: str, text: str) -> int:
    line = next(line for line in listing.splitlines() if f'"{text}"' in line)
    return int(line.split()[0])


def test_the_review_queue_lists_declined_clarified_and_unhelpful_questions_most_frequent_first(db_env, traffic):
    listing = review(db_env, "--no-nearest")
    for text, why in ((OFF_TOPIC, "declined 1"), (CLARIFIED, "clarified 1"), (TRUST_QUESTION, "not helpful 1")):
        line = next(line for line in listing.splitlines() if f'"{text}"' in line)
        assert why in line and "×1" in line
    assert FUNDING_QUESTION not in listing  # answered and found helpful: nothing to review


def test_accepting_a_phrasing_changes_the_bank_validates_and_a_rebuilt_index_answers_it(db_env, traffic, tmp_path):
    knowledge, index = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(ROOT / "knowledge", knowledge)
    shutil.copytree(ROOT / "build" / "index", index)  # its embedding cache: only the new phrasing is embedded
    config = config_with(tmp_path)
    raw = yaml.safe_load(config.read_text())
    raw.update(knowledge_dir=str(knowledge), index_dir=str(index))
    config.write_text(yaml.safe_dump(raw))
    env = {**db_env, "COACH_INDEX_DIR": str(index)}
    before = json.loads(bot_cli("--config", str(config), "ask", "--json", CLARIFIED, env=env).stdout)
    assert before["custom"]["answer"]["status"] == "clarification"

    listing = review(env, config=config)
    number = entry_number(listing, CLARIFIED)
    nearest = listing.split(f'"{CLARIFIED}"')[1].splitlines()[1:4]
    assert len(nearest) == 3 and all(line.split()[0].replace(".", "").isdigit() for line in nearest), listing
    original = (knowledge / "enablers.yml").read_text()
    done = review(env, "--accept", str(number), "dedicated_flexible_funding", config=config)
    assert "make index" in done and "validates" in done
    changed = (knowledge / "enablers.yml").read_text()
    added = [line for line in changed.splitlines() if line not in original.splitlines()]
    assert added == ['      - "funding"']
    assert [line for line in original.splitlines() if line.lstrip().startswith("#")] == \
        [line for line in changed.splitlines() if line.lstrip().startswith("#")]  # comments kept
    assert (ROOT / "knowledge" / "enablers.yml").read_text() == original  # the repository is untouched
    assert "knowledge OK" in bot_cli("--config", str(config), "validate", env=env).stdout
    bot_cli("--config", str(config), "index", "--quiet", env=env)
    after = json.loads(bot_cli("--config", str(config), "ask", "--json", CLARIFIED, env=env).stdout)
    assert after["custom"]["answer"]["status"] == "answered"
    assert after["custom"]["answer"]["enabler"]["id"] == "dedicated_flexible_funding"
    assert f'"{CLARIFIED}"' not in review(env, "--no-nearest")  # accepted: off the queue

    rejected = review(env, "--reject", str(entry_number(review(env, "--no-nearest"), OFF_TOPIC)))
    assert "hidden" in rejected and f'"{OFF_TOPIC}"' not in review(env, "--no-nearest")
    refused = bot_cli("review", "--accept", "999999", "dedicated_flexible_funding", env=env, check=False)
    assert refused.returncode == 1 and "no entry 999999" in refused.stderr


def test_retention_deletes_old_review_texts_and_keeps_the_usage_events(db_env, traffic, tmp_path):
    path = db_env["COACH_CONVERSATIONS_DB"]
    with sqlite3.connect(path) as db:
        events = db.execute("SELECT COUNT(*) FROM insight_events").fetchone()[0]
        queued = db.execute("SELECT COUNT(*) FROM insight_review").fetchone()[0]
        db.execute("UPDATE insight_review SET at = at - 100 * 86400")
        db.execute("UPDATE events SET timestamp = timestamp - 100 * 86400")
    assert queued >= 3
    done = bot_cli("retention", "--days", "90", env=db_env)
    assert f"and {queued} queued review text(s)" in done.stdout
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM insight_review").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM insight_events").fetchone()[0] == events
    cells = csv_cells(bot_cli("insights", "--format", "csv", "--since", "all", env=db_env).stdout)
    assert cells[("outcomes", "answered", "rest")] == "7"


def test_a_correction_counts_against_the_answer_it_corrected_and_queues_that_question(server, db_env, traffic,
                                                                                     tmp_path):
    before = insights_csv(db_env, tmp_path, min_conversations=1)
    who = f"insights-correction-{uuid.uuid4().hex[:8]}"
    question = "our budgets are ring-fenced so we cannot pool any money"
    first = server.say(who, question)
    corrected = server.say(who, "no, that's not what I meant — the issue is partners don't trust us")
    wrong = first[0]["custom"]["answer"]["enabler"]["id"]
    assert corrected[0]["custom"]["answer"]["status"] == "answered"
    assert corrected[0]["custom"]["answer"]["enabler"]["id"] != wrong

    after = insights_csv(db_env, tmp_path, min_conversations=1)
    key = ("helpful_by_enabler", wrong, "corrected")
    assert int(after.get(key, "0")) == int(before.get(key, "0")) + 1, after
    line = next(line for line in review(db_env, "--no-nearest").splitlines() if f'"{question}"' in line)
    assert "corrected 1" in line and "×1" in line
