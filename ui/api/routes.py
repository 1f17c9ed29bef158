"""The REST API under /api/v1: health, the risk model and scoring, and questions with citations.

The risk routes validate each project against models derived from the currently loaded model
card (so a retrained model with other features is validated and documented correctly without a
restart), and the published OpenAPI schema is patched with the same models.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from assistant.answer import Turn
from assistant.errors import AssistantError
from assistant.llm import LLMError
from assistant.settings import Settings
from ingest.errors import IngestError, NoIndexError, StoreUnavailableError
from ml.errors import RiskModelError
from ui.api import models as m
from ui.api.batcher import ScoreBatcher
from ui.auth import api_key_dependency
from ui.risk_holder import LoadedModel, NoRiskModelError, RiskModelHolder
from ui.risk_schema import batch_request_model, score_request_model

if TYPE_CHECKING:
    from ml.results import ProjectRisk

log = logging.getLogger(__name__)
INLINE_ROWS = 8  # a request this small that finds the batcher idle is scored right here


class AskService(Protocol):
    """What the API needs from the document side (see ui.web.services)."""

    def ask(
        self, question: str, *, project: str | None, doc_type: str | None, k: int,
        history: Sequence[Turn] = (),
    ) -> dict: ...  # fmt: skip

    def chunk_count(self) -> int: ...


@dataclass
class _CardModels:
    """Request models for one loaded model, rebuilt when the model changes."""

    stamp: Any = None
    score: type[BaseModel] | None = None
    batch: type[BaseModel] | None = None


class RiskApi:
    """Scoring against the holder's current model, with card-derived validation."""

    def __init__(self, holder: RiskModelHolder, max_rows: int) -> None:
        self.holder = holder
        self.max_rows = max_rows
        self.batcher = ScoreBatcher(score_with)
        self._models = _CardModels()

    def loaded(self) -> LoadedModel:
        try:
            return self.holder.current()
        except NoRiskModelError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from None

    def request_models(self, loaded: LoadedModel) -> tuple[type[BaseModel], type[BaseModel]]:
        cached = self._models
        if cached.stamp != loaded.stamp or cached.score is None or cached.batch is None:
            cached = _CardModels(
                stamp=loaded.stamp,
                score=score_request_model(loaded.card),
                batch=batch_request_model(loaded.card, self.max_rows),
            )
            self._models = cached
        assert cached.score is not None and cached.batch is not None
        return cached.score, cached.batch

    async def score(
        self, payload: dict[str, Any], *, batch: bool, quantiles: bool
    ) -> list[ProjectRisk]:
        """Validate `payload` once, against the card's request model, and score it."""
        # A changed model directory is loaded in a worker thread, off the event loop.
        loaded = self.holder.fresh()
        if loaded is None:
            loaded = await run_in_threadpool(self.loaded)
        score_model, batch_model = self.request_models(loaded)
        model = batch_model if batch else score_model
        try:
            parsed = model.model_validate(payload)
        except ValidationError as exc:
            raise RequestValidationError(_body_errors(exc)) from None
        projects = parsed.projects if batch else [parsed.project]  # type: ignore[attr-defined]
        records = [p.model_dump() for p in projects]  # every feature a key (None: missing)
        try:
            if len(records) <= INLINE_ROWS and self.batcher.idle():
                return score_with(loaded, records, quantiles=quantiles)
            return await self.batcher.score(loaded, records, quantiles=quantiles)
        except RiskModelError as exc:
            raise RequestValidationError([_risk_input_error(exc, batch)]) from None


def score_with(
    loaded: LoadedModel, records: list[dict[str, Any]], *, quantiles: bool = True
) -> list[ProjectRisk]:
    """Score feature records in this process, as typed results (RiskModelError on bad
    values). `quantiles` adds P50/P80 of actual/planned - 1 where the model has them."""
    results = loaded.model.score_results(records, quantiles=quantiles)
    if len(results) != len(records):  # one result per project, in order, or nothing at all
        raise RuntimeError(f"{len(records)} projects scored as {len(results)} results")
    return results


def _body_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return [{**e, "loc": ("body", *e["loc"])} for e in errors]


def _risk_input_error(exc: RiskModelError, batch: bool) -> dict[str, Any]:
    row = getattr(exc, "row", None)
    column = getattr(exc, "column", None)
    loc: list[Any] = ["body", "projects", row if row is not None else 0] if batch else ["body"]
    if not batch:
        loc.append("project")
    if column is not None:
        loc.append(column)
    return {"loc": loc, "msg": str(exc), "type": "risk_input"}


