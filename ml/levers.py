"""Levers: what a PM can change, and the probability after a realistic improvement.

The spec names the actionable features (`levers = [...]`; the portfolio spec: open high risks,
change requests, staff turnover, requirement volatility, team size). For each project and
lever the feature is moved to a realistic value: by the spec's step (`lever_steps`, e.g. -2
open high risks: "close two") or else to the training reference (median), within the training
range. The project is scored again with only that change, for every target; a lever is listed
when it lowers a target's probability by at least MIN_DROP, strongest first, at most TOP per
project: {"feature", "from", "to", "target", "probability", "change"}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


def lever_lists(
    levers: list[Lever],
    columns: Columns,
    rows: int,
    probabilities: dict[str, np.ndarray],
    rescore: Callable[[Columns, int], dict[str, np.ndarray]],
) -> list[list[dict]]:
    """Per project, its levers (see the module docstring). `rescore(columns, rows)` gives
    each target's probability for changed columns."""
    found: list[list[dict]] = [[] for _ in range(rows)]
    for lever in levers:
        values = np.asarray(columns[lever.feature], dtype=float)
        new = lever.moved(values)
        at = np.flatnonzero(np.isfinite(values) & (new != values))
        if not at.size:
            continue
        changed = {name: column[at] for name, column in columns.items()}
        changed[lever.feature] = new[at]
        after = rescore(changed, len(at))
        for target, p_after in after.items():
            drop = probabilities[target][at] - p_after
            for i in np.flatnonzero(drop >= MIN_DROP).tolist():
                row = int(at[i])
                found[row].append(
                    {
                        "feature": lever.feature,
                        "from": round(float(values[row]), 4),
                        "to": round(float(new[row]), 4),
                        "target": target,
                        "probability": round(float(p_after[i]), 4),
                        "change": round(float(-drop[i]), 4),
                    }
                )
    return [sorted(levers_of, key=lambda d: d["change"])[:TOP] for levers_of in found]
