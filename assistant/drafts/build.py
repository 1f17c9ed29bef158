"""The table of draft kinds, and one entry point that builds any of them.

Each kind is registered once, here, with its builder and its names in both languages; the CLI
choices, the REST schema and the UI menus are all read from this table (`draft_kinds()`), so
adding a kind is one builder module plus one `register_draft_kind(...)` line.

`DraftDeps` gathers what the entry point built (store, optional chat model, retriever, risk
model, the folders that were ingested); `build_draft` looks up the kind, reads the project's
project.toml for its display name, language and risk features, and calls the builder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.drafts.models import Draft, Lang
from assistant.drafts.sources import ProjectInfo, project_info
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.drafts.risk_register import PassageSearch, RiskScorer
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


DraftBuilder = Callable[[DraftRequest], Draft]


@dataclass(frozen=True)
class DraftKind:
    name: str  # as typed on the command line and sent to the API: "weekly-report"
    build: DraftBuilder
    labels: dict[str, str]  # shown in menus: {"zh": "周报", "en": "Weekly report"}

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.name


_KINDS: dict[str, DraftKind] = {}


def register_draft_kind(name: str, build: DraftBuilder, *, zh: str, en: str) -> DraftKind:
    """Add a draft kind (or replace the one of that name); returns it."""
    kind = DraftKind(name, build, {"zh": zh, "en": en})
    _KINDS[name] = kind
    return kind


def unregister_draft_kind(name: str) -> None:
    _KINDS.pop(name, None)


def draft_kinds() -> list[DraftKind]:
    """Every registered kind, in registration order (the order menus show them in)."""
    return list(_KINDS.values())


def draft_kind_names() -> list[str]:
    return list(_KINDS)


def check_draft_kind(name: str) -> DraftKind:
    """The registered kind called `name`; AssistantError naming the known ones otherwise."""
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(_KINDS)
        raise AssistantError(f"Unknown draft kind {name!r}; choose one of {known}.") from None


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
    return chosen_kind.build(request)


# The builders are imported when a draft is made, not when the table is read (the CLI's help
# lists the kinds and must start fast).
def _requirements(request: DraftRequest) -> Draft:
    from assistant.drafts.requirements import requirements_document

    return requirements_document(request.project, **request.common())


def _weekly_report(request: DraftRequest) -> Draft:
    from assistant.drafts.weekly import weekly_report

    return weekly_report(request.project, **request.common())


def _risk_list(request: DraftRequest) -> Draft:
    from assistant.drafts.risk_register import risk_register

    return risk_register(
        request.project,
        **request.common(),
        retriever=request.deps.retriever,
        risk_model=request.deps.risk_model,
        project_features=request.info.features or None,
    )


register_draft_kind("weekly-report", _weekly_report, zh="周报", en="Weekly report")
register_draft_kind("requirements", _requirements, zh="需求文档", en="Requirements document")
register_draft_kind("risk-list", _risk_list, zh="风险登记册", en="Risk register")
