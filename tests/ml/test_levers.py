"""Levers (#16 point 6) and feature labels (#16 point 9)."""

from __future__ import annotations

import numpy as np
import pytest

from ml.labels import feature_label
from ml.levers import MIN_DROP, TOP, Lever, LeverTable, lever_table
from ml.model import RiskModel


def project(new_projects, **changes):
    record = new_projects.iloc[0].to_dict()
    record.update(changes)
    return record


def test_levers_are_the_probability_after_a_realistic_change(
    trained: RiskModel, new_projects
) -> None:
    record = project(new_projects, open_high_risks=5, requirement_volatility=0.6)
    (result,) = trained.score_records([record])
    levers = result["levers"]
    assert levers, "a risky project has something to act on"
    assert [v["change"] for v in levers] == sorted(v["change"] for v in levers)
    for lever in levers:
        assert lever["change"] < 0
        moved = {**record, lever["feature"]: lever["to"]}
        (after,) = trained.score_records([moved])
        expected = pytest.approx(lever["probability"], abs=1e-4)
        assert after[lever["target"]]["probability"] == expected
        now = result[lever["target"]]["probability"]
        assert lever["change"] == pytest.approx(lever["probability"] - now, abs=2e-4)
    risks = [v for v in levers if v["feature"] == "open_high_risks"]
    assert risks and risks[0]["from"] == 5 and risks[0]["to"] == 3  # the spec's step: close 2


def test_a_project_at_its_best_has_no_levers(trained: RiskModel, new_projects) -> None:
    low = {f.min for f in trained.card.features if f.name == "open_high_risks"}.pop()
    record = project(
        new_projects,
        open_high_risks=low,
        change_requests=0,
        staff_turnover=None,
        requirement_volatility=None,
        team_size=None,
    )
    (result,) = trained.score_records([record])
    assert all(v["feature"] != "open_high_risks" for v in result["levers"])


def test_labels_come_from_the_spec_then_the_built_ins() -> None:
    spec = {"labels": {"risk_count": ["风险数", "risk count"]}}
    assert feature_label("risk_count", "zh", spec) == "风险数"
    assert feature_label("risk_count", "en", spec) == "risk count"
    assert feature_label("open_high_risks", "zh") == "未关闭高风险数"
    assert feature_label("open_high_risks", "en") == "open high risks"
    assert feature_label("unknown_col", "zh") == "unknown_col"


def _lever_table_straightforward(levers, columns, rows, probabilities, rescore) -> LeverTable:
    """lever_table written out plainly: a (rows, pairs) array per field, filled pair by
    pair, one stable sort of the changes, every field taken along it."""
    pairs = [(lever.feature, target) for lever in levers for target in probabilities]
    change = np.full((rows, len(pairs)), np.inf)
    after_p, before, after_v = (np.full((rows, len(pairs)), np.nan) for _ in range(3))
    k = 0
    for lever in levers:
        values = np.asarray(columns[lever.feature], dtype=float)
        new = lever.moved(values)
        at = np.flatnonzero(np.isfinite(values) & (new != values))
        after = rescore(lever.feature, new[at], at) if at.size else {}
        for target in probabilities:
            if at.size:
                drop = probabilities[target][at] - after[target]
                change[at, k] = np.where(drop >= MIN_DROP, -drop, np.inf)
                after_p[at, k], before[at, k], after_v[at, k] = after[target], values[at], new[at]
            k += 1
    index = np.argsort(change, axis=1, kind="stable")[:, : min(TOP, len(pairs))]

    def take(a: np.ndarray) -> np.ndarray:
        return np.round(np.take_along_axis(a, index, axis=1), 4)

    chosen = np.take_along_axis(change, index, axis=1)
    return LeverTable(
        pairs, index, np.isfinite(chosen), take(before), take(after_v), take(after_p),
        np.round(chosen, 4),
    )  # fmt: skip


@pytest.mark.parametrize("targets", [1, 2, 3])
def test_lever_table_equals_the_straightforward_computation(targets: int) -> None:
    """Same levers, values, probabilities and order, ties and unmoved projects included."""
    rng = np.random.default_rng(targets)
    names = [f"t{t}" for t in range(targets)]
    for _ in range(30):
        rows = int(rng.integers(1, 60))
        levers = [
            Lever("risks", -2.0, 1.0, 0.0, 10.0),
            Lever("turnover", None, 0.1, 0.0, 0.5),
            Lever("changes", -1.0, 2.0, 0.0, 20.0),
            Lever("size", None, 8.0, 2.0, 40.0),
        ][: int(rng.integers(1, 5))]
        columns = {
            "risks": rng.choice([0.0, 1.0, 3.0, 7.0, np.nan], rows),
            "turnover": rng.choice([0.1, 0.3, 0.7, np.nan], rows),  # 0.1: at the reference
            "changes": rng.choice([0.0, 2.0, 5.0], rows),
            "size": rng.choice([2.0, 8.0, 30.0, 60.0], rows),
        }
        now = {n: rng.choice([0.2, 0.5, 0.8], rows) for n in names}
        # a few distinct drops, so equal changes tie across pairs; some below MIN_DROP
        shift = {n: rng.choice([0.0, 0.002, 0.05, 0.1], 100) for n in names}

        def rescore(
            feature: str, values: np.ndarray, at: np.ndarray, now=now, shift=shift
        ) -> dict[str, np.ndarray]:
            code = (len(feature) * 7 + np.nan_to_num(values) * 3 + at).astype(int) % 100
            return {n: now[n][at] - shift[n][code] for n in names}

        got = lever_table(levers, columns, rows, now, rescore)
        expected = _lever_table_straightforward(levers, columns, rows, now, rescore)
        assert got.pairs == expected.pairs
        for field in ("index", "listed", "before", "after", "probability", "change"):
            np.testing.assert_array_equal(getattr(got, field), getattr(expected, field))
        assert got.lists() == expected.lists()
