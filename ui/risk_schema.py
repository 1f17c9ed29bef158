"""Request models derived from the loaded model card, so the API validates and documents
exactly the features the current model was trained on.

Numeric features are finite numbers (NaN and infinity are refused: JSON parsers accept them
but a model cannot use them); their training range goes into the description only, because a
value outside it is still a legitimate project to score. Categorical features are strings; the
known categories are listed; others are accepted (the model scores a category it did not see
in training as missing, ml.features).
Every feature is optional (a missing value is treated as missing by the model) and unknown
keys are ignored, as `pmassist risk score` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
    create_model,
)

if TYPE_CHECKING:  # ml.card pulls in scikit-learn: only the type is needed here
    from ml.card import FeatureCard, ModelCard


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


def _field_for(feature: FeatureCard) -> tuple[Any, Any]:
    if feature.type == "boolean":
        return (
            YesNo | None,
            Field(None, description="Yes/no feature: true/false or 1/0."),
        )
    if feature.type == "numeric":
        where = ""
        if feature.training_range is not None:
            low, high = feature.training_range
            where = f" Training range {low:g} to {high:g}; values outside it are accepted."
        extra: dict[str, Any] = {"x-training-range": [feature.min, feature.max]}
        return (
            FiniteNumber | None,
            Field(None, description=f"Numeric feature.{where}", json_schema_extra=extra),
        )
    categories: list[Any] = list(feature.categories or ())
    note = f"Known categories: {', '.join(categories)}. Others are accepted and treated as unseen."
    return (
        Annotated[str, Strict()] | None,
        Field(None, description=note, json_schema_extra={"x-categories": categories}),
    )


def project_model(card: ModelCard) -> type[BaseModel]:
    """The pydantic model of one project's features for this card."""
    fields = {feature.name: _field_for(feature) for feature in card.features}
    if card.request_id_column:
        fields[card.request_id_column] = (
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


def score_request_model(card: ModelCard) -> type[BaseModel]:
    return create_model(
        "RiskScoreRequest",
        project=(project_model(card), Field(..., description="The project's feature values.")),
    )


def batch_request_model(card: ModelCard, max_rows: int) -> type[BaseModel]:
    return create_model(
        "RiskBatchRequest",
        projects=(
            list[project_model(card)],  # type: ignore[misc, arg-type]
            Field(..., max_length=max_rows, description=f"At most {max_rows} projects."),
        ),
    )
