"""Shared by the SQLite (tests/insights) and PostgreSQL (tests/service) insight tests: a scripted set of
real conversations over REST, the `bot` command line, and readers for its CSV and HTML."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

import yaml

from bot.coaching.steps import choice_payload
from tests.servers import ROOT

FUNDING_QUESTION = "our budgets are ring-fenced so we can't pool money"
TRUST_QUESTION = "partners dont trust us what do i do"
OFF_TOPIC = "what will the weather be like in Leeds tomorrow?"
CLARIFIED = "funding"
COACHING = ["coach me", "Joining up support for families leaving temporary accommodation",
            "the district council and a housing charity", choice_payload("stage", "stuck"),
            choice_payload("theme", "structures"), choice_payload("challenge", "other"),
            "nobody will share their budgets or staff with us", choice_payload("confirm", "yes"),
            "Invite both finance leads to map every budget line", "by Friday"]
HEALTH_SCORES = ("5", "4", "1", "2", "4", "5")  # motivations 4.5, structures 1.5, relationships 4.5
CHARTS = ("challenges_by_channel", "challenges_by_week", "enablers_by_channel", "enablers_by_week", "outcomes",
          "helpful_by_enabler", "coaching_funnel", "health_scores", "clarification_choices")


@dataclass
class Traffic:
    senders: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    choice: str = ""
    unhelpful_enabler: str = ""  # the enabler the trust question was answered with (the pipeline's choice)


def status_of(replies: list[dict]) -> list[str]:
    return [r["custom"]["answer"]["status"] for r in replies if (r.get("custom") or {}).get("answer")]


def drive(say: Callable[[str, str], list[dict]], tag: str = "") -> Traffic:
    """The conversations every insight test counts; `say(sender, text)` is one REST turn.

    Five leaders ask the funding question and find it helpful; one asks about trust and says it did
    not help; one asks off topic (declined); one types a bare "funding" (clarification) and picks the
    first topic offered; one coaches through to a plan; one does the health check.
    """
    traffic = Traffic()

    def turn(sender: str, text: str) -> list[dict]:
        if sender not in traffic.senders:
            traffic.senders.append(sender)
        traffic.texts.append(text)
        return say(sender, text)

    def sender(kind: str) -> str:
        return f"insights-{kind}-{tag}{uuid.uuid4().hex[:8]}"

    for n in range(5):
        who = sender(f"funding{n}")
        assert status_of(turn(who, FUNDING_QUESTION)) == ["answered"]
        assert "glad that helped" in turn(who, "/feedback_helpful")[0]["text"]
    who = sender("trust")
    replies = turn(who, TRUST_QUESTION)
    assert status_of(replies) == ["answered"]
    traffic.unhelpful_enabler = replies[0]["custom"]["answer"]["enabler"]["id"]
    assert "Thank you for telling me" in turn(who, "/feedback_unhelpful")[0]["text"]
    assert status_of(turn(sender("declined"), OFF_TOPIC)) == ["unanswerable_out_of_scope"]
    who = sender("clarified")
    replies = turn(who, CLARIFIED)
    assert status_of(replies) == ["clarification"], replies
    button = replies[0]["buttons"][0]["payload"]
    traffic.choice = re.search(r'"topic_id":"([^"]+)"', button).group(1)
    assert status_of(turn(who, button)) == ["answered"]
    who = sender("coaching")
    for text in COACHING:
        replies = turn(who, text)
    assert "coaching_plan" in status_of(replies), replies
    who = sender("health")
    turn(who, "health check")
    for score in HEALTH_SCORES:
        replies = turn(who, choice_payload("score", score))
    assert "health_check_result" in status_of(replies), replies
    return traffic


def bot_cli(*args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "bot.server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **env}, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def config_with(tmp: Path, **insights) -> Path:
    """A copy of coach.yml with the given `insights:` settings (and absolute paths)."""
    raw = yaml.safe_load((ROOT / "coach.yml").read_text(encoding="utf-8"))
    raw["knowledge_dir"] = str(ROOT / raw["knowledge_dir"])
    raw["index_dir"] = str(ROOT / raw["index_dir"])
    raw["insights"] = {**raw.get("insights", {}), **insights}
    path = tmp / f"coach-{uuid.uuid4().hex[:6]}.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def csv_cells(text: str) -> dict[tuple[str, str, str], str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {(r["section"], r["row"], r["group"]): r["value"] for r in rows}


def delta(after: dict, before: dict) -> dict[tuple[str, str, str], int]:
    """After minus before, for the numeric cells (the service tests share a database)."""
    out = {}
    for key, value in after.items():
        if value.isdigit():
            out[key] = int(value) - int(before.get(key, "0") if before.get(key, "0").isdigit() else 0)
    return out


class Figures(HTMLParser):
    """Each chart section of the report: its svg title/desc and whether a data table follows."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.current: str | None = None
        self.capture: str | None = None
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href"):
            if a.get(name) and not a[name].startswith("#"):
                self.external.append(a[name])
        if tag == "script":
            self.scripts += 1
        if tag == "section":
            self.current = a.get("id")
            self.sections[self.current] = {"svg": None, "title": "", "desc": "", "table": False, "caption": ""}
        elif self.current and tag == "svg":
            self.sections[self.current]["svg"] = a
        elif self.current and tag in ("title", "desc", "caption"):
            self.capture = tag
        elif self.current and tag == "table":
            self.sections[self.current]["table"] = True

    def handle_endtag(self, tag):
        if tag == self.capture:
            self.capture = None

    def handle_data(self, data):
        if self.current and self.capture:
            self.sections[self.current][self.capture] += data


def figures(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser
