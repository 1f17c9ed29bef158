"""The model card saved beside every risk model (model_card.json) and served by the API.

The doors read the card through these types and their accessors (the REST request models,
the Risk tab's form, labels and reliability chart), never by guessing keys in its JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ml.columns import ColumnReport, TrainingWarning
from ml.features import Feature, FeatureKind
from ml.labels import feature_label, value_label
from ml.quantiles import QuantileCard
from ml.validation import Validation

# 2: P50/P80 became a lookup table in the card (no quantile regressors in model.skops).
# 3: a checkpoint model may carry its kick-off model's card (`kickoff`).
CARD_FORMAT_VERSION = 3
# Version 2 cards (before checkpoint models) have no `kickoff`/`stage` and load unchanged.
READABLE_CARD_VERSIONS = (2, 3)


class FeatureCard(BaseModel):
    name: str
    type: FeatureKind
    categories: list[str] | None = None
    min: float | None = None
    max: float | None = None
    reference: float | str | None = Field(
        None, description="Median (numbers) or mode (categories): the value drivers compare to."
    )
    encoding: str | None = Field(
        None,
        description="How categories are encoded: `categories` (codes for boosting, one-hot "
        "for logistic regression) or `target` (cross-fitted target encoding, chosen when the "
        "training data has more than ml.pipelines.MANY_CATEGORIES categories).",
    )

    @property
    def training_range(self) -> tuple[float, float] | None:
        """(min, max) seen in training for a number, None when not known."""
        if self.type == "categorical" or self.min is None or self.max is None:
            return None
        return self.min, self.max

    def feature(self) -> Feature:
        return Feature(
            self.name, self.type, tuple(self.categories or ()), minimum=self.min, maximum=self.max
        )


class Levels(BaseModel):
    """low below `medium`, high from `high`: medium = the base rate, high = halfway to 1."""

    medium: float
    high: float


class TargetCard(BaseModel):
    definition: str
    kind: Literal["column", "ratio"]
    positives: int
    rows: int
    base_rate: float
    model: str
    levels: Levels
    validation: Validation
    no_skill: bool = Field(
        False,
        description="Validation is not clearly better than the class prior (the 95% interval "
        "of its ROC AUC reaches 0.5): this target's probabilities carry no information.",
    )
    quantiles: QuantileCard | None = None
    boosting_parameters: dict[str, int | float] | None = Field(
        None,
        description="Gradient-boosting parameters chosen on the inner time-ordered split "
        "(None: the defaults, no tuning on small or untimed data).",
    )
    recency_half_life: float | None = Field(
        None,
        description="Gradient boosting weighted recent projects: weight halves every this "
        "fraction of the training time span (chosen on the inner split; None: equal weights).",
    )
    calibration: str = Field(
        "sigmoid",
        description="How the probabilities are calibrated: none, sigmoid or isotonic, the "
        "lowest held-out Brier on the model-choice rows (ml.calibration).",
    )
    calibration_briers: dict[str, float] | None = Field(
        None, description="Held-out Brier of each calibration for the chosen model."
    )
    encoding_of: str | None = Field(
        None,
        description="An earlier target whose fitted feature encoding is identical to this "
        "one's (same model kind, same rows); scoring encodes once for both.",
    )


class ModelCard(BaseModel):
    format_version: int = CARD_FORMAT_VERSION
    trained_at: str
    versions: dict[str, str]
    data_sha256: str | None
    rows: int
    id_column: str | None
    time_column: str | None
    spec: dict[str, Any]
    features: list[FeatureCard]
    targets: dict[str, TargetCard]
    driver_features: list[str] = Field(
        description="Features ranked by mean absolute effect on training rows (drivers use them)."
    )
    columns: ColumnReport = Field(
        default_factory=ColumnReport,
        description="Every column of the training data: used (type, stage) or excluded (reason).",
    )
    warnings: list[TrainingWarning] = Field(default_factory=list)
    stage: Literal["plan", "checkpoint"] = Field(
        "plan",
        description="`checkpoint`: trained with the spec's checkpoint columns; its `kickoff` "
        "card is the model trained without them (scores projects that have none).",
    )
    kickoff: ModelCard | None = Field(
        None, description="The kick-off model's card (its own validation), when staged."
    )
    model_file: str = "model.skops"
    model_sha256: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what GET /api/v1/risk/model returns)."""
        return self.model_dump(mode="json")

    def model_features(self) -> list[Feature]:
        return [f.feature() for f in self.features]

    @property
    def target_names(self) -> list[str]:
        return list(self.targets)

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def request_id_column(self) -> str | None:
        """The key that names a project in a scoring request (never a feature)."""
        if self.id_column and self.id_column not in self.feature_names:
            return self.id_column
        return None

    def feature_label(self, name: str, lang: str) -> str:
        """A feature's label in "zh" or "en" (the spec's `[labels]`, else built-ins)."""
        return feature_label(name, lang, self.spec)

    def value_label(self, value: object, lang: str) -> str:
        """A category's label in "zh" or "en" (the spec's `[value_labels]`, else built-ins)."""
        return value_label(value, lang, self.spec)
