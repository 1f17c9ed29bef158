"""bench/jira_features.py: release features use only what was known on the prediction day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.jira_features import (
    component,
    prediction_and_due_days,
    release_features,
    with_release_features,
)


def issues() -> pd.DataFrame:
    """Two components; IVY has one release (due 2020-01-20) planned over three days."""
    rows = [
        # key, opened, ProgressTime, RemainingDay, perofdelay, delaydays
        ("IVY-1", "2020-01-01", 0, 19, 10.0, 0),  # planned 01-01, due 01-20
        ("IVY-2", "2020-01-01", 4, 15, 30.0, 5),  # planned 01-05, due 01-20
        ("IVY-3", "2020-01-05", 0, 15, 50.0, 0),  # planned 01-05 (same day as IVY-2)
        ("IVY-4", "2020-01-08", 2, 10, np.nan, 9),  # planned 01-10, due 01-20
        ("IVY-5", "2020-01-08", 2, 11, 70.0, 0),  # due 01-21: another release
        ("CB-1", "2020-01-01", 0, 19, 90.0, 3),  # same due date, other component
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "issuekey",
            "openeddate",
            "ProgressTime",
            "RemainingDay",
            "perofdelay",
            "delaydays",
        ],
    )
    return frame


def test_prediction_and_due_days_follow_progress_and_remaining_time() -> None:
    prediction, due = prediction_and_due_days(issues())
    day = pd.Timestamp("2020-01-01").to_datetime64().astype("datetime64[D]").astype(np.int64)
    assert list(prediction - day) == [0, 4, 4, 9, 9, 0]
    assert list(due - day) == [19, 19, 19, 19, 20, 19]
    assert list(component(issues()["issuekey"])) == ["IVY"] * 5 + ["CB"]


def test_release_features_by_hand() -> None:
    features = release_features(issues())
    # IVY-2 and IVY-3 were planned the same day: neither counts the other
    assert list(features["release_issues"]) == [0, 1, 1, 3, 0, 0]
    assert list(features["release_age_days"]) == [0, 4, 4, 9, 0, 0]
    assert list(features["release_span_days"]) == [19, 19, 19, 19, 11, 19]
    means = features["release_mean_perofdelay"].to_numpy()
    # IVY-4's own value is missing: the mean of the three planned before it
    assert means == pytest.approx([10.0, 20.0, 30.0, 30.0, 70.0, 90.0])
    assert features["release_mean_RemainingDay"].to_numpy() == pytest.approx(
        [19, 17, 17, (19 + 15 + 15 + 10) / 4, 11, 19]
    )


def test_no_feature_changes_when_the_future_changes() -> None:
    """For every issue: drop every issue planned on the same day or later (except itself) and
    rewrite every outcome; its features must not move."""
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame(
        {
            "issuekey": [f"{rng.choice(['A', 'B', 'C'])}-{i}" for i in range(n)],
            "openeddate": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
            "ProgressTime": rng.integers(0, 5, n),
            "RemainingDay": rng.choice([3, 10, 30], n),  # few due dates: crowded releases
            "perofdelay": rng.uniform(0, 100, n),
            "delaydays": rng.integers(0, 3, n),
        }
    )
    full = release_features(frame)
    prediction, _ = prediction_and_due_days(frame)
    for i in rng.choice(n, 40, replace=False):
        past = (prediction < prediction[i]) | (np.arange(n) == i)
        known = frame[past].assign(delaydays=rng.integers(0, 50, int(past.sum())))
        again = release_features(known)
        pd.testing.assert_series_equal(again.loc[i], full.loc[i], check_names=False)


def test_with_release_features_keeps_the_export_and_adds_no_dates() -> None:
    frame = issues()
    prepared = with_release_features(frame)
    assert list(prepared.columns[: len(frame.columns)]) == list(frame.columns)
    added = prepared.columns[len(frame.columns) :]
    assert all(pd.api.types.is_numeric_dtype(prepared[c]) for c in added)
    assert "delaydays" not in added and len(prepared) == len(frame)
