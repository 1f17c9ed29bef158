"""What scoring returns: every number of every project, kept as columns (`ScoreTable`), and
one typed result per project (`ProjectRisk`) for the doors.

Scoring a batch computes arrays: a probability, a level and P50/P80 per target, and the top
drivers (feature, effect, target) per project. Those arrays are the result, the way
`predict_proba`'s array is. Two shapes are made from them:

- `ScoreTable.results()`: a `ProjectRisk` per project (targets, drivers, levers, P50/P80 with
  their unit, imputed count, stage, no_skill flags): what the REST API, the Risk tab and the
  status page read, through attributes, never keys. `ProjectRisk.to_json()` is its one JSON
  form (CONTRACT.md `risk score`, keys in contract order); the REST API sends exactly that.
- `ScoreTable.records()`: the same JSON objects built straight from the arrays, for bulk
  output (`risk score --json` of a 100,000-row file): one dict per project, per target and per
  driver, about 800,000 dicts for 100,000 projects, which costs as much as scoring them, and
  building objects first would double it. tests/ml/test_results.py proves both shapes agree.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ml.levers import LeverTable

LEVEL_NAMES = np.array(["low", "medium", "high"], dtype=object)
Level = Literal["low", "medium", "high"]
ExtraUnit = Literal["days", "万元"]


@dataclass(frozen=True)
class Extra:
    """P50/P80 in the PM's units: extra days or extra 万元, from the project's planned value."""

    p50: float
    p80: float
    unit: ExtraUnit


@dataclass(frozen=True)
class TargetRisk:
    """One target's score for one project."""

    probability: float
    level: Level
    p50: float | None = None  # median predicted actual/planned - 1 (ratio targets)
    p80: float | None = None  # its 80th percentile
    extra: Extra | None = None  # P50/P80 in days or 万元, when the project has a planned value
    no_skill: bool = False  # the model's validation: these probabilities carry no information

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"probability": self.probability, "level": self.level}
        if self.p50 is not None and self.p80 is not None:
            out["p50"], out["p80"] = self.p50, self.p80
        if self.extra is not None:
            out["p50_extra"], out["p80_extra"] = self.extra.p50, self.extra.p80
            out["extra_unit"] = self.extra.unit
        if self.no_skill:
            out["no_skill"] = True
        return out


@dataclass(frozen=True)
class Driver:
    """A feature that moved this project's probability: `effect` = p(project) - p(project
    with the feature at its training reference), on `target`."""

    feature: str
    value: Any  # the project's value (number, category or None when missing)
    effect: float
    target: str

    def to_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": self.value, "effect": self.effect,
                "target": self.target}  # fmt: skip


@dataclass(frozen=True)
class Lever:
    """What a realistic improvement of `feature` (from `before` to `after`) does to `target`."""

    feature: str
    before: float
    after: float
    target: str
    probability: float  # the target's probability after the change
    change: float  # probability after - probability now (negative)

    def to_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "from": self.before, "to": self.after,
                "target": self.target, "probability": self.probability,
                "change": self.change}  # fmt: skip


@dataclass(frozen=True)
class ProjectRisk:
    """One scored project: what every door shows (see the module docstring)."""

    id: str | None
    targets: dict[str, TargetRisk]  # only the targets the model was trained on, in card order
    drivers: tuple[Driver, ...] = ()
    levers: tuple[Lever, ...] | None = None  # None: the model has no levers
    imputed: int | None = None  # how many of the model's features the project left empty
    stage: str | None = None  # "kickoff" or "checkpoint" for a staged model

    def target(self, name: str) -> TargetRisk | None:
        return self.targets.get(name)

    def to_json(self) -> dict[str, Any]:
        """The contract's result object (CONTRACT.md `risk score`), keys in contract order."""
        out: dict[str, Any] = {"id": self.id}
        for name, scores in self.targets.items():
            out[name] = scores.to_json()
        out["drivers"] = [d.to_json() for d in self.drivers]
        if self.levers is not None:
            out["levers"] = [lever.to_json() for lever in self.levers]
        if self.imputed is not None:
            out["imputed"] = self.imputed
        if self.stage is not None:
            out["stage"] = self.stage
        return out


