"""Usage insights on PostgreSQL: the same conversations as tests/insights, over two replicas sharing the
database, then `bot insights` and `bot review` against the production endpoints file.

The cluster's database is shared with the other service tests, so counts are compared before and
after this module's conversations (the differences must be exact)."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request

import pytest
import yaml

from tests.insights.helpers import (CLARIFIED, OFF_TOPIC, TRUST_QUESTION, bot_cli, config_with, csv_cells, delta,
                                    drive)
from tests.servers import ROOT
from tests.service.conftest import PRODUCTION_ENDPOINTS


@pytest.fixture(scope="module")
def run(cluster, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("insights")
    env = {k: v for k, v in cluster.env.items() if k.startswith(("DB_", "REDIS_", "ACTION_", "RASA_", "HF_"))}
    exact = config_with(tmp, min_conversations=1)

    def csv_now(config=exact) -> dict:
        return csv_cells(bot_cli("--config", str(config), "insights", "--format", "csv", "--since", "all",
                                 "--endpoints", str(PRODUCTION_ENDPOINTS), env=env).stdout)

    before = csv_now()
    turns = iter(range(10_000))
    traffic = drive(lambda sender, text: cluster.replicas[next(turns) % 2].say(sender, text), tag="pg-")
    return {"env": env, "tmp": tmp, "before": before, "after": csv_now(), "traffic": traffic,
            "suppressed": csv_now(config_with(tmp, min_conversations=100_000))}


def test_counts_on_postgresql_are_exactly_what_the_conversations_added(run):
    added, traffic = delta(run["after"], run["before"]), run["traffic"]
    assert added[("outcomes", "answered", "rest")] == 7
    assert added[("outcomes", "clarification", "total")] == 1
    assert added[("outcomes", "declined", "total")] == 1
    assert added[("helpful_by_enabler", "dedicated_flexible_funding", "helpful")] == 5
    # "partners dont trust us" is building new relationships; which of its two enablers leads is the pipeline's call
    assert traffic.unhelpful_enabler in ("maintaining_open_frequent_communication", "strong_pre_existing_relationships")
    assert added[("helpful_by_enabler", traffic.unhelpful_enabler, "not_helpful")] == 1
    assert added[("challenges_by_channel", "siloed_funding_and_competition", "rest")] == 6
    for step in ("started", "challenge", "step", "plan"):
        assert added[("coaching_funnel", step, "conversations")] == 1
    assert added[("health_scores", "structures", "1")] == 1
    assert added[("clarification_choices", traffic.choice, "chosen")] == 1


def test_small_numbers_are_suppressed_on_postgresql_too(run):
    shown = {k: v for k, v in run["suppressed"].items() if k[0] != "summary" and k[2] not in ("share", "helpful_rate")}
    assert shown and set(shown.values()) == {"< 100000"}


def test_the_postgresql_events_table_holds_no_message_text_and_no_sender_id(cluster, run):
    stored = json.dumps(cluster.postgres.query("SELECT * FROM insight_events"), default=str).lower()
    for sender in run["traffic"].senders:
        assert sender.lower() not in stored and sender.split("-")[-1] not in stored
    for text in (TRUST_QUESTION, OFF_TOPIC, "nobody will share their budgets or staff with us"):
        assert text.lower() not in stored


def test_review_accept_on_postgresql_changes_the_bank_and_validates(run):
    env, tmp = run["env"], run["tmp"]
    knowledge = tmp / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    config = config_with(tmp)
    raw = yaml.safe_load(config.read_text())
    raw["knowledge_dir"] = str(knowledge)
    config.write_text(yaml.safe_dump(raw))
    common = ("--endpoints", str(PRODUCTION_ENDPOINTS))
    listing = bot_cli("review", "--no-nearest", *common, env=env).stdout
    line = next(line for line in listing.splitlines() if f'"{CLARIFIED}"' in line)
    done = bot_cli("--config", str(config), "review", "--accept", line.split()[0], "dedicated_flexible_funding",
                   *common, env=env).stdout
    assert "validates" in done and "make index" in done
    assert '      - "funding"' in (knowledge / "enablers.yml").read_text().splitlines()
    assert "knowledge OK" in bot_cli("--config", str(config), "validate", env=env).stdout
    assert f'"{CLARIFIED}"' not in bot_cli("review", "--no-nearest", *common, env=env).stdout


def test_get_insights_is_404_when_no_token_is_configured(cluster):
    try:
        with urllib.request.urlopen(cluster.replicas[0].url + "/insights", timeout=10) as reply:
            status = reply.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 404
