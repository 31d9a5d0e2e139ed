"""The fast unit tests of composition, clarification, follow-ups and coaching need neither FAISS nor Rasa
(ADR 0013): they run on the in-memory retriever (tests/fakes.py). A fresh interpreter imports every such
test module, builds that engine and runs each of those paths once; nothing heavy may have been imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("faiss", "rasa", "rasa_sdk", "sanic", "socketio", "torch", "sentence_transformers", "onnxruntime")
# The unit and coaching test modules that do need one of them, and why. Every other module in
# tests/unit and tests/coaching must stay light.
NEEDS = {
    "tests.unit.test_actions": "runs the Rasa SDK actions",
    "tests.unit.test_prefetch": "runs the answer action and the prefetch routes",
    "tests.unit.test_cli_pipe_and_input_limit": "loads Rasa's NLU input guard",
    "tests.unit.test_rasa_speedups": "patches Rasa",
    "tests.unit.test_rest_limits": "the REST channel (Sanic)",
    "tests.unit.test_config_and_cli": "`bot index` writes a FAISS index",
    "tests.unit.test_index": "the FAISS index on disk, and the in-memory one checked against it",
    "tests.unit.test_generalising": "bank cross-validation builds FAISS indexes per fold",
    "tests.coaching.test_actions": "runs the Rasa SDK coaching actions",
    "tests.coaching.test_validators": "runs the Rasa SDK form validation",
    "tests.coaching.test_coaching_rest": "whole conversations through a running bot",
    "tests.coaching.test_diagnose_model": "the real model and index",
}
PROBE = r"""
import importlib, json, sys
heavy_names, modules = set(sys.argv[1].split(",")), sys.argv[2:]
import tests.conftest
for name in modules:
    importlib.import_module(name)
from bot.answer import compose, followups
from bot.coaching import diagnose, flow, health, plan
from tests.fakes import in_memory_engine

engine = in_memory_engine()
answer = compose.compose_answer("Adopting facilitative styles of leadership", engine)
memory = compose.Memory(last_query="Adopting facilitative styles of leadership", enabler_id=answer.enabler_id,
                        challenge_id=answer.challenge_id, shown_enablers=[answer.enabler_id])
slots = {flow.PURPOSE: "Join up support for families", flow.PARTNERS: {"sectors": ["nhs"], "detail": None},
         flow.STAGE: "stuck", flow.THEME: "structures", flow.CHALLENGE: "siloed_funding_and_competition",
         flow.FIRST_STEP: "Map every budget line", flow.WHEN: "next Friday"}
statuses = [answer.status,
            compose.compose_answer("partnership working", engine).status,
            compose.compose_answer("when are the bins collected", engine).status,
            followups.follow_up("why?", engine, memory).status,
            compose.another_enabler(engine, memory).status,
            plan.build_plan(engine, slots)[0].status,
            health.result_answer(engine, dict(zip(flow.HEALTH_STEPS, (5, 5, 4, 4, 1, 2)))).status,
            diagnose.match_challenge(engine, "our budgets are ring-fenced so we cannot share", "structures").challenge_id]
heavy = sorted({m.split(".")[0] for m in sys.modules} & heavy_names)
print(json.dumps({"statuses": statuses, "heavy": heavy}))
"""


def light_modules() -> list[str]:
    found = sorted(f"tests.{p.parent.name}.{p.stem}" for folder in ("unit", "coaching")
                   for p in (ROOT / "tests" / folder).glob("test_*.py"))
    return [m for m in found if m not in NEEDS]


def test_the_list_of_heavy_modules_names_only_modules_that_exist():
    modules = {f"tests.{p.parent.name}.{p.stem}" for folder in ("unit", "coaching")
               for p in (ROOT / "tests" / folder).glob("test_*.py")}
    assert set(NEEDS) <= modules
    assert {"tests.unit.test_compose", "tests.unit.test_retrieval_decisions", "tests.coaching.test_followups",
            "tests.coaching.test_flow_and_plan"} <= set(light_modules())


def test_composition_clarification_follow_ups_and_coaching_import_neither_faiss_nor_rasa():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The timeout only stops a hang: a busy 2-core machine took more than 120 s to import every light module.
    probe = subprocess.run([sys.executable, "-c", PROBE, ",".join(HEAVY), *light_modules()], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=900)
    assert probe.returncode == 0, probe.stderr[-2000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    # Each path really ran: an answer, a clarification, a decline, a follow-up, another enabler, a plan,
    # a health-check result and a matched challenge.
    assert result["statuses"] == ["answered", "clarification", "unanswerable_out_of_scope", "answered", "answered",
                                  "coaching_plan", "health_check_result", "siloed_funding_and_competition"]
    assert result["heavy"] == [], f"the fast unit tests imported {result['heavy']}"
