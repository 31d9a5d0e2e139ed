"""GET /health on the running channel bot: the guarded Rasa patches and the loud store, as they really are."""

from __future__ import annotations

import json
import urllib.request

import pytest

from bot.server.rasa.speedups import SUPPORTED_RASA

pytestmark = pytest.mark.server


def test_the_rasa_patches_are_installed_at_process_start_and_reported_in_health(channel_bot):
    with urllib.request.urlopen(channel_bot.url + "/health", timeout=30) as reply:  # loopback: the details
        status, body = reply.status, json.loads(reply.read())
    assert status == 200 and body["status"] == "ok", body
    patches = body["rasa_patches"]
    assert patches["ok"] is True and patches["rasa"] == SUPPORTED_RASA
    assert set(patches["patches"].values()) == {"installed"}
    # Applied by bot.server.rasa.run before the server started, not by the health channel's hook, so they do
    # not depend on HealthInput being listed in credentials.yml.
    assert patches["installed_by"] == ["bot.server.rasa.run"]
    assert body["components"]["tracker_store"]["fails_loudly"] is True
    assert "speedups:" not in channel_bot.log.read_text(), "no patch was skipped at start"
