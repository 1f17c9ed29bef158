"""The record of a workspace: what the CLI, the REST API and the UI call (one core operation
each, same arguments)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from assistant.drafts.text import parse_iso
from assistant.errors import AssistantError
from assistant.record.models import Register
from assistant.record.query import select
from assistant.record.status import ProjectStatus, project_status
from assistant.record.store import build_register, documents_of, workspace_cache
from assistant.settings import Settings
from ingest.manifest import Manifest
from ingest.ports import VectorStore


def check_as_of(as_of: str | None) -> str:
    """`as_of` as an ISO date (default today); a clear error for anything else."""
    if as_of is None:
        return date.today().isoformat()
    if len(as_of) != 10 or parse_iso(as_of) is None:
        raise AssistantError(f"--as-of {as_of!r} is not a date; write it as YYYY-MM-DD.")
    return as_of


def project_register(
    settings: Settings,
    manifest: Manifest,
    store: VectorStore,
    project: str,
    *,
    as_of: str | None = None,
    kinds: Sequence[str] = (),
    open_only: bool = False,
    overdue: bool = False,
) -> Register:
    day = check_as_of(as_of)
    docs = documents_of(manifest.records().values(), project)
    register = build_register(
        project, docs, store, cache=workspace_cache(settings.workspace), as_of=day
    )
    return select(register, kinds=kinds, open_only=open_only, overdue=overdue)


def status_of_project(
    settings: Settings, manifest: Manifest, store: VectorStore, project: str,
    *, as_of: str | None = None,
) -> ProjectStatus:  # fmt: skip
    return project_status(project_register(settings, manifest, store, project, as_of=as_of))


def all_projects(manifest: Manifest) -> list[str]:
    return manifest.projects()


def workspace_portfolio(
    settings: Settings, manifest: Manifest, store: VectorStore, *, as_of: str | None = None,
    lang: str = "en",
) -> list[Any]:  # fmt: skip
    """Every ingested project's summary (see `assistant.record.portfolio`)."""
    from assistant.record.portfolio import portfolio

    day = check_as_of(as_of)
    docs = documents_of(manifest.records().values())
    cache = workspace_cache(settings.workspace)
    registers = [
        build_register(p, docs, store, cache=cache, as_of=day) for p in manifest.projects()
    ]
    return portfolio(registers, lang=lang)
