"""Levers: what a PM can change, and the probability after a realistic improvement.

The spec names the actionable features (`levers = [...]`; the portfolio spec: open high risks,
change requests, staff turnover, requirement volatility, team size). For each project and
lever the feature is moved to a realistic value: by the spec's step (`lever_steps`, e.g. -2
open high risks: "close two") or else to the training reference (median), within the training
range. The projects it changes are scored again with only that change, for every target; a
lever is listed when it lowers a target's probability by at least MIN_DROP, strongest first,
at most TOP per project: {"feature", "from", "to", "target", "probability", "change"}.

Like drivers, the levers of a batch are arrays (`LeverTable`); the dicts are built only when
result objects are asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.card import ModelCard
from ml.compiled import Columns

MIN_DROP = 0.005
TOP = 5


@dataclass(frozen=True)
class Lever:
    feature: str
    step: float | None  # None: move to the reference value
    reference: float
    low: float
    high: float

    def moved(self, values: np.ndarray) -> np.ndarray:
        new = values + self.step if self.step is not None else np.full(len(values), self.reference)
        return np.clip(new, self.low, self.high)


def card_levers(card: ModelCard) -> list[Lever]:
    """The spec's levers that are numeric features of this model."""
    names = card.spec.get("levers") or []
    steps = card.spec.get("lever_steps") or {}
    features = {f.name: f for f in card.features}
    levers = []
    for name in names:
        f = features.get(name)
        if f is None or f.type == "categorical" or not isinstance(f.reference, int | float):
            continue
        low = f.min if f.min is not None else -np.inf
        high = f.max if f.max is not None else np.inf
        levers.append(Lever(name, steps.get(name), float(f.reference), low, high))
    return levers


@dataclass(frozen=True)
class LeverTable:
    """Per project, its best levers: (rows, k) arrays indexing `pairs` (lever, target);
    `listed` marks real entries (fewer than k levers help some projects)."""

    pairs: list[tuple[str, str]]
    index: np.ndarray
    listed: np.ndarray
    before: np.ndarray  # the lever feature's value now
    after: np.ndarray  # the value it is moved to
    probability: np.ndarray
    change: np.ndarray

    def lists(self) -> list[list[dict[str, Any]]]:
        rows = []
        for r in range(len(self.index)):
            row = []
            for j in np.flatnonzero(self.listed[r]).tolist():
                feature, target = self.pairs[int(self.index[r, j])]
                row.append(
                    {
                        "feature": feature,
                        "from": float(self.before[r, j]),
                        "to": float(self.after[r, j]),
                        "target": target,
                        "probability": float(self.probability[r, j]),
                        "change": float(self.change[r, j]),
                    }
                )
            rows.append(row)
        return rows


def lever_table(
    levers: list[Lever],
    columns: Columns,
    rows: int,
    probabilities: dict[str, np.ndarray],
    rescore: Callable[[str, np.ndarray, np.ndarray], dict[str, np.ndarray]],
) -> LeverTable:
    """Every project's best levers (see the module docstring). `rescore(feature, values, at)`
    gives each target's probability for projects `at` with `feature` set to `values`.

    Each (lever, target) pair is one contiguous row of a (pairs, rows) array, and only the
    chosen k entries per project are gathered from it; the lever's values before and after
    are kept once per lever, not per target (writing every pair into a column of (rows,
    pairs) arrays, then taking along them, measured about 1.6x slower)."""
    pairs = [(lever.feature, target) for lever in levers for target in probabilities]
    change = np.full((len(pairs), rows), np.inf)
    after_p = np.full((len(pairs), rows), np.nan)
    before = np.full((len(levers), rows), np.nan)
    after_v = np.full((len(levers), rows), np.nan)
    k = 0
    for i, lever in enumerate(levers):
        values = np.asarray(columns[lever.feature], dtype=float)
        new = lever.moved(values)
        at = np.flatnonzero(np.isfinite(values) & (new != values))
        if at.size:
            after = rescore(lever.feature, new[at], at)
            before[i, at], after_v[i, at] = values[at], new[at]
        for target, now in probabilities.items():
            if at.size:
                drop = now[at] - after[target]
                change[k, at] = np.where(drop >= MIN_DROP, -drop, np.inf)
                after_p[k, at] = after[target]
            k += 1
    top = min(TOP, len(pairs))
    index = np.argsort(change.T, axis=1, kind="stable")[:, :top]
    # Entry (r, j) is column r of row index[r, j] (of its lever's row for before/after).
    project = np.arange(rows)[:, None]
    pair_at = index * rows + project
    lever_at = index // max(len(probabilities), 1) * rows + project
    chosen = change.ravel()[pair_at]
    return LeverTable(
        pairs,
        index,
        np.isfinite(chosen),
        np.round(before.ravel()[lever_at], 4),
        np.round(after_v.ravel()[lever_at], 4),
        np.round(after_p.ravel()[pair_at], 4),
        np.round(chosen, 4),
    )
