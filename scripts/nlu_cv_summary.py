"""Print the intent figures of `rasa test nlu --cross-validation` as one Markdown table.

    python scripts/nlu_cv_summary.py build/nlu-cv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(out_dir: str) -> int:
    report_path = Path(out_dir) / "DIETClassifier_report.json"
    if not report_path.exists():
        report_path = Path(out_dir) / "intent_report.json"
    if not report_path.exists():
        print(f"no intent report in {out_dir}: did `rasa test nlu --cross-validation` run?", file=sys.stderr)
        return 1
    report = json.loads(report_path.read_text())
    rows = ["| intent | precision | recall | F1 | examples |", "|---|---|---|---|---|"]
    for intent, m in sorted(report.items()):
        if isinstance(m, dict) and "precision" in m and "support" in m and intent not in ("micro avg",):
            rows.append(f"| {intent} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1-score']:.3f} | {m['support']} |")
    print("NLU intent classification, 3-fold cross-validation (test folds):\n")
    print("\n".join(rows))
    if "accuracy" in report:
        print(f"\naccuracy: {report['accuracy']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/nlu-cv"))
