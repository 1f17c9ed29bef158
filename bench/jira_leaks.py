"""Which JIRA activity counts were counted after the prediction time (a leak test).

The export says its features were taken when the due date was assigned. An activity count
taken then cannot know how long the issue will go on to stay open; a count taken over the
issue's whole life grows with it. So, per project, among the issues predicted on the day they
were created (ProgressTime 0: little activity can precede the prediction) that ended late, the
test is the rank correlation of each count with the number of days late. A count leaks when
that correlation is above LEAK_CORRELATION in most projects.

Measured on the 8 projects (bench/results/risk_eval.json, `leak_evidence`): `repetition`
(times reopened) rises with the delay in 6 of 8 projects (Spearman +0.10 to +0.42), and is
non-zero on the creation day for 5-41% of issues, though reopening needs a resolution first.
Every other count rises in at most 3 projects; comments, priority and description changes fall
with the delay or are flat (-0.15 to +0.04) — the opposite of a count that runs on to the end.
Their non-zero shares on the creation day (comments 18-45%) are same-day activity before the
due date was set, which a count at the prediction time includes. The earlier, stricter reading
took those shares alone as proof of a leak and dropped five counts (`STRICT_EXCLUSION`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# Counts that accrue with activity on an issue while it is open.
ACTIVITY_COUNTS = [
    "repetition",
    "no_comment",
    "no_priority_change",
    "no_fixversion",
    "no_fixversion_change",
    "no_issuelink",
    "no_blocking",
    "no_blockedby",
    "no_affectversion",
    "no_des_change",
]
# The earlier exclusion: the counts that are non-zero on the creation day for many issues.
STRICT_EXCLUSION = [
    "repetition",
    "no_comment",
    "no_priority_change",
    "no_fixversion_change",
    "no_des_change",
]
LEAK_CORRELATION = 0.05


def project_evidence(frame: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Per activity count: the share non-zero among issues predicted on their creation day,
    and, among those that ended late, its Spearman correlation with the days late (None when
    the count is constant there)."""
    at_creation = frame[frame["ProgressTime"] == 0]
    late = at_creation[at_creation["delaydays"] > 0]
    evidence: dict[str, dict[str, float | None]] = {}
    for column in ACTIVITY_COUNTS:
        correlation = None
        if late[column].nunique() > 1:
            correlation = round(float(late[column].corr(late["delaydays"], method="spearman")), 3)
        evidence[column] = {
            "nonzero_on_creation_day": round(float((at_creation[column] > 0).mean()), 3),
            "correlation_with_days_late": correlation,
        }
    return evidence


def leaking_counts(evidence: dict[str, dict[str, dict[str, float | None]]]) -> list[str]:
    """The counts whose correlation with the days late is above LEAK_CORRELATION in more than
    half of the projects (`evidence`: project -> project_evidence)."""
    projects = len(evidence)
    leaking = []
    for column in ACTIVITY_COUNTS:
        rising = sum(
            (e[column]["correlation_with_days_late"] or 0.0) > LEAK_CORRELATION
            for e in evidence.values()
        )
        if rising * 2 > projects:
            leaking.append(column)
    return leaking


def feature_sets(evidence: dict[str, dict[str, dict[str, float | None]]]) -> dict[str, list[str]]:
    """The JIRA feature sets the benches compare, as the columns each leaves out: `checked`
    (what this test finds), `strict` (the earlier reading), `as_published` (nothing)."""
    return {"checked": leaking_counts(evidence), "strict": STRICT_EXCLUSION, "as_published": []}


def leak_evidence(folder: Path) -> dict[str, dict[str, dict[str, float | None]]]:
    """project_evidence for every `*_due.csv` in `folder`, by project name."""
    return {
        path.name.removesuffix("_due.csv"): project_evidence(pd.read_csv(path))
        for path in sorted(folder.glob("*_due.csv"))
    }