@dataclass(frozen=True)
class TargetScores:
    """One target's scores: probability, level (LEVEL_NAMES), and P50/P80 when it has them."""

    probability: np.ndarray
    level: np.ndarray  # object array of the three shared level strings
    p50: np.ndarray | None = None
    p80: np.ndarray | None = None
    no_skill: bool = False  # the card's validation: these probabilities carry no information
    # P50/P80 in the PM's units: (extra at P50, extra at P80, "days" or "万元"), from the
    # project's planned value; NaN where the project has none.
    extra: tuple[np.ndarray, np.ndarray, str] | None = None


@dataclass(frozen=True)
class TopDrivers:
    """The `k` largest effects of each project, largest first, each feature once.

    feature[i, j] indexes the model's features, target[i, j] the targets; effect is rounded
    to 4 decimals, and a driver whose rounded effect is 0 is not listed (`listed`).
    """

    feature: np.ndarray  # (rows, k) intp
    effect: np.ndarray  # (rows, k) float
    target: np.ndarray  # (rows, k) int8

    @classmethod
    def of(cls, effects: list[np.ndarray], k: int) -> TopDrivers:
        """From one (rows, features) effect matrix per target: each feature's strongest
        effect over the targets (ties keep the earlier target), then the top k.

        Only the size (largest magnitude over the targets) is built at full width; which
        target holds it is worked out on the k chosen columns alone, which gives the same
        drivers as choosing it for every cell first (tests/ml/test_results.py), with two
        fewer (rows, features) passes and arrays."""
        size = np.abs(effects[0])
        for effect in effects[1:]:
            np.maximum(size, np.abs(effect), out=size)
        order = top_columns(size, min(k, size.shape[1]))
        strongest = np.take_along_axis(effects[0], order, axis=1)
        which = np.zeros(order.shape, dtype=np.int8)
        if len(effects) > 1:
            best = np.abs(strongest)
            for t, effect in enumerate(effects[1:], start=1):
                chosen = np.take_along_axis(effect, order, axis=1)
                magnitude = np.abs(chosen)
                larger = magnitude > best
                strongest = np.where(larger, chosen, strongest)
                which[larger] = t
                np.maximum(best, magnitude, out=best)
        return cls(order, round4(strongest), which)

    @property
    def listed(self) -> np.ndarray:
        return self.effect != 0.0


