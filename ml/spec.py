"""The risk spec: which columns of a past-projects CSV are ids, time, outcomes and features.

The TOML format is in CONTRACT.md ("Risk spec"). Outcome columns (a target's `column` or
`actual`) are never features, whatever the spec says elsewhere; `planned` columns are known
before a project ends, so they stay features. `id`, `time` and `drop` columns are never raw
features either (no features are derived from the time column: it only orders validation).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ml.errors import RiskSpecError

TARGET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class TargetSpec(BaseModel):
    """Positive when `column` > threshold, or when actual / planned - 1 > threshold."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = Field(None, description="Outcome column compared with threshold.")
    actual: str | None = Field(None, description="Outcome column: the actual value.")
    planned: str | None = Field(None, description="Planned value (stays a feature).")
    threshold: float = Field(0.0, description="Positive above this value or overrun ratio.")
    unit: Literal["days", "weeks", "months", "元", "万元"] | None = Field(
        None,
        description="Unit of `actual`/`planned` for a ratio target: P50/P80 are then also "
        "given as extra days (days, weeks, months) or extra 万元 (元, 万元) per project.",
    )

    @model_validator(mode="after")
    def _one_definition(self) -> TargetSpec:
        ratio = self.actual is not None or self.planned is not None
        if (self.column is None) == (not ratio) or (ratio and not (self.actual and self.planned)):
            raise ValueError(
                "a target needs either `column` (with `threshold`) or both `actual` and "
                "`planned`, not both kinds"
            )
        return self

    @property
    def kind(self) -> Literal["column", "ratio"]:
        return "column" if self.column is not None else "ratio"

    @property
    def outcome_columns(self) -> tuple[str, ...]:
        return (self.column,) if self.column is not None else (str(self.actual),)

    @property
    def input_columns(self) -> tuple[str, ...]:
        return self.outcome_columns + ((str(self.planned),) if self.planned else ())

    def extra_units(self) -> tuple[float, str] | None:
        """(factor, unit): ratio x planned x factor is the extra in `unit` (days or 万元)."""
        factors = {"days": 1.0, "weeks": 7.0, "months": 30.44, "元": 1e-4, "万元": 1.0}
        if self.kind != "ratio" or self.unit is None:
            return None
        return factors[self.unit], "days" if self.unit in ("days", "weeks", "months") else "万元"

    def definition(self) -> str:
        if self.column is not None:
            return f"{self.column} > {self.threshold:g}"
        return f"{self.actual} / {self.planned} - 1 > {self.threshold:g}"

    def overrun_ratio(self, frame: pd.DataFrame) -> pd.Series:
        """actual / planned - 1 (NaN where either is missing or planned is not positive)."""
        actual = pd.to_numeric(frame[str(self.actual)], errors="coerce")
        planned = pd.to_numeric(frame[str(self.planned)], errors="coerce")
        return (actual / planned.where(planned > 0)) - 1

    def outcome(self, frame: pd.DataFrame) -> pd.Series:
        """The value compared with the threshold; NaN where it is unknown."""
        if self.column is not None:
            return pd.to_numeric(frame[self.column], errors="coerce").astype(float)
        return self.overrun_ratio(frame).astype(float)

    def labels(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(y, known): y is 0/1, known marks rows whose outcome is recorded."""
        value = self.outcome(frame).to_numpy()
        known = np.isfinite(value)
        return (np.where(known, value, -np.inf) > self.threshold).astype(int), known


class RiskSpec(BaseModel):
    """Which columns of the training CSV play which part (CONTRACT.md, "Risk spec")."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, description="Row identifier, never a feature.")
    time: str | None = Field(None, description="Orders time-ordered validation; no feature.")
    drop: list[str] = Field(default_factory=list, description="Columns that are never features.")
    categorical: list[str] = Field(
        default_factory=list, description="Columns forced categorical (otherwise inferred)."
    )
    keep: list[str] = Field(
        default_factory=list,
        description="Columns kept as features even when training flags them as leakage "
        "(they are known when a project is scored).",
    )
    checkpoint: list[str] = Field(
        default_factory=list,
        description="Columns known only after the project starts (progress, SPI, ...): a "
        "kick-off model is trained without them and scores projects that have none of them; "
        "a checkpoint model is trained with them and scores projects that have any.",
    )
    levers: list[str] = Field(
        default_factory=list,
        description="Numeric features a PM can act on; each result lists the probability "
        "after moving them to the training median or by `lever_steps` (ml.levers).",
    )
    lever_steps: dict[str, float] = Field(
        default_factory=dict,
        description="A realistic improvement per lever, e.g. open_high_risks = -2.",
    )
    labels: dict[str, tuple[str, str]] = Field(
        default_factory=dict,
        description='Feature labels: name = ["中文", "English"] (built-ins for the portfolio).',
    )
    targets: dict[str, TargetSpec] = Field(description="Target name -> definition.")

    @model_validator(mode="after")
    def _has_targets(self) -> RiskSpec:
        if not self.targets:
            raise ValueError("the spec defines no [targets.NAME] table")
        for name in self.targets:
            if not TARGET_NAME.match(name):
                raise ValueError(f"target name {name!r} must be letters, digits and _")
        return self

    def never_features(self) -> set[str]:
        excluded = set(self.drop) | {c for c in (self.id, self.time) if c}
        for target in self.targets.values():
            excluded.update(target.outcome_columns)
        return excluded

    def required_columns(self) -> list[str]:
        named = [c for c in (self.id, self.time) if c] + list(self.categorical)
        for target in self.targets.values():
            named.extend(target.input_columns)
        return list(dict.fromkeys(named))

    def feature_columns(self, columns: list[str]) -> list[str]:
        """Every column not excluded, in the CSV's order."""
        excluded = self.never_features()
        return [c for c in columns if c not in excluded]

    def kickoff_spec(self) -> RiskSpec:
        """The same spec with the checkpoint columns dropped: the kick-off model's."""
        drop = list(dict.fromkeys([*self.drop, *self.checkpoint]))
        keep = [c for c in self.keep if c not in self.checkpoint]
        levers = [c for c in self.levers if c not in self.checkpoint]
        return self.model_copy(
            update={"drop": drop, "keep": keep, "levers": levers, "checkpoint": []}, deep=True
        )

    def check_columns(self, columns: list[str]) -> None:
        missing = [c for c in self.required_columns() + self.checkpoint if c not in columns]
        if missing:
            raise RiskSpecError(
                f"the data has no column {', '.join(map(repr, missing))} named in the spec; "
                f"columns present: {', '.join(columns)}. Fix the spec or the CSV header."
            )


PORTFOLIO_SPEC = RiskSpec(
    id="project_id",
    time="start_date",
    # Known only once the project runs: progress and earned value, and what has happened since
    # kick-off (changes, staff leaving, risks still open).
    checkpoint=[
        "percent_complete",
        "spi",
        "cpi",
        "change_requests",
        "requirement_volatility",
        "staff_turnover",
        "open_high_risks",
    ],
    levers=[
        "open_high_risks",
        "change_requests",
        "staff_turnover",
        "requirement_volatility",
        "team_size",
    ],
    lever_steps={"open_high_risks": -2.0, "change_requests": -2.0},
    targets={
        "delay": TargetSpec(
            actual="actual_duration_months",
            planned="planned_duration_months",
            threshold=0.10,
            unit="months",
        ),
        "overrun": TargetSpec(
            actual="actual_cost", planned="planned_cost", threshold=0.10, unit="万元"
        ),
    },
)


def load_spec(path: Path | None) -> RiskSpec:
    """The spec in a TOML file, or the built-in portfolio spec when `path` is None."""
    if path is None:
        return PORTFOLIO_SPEC.model_copy(deep=True)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RiskSpecError(f"spec file {path} does not exist; pass an existing TOML") from None
    except OSError as exc:
        raise RiskSpecError(f"cannot read spec file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RiskSpecError(f"spec file {path} is not valid TOML: {exc}") from None
    try:
        return RiskSpec.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg']}" for e in exc.errors()
        )
        raise RiskSpecError(f"spec file {path} is invalid: {problems}") from None
