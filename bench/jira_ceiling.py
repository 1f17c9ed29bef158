"""How high can a time-ordered JIRA AUC go? A reference point for bench/risk_eval.py.

    uv run python bench/jira_ceiling.py ../shared/datasets --out bench/results/jira_ceiling.json

For each project of jira_delayed_issues, with the `checked`, `strict` and `as_published` feature
sets of bench/risk_eval.py, one plain gradient-boosting model is cross-validated (stratified 5-fold)
in two settings that the real evaluation forbids, both easier than it:
- `test_period_cv`: inside the latest 20% (the evaluation's test period) only, so the model
  learns from the very period it is scored on: no drift between training and test;
- `shuffled_cv`: over the whole history, shuffled, so it also learns from the future.
When even the first stays below a project's share of the 0.90 target, the time-ordered
evaluation (trained on the earlier 80% only) cannot be expected to reach it on that project.
This is sklearn directly, not `risk train`: it measures the data, not the product.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.jira_leaks import feature_sets, leak_evidence  # noqa: E402

TEST_SHARE = 0.2


def _cv_auc(x: pd.DataFrame, y: np.ndarray) -> float:
    model = HistGradientBoostingClassifier(
        categorical_features="from_dtype", learning_rate=0.05, max_iter=200, random_state=0
    )
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return round(float(cross_val_score(model, x, y, cv=folds, scoring="roc_auc").mean()), 4)


def ceiling(path: Path, variants: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    frame = pd.read_csv(path).sort_values("openeddate", kind="stable").reset_index(drop=True)
    y = (frame["delaydays"] > 0).astype(int).to_numpy()
    cut = round(len(frame) * (1 - TEST_SHARE))
    results = {}
    for variant, drop in variants.items():
        x = frame.drop(columns=["issuekey", "delaydays", "openeddate", *drop])
        for column in ("type", "priority"):
            x[column] = x[column].astype("category")
        results[variant] = {
            "test_period_cv": _cv_auc(x.iloc[cut:], y[cut:]),
            "shuffled_cv": _cv_auc(x, y),
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("datasets", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/jira_ceiling.json")
    args = parser.parse_args(argv)
    folder = args.datasets / "jira_delayed_issues"
    variants = feature_sets(leak_evidence(folder))
    projects = {}
    for path in sorted(folder.glob("*_due.csv")):
        name = path.name.removesuffix("_due.csv")
        projects[name] = ceiling(path, variants)
        print(name, projects[name], flush=True)
    means = {
        variant: {
            setting: round(float(np.mean([p[variant][setting] for p in projects.values()])), 4)
            for setting in ("test_period_cv", "shuffled_cv")
        }
        for variant in variants
    }
    print("mean", means)
    args.out.write_text(json.dumps({"projects": projects, "mean": means}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
