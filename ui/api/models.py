"""Request and response models of the REST API (the fixed ones; the risk feature models are
derived from the model card in `ui.risk_schema`).

A risk result is `ml.results.ProjectRisk`, typed from scoring to here; `risk_response` is the
one place it becomes HTTP: its `to_json()`, sent as is. `RiskResult` and its parts publish
that JSON's schema (tests/ui/test_risk_path.py proves every result validates against it and
round-trips unchanged), so a result is not validated a second time on its way out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ingest.model import DocType

if TYPE_CHECKING:  # ml.results is imported with the model (numpy), not with the API
    from ml.results import ProjectRisk


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    model: str | None = Field(description="Directory of the loaded risk model, null if none.")
    chunks: int = Field(description="Chunks in the document index (0 before any ingest).")


class TargetScore(BaseModel):
    probability: float = Field(ge=0, le=1)
    level: Literal["low", "medium", "high"]
    p50: float | None = Field(None, description="Median predicted actual/planned - 1.")
    p80: float | None = Field(None, description="80th percentile of actual/planned - 1.")
    p50_extra: float | None = Field(
        None, description="P50 in the PM's units: extra days or extra 万元 for this project."
    )
    p80_extra: float | None = Field(None, description="P80 in the same units as p50_extra.")
    extra_unit: Literal["days", "万元"] | None = Field(None, description="Unit of p50/p80_extra.")
    no_skill: bool | None = Field(
        None,
        description="true when the model's validation was not clearly better than the class "
        "prior: this target's probabilities carry no information (see the card's warnings).",
    )


class Driver(BaseModel):
    feature: str
    value: Any = Field(description="The project's value of this feature (null when missing).")
    effect: float = Field(description="Contribution to this prediction (positive raises risk).")
    target: str | None = Field(None, description="The target this effect is on.")


class Lever(BaseModel):
    feature: str
    from_: float = Field(alias="from", description="The project's value now.")
    to: float = Field(description="The value after a realistic improvement.")
    target: str
    probability: float = Field(ge=0, le=1, description="The target's probability after it.")
    change: float = Field(description="probability after - probability now (negative).")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class RiskResult(BaseModel):
    """One scored project; only the targets the model was trained on appear."""

    id: str | None = None
    delay: TargetScore | None = None
    overrun: TargetScore | None = None
    drivers: list[Driver] = Field(default_factory=list)
    levers: list[Lever] | None = Field(
        None, description="What would lower the risk most (the spec's levers), best first."
    )
    imputed: int | None = Field(
        None, description="How many of the model's features this project left empty."
    )
    stage: Literal["kickoff", "checkpoint"] | None = Field(
        None,
        description="Which model of a staged one scored the project: `kickoff` (no "
        "checkpoint values given) or `checkpoint`.",
    )


class RiskBatchResult(BaseModel):
    results: list[RiskResult]


def risk_response(results: Sequence[ProjectRisk], *, batch: bool) -> JSONResponse:
    """Scored projects as the API sends them: one result object (`batch=False`, exactly one
    result) or {"results": [...]}, each the result's own `to_json()`."""
    if batch:
        return JSONResponse({"results": [r.to_json() for r in results]})
    (result,) = results
    return JSONResponse(result.to_json())


class RiskScoreRequest(BaseModel):
    """Placeholder: the published schema and the validation come from the model card."""

    model_config = ConfigDict(title="RiskScoreRequest")
    project: dict[str, Any]


class RiskBatchRequest(BaseModel):
    model_config = ConfigDict(title="RiskBatchRequest")
    projects: list[dict[str, Any]]


class ModelCard(BaseModel):
    """The loaded model's card, as saved by `pmassist risk train`."""

    model_config = ConfigDict(extra="allow")
    features: list[dict[str, Any]]
    targets: Any
    trained_at: str | None = None


def _no_text_or_bool(value: Any) -> Any:
    # "5" or true is not the integer the schema asks for (29.0 is, in JSON Schema).
    if isinstance(value, str | bool):
        raise ValueError("must be an integer")
    return value


class AskTurn(BaseModel):
    question: str = Field(max_length=4000, description="An earlier question.")
    answer: str = Field(max_length=20000, description="The answer it got.")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000, description="The question, zh or en.")
    history: list[AskTurn] = Field(
        default_factory=list, max_length=50,
        description="Earlier turns, oldest first: a follow-up question may refer to them.",
    )  # fmt: skip
    project: str | None = Field(None, max_length=200, description="Only this project's files.")
    type: DocType | None = Field(
        None, description="Only this document type."
    )
    k: Annotated[int, BeforeValidator(_no_text_or_bool)] = Field(
        5, ge=1, le=50, description="How many citations to return."
    )


class Citation(BaseModel):
    source: str
    page: int | None
    project: str
    doc_type: str
    score: float
    text: str


class AskResponse(BaseModel):
    question: str
    answer: str
    mode: Literal["extractive", "llm"]
    citations: list[Citation]


class Problem(BaseModel):
    detail: Any


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body could not be read (e.g. not UTF-8)."},
    401: {"model": Problem, "description": "Missing or wrong API key."},
    413: {"model": Problem, "description": "Request body too large."},
}
