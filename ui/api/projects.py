"""/api/v1/projects: every project's status, one project's status and its registers.

Thin adapter over the workspace service; the same API key rule as every /api/v1 route."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from assistant.errors import AssistantError
from assistant.record.models import Kind
from assistant.record.store import UnknownRecordProjectError
from assistant.settings import Settings
from assistant.workspace import Workspace
from ingest.errors import NoIndexError
from ui.auth import api_key_dependency

DATE = r"^\d{4}-\d{2}-\d{2}$"
AsOf = Annotated[str | None, Query(pattern=DATE, description="YYYY-MM-DD; default today.")]


def build_projects_router(settings: Settings, workspace: Workspace) -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/projects",
        dependencies=[Depends(api_key_dependency(settings.api_key))],
        tags=["projects"],
    )

    def call(operation: Callable[[], Any]) -> dict[str, Any]:
        try:
            return dict(operation().to_json())
        except UnknownRecordProjectError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
        except NoIndexError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
        except AssistantError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=str(exc)) from None

    @router.get("")
    def projects(as_of: AsOf = None) -> dict[str, Any]:
        """Every project's status, as `status --json` per project."""
        return {"projects": [call(partial(workspace.status, n, as_of=as_of))
                             for n in workspace.projects()]}  # fmt: skip

    @router.get("/{name}/status")
    def project_status(name: str, as_of: AsOf = None) -> dict[str, Any]:
        return call(lambda: workspace.status(name, as_of=as_of))

    @router.get("/{name}/register")
    def project_register_route(
        name: str,
        kind: Annotated[list[Kind] | None, Query()] = None,
        open: bool = False,  # the contract's parameter name
        overdue: bool = False,
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        return call(
            lambda: workspace.register(
                name, as_of=as_of, kinds=list(kind or []), open_only=open, overdue=overdue
            )
        )

    return router
