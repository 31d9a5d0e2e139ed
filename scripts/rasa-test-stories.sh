#!/usr/bin/env bash
# Run every test story in tests/stories against the trained model; any wrong intent or action fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false HF_HUB_OFFLINE=1
.venv/bin/rasa test core --model models/coach.tar.gz --stories tests/stories \
  --fail-on-prediction-errors --out results/core --no-plot
echo "rasa test stories: all passed"
