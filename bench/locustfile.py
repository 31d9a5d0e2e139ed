"""Locust users for `make bench` (scripts/bench.py drives it headless; see docs/benchmarks.md).

    BENCH_KIND=qa|bare BENCH_HOSTS=http://127.0.0.1:5305[,http://127.0.0.1:5306] \
        locust -f bench/locustfile.py --headless -u 8 -r 8 -t 20s

`qa` asks the development-set questions (each runs the custom answer action: retrieval and
composition on the action server); `bare` says "hello", a turn Rasa answers with a domain response
and no custom action — the reference for what Rasa itself costs. Each user is a closed loop (no
think time) and starts a new conversation every 10 turns, as real users do, so trackers stay short.
With several hosts, each turn goes to the next host in turn, like a round-robin load balancer.
"""

from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path

import yaml
from locust import HttpUser, constant, task

KIND = os.environ.get("BENCH_KIND", "qa")
HOSTS = [h.rstrip("/") for h in os.environ.get("BENCH_HOSTS", "http://127.0.0.1:5305").split(",") if h]
TURNS_PER_CONVERSATION = 10
DEV_SET = Path(__file__).resolve().parent.parent / "tests" / "eval" / "dev_set.yml"


def questions() -> list[str]:
    return [item["q"] for item in yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["in_scope"]]


QUESTIONS = questions()


class CoachUser(HttpUser):
    host = HOSTS[0]
    wait_time = constant(0)

    def on_start(self) -> None:
        self.turns = 0
        self.sender = ""
        self.hosts = itertools.cycle(HOSTS)
        self.questions = itertools.cycle(QUESTIONS[hash(id(self)) % len(QUESTIONS):] + QUESTIONS)

    @task
    def turn(self) -> None:
        if self.turns % TURNS_PER_CONVERSATION == 0:
            # A letter first: hex digits straight after "-" can look like a phone number, which REST refuses (400).
            self.sender = f"bench-u{uuid.uuid4().hex[:12]}"
        self.turns += 1
        message = "hello" if KIND == "bare" else next(self.questions)
        url = f"{next(self.hosts)}/webhooks/rest/webhook"
        with self.client.post(url, json={"sender": self.sender, "message": message}, name=KIND,
                              catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"HTTP {reply.status_code}")
                return
            messages = reply.json()
            status = (messages[0].get("custom") or {}).get("answer", {}).get("status") if messages else None
            if not messages or (status or "").startswith("error_"):
                reply.failure(f"no answer: {messages!r:.200}")
