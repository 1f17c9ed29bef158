"""One entry point that builds a draft of any registered kind.

The kinds are listed once, in `assistant.draft_kinds` (re-exported here): the CLI choices, the
REST schema and the UI menus are all read from that table, so adding a kind is one builder
module plus one `register_draft_kind(...)` line.

`DraftDeps` gathers what the entry point built (store, optional chat model, retriever, risk
model, the folders that were ingested); `build_draft` looks up the kind, reads the project's
project.toml for its display name, language and risk features, and calls the builder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.draft_kinds import (
    DraftKind,
    check_draft_kind,
    draft_kind_names,
    draft_kinds,
    register_draft_kind,
    unregister_draft_kind,
)
from assistant.drafts.models import Draft, Lang
from assistant.drafts.sources import ProjectInfo, project_info
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.drafts.ports import PassageSearch, RiskScorer
    from assistant.llm import ChatModel
    from ingest.ports import VectorStore


@dataclass
class DraftDeps:
    store: VectorStore
    chat_model: ChatModel | None = None
    retriever: PassageSearch | None = None
    risk_model: RiskScorer | None = None
    roots: dict[str, list[Path]] = field(default_factory=dict)  # project -> ingested roots


@dataclass(frozen=True)
class DraftRequest:
    """Everything a builder may read: the project, its project.toml, the range, the deps."""

    project: str
    info: ProjectInfo
    deps: DraftDeps
    lang: Lang
    since: str | None = None
    until: str | None = None

    def common(self) -> dict[str, Any]:
        """The keyword arguments every builder takes."""
        return dict(
            store=self.deps.store, since=self.since, until=self.until, lang=self.lang,
            chat_model=self.deps.chat_model, title=self.info.name,
        )  # fmt: skip


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
    chosen_kind = check_draft_kind(kind)
    info = project_info(project, deps.roots.get(project, []))
    chosen = lang or (info.language if info.language in ("zh", "en") else "zh")
    if chosen not in ("zh", "en"):
        raise AssistantError(f"Unknown language {chosen!r}; use --lang zh or --lang en.")
    language: Lang = "en" if chosen == "en" else "zh"
    request = DraftRequest(project, info, deps, language, since=since, until=until)
    draft: Draft = chosen_kind.module().build(request)
    return draft


__all__ = [
    "DraftDeps",
    "DraftKind",
    "DraftRequest",
    "build_draft",
    "check_draft_kind",
    "draft_kind_names",
    "draft_kinds",
    "register_draft_kind",
    "roots_by_project",
    "unregister_draft_kind",
]
