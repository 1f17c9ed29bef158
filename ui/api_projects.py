"""/api/v1/projects: every project's status, one project's status and its registers.

Thin adapter over `assistant.record.workspace`; the same API key rule as every /api/v1 route."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from assistant.errors import AssistantError
from assistant.record.models import Kind
from assistant.record.store import UnknownRecordProjectError
from assistant.record.workspace import project_register, status_of_project
from assistant.settings import Settings
from ingest.errors import NoIndexError
from ui.auth import api_key_dependency
from ui.services import DocumentServices

DATE = r"^\d{4}-\d{2}-\d{2}$"
AsOf = Annotated[str | None, Query(pattern=DATE, description="YYYY-MM-DD; default today.")]


def build_projects_router(settings: Settings, docs: DocumentServices) -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/projects",
        dependencies=[Depends(api_key_dependency(settings.api_key))],
        tags=["projects"],
    )

    def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            index = docs.index()
            return fn(settings, index.manifest, index.store, *args, **kwargs)
        except UnknownRecordProjectError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
        except NoIndexError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
        except AssistantError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=str(exc)) from None

    @router.get("")
    def projects(as_of: AsOf = None) -> dict[str, Any]:
        """Every project's status, as `status --json` per project."""
        names, model = docs.projects(), docs.risk_model()
        return {"projects": [
            call(status_of_project, n, as_of=as_of, risk_model=model).to_json() for n in names
        ]}  # fmt: skip

    @router.get("/{name}/status")
    def project_status(name: str, as_of: AsOf = None) -> dict[str, Any]:
        model = docs.risk_model()  # the loaded risk model, if any: fills "risk"
        return dict(call(status_of_project, name, as_of=as_of, risk_model=model).to_json())

    @router.get("/{name}/register")
    def project_register_route(
        name: str,
        kind: Annotated[list[Kind] | None, Query()] = None,
        open: bool = False,  # the contract's parameter name
        overdue: bool = False,
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        found = call(
            project_register, name, as_of=as_of, kinds=list(kind or []),
            open_only=open, overdue=overdue,
        )  # fmt: skip
        return dict(found.to_json())

    return router
