"""Evaluate the risk model on real data, through the same code `pmassist risk train` runs.

    uv run python bench/risk_eval.py ../shared/datasets --out bench/results/risk_eval.json

- jira_delayed_issues (Choetkiertikul et al., EMSE 2017; published mean AUC 0.83): each of the
  8 projects separately, delay = delaydays > 0, time-ordered (earliest 80% by openeddate train,
  latest 20% test). Feature sets: `checked` (the headline) drops the activity counts that a
  leak test finds counted after the prediction time (bench/jira_leaks.py: `repetition`);
  `strict` drops five counts (the earlier, stricter reading); `as_published` keeps all 21.
- kitchenham_estimates: delay (actual duration vs planned from the estimated completion date,
  > 10%) and effort overrun (actual effort vs first estimate, > 10%), repeated stratified
  5-fold x 5 (no time column in the spec).
- landmark_schedule_little06: delay of each release from its first weekly status row.
- tsp_task_plan_vs_actual (SEI TSP logs): effort overrun (actual / planned minutes - 1 > 10%)
  of each work-breakdown element, task plans summed; repeated stratified k-fold.
- sip_task_estimates (SiP): effort overrun (actual / estimated hours - 1 > 10%) per task,
  from what was known when it was estimated; repeated stratified k-fold.
- Beside pmassist on every dataset and target (JIRA: the checked set, per project, on the
  same time-ordered split): LogisticRegression and HistGradientBoosting defaults, and issue
  #16's done criterion (AUC >= max - 0.005 and Brier <= min + 0.001, `meets_done_criterion`).
- throughput: 100,000 generated portfolio projects through RiskModel.score_table (the `risk
  score` path: input checks, probabilities, levels, P50/P80, drivers and levers, as arrays)
  vs the bare fitted pipelines' predict_proba on the same rows: 15 interleaved rounds, native
  thread pools pinned to one thread for both, the median per-round ratio in CPU time and in
  wall time (see `throughput`); also with the contract's result dicts built, without P50/P80
  and without drivers, to show where the time goes.
Each spec TOML and CSV is written to a temp dir and trained with ml.service.train_to_dir.
`--merge` keeps the evaluations of an existing --out file that this run skips:
`bench/risk_eval.py DATASETS --merge --skip jira kitchenham landmark tsp sip guards` updates
only the throughput block.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.jira_features import with_release_features  # noqa: E402
from bench.jira_leaks import feature_sets, leak_evidence  # noqa: E402
from ml.levers import card_levers  # noqa: E402
from ml.persist import load_model  # noqa: E402
from ml.service import train_to_dir  # noqa: E402
from ml.synth import OUTCOME_COLUMNS, generate_portfolio  # noqa: E402

JIRA_PUBLISHED_AUC = 0.83
JIRA_NOTES = [
    "checked is the headline: the dataset says features were extracted when the due date was "
    "assigned. Among issues predicted on their creation day that ended late, a count taken over "
    "the issue's life grows with the days late; only repetition (times reopened) does, in most "
    "projects (leak_evidence.correlation_with_days_late; bench/jira_leaks.py), so checked drops "
    "it. strict also drops the four counts that are non-zero on the creation day for many "
    "issues (leak_evidence.nonzero_on_creation_day), the earlier reading, which mistook "
    "same-day activity before the due date was set for a leak; as_published keeps every "
    "column, as the paper did.",
    "topic_* stay numeric (inferred): declared categorical (more than 30 levels, so the "
    "pipeline target-encodes them, cross-fitted) they scored lower in an offline check of "
    "the same splits (mean test AUC -0.002 to -0.005 in both variants), so the spec does "
    "not declare them; that check looked at test AUC, and the choice keeps the default.",
    "every choice (model kind, boosting parameters from an 8-setting grid, a recency "
    "half-life for the boosting's sample weights: none or 0.25/0.5/1 x the training time "
    "span) is made on the inner split of the training 80% (earliest 64% fit, next 16% "
    "check); the latest 20% is only scored. Calibration is sigmoid (strictly increasing: "
    "keeps the ranking).",
    "no feature is derived from openeddate in any default variant (time only orders the "
    "split). strict_with_release (opt-in: --variants) adds release features known on the "
    "prediction day (bench/jira_features.py: issues planned earlier into the same component "
    "and due date, their mean assignee delay share and remaining days, the release's age and "
    "span; only day differences, no outcomes); measured mean test AUC 0.856 vs strict 0.864, "
    "so the headline does not use them.",
    "issue #4 (target mean 0.90), on the strict set, measured with the same splits, grid and "
    "inner-split choice (mean inner AUC / mean test AUC; strict 0.870 / 0.864): expanding "
    "past delay rates per "
    "topic_*/type/priority known on the prediction day (outcomes of issues due strictly before "
    "it, m-estimate 10) 0.856 / 0.857, as lift over the overall past rate 0.863 / "
    "0.860, type/priority only 0.860 / 0.854, overall and last-90-days past rate 0.865 / 0.846; "
    "due-day calendar and planning shape (weekdays, day of month, month/quarter end, whole "
    "weeks, remaining share, issues sharing the due day) 0.872 / 0.864; values relative to the "
    "component's earlier issues 0.875 / 0.858; iterations by early stopping on the inner check "
    "set 0.869 / 0.866; max_features 0.5 in the grid 0.872 / 0.863; max_depth 4 0.871 / 0.864; a "
    "hard window (latest 50%/25%) 0.871 / 0.862; 5 seeds averaged 0.868 / 0.865. None moves the "
    "test mean by 0.005, and a higher inner AUC does not predict a higher test AUC (choosing per "
    "project by inner AUC among them: 0.857-0.865; the strict mean itself is 0.860-0.864 over "
    "boosting seeds 0-4). Ceilings chosen on the test 20% itself: best idea per project 0.872, "
    "best boosting setting/half-life per project 0.872 (apache 0.741, jboss 0.670); as_published "
    "with the leaking counts 0.899. The 0.90 target is not reachable with leak-free features of "
    "this export: many apache and jboss test issues are in components absent from training (31% "
    "/ 57%) and the univariate signals fade (apache perofdelay AUC 0.80 on the fit part, 0.65 on "
    "the test).",
    "issue #4 again, on the checked set (0.885 / 0.885 inner / test; boosting seeds 0-2 give a "
    "test mean of 0.883-0.886, so differences under 0.003 are noise), every choice on the "
    "inner split: activity rates (each count / (ProgressTime + 1)) and the remaining share "
    "0.885 / 0.886; the same without topic_* 0.886 / 0.888 (3 seeds 0.886); topic_* dropped "
    "0.886 / 0.884; topic_10 only 0.887 / 0.886; a monotone rise with perofdelay 0.886 / "
    "0.886; monotone directions set on the fit part 0.887 / 0.886; issues already planned "
    "with earlier due dates (no outcomes) 0.886 / 0.884; feature groups dropped per project "
    "0.887 / 0.882; a third candidate blending the boosting and logistic logits 0.885 / 0.886, "
    "or a boosting regressor on log delay 0.888 / 0.879. The best inner-chosen test mean is "
    "0.887, within noise of 0.885. bench/jira_ceiling.py: a model cross-validated inside the "
    "test period itself (it learns that period, no drift) reaches a mean of 0.908 on the "
    "checked set (0.890 strict, 0.914 as published); the time-ordered 0.885 is 0.023 below "
    "that, and 0.90 would leave 0.008 for the drift between training and test years (apache "
    "0.784 time-ordered vs 0.802 in-period, jboss 0.659 vs 0.735).",
]


def _spec_toml(spec: dict[str, Any]) -> str:
    lines = []
    for key in ("id", "time"):
        if spec.get(key):
            lines.append(f'{key} = "{spec[key]}"')
    for key in ("drop", "categorical"):
        if spec.get(key):
            lines.append(f"{key} = {json.dumps(spec[key])}")
    for name, target in spec["targets"].items():
        lines.append(f"[targets.{name}]")
        for key, value in target.items():
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _train(frame: pd.DataFrame, spec: dict[str, Any], workdir: Path, name: str) -> dict:
    data, spec_path = workdir / f"{name}.csv", workdir / f"{name}.toml"
    frame.to_csv(data, index=False)
    spec_path.write_text(_spec_toml(spec), encoding="utf-8")
    started = time.perf_counter()
    summary = train_to_dir(data, spec_path, workdir / f"{name}-model")
    summary["train_seconds"] = round(time.perf_counter() - started, 1)
    return summary


def _metrics(summary: dict, target: str) -> dict[str, Any]:
    t = summary["targets"][target]
    v = t["validation"]
    card = json.loads((Path(summary["model_dir"]) / "model_card.json").read_text("utf-8"))
    return {
        "boosting_parameters": card["targets"][target].get("boosting_parameters"),
        "recency_half_life": card["targets"][target].get("recency_half_life"),
        "rows": t["rows"],
        "positives": t["positives"],
        "model": t["model"],
        "calibration": card["targets"][target].get("calibration"),
        "candidates": {
            c: {k: round(x, 4) for k, x in scores.items()} for c, scores in v["candidates"].items()
        },
        "scheme": v["scheme"],
        "roc_auc": round(v["roc_auc"], 4),
        "brier": round(v["brier"], 4),
        "logistic_roc_auc": round(v["logistic_roc_auc"], 4),
        "logistic_brier": round(v["logistic_brier"], 4),
        "prior_roc_auc": v["baseline_roc_auc"],
        "prior_brier": round(v["baseline_brier"], 4),
        "train_seconds": summary["train_seconds"],
    }


# name -> (the feature set it starts from: bench/jira_leaks.feature_sets, prepare the export
# before training)
JIRA_VARIANTS: dict[str, tuple[str, Any]] = {
    "checked": ("checked", None),
    "strict": ("strict", None),
    "as_published": ("as_published", None),
    "strict_with_release": ("strict", with_release_features),
}
JIRA_DEFAULT_VARIANTS = ("checked", "strict", "as_published")


def jira(
    datasets: Path,
    workdir: Path,
    variants: tuple[str, ...] = JIRA_DEFAULT_VARIANTS,
    projects: list[str] | None = None,
) -> dict[str, Any]:
    """Each project trained and tested on its own, per variant; `projects` narrows the run
    (a narrowed run's mean is not comparable with the headline)."""
    folder = datasets / "jira_delayed_issues"
    paths = [
        p
        for p in sorted(folder.glob("*_due.csv"))
        if projects is None or p.name.removesuffix("_due.csv") in projects
    ]
    evidence = leak_evidence(folder)
    excluded = feature_sets(evidence)
    results: dict[str, Any] = {}
    for variant in variants:
        base, prepare = JIRA_VARIANTS[variant]
        drop = excluded[base]
        per_project = {}
        for path in paths:
            project = path.name.removesuffix("_due.csv")
            spec = {
                "id": "issuekey",
                "time": "openeddate",
                "drop": drop,
                "categorical": ["type", "priority"],
                "targets": {"delay": {"column": "delaydays", "threshold": 0}},
            }
            frame = pd.read_csv(path)
            if prepare is not None:
                frame = prepare(frame)
            summary = _train(frame, spec, workdir, f"jira-{variant}-{project}")
            per_project[project] = m = _metrics(summary, "delay")
            if variant == "checked":  # the headline set: the defaults on the same split
                m["defaults"] = default_baselines(frame, spec, "delay")
                m["meets_done_criterion"] = done_criterion(m)
            print(f"jira {variant:12s} {project:10s} {per_project[project]['roc_auc']:.3f}")
        results[variant] = _jira_summary(drop, per_project)
    results["published_mean_roc_auc"] = JIRA_PUBLISHED_AUC
    results["notes"] = JIRA_NOTES
    results["leak_evidence"] = evidence
    return results


def _jira_summary(drop: list[str], per_project: dict[str, dict]) -> dict[str, Any]:
    def mean(key: str) -> float:
        return round(float(np.mean([m[key] for m in per_project.values()])), 4)

    summary: dict[str, Any] = {}
    if all("defaults" in m for m in per_project.values()):
        for kind in ("logistic_default", "hgb_default"):
            for metric in ("roc_auc", "brier"):
                values = [m["defaults"][kind][metric] for m in per_project.values()]
                summary[f"mean_{kind}_{metric}"] = round(float(np.mean(values)), 4)
        summary["projects_meeting_done_criterion"] = [
            p for p, m in per_project.items() if m["meets_done_criterion"]["both"]
        ]
    return {
        "excluded_features": drop,
        "projects": per_project,
        **summary,
        "mean_roc_auc": mean("roc_auc"),
        "mean_logistic_roc_auc": mean("logistic_roc_auc"),
        "mean_brier": mean("brier"),
        "mean_prior_brier": mean("prior_brier"),
    }


def read_arff(path: Path) -> pd.DataFrame:
    """The small subset of ARFF the PROMISE files use: @attribute names, CSV @data, ? = NA."""
    names, rows, in_data = [], [], False
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if in_data:
            rows.append([None if v.strip() == "?" else v.strip() for v in line.split(",")])
        elif line.lower().startswith("@attribute"):
            names.append(re.split(r"\s+", line, maxsplit=2)[1])
        elif line.lower().startswith("@data"):
            in_data = True
    return pd.DataFrame(rows, columns=names)


def kitchenham_frame(datasets: Path) -> pd.DataFrame:
    raw = read_arff(datasets / "kitchenham_estimates" / "kitchenham.arff")
    start = pd.to_datetime(raw["Actual.start.date"])
    planned_end = pd.to_datetime(raw["Estimated.completion.date"])
    return pd.DataFrame(
        {
            "project": raw["Project"],
            "client_code": raw["Client.code"],
            "project_type": raw["Project.type"],
            "function_points": pd.to_numeric(raw["Adjusted.function.points"]),
            "first_estimate_hours": pd.to_numeric(raw["First.estimate"]),
            "estimate_method": raw["First.estimate.method"],
            "planned_days": (planned_end - start).dt.days,
            "actual_days": pd.to_numeric(raw["Actual.duration"]),
            "actual_effort_hours": pd.to_numeric(raw["Actual.effort"]),
        }
    )


def landmark_frame(datasets: Path) -> pd.DataFrame:
    """Landmark Graphics releases (Little 2006): one row per project from its first weekly
    status row: what was known at kick-off (planned days, the phase codes then, start month),
    and the actual days."""
    raw = pd.read_csv(datasets / "landmark_schedule_little06" / "Little06.csv")
    raw = raw.sort_values(["Project Code", "Week End Date"], kind="stable")
    first = raw.groupby("Project Code", sort=True).first().reset_index()
    start = pd.to_datetime(first["Start Date"], format="%m/%d/%y")
    planned = pd.to_datetime(first["First Est"], format="%m/%d/%y")
    actual = pd.to_datetime(first["Actual Release"], format="%m/%d/%y")
    frame = pd.DataFrame(
        {
            "project": first["Project Code"].astype(str),
            "planned_days": (planned - start).dt.days,
            "actual_days": (actual - start).dt.days,
            "start_month": start.dt.month,
        }
    )
    for phase in ("Env", "Plan", "Dev", "Stab", "Mob"):
        frame[f"phase_{phase.lower()}"] = first[phase].fillna("none").astype(str)
    return frame[frame["planned_days"] > 0].reset_index(drop=True)


def landmark(datasets: Path, workdir: Path) -> dict[str, Any]:
    spec = {
        "id": "project",
        "targets": {
            "delay": {"actual": "actual_days", "planned": "planned_days", "threshold": 0.10}
        },
    }
    frame = landmark_frame(datasets)
    summary = _train(frame, spec, workdir, "landmark")
    m = _metrics(summary, "delay")
    m["defaults"] = d = default_baselines(frame, spec, "delay")
    m["meets_done_criterion"] = done_criterion(m)
    m["warnings"] = [w["code"] for w in summary["warnings"]]
    print(
        f"landmark delay pmassist AUC {m['roc_auc']:.3f} Brier {m['brier']:.3f}; LR default "
        f"{d['logistic_default']['roc_auc']:.3f} / {d['logistic_default']['brier']:.3f}; "
        f"HGB default {d['hgb_default']['roc_auc']:.3f} / {d['hgb_default']['brier']:.3f}; "
        f"warnings {m['warnings']}"
    )
    return {"delay": m}


def done_criterion(m: dict[str, Any]) -> dict[str, Any]:
    """Issue #16's bar: AUC >= max(LR, HGB defaults) - 0.005 and Brier <= min + 0.001."""
    d = m["defaults"]
    best_auc = max(d["logistic_default"]["roc_auc"], d["hgb_default"]["roc_auc"])
    best_brier = min(d["logistic_default"]["brier"], d["hgb_default"]["brier"])
    auc_ok = m["roc_auc"] >= best_auc - 0.005
    brier_ok = m["brier"] <= best_brier + 0.001
    return {
        "auc": bool(auc_ok),
        "brier": bool(brier_ok),
        "both": bool(auc_ok and brier_ok),
        "auc_margin": round(m["roc_auc"] - best_auc, 4),
        "brier_margin": round(best_brier - m["brier"], 4),
    }


def _with_defaults(
    name: str, frame: pd.DataFrame, spec: dict[str, Any], summary: dict, target: str
) -> dict[str, Any]:
    """pmassist's metrics for `target`, the defaults' on the same folds, the done check."""
    m = _metrics(summary, target)
    m["defaults"] = d = default_baselines(frame, spec, target)
    m["meets_done_criterion"] = done_criterion(m)
    m["warnings"] = [w["code"] for w in summary["warnings"]]
    print(
        f"{name} {target} pmassist ({m['model']}) AUC {m['roc_auc']:.3f} Brier {m['brier']:.4f}; "
        f"LR default {d['logistic_default']['roc_auc']:.3f} / "
        f"{d['logistic_default']['brier']:.4f}; HGB default "
        f"{d['hgb_default']['roc_auc']:.3f} / {d['hgb_default']['brier']:.4f}; "
        f"meets {m['meets_done_criterion']}; train {m['train_seconds']}s"
    )
    return m


def tsp_frame(datasets: Path) -> pd.DataFrame:
    """SEI TSP task logs summed per work-breakdown element (project, WBS element): what the
    plan said before the work (planned minutes, how many plan items, people and phases, the
    share of planned time in each process phase group, team and process), and the actual
    minutes. Dates are not used (they are the work's actual dates)."""
    raw = pd.read_csv(datasets / "tsp_task_plan_vs_actual" / "2018_005_tf.csv")
    raw["phase_group"] = raw["phase_short_name"].astype(str).str.split("-").str[0]
    keys = ["project_key", "wbs_element_key"]
    grouped = raw.groupby(keys, sort=True)
    frame = grouped.agg(
        team=("team_key", "first"),
        process=("process_name", "first"),
        planned_minutes=("task_plan_time_minutes", "sum"),
        actual_minutes=("task_actual_time_minutes", "sum"),
        plan_items=("plan_item_key", "nunique"),
        people=("person_key", "nunique"),
        phases=("phase_key", "nunique"),
        largest_item_minutes=("task_plan_time_minutes", "max"),
    ).reset_index()
    frame["element"] = frame["project_key"].astype(str) + "/" + frame["wbs_element_key"].astype(str)
    frame["project"] = frame["project_key"].astype(str)
    frame["team"] = frame["team"].astype(str)
    frame = frame.drop(columns=keys)
    return frame[frame["planned_minutes"] > 0].reset_index(drop=True)


def tsp(datasets: Path, workdir: Path) -> dict[str, Any]:
    spec = {
        "id": "element",
        "categorical": ["team", "process", "project"],
        "targets": {
            "overrun": {
                "actual": "actual_minutes",
                "planned": "planned_minutes",
                "threshold": 0.10,
            }
        },
    }
    frame = tsp_frame(datasets)
    summary = _train(frame, spec, workdir, "tsp")
    return {"overrun": _with_defaults("tsp", frame, spec, summary, "overrun")}


def sip_frame(datasets: Path) -> pd.DataFrame:
    """SiP tasks (one UK company, 2004-2014): what was known when a task was estimated
    (priority, project and area, category, people, the estimate) and the actual hours.
    StatusCode (finished, cancelled, ...) is the task's end state and the performance
    columns restate the outcome: they are not features."""
    raw = pd.read_csv(datasets / "sip_task_estimates" / "Sip-task-info.csv", encoding="cp1252")
    frame = pd.DataFrame(
        {
            "task": raw["TaskNumber"].astype(str),
            "priority": raw["Priority"],
            "project": raw["ProjectCode"].astype(str),
            "area": raw["ProjectBreakdownCode"].astype(str),
            "category": raw["Category"].astype(str),
            "subcategory": raw["SubCategory"].astype(str),
            "raised_by": raw["RaisedByID"].astype(str),
            "authorised_by": raw["AuthorisedByID"].astype(str),
            "developer": raw["DeveloperID"].astype(str),
            "estimate_hours": raw["HoursEstimate"],
            "actual_hours": raw["HoursActual"],
        }
    )
    return frame[frame["estimate_hours"] > 0].reset_index(drop=True)


def sip(datasets: Path, workdir: Path) -> dict[str, Any]:
    spec = {
        "id": "task",
        "categorical": [
            "project",
            "area",
            "category",
            "subcategory",
            "raised_by",
            "authorised_by",
            "developer",
        ],
        "targets": {
            "overrun": {
                "actual": "actual_hours",
                "planned": "estimate_hours",
                "threshold": 0.10,
            }
        },
    }
    frame = sip_frame(datasets)
    summary = _train(frame, spec, workdir, "sip")
    return {"overrun": _with_defaults("sip", frame, spec, summary, "overrun")}


def default_baselines(frame: pd.DataFrame, spec: dict[str, Any], target: str) -> dict[str, Any]:
    """Held-out ROC AUC and Brier of scikit-learn defaults on the folds pmassist validates
    with (untimed spec: ml.validation's repeated stratified k-fold, seed 0; a spec with a
    time column: the earliest 80% by time fit, the latest 20% test, as ml.validation): a
    LogisticRegression() on one-hot categories and imputed, scaled numbers, and a
    HistGradientBoostingClassifier() with native categories. Same features as pmassist's
    spec leaves (id, time, drop and outcome columns out)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from ml.spec import RiskSpec
    from ml.validation import TIME_TEST_SHARE, repeated_kfold_splits

    risk_spec = RiskSpec.model_validate(spec)
    if risk_spec.time:
        stamps = pd.to_datetime(frame[risk_spec.time], format="ISO8601")
        frame = frame.iloc[np.argsort(stamps.to_numpy(), kind="stable")].reset_index(drop=True)
    y_all, known = risk_spec.targets[target].labels(frame)
    names = [c for c in risk_spec.feature_columns(list(frame.columns))]
    x = frame.loc[known, names].reset_index(drop=True)
    y = y_all[known]
    categorical = [
        c for c in names if c in risk_spec.categorical or not pd.api.types.is_numeric_dtype(x[c])
    ]
    numeric = [c for c in names if c not in categorical]
    x[categorical] = x[categorical].astype(str).astype("category")
    linear = make_pipeline(
        ColumnTransformer(
            [
                ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                ("num", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
            ]
        ),
        LogisticRegression(max_iter=1000),
    )
    boosting = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    scores: dict[str, dict[str, list[float]]] = {
        "logistic_default": {"auc": [], "brier": []},
        "hgb_default": {"auc": [], "brier": []},
    }
    if risk_spec.time:
        cut = round(len(y) * (1 - TIME_TEST_SHARE))
        splits = [(np.arange(cut), np.arange(cut, len(y)))]
    else:
        splits = list(repeated_kfold_splits(y, 0))
    for train, test in splits:
        for name, model in (("logistic_default", linear), ("hgb_default", boosting)):
            p = model.fit(x.iloc[train], y[train]).predict_proba(x.iloc[test])[:, 1]
            scores[name]["auc"].append(roc_auc_score(y[test], p))
            scores[name]["brier"].append(brier_score_loss(y[test], p))
    return {
        name: {
            "roc_auc": round(float(np.mean(s["auc"])), 4),
            "brier": round(float(np.mean(s["brier"])), 4),
        }
        for name, s in scores.items()
    }


def kitchenham(datasets: Path, workdir: Path) -> dict[str, Any]:
    spec = {
        "id": "project",
        "categorical": ["client_code", "project_type", "estimate_method"],
        "targets": {
            "delay": {"actual": "actual_days", "planned": "planned_days", "threshold": 0.10},
            "overrun": {
                "actual": "actual_effort_hours",
                "planned": "first_estimate_hours",
                "threshold": 0.10,
            },
        },
    }
    frame = kitchenham_frame(datasets)
    summary = _train(frame, spec, workdir, "kitchenham")
    results = {name: _metrics(summary, name) for name in ("delay", "overrun")}
    for name, m in results.items():
        m["defaults"] = default_baselines(frame, spec, name)
        m["meets_done_criterion"] = done_criterion(m)
        d = m["defaults"]
        print(
            f"kitchenham {name:8s} pmassist AUC {m['roc_auc']:.3f} Brier {m['brier']:.3f}; "
            f"LR default {d['logistic_default']['roc_auc']:.3f} / "
            f"{d['logistic_default']['brier']:.3f}; HGB default "
            f"{d['hgb_default']['roc_auc']:.3f} / {d['hgb_default']['brier']:.3f}"
        )
    return results


def guards(datasets: Path, workdir: Path) -> dict[str, Any]:
    """#16's guards on real data (Kitchenham): a column restating the outcome must be flagged
    as leakage and excluded; a shuffled target must give no_skill."""
    frame = kitchenham_frame(datasets)
    rng = np.random.default_rng(0)
    leaky = frame.assign(  # the delay in percent, rounded, as a status report would state it
        schedule_variance_pct=((frame["actual_days"] / frame["planned_days"] - 1) * 100).round()
    )
    spec = {
        "id": "project",
        "categorical": ["client_code", "project_type", "estimate_method"],
        "targets": {
            "delay": {"actual": "actual_days", "planned": "planned_days", "threshold": 0.10}
        },
    }
    leak = _train(leaky, spec, workdir, "kitchenham-leak")
    excluded = {c["name"]: c["reason"] for c in leak["columns"]["excluded"]}
    shuffled = frame.assign(
        late_days=rng.permutation((frame["actual_days"] - frame["planned_days"]).to_numpy())
    )
    noise_spec = {
        "id": "project",
        "drop": ["actual_days", "actual_effort_hours"],
        "categorical": ["client_code", "project_type", "estimate_method"],
        "targets": {"delay": {"column": "late_days", "threshold": 0}},
    }
    noise = _train(shuffled, noise_spec, workdir, "kitchenham-shuffled")
    result = {
        "leakage_column_excluded_as": excluded.get("schedule_variance_pct"),
        "leakage_warning": [w["columns"] for w in leak["warnings"] if w["code"] == "leakage"],
        "leak_model_roc_auc": round(leak["targets"]["delay"]["validation"]["roc_auc"], 4),
        "shuffled_no_skill": noise["targets"]["delay"]["no_skill"],
        "shuffled_roc_auc": round(noise["targets"]["delay"]["validation"]["roc_auc"], 4),
        "shuffled_warnings": [w["code"] for w in noise["warnings"]],
    }
    print(f"guards: {result}")
    return result


def throughput(workdir: Path, rows: int = 100_000, rounds: int = 15) -> dict[str, Any]:
    """Rows/s of the `risk score` path vs the bare fitted pipelines, interleaved, medians.

    bare = for every target, the fitted sklearn Pipeline (its ColumnTransformer + calibrated
    classifier) `.predict_proba` on the same 100k rows as a DataFrame, summed over the targets
    (the probabilities `risk score` also computes, with nothing else): an array out.
    scored = RiskModel.score_table on the same DataFrame: input checks, probabilities, levels,
    P50/P80, the top drivers with their effects and targets, and the levers, as arrays
    (ml.results). Also measured: the same with the contract's result dicts built
    (`score_frame`, what the CLI and the API serialise), without P50/P80, without drivers,
    and the JSON text of the dicts.

    Both sides run with every native thread pool (BLAS and OpenMP) pinned to one thread, and
    each call is timed twice: wall time (perf_counter) and the process's CPU time
    (process_time). On a shared machine other processes stretch the wall time of whichever
    call they land on; they do not add to this process's CPU time. The headline ratios are
    the median over rounds of bare/scored within a round, for CPU and for wall.
    Each timer stops when the call returns; the results are released after it.
    """
    summary = train_to_dir(ROOT / "data" / "portfolio.csv", None, workdir / "portfolio-model")
    model = load_model(Path(summary["model_dir"]))
    projects = generate_portfolio(rows, seed=7).drop(columns=list(OUTCOME_COLUMNS))
    first = next(iter(model.estimators.values())).classifier
    work = {
        "bare": lambda: [e.classifier.predict_proba(projects) for e in model.estimators.values()],
        "bare_one_target": lambda: first.predict_proba(projects),
        "scored": lambda: model.score_table(projects),
        "no_quantiles": lambda: model.score_table(projects, quantiles=False),
        "no_drivers": lambda: model.score_table(projects, drivers=False),
        "with_dicts": lambda: model.score_frame(projects),
    }
    with threadpool_limits(limits=1):
        load_before = os.getloadavg()
        timed = _interleaved(work, rounds)
        load_after = os.getloadavg()
        # Timed on their own, after the rest: while 100k result dicts (~800k objects) are
        # alive, every garbage collection the other variants trigger walks them all, which
        # measured up to twice the time of a whole score_table.
        records = model.score_frame(projects)
        timed |= _interleaved(
            {
                "json_text": lambda: json.dumps(
                    {"model": "m", "results": records}, ensure_ascii=False
                )
            },
            rounds,
        )

    def per_s(name: str, clock: str = "wall") -> int:
        return round(rows / float(np.median(timed[name][clock])))

    def per_round(clock: str, name: str = "scored") -> list[float]:
        """bare time / this variant's time, both from the same round."""
        pairs = zip(timed["bare"][clock], timed[name][clock], strict=True)
        return [round(bare / t, 3) for bare, t in pairs]

    def ratio(name: str, clock: str) -> float:
        return round(float(np.median(per_round(clock, name))), 3)

    result = {
        "rows": rows,
        "rounds": rounds,
        "models": {n: t.model for n, t in model.card.targets.items()},
        "top_drivers": model.top_drivers,
        "levers": [lever.feature for lever in card_levers(model.card)],
        "threads": "BLAS and OpenMP pinned to 1 (threadpoolctl) for every variant",
        "bare_definition": "sum over targets of Pipeline.predict_proba(DataFrame of 100k rows)",
        "scored_definition": "RiskModel.score_table: every number risk score reports "
        "(probabilities, levels, P50/P80, drivers, levers), as arrays",
        "ratio_definition": "median over rounds of (bare time / scored time) in the same round",
        "ratio_cpu": ratio("scored", "cpu"),
        "ratio_wall": ratio("scored", "wall"),
        "ratio_cpu_per_round": per_round("cpu"),
        "ratio_wall_per_round": per_round("wall"),
        "bare_predict_proba_rows_per_s": per_s("bare"),
        "bare_predict_proba_rows_per_cpu_s": per_s("bare", "cpu"),
        "bare_one_target_rows_per_s": per_s("bare_one_target"),
        "risk_score_rows_per_s": per_s("scored"),
        "risk_score_rows_per_cpu_s": per_s("scored", "cpu"),
        "risk_score_without_p50_p80_rows_per_s": per_s("no_quantiles"),
        "risk_score_without_drivers_rows_per_s": per_s("no_drivers"),
        "risk_score_with_result_dicts_rows_per_s": per_s("with_dicts"),
        "result_dicts_to_json_rows_per_s": per_s("json_text"),
        "load_average_1_5_15_before": [round(v, 2) for v in load_before],
        "load_average_1_5_15_after": [round(v, 2) for v in load_after],
        "cpus": os.cpu_count(),
        "ratio_without_p50_p80_cpu": ratio("no_quantiles", "cpu"),
        "ratio_without_p50_p80_wall": ratio("no_quantiles", "wall"),
        "ratio_without_drivers_cpu": ratio("no_drivers", "cpu"),
        "ratio_without_drivers_wall": ratio("no_drivers", "wall"),
        "ratio_with_result_dicts_cpu": ratio("with_dicts", "cpu"),
        "ratio_with_result_dicts_wall": ratio("with_dicts", "wall"),
        "quantiles": {
            n: t.quantiles.model_dump(exclude={"edges", "p50", "p80"})
            for n, t in model.card.targets.items()
            if t.quantiles is not None
        },
    }
    print(
        f"throughput: bare {result['bare_predict_proba_rows_per_s']:,} rows/s, risk score "
        f"{result['risk_score_rows_per_s']:,} rows/s; ratio CPU {result['ratio_cpu']}, wall "
        f"{result['ratio_wall']} (without P50/P80 {result['ratio_without_p50_p80_cpu']} CPU; "
        f"without drivers {result['ratio_without_drivers_cpu']} CPU; with the result dicts "
        f"{result['ratio_with_result_dicts_cpu']} CPU; load "
        f"{result['load_average_1_5_15_before']} -> {result['load_average_1_5_15_after']})"
    )
    return result


def _interleaved(work: dict[str, Any], rounds: int) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds of each variant in every round; the rounds alternate the variants,
    so a burst of load on a shared machine does not favour whichever one ran at a quiet
    moment. One untimed call of each first: caches, compiled pipelines, page faults."""
    for run in work.values():
        run()
    times: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in work}
    for _ in range(rounds):
        for name, run in work.items():
            gc.collect()  # the previous variant's garbage is not this one's cost
            wall, cpu = time.perf_counter(), time.process_time()
            result = run()
            times[name]["cpu"].append(time.process_time() - cpu)
            times[name]["wall"].append(time.perf_counter() - wall)
            del result  # freed outside the timer
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Risk model evaluation on real data.")
    parser.add_argument("datasets", type=Path, help="Folder holding jira_delayed_issues/ etc.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "risk_eval.json")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["jira", "kitchenham", "landmark", "tsp", "sip", "guards", "throughput"],
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        default=list(JIRA_DEFAULT_VARIANTS),
        choices=list(JIRA_VARIANTS),
        help="JIRA feature sets to run (strict_with_release: bench/jira_features.py)",
    )
    parser.add_argument(
        "--projects", nargs="+", default=None, help="only these JIRA projects (e.g. apache)"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="update only the evaluations run now in an existing --out file, keep the rest",
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if args.merge and args.out.exists():
        results = json.loads(args.out.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if "kitchenham" not in args.skip:
            results["kitchenham"] = kitchenham(args.datasets, workdir)
        if "landmark" not in args.skip:
            results["landmark"] = landmark(args.datasets, workdir)
        if "tsp" not in args.skip:
            results["tsp"] = tsp(args.datasets, workdir)
        if "sip" not in args.skip:
            results["sip"] = sip(args.datasets, workdir)
        if "guards" not in args.skip:
            results["guards"] = guards(args.datasets, workdir)
        if "throughput" not in args.skip:
            results["throughput"] = throughput(workdir)
        if "jira" not in args.skip:
            results["jira"] = jira(args.datasets, workdir, tuple(args.variants), args.projects)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    _print_table(results)
    return 0


def _print_table(results: dict[str, Any]) -> None:
    print("\n| evaluation | model | ROC AUC | logistic AUC | Brier | prior Brier |")
    print("|---|---|---|---|---|---|")
    for variant in JIRA_VARIANTS:
        jira_variant = results.get("jira", {}).get(variant)
        if jira_variant:
            for project, m in jira_variant["projects"].items():
                print(
                    f"| jira {variant} {project} | {m['model']} | {m['roc_auc']:.3f} | "
                    f"{m['logistic_roc_auc']:.3f} | {m['brier']:.3f} | {m['prior_brier']:.3f} |"
                )
            print(
                f"| **jira {variant} mean** | | **{jira_variant['mean_roc_auc']:.3f}** | "
                f"{jira_variant['mean_logistic_roc_auc']:.3f} | {jira_variant['mean_brier']:.3f} "
                f"| {jira_variant['mean_prior_brier']:.3f} |"
            )
    for name, m in results.get("kitchenham", {}).items():
        print(
            f"| kitchenham {name} | {m['model']} | {m['roc_auc']:.3f} | "
            f"{m['logistic_roc_auc']:.3f} | {m['brier']:.3f} | {m['prior_brier']:.3f} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
