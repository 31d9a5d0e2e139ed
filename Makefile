# Collaboration Coach — one task runner for users, developers and CI. `make help` lists the targets.
SHELL := /bin/bash
# Rasa 3.6.21 needs Python 3.10 (docs/adr/0001). pyenv's shim may exist without 3.10 being active, so
# each candidate must actually run.
PYTHON_BASE ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do $$p --version >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore

KNOWLEDGE := $(wildcard knowledge/*.yml) knowledge/source/collaboration-executive-summary.txt
RASA_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) bot/server/rasa/input_guard.py
MODEL := models/coach.tar.gz
INDEX := build/index/meta.json

.PHONY: help install validate nlu index train run test test-unit test-rasa test-browser test-service eval bench widget screenshots clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(VENV)/.installed: pyproject.toml requirements/lock.txt requirements/constraints.txt
	@test -n "$(PYTHON_BASE)" || { echo "Python 3.10 is needed (Rasa 3.6.21 does not run on 3.11+): install it or set PYTHON_BASE=/path/to/python3.10"; exit 1; }
	test -x $(PY) || $(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/lock.txt -e ".[test]"
	$(VENV)/bin/rasa telemetry disable >/dev/null
	touch $@

install: $(VENV)/.installed ## create .venv and install everything

validate: $(VENV)/.installed ## check every knowledge quote, link and field against the report
	$(PY) -m bot.cli validate

data/nlu/questions.yml: $(KNOWLEDGE) data/nlu/conversation.yml bot/knowledge/nlu_export.py | $(VENV)/.installed
	$(PY) -m bot.cli nlu

nlu: data/nlu/questions.yml ## regenerate NLU examples from the question banks

$(INDEX): $(KNOWLEDGE) coach.yml bot/retrieval/finetune.py bot/knowledge/clean.py bot/knowledge/segment.py $(VENV)/.installed
	$(PY) -m bot.cli validate
	$(PY) -m bot.cli index

index: $(INDEX) ## embed the knowledge into the FAISS index (only what changed)

$(MODEL): $(RASA_INPUTS) data/nlu/questions.yml $(VENV)/.installed
	$(VENV)/bin/rasa train --fixed-model-name coach --out models
	touch $@

train: $(MODEL) ## train the Rasa model when its inputs changed

run: $(INDEX) $(MODEL) ## start the action server and Rasa (REST on http://localhost:5005); Ctrl-C stops both
	$(PY) -m bot.server.serve

test: $(INDEX) $(MODEL) ## everything CI runs: data validation, unit, model and server tests, Rasa test stories
	$(PY) -m bot.cli nlu --check
	$(VENV)/bin/rasa data validate --fail-on-warnings
	$(PY) -m pytest -q --durations=25 tests  # the 25 slowest, so CI's log says where its time goes
	$(MAKE) test-rasa

test-unit: $(VENV)/.installed ## fast tests only (fake encoder, no servers), channel parsing included
	$(PY) -m pytest -q tests/unit tests/coaching tests/channels -m "not server and not model"

test-browser: $(INDEX) $(MODEL) ## web widget tests in headless Chromium (/usr/bin/chromium) against the running bot
	$(PY) -m pytest -q tests/browser

test-rasa: $(MODEL) ## Rasa test stories, failing on any prediction error
	bash scripts/rasa-test-stories.sh

eval: $(INDEX) $(MODEL) ## accuracy: bank cross-validation, independent, detail, dev, held-out, leader-style and answerability dev sets, ours vs two baselines; NLU cross-validation
	$(PY) -m bot.cli eval --crossval 5 --write docs/eval-crossval.md
	$(PY) -m bot.cli eval --dev-set tests/eval/independent_set.yml --write docs/eval-independent.md
	$(PY) -m bot.cli eval --detail tests/eval/detail_set.yml --write docs/eval-detail.md
	$(PY) -m bot.cli eval --write docs/eval-results.md
	$(PY) -m bot.cli eval --dev-set tests/eval/heldout_set.yml --write docs/eval-heldout.md
	$(PY) -m bot.cli eval --dev-set tests/eval/leader_dev_set.yml --write docs/eval-leader-dev.md
	$(PY) -m bot.cli eval --dev-set tests/eval/leader_dev_set_2.yml --write docs/eval-leader-dev-2.md
	$(PY) -m bot.cli eval --dev-set tests/eval/leader_dev_set_3.yml --write docs/eval-leader-dev-3.md
	$(PY) -m bot.cli eval --dev-set tests/eval/leader_dev_set_4.yml --write docs/eval-leader-dev-4.md
	$(PY) -m bot.cli eval --dev-set tests/eval/leader_dev_set_5.yml --write docs/eval-leader-dev-5.md
	$(PY) -m bot.cli eval --dev-set tests/eval/answerability_dev_set.yml --write docs/eval-answerability-dev.md
	$(PY) scripts/rasa_seeded.py test nlu --cross-validation --folds 3 --out build/nlu-cv --no-plot > build/nlu-cv.log 2>&1  # seeded folds: Rasa shuffles them unseeded
	set -o pipefail; $(PY) scripts/nlu_cv_summary.py build/nlu-cv | tee docs/nlu-cross-validation.md

test-service: $(INDEX) $(MODEL) ## replicas on PostgreSQL + Redis, faults, bad input, retention
	$(PY) -m pytest -q tests/service

bench: $(INDEX) $(MODEL) ## Q&A vs bare Rasa turn: latency, 1/8/32-user throughput, 2 replicas (writes docs/benchmarks.md, ~7 min)
	$(PY) scripts/bench.py

widget: ## rebuild the web widget bundle in bot/server/web/static from widget/src (Node 20 + npm)
	cd widget && npm ci --no-audit --no-fund && npm run build

screenshots: $(INDEX) $(MODEL) ## re-take docs/screenshots/widget-*.png from the real demo page
	$(PY) scripts/screenshots.py

clean: ## remove the index, trained models and test output (keeps .venv)
	rm -rf build models results
