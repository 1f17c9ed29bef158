"""Prepare a JIRA due-date export for `risk train`: release features known at prediction time.

Each row of the export (Choetkiertikul et al., EMSE 2017) is an issue at the moment its due
date was set: prediction day = openeddate + ProgressTime, due day = prediction day +
RemainingDay. Issues that share a component (the issue key's prefix: IVY-123 -> IVY) and a due
date form a release, and a release slips as a whole: the idea is that issues planned into a
crowded release, or one staffed by developers who are often late, are late more often.
Measured (bench/risk_eval.py --variants strict strict_with_release): it does not raise the
time-ordered test AUC of the trained model, so the headline `strict` variant does not use it.

Every release feature of an issue is computed only from issues of the same release whose due
date was set on an earlier day than the issue's own (the export has day resolution, so an
issue planned later the same day is not counted), plus the issue itself. No outcome
(delaydays) of any issue is read, and no feature holds an absolute date: only day differences,
so the time column still only orders validation (tests/ml/test_jira_features.py checks that
no feature moves when later issues or any outcome change).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Release-wide means (over the issues planned into the release so far) of these columns.
RELEASE_MEANS = ("perofdelay", "RemainingDay")


def prediction_and_due_days(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each issue's prediction day and due day, as whole days since 1970-01-01."""
    opened = pd.to_datetime(frame["openeddate"]).to_numpy().astype("datetime64[D]")
    prediction = opened.astype(np.int64) + frame["ProgressTime"].to_numpy().astype(np.int64)
    due = prediction + frame["RemainingDay"].to_numpy().astype(np.int64)
    return prediction, due


def component(issue_keys: pd.Series) -> pd.Series:
    """The JIRA project key of each issue: 'IVY-123' -> 'IVY'."""
    return issue_keys.astype(str).str.rsplit("-", n=1).str[0]


def release_features(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per issue (frame's index): what its release looked like on its prediction day.

    release_issues     issues planned into the release on earlier days
    release_age_days   days since the release's first issue was planned into it (0: it is new)
    release_span_days  days from that first planning to the due date
    release_mean_<c>   mean of column c over those issues and this one
    """
    prediction, due = prediction_and_due_days(frame)
    release = component(frame["issuekey"]).to_numpy() + "|" + due.astype(str)
    known = _PlannedEarlier(release, prediction)
    # the release's earliest planning day is never after this issue's own: no look-ahead
    first = pd.Series(prediction).groupby(release).transform("min").to_numpy()
    features = {
        "release_issues": known.count,
        "release_age_days": prediction - first,
        "release_span_days": due - first,
    }
    for column in RELEASE_MEANS:
        values = frame[column].to_numpy(dtype=float)
        features[f"release_mean_{column}"] = known.mean_with_self(values)
    return pd.DataFrame(features, index=frame.index)


def with_release_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The export with its release features appended (the training CSV for `risk train`)."""
    return pd.concat([frame, release_features(frame)], axis=1)


class _PlannedEarlier:
    """Per row: the rows of its group with an earlier time (ties excluded), in O(n log n)."""

    def __init__(self, group: np.ndarray, time: np.ndarray) -> None:
        self.order = np.lexsort((time, group))
        g, t = group[self.order], time[self.order]
        new_group = np.r_[True, g[1:] != g[:-1]]
        new_run = new_group | np.r_[True, t[1:] != t[:-1]]  # a run: same group, same time
        # sorted positions [first, run_start) are the group's rows from earlier days
        self.first = np.flatnonzero(new_group)[np.cumsum(new_group) - 1]
        self.run_start = np.flatnonzero(new_run)[np.cumsum(new_run) - 1]
        self.count = np.empty(len(g), dtype=np.int64)
        self.count[self.order] = self.run_start - self.first

    def mean_with_self(self, values: np.ndarray) -> np.ndarray:
        """Mean of `values` over each row and its earlier rows (missing values skipped)."""
        v = values[self.order]
        present = ~np.isnan(v)
        sums = np.r_[0.0, np.cumsum(np.where(present, v, 0.0))]
        counts = np.r_[0, np.cumsum(present)]
        total = sums[self.run_start] - sums[self.first] + np.where(present, v, 0.0)
        n = counts[self.run_start] - counts[self.first] + present
        out = np.empty(len(v))
        out[self.order] = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        return out
