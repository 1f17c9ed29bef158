"""One entry point for every draft kind, with the project's metadata looked up on the way.

`DraftDeps` gathers what the entry point built (store, optional chat model, retriever, risk
model, the folders that were ingested); `build_draft` picks the kind, reads the project's
project.toml for its display name, language and risk features, and calls the builder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.drafts.models import DRAFT_KINDS, Draft, Lang
from assistant.drafts.requirements import requirements_document
from assistant.drafts.risk_register import PassageSearch, RiskScorer, risk_register
from assistant.drafts.sources import project_info
from assistant.drafts.weekly import weekly_report
from assistant.errors import AssistantError
from assistant.llm import ChatModel
from ingest.ports import VectorStore


@dataclass
class DraftDeps:
    store: VectorStore
    chat_model: ChatModel | None = None
    retriever: PassageSearch | None = None
    risk_model: RiskScorer | None = None
    roots: dict[str, list[Path]] = field(default_factory=dict)  # project -> ingested roots


def roots_by_project(records: Iterable[Any]) -> dict[str, list[Path]]:
    """Ingested roots per project, from manifest records (anything with .root/.project)."""
    found: dict[str, list[Path]] = {}
    for record in records:
        roots = found.setdefault(record.project, [])
        if Path(record.root) not in roots:
            roots.append(Path(record.root))
    return found


def build_draft(
    kind: str,
    project: str,
    deps: DraftDeps,
    *,
    since: str | None = None,
    until: str | None = None,
    lang: str | None = None,
) -> Draft:
    """A draft of `kind` for `project`; `lang` defaults to the project's language, else zh."""
    if kind not in DRAFT_KINDS:
        raise AssistantError(
            f"Unknown draft kind {kind!r}; choose one of {', '.join(DRAFT_KINDS)}."
        )
    info = project_info(project, deps.roots.get(project, []))
    chosen = lang or (info.language if info.language in ("zh", "en") else "zh")
    if chosen not in ("zh", "en"):
        raise AssistantError(f"Unknown language {chosen!r}; use --lang zh or --lang en.")
    language: Lang = "en" if chosen == "en" else "zh"
    common: dict[str, Any] = dict(
        store=deps.store,
        since=since,
        until=until,
        lang=language,
        chat_model=deps.chat_model,
        title=info.name,
    )
    if kind == "weekly-report":
        return weekly_report(project, **common)
    if kind == "requirements":
        return requirements_document(project, **common)
    return risk_register(
        project,
        **common,
        retriever=deps.retriever,
        risk_model=deps.risk_model,
        project_features=info.features or None,
    )
