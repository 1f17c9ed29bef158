"""The record of a workspace: what the CLI, the REST API and the UI call (one core operation
each, same arguments)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from assistant.drafts.text import parse_iso
from assistant.errors import AssistantError
from assistant.llm import ChatModel
from assistant.record.models import Register
from assistant.record.query import select
from assistant.record.status import ProjectStatus, project_status
from assistant.record.store import build_register, documents_of, workspace_cache
from assistant.settings import Settings
from ingest.manifest import Manifest
from ingest.ports import VectorStore
from ml.errors import RiskModelError

logger = logging.getLogger(__name__)


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
    chat_model: ChatModel | None = None,
) -> Register:
    """With `chat_model`, each document is read by the model (validated, cached per model),
    falling back to offline extraction for any document the model fails on."""
    day = check_as_of(as_of)
    docs = documents_of(manifest.records().values(), project)
    cache = workspace_cache(settings.workspace, chat_model)
    register = build_register(
        project, docs, store, cache=cache, as_of=day, chat_model=chat_model
    )
    return select(register, kinds=kinds, open_only=open_only, overdue=overdue)


class RiskScorer(Protocol):
    """What the status needs from the risk model (ml.model.RiskModel has it)."""

    def score_records(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]: ...


def status_of_project(
    settings: Settings, manifest: Manifest, store: VectorStore, project: str,
    *, as_of: str | None = None, risk_model: RiskScorer | None = None,
    chat_model: ChatModel | None = None,
) -> ProjectStatus:  # fmt: skip
    """The project's status; with a risk model, its delay/overrun probabilities scored on the
    features its documents (and project.toml) state."""
    register = project_register(
        settings, manifest, store, project, as_of=as_of, chat_model=chat_model
    )
    risk = None
    if risk_model is not None:
        risk = model_probabilities(risk_model, project_features(register, manifest))
    return project_status(register, risk=risk)


def project_features(register: Register, manifest: Manifest) -> dict[str, Any]:
    """The risk features of a project: its documents first, then its project.toml."""
    from assistant.drafts.build import roots_by_project
    from assistant.drafts.sources import project_info
    from assistant.record.features import risk_features

    roots = roots_by_project(manifest.records().values()).get(register.project, [])
    declared = project_info(register.project, roots).features
    return risk_features(register, declared=declared).values


def model_probabilities(model: RiskScorer, features: dict[str, Any]) -> dict[str, float] | None:
    """{target: probability} for one project, or None when nothing can be scored."""
    if not features:
        return None
    try:
        (result,) = model.score_records([features])
    except (RiskModelError, ValueError) as exc:
        logger.warning("risk model could not score the project: %s", exc)
        return None
    return {
        name: float(value["probability"])
        for name, value in result.items()
        if isinstance(value, dict) and "probability" in value
    }


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
    cache.prune(docs)  # every document of every project was read: the rest is stale
    return portfolio(registers, lang=lang)
