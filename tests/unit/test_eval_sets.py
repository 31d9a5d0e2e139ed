"""The held-out sets stay usable: every label names a real item, and every detail answer is the report's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from bot.knowledge.loader import load_knowledge

EVAL = Path(__file__).resolve().parents[1] / "eval"
REPORT = Path(__file__).resolve().parents[2] / "knowledge" / "source" / "collaboration-executive-summary.txt"


@pytest.fixture(scope="module")
def item_ids() -> set[str]:
    return set(load_knowledge(load_settings().knowledge_dir).items)


@pytest.mark.parametrize("name", ["dev_set.yml", "heldout_set.yml", "independent_set.yml", "leader_dev_set.yml",
                                  "leader_dev_set_2.yml", "leader_dev_set_3.yml", "leader_dev_set_4.yml",
                                  "leader_dev_set_5.yml"])
def test_every_label_in_a_question_set_names_a_knowledge_item(name, item_ids):
    data = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))
    labels = {i for q in data["in_scope"] for i in (q.get("enabler") or []) + (q.get("fact") or [])}
    assert data["in_scope"] and data["off_topic"]
    assert labels and labels <= item_ids, labels - item_ids


@pytest.mark.parametrize("name, at_least", [("detail_set.yml", 30), ("detail_dev_set.yml", 20)])
def test_every_detail_answer_is_verbatim_in_the_report_on_one_line(name, at_least):
    lines = REPORT.read_text(encoding="utf-8").splitlines()
    detail = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))["detail"]
    assert len(detail) >= at_least
    missing = [d["answer"] for d in detail if not any(d["answer"] in line for line in lines)]
    assert missing == []


def _normal(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


# dev_set.yml is left out: it was tuned on from the start (see its header), and some of its plain questions
# ("who carried out the study") were in the banks before it was written.
@pytest.mark.parametrize("name", ["heldout_set.yml", "independent_set.yml", "leader_dev_set.yml", "leader_dev_set_2.yml",
                                  "leader_dev_set_3.yml", "leader_dev_set_4.yml", "leader_dev_set_5.yml"])
def test_no_question_of_an_evaluation_set_is_in_the_question_banks(name):
    """The banks grow from leaders' phrasings written for them, never from an evaluation set: a copied
    question would score itself."""
    knowledge = load_knowledge(load_settings().knowledge_dir)
    banks = {_normal(q) for item in knowledge.items.values() for q in item.questions}
    data = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))
    asked = [q["q"] for q in data["in_scope"]] + list(data["off_topic"]) + list(data.get("collaboration_problems") or [])
    assert len(asked) > 40
    assert [q for q in asked if _normal(q) in banks] == []
