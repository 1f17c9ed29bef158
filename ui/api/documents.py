"""REST parity with the CLI for documents, drafts and batch reports (CONTRACT.md "HTTP").

    GET    /api/v1/documents            -> the indexed documents (optionally of one project)
    POST   /api/v1/documents            multipart (files, project) -> as `ingest --json`
    DELETE /api/v1/documents            {"project", "source"} -> {"deleted": int, "chunks": int}
    POST   /api/v1/drafts               {"kind", "project", "since", "until", "lang"}
                                        -> as `draft --json`, with Markdown and DOCX downloads
    POST   /api/v1/reports              {"kind", "projects", ...} -> as `report --json`
    GET    /api/v1/files/{folder}/{name} a file written by the two routes above

Each route is one call on the workspace; the core's errors become the same HTTP errors as the
ask route's (422 naming the field, 409 before any ingest, 502/503 when an upstream fails), and
the same API key rule applies.
"""

# No `from __future__ import annotations`: the draft and report routes are annotated with
# request models built at run time, which FastAPI must see as classes, not names.
import datetime as dt
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from assistant.draft_kinds import draft_kind_names, report_kind_names
from assistant.drafts.sources import UnknownProjectError
from assistant.errors import AssistantError
from assistant.llm import LLMError
from assistant.settings import Settings
from assistant.uploads import PROJECT_NAME_PATTERN, check_upload_names
from assistant.workspace import Workspace
from ingest.errors import (
    IngestError,
    NoIndexError,
    StoreUnavailableError,
    WorkspaceBusyError,
)
from ui.api import models as m
from ui.auth import api_key_dependency

FILES_ROUTE = "/files"
Format = Literal["md", "docx"]
_FOLDER = re.compile(r"^[0-9a-f]{32}$")


class IngestFailure(BaseModel):
    source: str
    error: str


class IngestResponse(BaseModel):
    added: int
    updated: int
    unchanged: int
    deleted: int
    chunks: int
    failed: list[IngestFailure]
    seconds: float


class DocumentEntry(BaseModel):
    source: str
    project: str
    doc_type: str
    date: str | None
    chunks: int


class DocumentList(BaseModel):
    documents: list[DocumentEntry]


class RemoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: str = Field(min_length=1, max_length=200, description="The document's project.")
    source: str = Field(
        min_length=1, max_length=1000, description="The source as listed by GET /documents."
    )


class Removed(BaseModel):
    deleted: int = Field(description="Documents removed (0 when none matched).")
    chunks: int = Field(description="Chunks those documents had in the index.")


class DraftCitation(BaseModel):
    source: str
    page: int | None
    text: str


class DraftItemOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # risk-list items add probability, impact...
    section: str
    text: str
    owner: str | None
    due: str | None
    citations: list[DraftCitation]


class DraftResponse(BaseModel):
    kind: str
    project: str
    lang: Literal["zh", "en"]
    mode: Literal["extractive", "llm"]
    since: str | None = None
    until: str | None = None
    markdown: str
    output: str | None = Field(description="Download URL of the DOCX file.")
    downloads: dict[str, str] = Field(description="Download URL per format (md, docx).")
    items: list[DraftItemOut]
    warnings: list[str] = Field(default_factory=list)


class ReportFailure(BaseModel):
    project: str
    error: str


class ReportResponse(BaseModel):
    written: list[str] = Field(description="Download URLs, one per project and format.")
    failed: list[ReportFailure]


def request_models() -> tuple[type[BaseModel], type[BaseModel]]:
    """The draft and report request bodies, their `kind` one of the registered kinds (read
    when the app is built, so the OpenAPI schema lists them as an enum)."""
    # Built from the registry, so mypy cannot see their values.
    kind_type: Any = Literal[tuple(draft_kind_names())]
    report_kind_type: Any = Literal[tuple(report_kind_names())]
    common: dict[str, Any] = {
        "since": (dt.date | None, Field(None, description="First day included.")),
        "until": (dt.date | None, Field(None, description="Last day included.")),
        "lang": (Literal["zh", "en"] | None, Field(None, description="Default: the project's.")),
    }
    config = ConfigDict(extra="forbid")
    draft = create_model(
        "DraftRequest",
        __config__=config,
        kind=(kind_type, Field(description="A draft kind.")),
        project=(str, Field(min_length=1, max_length=200, description="Project name.")),
        **common,
    )
    report = create_model(
        "ReportRequest",
        __config__=config,
        kind=(report_kind_type, Field(description="A draft kind, or portfolio (all projects).")),
        projects=(
            list[Annotated[str, Field(min_length=1, max_length=200)]],
            Field(default_factory=list, max_length=200, description="Empty: every project."),
        ),
        formats=(
            list[Format],
            Field(default_factory=lambda: ["md", "docx"], min_length=1, max_length=2),
        ),
        **common,
    )
    return draft, report


@contextmanager
def http_errors(field: str | None = None) -> Iterator[None]:
    """The core's errors as HTTP errors; a user error names `field` when it is about one."""
    try:
        yield
    except NoIndexError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except WorkspaceBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except LLMError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=str(exc)) from None
    except StoreUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from None
    except UnknownProjectError as exc:
        raise invalid("project", exc) from None
    except (AssistantError, IngestError) as exc:
        raise invalid(field, exc) from None


def invalid(field: str | None, exc: Exception) -> RequestValidationError:
    loc = ["body", field] if field else ["body"]
    return RequestValidationError([{"loc": loc, "msg": str(exc), "type": "value_error"}])


RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"model": m.Problem, "description": "Nothing ingested yet, or the workspace is busy."},
    422: {"model": m.Problem, "description": "Invalid input; `loc` names the field."},
    502: {"model": m.Problem, "description": "The configured LLM failed."},
    503: {"model": m.Problem, "description": "The Chroma server cannot be reached."},
}


def documents_router(settings: Settings, workspace: Workspace, outputs: Path) -> APIRouter:
    """The documents, drafts and reports routes; files are written under `outputs`."""
    router = APIRouter(
        prefix="/api/v1",
        dependencies=[Depends(api_key_dependency(settings.api_key))],
        responses={**m.ERROR_RESPONSES, **RESPONSES},
    )
    _document_routes(router, workspace)
    _draft_routes(router, workspace, outputs)
    return router


def _document_routes(router: APIRouter, ws: Workspace) -> None:
    @router.get("/documents", response_model=DocumentList, tags=["documents"])
    def list_documents(project: str | None = None) -> DocumentList:
        with http_errors("project"):
            found = ws.documents(project or None)
        return DocumentList(
            documents=[
                DocumentEntry(source=d.source, project=d.project, doc_type=d.doc_type,
                              date=d.date, chunks=d.chunks)
                for d in found
            ]
        )  # fmt: skip

    @router.post("/documents", response_model=IngestResponse, tags=["documents"])
    def upload_documents(
        files: Annotated[
            list[UploadFile], File(min_length=1, description="PDF, DOCX, MD, TXT, HTML files.")
        ],
        project: Annotated[
            str,
            Form(
                min_length=1,
                max_length=200,
                pattern=PROJECT_NAME_PATTERN,
                description="Project of the files (a folder name: no / \\ : * ? \" < > |).",
            ),
        ],
    ) -> dict[str, Any]:
        """Store the files in the workspace under the project and ingest them (incremental)."""
        with http_errors("files"):
            check_upload_names([upload.filename or "" for upload in files])
        with tempfile.TemporaryDirectory() as tmp, http_errors("project"):
            paths, names = _saved(files, Path(tmp))
            report = ws.ingest_uploads(paths, project=project, names=names)
        if report.nothing_read:
            reasons = "; ".join(f"{s}: {e}" for s, e in report.failed)
            raise invalid("files", AssistantError(f"No file could be read: {reasons}"))
        return report.to_dict()

    @router.delete("/documents", response_model=Removed, tags=["documents"])
    def remove_document(body: RemoveRequest) -> Removed:
        """Remove one document (and its uploaded copy) from the index."""
        with http_errors("source"):
            removal = ws.remove(body.source, project=body.project)
        return Removed(deleted=removal.documents, chunks=removal.chunks)


def _saved(files: list[UploadFile], folder: Path) -> tuple[list[Path], list[str]]:
    paths, names = [], []
    for n, upload in enumerate(files):
        path = folder / f"upload-{n}"
        with path.open("wb") as handle:
            while block := upload.file.read(1 << 20):
                handle.write(block)
        paths.append(path)
        names.append(upload.filename or "")
    return paths, names


def _draft_routes(router: APIRouter, ws: Workspace, outputs: Path) -> None:
    draft_model, report_model = request_models()

    @router.post("/drafts", response_model=DraftResponse, tags=["drafts"])
    def make_draft(body: draft_model) -> dict[str, Any]:  # type: ignore[valid-type]
        """Draft one project's document; Markdown and DOCX are kept for download."""
        request: Any = body
        folder = _new_folder(outputs)
        with http_errors():
            result = ws.draft(
                request.kind, request.project, since=_iso(request.since),
                until=_iso(request.until), lang=request.lang,
                out_dir=folder, formats=("md", "docx"),
            )  # fmt: skip
        downloads = {p.suffix.lstrip("."): _url(router, p) for p in result.files}
        return {**result.to_json(), "output": downloads.get("docx"), "downloads": downloads}

    @router.post("/reports", response_model=ReportResponse, tags=["drafts"])
    def make_reports(body: report_model) -> dict[str, Any]:  # type: ignore[valid-type]
        """One draft kind for many projects (every project when none are named)."""
        request: Any = body
        folder = _new_folder(outputs)
        with http_errors("projects"):
            result = ws.report(
                request.kind, request.projects, out_dir=folder, formats=request.formats,
                since=_iso(request.since), until=_iso(request.until), lang=request.lang,
            )  # fmt: skip
        return {
            "written": [_url(router, p) for p in result.written],
            "failed": [{"project": f.project, "error": f.error} for f in result.failed],
        }

    @router.get(
        FILES_ROUTE + "/{folder}/{name}",
        response_class=FileResponse,
        responses={404: {"model": m.Problem, "description": "No such file."}},
        tags=["drafts"],
    )
    def download(folder: str, name: str) -> FileResponse:
        """A file written by POST /drafts or /reports."""
        path = (outputs / folder / name).resolve()
        if not _FOLDER.match(folder) or path.parent != (outputs / folder).resolve():
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such file")
        if not path.is_file():
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such file")
        return FileResponse(path, filename=name)


def _new_folder(outputs: Path) -> Path:
    folder = outputs / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _url(router: APIRouter, path: Path) -> str:
    # Report names are dated and in the draft's language (周报_alpha_2026-03-15.md): quoted.
    return f"{router.prefix}{FILES_ROUTE}/{path.parent.name}/{quote(path.name)}"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
