"""bench/jira_leaks.py: a count that runs on after the prediction time is found, others not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.jira_leaks import ACTIVITY_COUNTS, leaking_counts, project_evidence


def issues(seed: int, rows: int = 1000) -> pd.DataFrame:
    """Issues whose `repetition` keeps counting while the issue is late (a whole-life count)
    and whose `no_comment` was taken on the prediction day: it cannot know the delay, and
    issues discussed early end a little less late (as in the JIRA export)."""
    rng = np.random.default_rng(seed)
    days_late = np.where(rng.random(rows) < 0.5, rng.integers(1, 200, rows), 0)
    frame = pd.DataFrame({column: np.zeros(rows, dtype=int) for column in ACTIVITY_COUNTS})
    frame["ProgressTime"] = np.where(rng.random(rows) < 0.7, 0, rng.integers(1, 30, rows))
    frame["delaydays"] = days_late
    frame["repetition"] = rng.poisson(0.2 + days_late / 50)
    frame["no_comment"] = rng.poisson(1.0 - days_late / 400)
    return frame


def test_a_count_that_grows_with_the_days_late_leaks_and_a_prediction_day_count_does_not():
    evidence = {f"p{seed}": project_evidence(issues(seed)) for seed in range(5)}
    assert leaking_counts(evidence) == ["repetition"]
    one = evidence["p0"]
    assert one["repetition"]["correlation_with_days_late"] > 0.3
    assert one["no_comment"]["correlation_with_days_late"] < 0
    assert one["no_des_change"]["correlation_with_days_late"] is None  # constant: no verdict
    assert 0.4 < one["no_comment"]["nonzero_on_creation_day"] < 0.7  # about 1 - e^-0.8


def test_a_leak_in_a_minority_of_projects_is_not_enough():
    honest = issues(0)
    honest["repetition"] = np.random.default_rng(9).poisson(0.5, len(honest))
    evidence = {"a": project_evidence(issues(1)), "b": project_evidence(honest)}
    evidence["c"] = project_evidence(honest)
    assert leaking_counts(evidence) == []