QuantilesQuery = Annotated[
    bool,
    Query(
        description="Also return p50/p80 (median and 80th percentile of actual/planned - 1) "
        "for ratio targets; slower."
    ),
]
NO_MODEL: dict[int | str, dict[str, Any]] = {
    503: {"model": m.Problem, "description": "No risk model loaded."}
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": m.Problem, "description": "Invalid input; `loc` names the field."}
}


def build_router(settings: Settings, risk: RiskApi, docs: AskService) -> APIRouter:
    """Every /api/v1 route, each behind the API key check when a key is configured."""
    router = APIRouter(
        prefix="/api/v1",
        dependencies=[Depends(api_key_dependency(settings.api_key))],
        responses=m.ERROR_RESPONSES,
    )
    _add_service_routes(router, risk.holder, docs)
    _add_risk_routes(router, risk)
    return router


def _add_service_routes(router: APIRouter, holder: RiskModelHolder, docs: AskService) -> None:
    @router.get("/health", response_model=m.Health, tags=["service"])
    def health() -> m.Health:
        loaded = holder.optional()
        return m.Health(model=str(loaded.model_dir) if loaded else None, chunks=docs.chunk_count())

    @router.post(
        "/ask",
        response_model=m.AskResponse,
        responses={
            **INVALID,
            400: {"model": m.Problem, "description": "The question cannot be answered."},
            409: {"model": m.Problem, "description": "Nothing ingested yet."},
            502: {"model": m.Problem, "description": "The configured LLM failed to answer."},
            503: {"model": m.Problem, "description": "The Chroma server cannot be reached."},
        },
        tags=["documents"],
    )
    def ask(body: m.AskRequest) -> dict[str, Any]:
        try:
            history = [Turn(t.question, t.answer) for t in body.history]
            return docs.ask(body.question, project=body.project, doc_type=body.type, k=body.k,
                            history=history)  # fmt: skip
        except NoIndexError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
        # Upstream failures are not the client's fault: 502/503, not 400.
        except LLMError as exc:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=str(exc)) from None
        except StoreUnavailableError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from None
        except (AssistantError, IngestError) as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None


def _add_risk_routes(router: APIRouter, risk: RiskApi) -> None:
    @router.get("/risk/model", response_model=m.ModelCard, responses=NO_MODEL, tags=["risk"])
    def risk_model() -> dict[str, Any]:
        return risk.loaded().card.to_json_dict()

    @router.post(
        "/risk/model/reload", response_model=m.ModelCard, responses=NO_MODEL, tags=["risk"]
    )
    def reload_risk_model() -> dict[str, Any]:
        """Read the model directory again (after `pmassist risk train` wrote a new model)."""
        try:
            return risk.holder.reload().card.to_json_dict()
        except NoRiskModelError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from None

    @router.post(
        "/risk/score",
        response_model=m.RiskResult,
        response_model_exclude_unset=True,
        responses={**NO_MODEL, **INVALID},
        tags=["risk"],
    )
    async def score_project(
        body: m.RiskScoreRequest, quantiles: QuantilesQuery = False
    ) -> JSONResponse:
        results = await risk.score(body.model_dump(), batch=False, quantiles=quantiles)
        return m.risk_response(results, batch=False)

    @router.post(
        "/risk/score/batch",
        response_model=m.RiskBatchResult,
        response_model_exclude_unset=True,
        responses={**NO_MODEL, **INVALID},
        tags=["risk"],
    )
    async def score_projects(
        body: m.RiskBatchRequest, quantiles: QuantilesQuery = False
    ) -> JSONResponse:
        results = await risk.score(body.model_dump(), batch=True, quantiles=quantiles)
        return m.risk_response(results, batch=True)


def install_openapi(app: FastAPI, risk: RiskApi) -> None:
    """Publish the risk request schemas of the model loaded now (rebuilt when it changes)."""
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        loaded = risk.holder.optional()
        key = loaded.stamp if loaded else None
        if cache.get("key") != key or "schema" not in cache:
            cache["schema"] = _schema_with_card(app, risk, loaded)
            cache["key"] = key
        return cache["schema"]

    app.openapi = openapi  # type: ignore[method-assign]


def _schema_with_card(app: FastAPI, risk: RiskApi, loaded: LoadedModel | None) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    if loaded is None:
        return schema
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for request_model in risk.request_models(loaded):
        generated = request_model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(generated.pop("$defs", {}))
        components[request_model.__name__] = generated
    return schema
