"""Small truths: the CLI stops quietly when its reader goes away; the input limit has one home (coach.yml)."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.config import load_settings
from bot.server.rasa.input_guard import InputGuard
from tests.servers import ROOT


def test_the_cli_exits_quietly_when_its_reader_has_gone_away():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "validate"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like `| head` that has already exited: every write meets a closed pipe
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors


def test_the_nlu_input_guard_takes_its_limit_from_coach_yml_only():
    limit = load_settings().input.max_chars
    guard = InputGuard({"max_chars": 5})  # an older model's config: ignored
    assert guard.max_chars == limit
    assert guard.needs_routing("a" * (limit + 1)) and not guard.needs_routing("how do we share data?")
