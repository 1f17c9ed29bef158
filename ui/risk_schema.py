"""Request models derived from the loaded model card, so the API validates and documents
exactly the features the current model was trained on.

Numeric features are finite numbers (NaN and infinity are refused: JSON parsers accept them
but a model cannot use them); their training range goes into the description only, because a
value outside it is still a legitimate project to score. Categorical features are strings; the
known categories are listed, and enforced only when the model cannot take an unknown one.
Every feature is optional (a missing value is treated as missing by the model) and unknown
keys are ignored, as `pmassist risk score` does.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
    create_model,
)


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    kind: Literal["numeric", "boolean", "categorical"]
    categories: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    open_categories: bool = True  # the model takes categories it did not see in training


@dataclass(frozen=True)
class RiskCard:
    """The model card as plain JSON plus the parsed feature list."""

    raw: dict[str, Any]
    features: tuple[FeatureSpec, ...]
    targets: tuple[str, ...]
    id_column: str | None = None


def to_plain(value: Any) -> Any:
    """Pydantic models, dataclasses, numpy scalars and paths as JSON-ready Python values."""
    if isinstance(value, BaseModel):
        return to_plain(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return to_plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def read_card(card: Any) -> RiskCard:
    raw = to_plain(card)
    features = tuple(_feature(entry) for entry in raw.get("features", []))
    targets_raw = raw.get("targets", {})
    targets = tuple(
        targets_raw.keys()
        if isinstance(targets_raw, dict)
        else (t["name"] if isinstance(t, dict) else str(t) for t in targets_raw)
    )
    id_column = raw.get("id_column")
    return RiskCard(
        raw=raw,
        features=features,
        targets=targets,
        id_column=str(id_column) if id_column and id_column not in names(features) else None,
    )


def names(features: tuple[FeatureSpec, ...]) -> set[str]:
    return {f.name for f in features}


def _feature(entry: Any) -> FeatureSpec:
    if isinstance(entry, str):
        return FeatureSpec(name=entry, kind="numeric")
    kind = str(entry.get("type") or entry.get("kind") or "numeric").lower()
    categories = tuple(str(c) for c in entry.get("categories") or ())
    if kind.startswith("cat") or (categories and not kind.startswith("num")):
        open_categories = bool(entry.get("accepts_unknown", entry.get("handle_unknown", True)))
        return FeatureSpec(
            name=entry["name"],
            kind="categorical",
            categories=categories,
            open_categories=open_categories is True or open_categories == "ignore",
        )
    low, high = _range(entry)
    numeric_kind: Literal["numeric", "boolean"] = "boolean" if kind == "boolean" else "numeric"
    return FeatureSpec(name=entry["name"], kind=numeric_kind, low=low, high=high)


def _range(entry: dict[str, Any]) -> tuple[float | None, float | None]:
    span = entry.get("range")
    if isinstance(span, list | tuple) and len(span) == 2:
        return _number(span[0]), _number(span[1])
    if isinstance(span, dict):
        return _number(span.get("min")), _number(span.get("max"))
    return _number(entry.get("min")), _number(entry.get("max"))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


# Strict: a string such as "12" is a wrong type, not a number; ints are fine for floats.
FiniteNumber = Annotated[float, Strict(), Field(allow_inf_nan=False)]


def _yes_no(value: Any) -> Any:
    # true/false and 1.0/0.0 are the same answers as 1/0; anything else fails the Literal.
    if isinstance(value, bool) or (isinstance(value, float) and value in (0.0, 1.0)):
        return int(value)
    return value


def _int_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# One type each (not a union), so an error's `loc` ends at the field name.
YesNo = Annotated[
    Literal[0, 1],
    BeforeValidator(_yes_no),
    WithJsonSchema({"enum": [0, 1, True, False]}),
]
ProjectId = Annotated[
    str,
    Strict(),
    BeforeValidator(_int_as_text),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
]


def _field_for(feature: FeatureSpec) -> tuple[Any, Any]:
    if feature.kind == "boolean":
        return (
            YesNo | None,
            Field(None, description="Yes/no feature: true/false or 1/0."),
        )
    if feature.kind == "numeric":
        where = ""
        if feature.low is not None and feature.high is not None:
            where = f" Training range {feature.low:g} to {feature.high:g}; values outside it are"
            where += " accepted."
        extra: dict[str, Any] = {"x-training-range": [feature.low, feature.high]}
        return (
            FiniteNumber | None,
            Field(None, description=f"Numeric feature.{where}", json_schema_extra=extra),
        )
    listed = ", ".join(feature.categories)
    if feature.categories and not feature.open_categories:
        choices: Any = Literal.__getitem__(feature.categories)
        return choices | None, Field(None, description=f"One of: {listed}.")
    note = f"Known categories: {listed}. Others are accepted and treated as unseen."
    return (
        Annotated[str, Strict()] | None,
        Field(None, description=note, json_schema_extra={"x-categories": list(feature.categories)}),
    )


def project_model(card: RiskCard) -> type[BaseModel]:
    """The pydantic model of one project's features for this card."""
    fields = {feature.name: _field_for(feature) for feature in card.features}
    if card.id_column:
        fields[card.id_column] = (
            ProjectId | None,
            Field(None, description="Identifies the project in the result; never a feature."),
        )
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        "RiskProject",
        __config__=ConfigDict(extra="ignore", title="RiskProject"),
        __doc__="Feature values of one project; every feature is optional.",
        **fields,
    )
    return model


def score_request_model(card: RiskCard) -> type[BaseModel]:
    return create_model(
        "RiskScoreRequest",
        project=(project_model(card), Field(..., description="The project's feature values.")),
    )


def batch_request_model(card: RiskCard, max_rows: int) -> type[BaseModel]:
    return create_model(
        "RiskBatchRequest",
        projects=(
            list[project_model(card)],  # type: ignore[misc, arg-type]
            Field(..., max_length=max_rows, description=f"At most {max_rows} projects."),
        ),
    )