@dataclass(frozen=True)
class ScoreTable:
    """Scores of `len(ids)` projects in input order; see the module docstring."""

    ids: list[str | None]
    targets: dict[str, TargetScores]
    drivers: TopDrivers | None  # None when drivers were not asked for
    feature_names: list[str]
    columns: Mapping[str, np.ndarray]  # the coerced inputs: the value of each listed driver
    imputed: np.ndarray | None = None  # per project, how many features were missing
    levers: LeverTable | None = None  # ml.levers, when the model has levers
    # Which model of a staged one scored these projects: "kickoff" (no checkpoint values) or
    # "checkpoint"; None when the model is not staged. Each result then says it as "stage".
    stage: str | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def records(self) -> list[dict[str, Any]]:
        """One dict per project, keys in contract order: id, each target, drivers."""
        # Millions of small dicts: the cyclic GC would rescan them over and over while they
        # are built, and none of them can form a cycle.
        with _gc_paused():
            drivers = self._driver_lists()
            rows = _rows(self.ids, {n: _target_dicts(s) for n, s in self.targets.items()}, drivers)
            if self.levers is not None:
                for row, levers in zip(rows, self.levers.lists(), strict=True):
                    row["levers"] = levers
            if self.imputed is not None:
                for row, count in zip(rows, self.imputed.tolist(), strict=True):
                    row["imputed"] = count
            if self.stage is not None:
                for row in rows:
                    row["stage"] = self.stage
            return rows

    def results(self) -> list[ProjectRisk]:
        """One `ProjectRisk` per project, in input order: `records()` as typed objects."""
        with _gc_paused():  # many small objects, none of them in a cycle (see records())
            rows = len(self.ids)
            targets = {name: _target_risks(s) for name, s in self.targets.items()}
            drivers = self._driver_objects()
            levers = _lever_objects(self.levers) if self.levers is not None else [None] * rows
            imputed = self.imputed.tolist() if self.imputed is not None else [None] * rows
            return [
                ProjectRisk(
                    self.ids[i],
                    {name: risks[i] for name, risks in targets.items()},
                    drivers[i],
                    levers[i],
                    imputed[i],
                    self.stage,
                )
                for i in range(rows)
            ]

    def _values(self, rows: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        """The input value of feature chosen[i] in row rows[i], JSON-ready, gathered feature
        by feature (vectorised) instead of converting every cell to a Python object."""
        values = np.empty(len(chosen), dtype=object)
        for j in np.unique(chosen).tolist():
            at = np.flatnonzero(chosen == j)
            values[at] = _object_values(self.columns[self.feature_names[j]][rows[at]])
        return values

    def _listed_drivers(self) -> tuple[list[Any], list[int]]:
        """Every listed driver, row-major, as four lists (feature, value, effect, target),
        and where each project's drivers end in them."""
        assert self.drivers is not None
        listed = self.drivers.listed
        rows = np.nonzero(listed)[0]
        chosen = self.drivers.feature[listed]  # feature of every listed driver, row-major
        names = np.array(self.feature_names, dtype=object)
        targets = np.array(list(self.targets), dtype=object)
        columns = [
            names[chosen].tolist(),
            self._values(rows, chosen).tolist(),
            self.drivers.effect[listed].tolist(),
            targets[self.drivers.target[listed]].tolist(),
        ]
        return columns, np.cumsum(listed.sum(axis=1)).tolist()

    def _driver_lists(self) -> list[list[dict[str, Any]]]:
        if self.drivers is None:
            return [[] for _ in self.ids]
        columns, ends = self._listed_drivers()
        flat = [
            {"feature": f, "value": v, "effect": e, "target": t}
            for f, v, e, t in zip(*columns, strict=True)
        ]
        return [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]

    def _driver_objects(self) -> list[tuple[Driver, ...]]:
        if self.drivers is None:
            return [() for _ in self.ids]
        columns, ends = self._listed_drivers()
        flat = [Driver(*driver) for driver in zip(*columns, strict=True)]
        return [tuple(flat[start:end]) for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _lever_objects(table: LeverTable) -> list[tuple[Lever, ...] | None]:
    """Each project's levers as objects (LeverTable.lists() gives the same as dicts)."""
    return [
        tuple(
            Lever(d["feature"], d["from"], d["to"], d["target"], d["probability"], d["change"])
            for d in row
        )
        for row in table.lists()
    ]


def _target_risks(scores: TargetScores) -> list[TargetRisk]:
    """`_target_dicts` as objects: the same values, read from the same arrays."""
    probability = _json_values(scores.probability)
    level = scores.level.tolist()
    rows = len(probability)
    p50: list[Any] = [None] * rows
    p80: list[Any] = [None] * rows
    if scores.p50 is not None and scores.p80 is not None:
        p50, p80 = _json_values(scores.p50), _json_values(scores.p80)
    extra: list[Extra | None] = [None] * rows
    if scores.extra is not None:
        e50, e80, unit = scores.extra
        extra = [
            Extra(a, b, unit) if a is not None and b is not None else None  # type: ignore[arg-type]
            for a, b in zip(_extra_values(e50), _extra_values(e80), strict=True)
        ]
    return [
        TargetRisk(p, lv, q50, q80, e, scores.no_skill)
        for p, lv, q50, q80, e in zip(probability, level, p50, p80, extra, strict=True)
    ]


def _rows(
    ids: list[str | None], targets: dict[str, list[dict[str, Any]]], drivers: list[list[dict]]
) -> list[dict[str, Any]]:
    names = list(targets)
    parts = list(targets.values())
    # Dict displays in one pass: the cheapest way CPython builds many small dicts.
    if len(names) == 1:
        (a,) = names
        return [
            {"id": i, a: x, "drivers": d} for i, x, d in zip(ids, parts[0], drivers, strict=True)
        ]
    if len(names) == 2:
        a, b = names
        return [
            {"id": i, a: x, b: y, "drivers": d}
            for i, x, y, d in zip(ids, parts[0], parts[1], drivers, strict=True)
        ]
    return [
        {"id": i, **dict(zip(names, row, strict=True)), "drivers": d}
        for i, d, *row in zip(ids, drivers, *parts, strict=True)
    ]


def _target_dicts(scores: TargetScores) -> list[dict[str, Any]]:
    dicts = _score_dicts(scores)
    if scores.extra is not None:
        p50, p80, unit = scores.extra
        for d, e50, e80 in zip(dicts, _extra_values(p50), _extra_values(p80), strict=True):
            if e50 is not None and e80 is not None:
                d["p50_extra"], d["p80_extra"], d["extra_unit"] = e50, e80, unit
    if scores.no_skill:  # said on every result: a reader of one result must see it
        for d in dicts:
            d["no_skill"] = True
    return dicts


def _score_dicts(scores: TargetScores) -> list[dict[str, Any]]:
    probability = _json_values(scores.probability)
    level = scores.level.tolist()
    if scores.p50 is None or scores.p80 is None:
        return [{"probability": p, "level": lv} for p, lv in zip(probability, level, strict=True)]
    p50, p80 = _json_values(scores.p50), _json_values(scores.p80)
    return [
        {"probability": p, "level": lv, "p50": q50, "p80": q80}
        for p, lv, q50, q80 in zip(probability, level, p50, p80, strict=True)
    ]


def top_columns(size: np.ndarray, k: int) -> np.ndarray:
    """Per row, the columns of the k largest values, largest first; ties by column order.

    A partition then a sort of k columns: a full row sort costs several times more.
    """
    columns = size.shape[1]
    if k >= columns:
        return np.argsort(-size, axis=1, kind="stable")
    # the k largest are the last k after partitioning at columns - k (partitioning the
    # negated sizes at k - 1 measured twice as slow)
    cut = columns - k
    partitioned = np.argpartition(size, cut, axis=1)
    part = np.sort(partitioned[:, cut:], axis=1)
    within = np.argsort(-np.take_along_axis(size, part, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(part, within, axis=1)
    # A tie across the cut (an isotonic calibration's steps give equal effects) may have put
    # a later column in: those rows take the full stable sort, so ties go by column order.
    # The cut's own column holds the smallest of the k; a tie is more than k columns at or
    # above it (a comparison and a count: 3x cheaper than gathering the rest for their max).
    smallest_in = np.take_along_axis(size, partitioned[:, cut : cut + 1], axis=1)
    tied = np.flatnonzero(np.count_nonzero(size >= smallest_in, axis=1) > k)
    if tied.size:
        top[tied] = np.argsort(-size[tied], axis=1, kind="stable")[:, :k]
    return top


def round4(values: np.ndarray) -> np.ndarray:
    """Rounded to 4 decimals. Beyond 1e15 a float has no decimals left to round, and rounding
    would overflow to infinity (np.round scales by 10**4 first): such values stay as given."""
    huge = np.abs(values) >= 1e15
    if not huge.any():
        return np.round(values, 4)
    return np.where(huge, values, np.round(np.where(huge, 0.0, values), 4))


def _object_values(values: np.ndarray) -> np.ndarray:
    """Feature values as JSON-ready objects: numbers rounded, NaN -> None."""
    if values.dtype.kind == "f":
        rounded = round4(values)
        out = rounded.astype(object)
        out[np.isnan(rounded)] = None
        return out
    return values


def _extra_values(values: np.ndarray) -> list[float | None]:
    rounded = np.round(values, 1)
    return [None if v != v else v for v in rounded.tolist()]


def _json_values(values: np.ndarray) -> list[Any]:
    """Plain Python values; NaN -> None; probabilities rounded for readable JSON."""
    if values.dtype.kind == "f":
        rounded = round4(values)
        if not np.isnan(rounded).any():
            return rounded.tolist()
        return [None if v != v else v for v in rounded.tolist()]
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()]


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
