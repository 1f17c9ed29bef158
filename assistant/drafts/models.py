"""The structured drafts: what a weekly report, requirement document or risk register holds.

Every draft is one `Draft` with a flat list of `DraftItem`s, each tagged with its section and
carrying the citations it was built from. The same structure is produced offline (extraction)
and by an LLM (validated against these models), then rendered through templates.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from assistant.draft_kinds import check_draft_kind, draft_kind_names

Lang = Literal["zh", "en"]
Mode = Literal["extractive", "llm"]


def registered_kind(name: str) -> str:
    """A draft's kind must be registered (assistant.draft_kinds is the one list)."""
    if name not in draft_kind_names():
        raise ValueError(f"unknown draft kind {name!r}; registered: {draft_kind_names()}")
    return name


DraftKind = Annotated[str, AfterValidator(registered_kind)]


def sections_of(kind: str) -> tuple[str, ...]:
    """The sections of a kind's drafts, in the order the templates and the DOCX show them
    (declared by the kind's module)."""
    return check_draft_kind(kind).sections()


Level = Literal["high", "medium", "low"]
Response = Literal["avoid", "mitigate", "transfer", "accept"]


class Citation(BaseModel):
    """Where an item came from: the passage a reader can check."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="Path relative to the ingested root.")
    page: int | None = Field(None, description="1-based PDF page, else null.")
    text: str = Field(description="The supporting snippet.")


class DraftItem(BaseModel):
    """One line of a draft: a decision, an action, a risk, a requirement..."""

    model_config = ConfigDict(extra="forbid")

    section: str
    text: str
    owner: str | None = None
    due: str | None = Field(None, description="ISO date when it could be resolved.")
    status: str | None = Field(
        None,
        description="As the documents write it (未开始, In progress, 已完成...) when it comes "
        "from the project record; open/done/closed when only a line's words say so.",
    )
    id: str | None = Field(None, description="FR-1, NFR-2, R-3... numbered when rendered.")
    probability: str | None = Field(
        None, description="high/medium/low, or a model probability such as 0.63."
    )
    impact: str | None = Field(None, description="high/medium/low, or as written (高, 中).")
    level: Level | None = None
    response: Response | None = None
    category: str | None = None
    origin: Literal["project", "lesson", "model"] | None = Field(
        None,
        description="Risk register only: the project's own documents, another "
        "project's post-mortem, or the risk model.",
    )
    planned: str | None = Field(None, description="Milestones: first planned date.")
    forecast: str | None = Field(None, description="Milestones: latest forecast date.")
    actual: str | None = Field(None, description="Milestones: date reached.")
    slip_days: int | None = Field(None, description="Milestones: actual/forecast - planned.")
    date: str | None = Field(None, description="Date of the latest document mentioning it.")
    citations: list[Citation] = Field(default_factory=list)

    def to_json(self, kind: str) -> dict[str, Any]:
        """The contract's item shape, plus extras that are known."""
        document: dict[str, Any] = {
            "section": self.section,
            "text": self.text,
            "owner": self.owner,
            "due": self.due,
            "citations": [c.model_dump() for c in self.citations],
        }
        if kind == "risk-list":
            document.update(
                probability=self.probability, impact=self.impact, response=self.response
            )
        extras = (
            "id", "status", "level", "category", "origin", "planned", "forecast", "actual",
            "slip_days",
        )  # fmt: skip
        document.update({k: getattr(self, k) for k in extras if getattr(self, k) is not None})
        return document


class Overview(BaseModel):
    """A weekly report's 基本信息 and 总体状态, from the project record."""

    model_config = ConfigDict(extra="forbid")

    reporter: str | None = None
    health: str | None = Field(None, description="green / amber / red")
    reasons: list[str] = Field(default_factory=list)
    progress: str | None = Field(None, description="Progress, plan, SPI, CPI as stated.")
    progress_citation: Citation | None = None


class Draft(BaseModel):
    """A whole draft, before rendering."""

    model_config = ConfigDict(extra="forbid")

    kind: DraftKind
    project: str
    title: str = Field(description="Project display name (project.toml `name`) or the key.")
    lang: Lang
    mode: Mode
    since: str | None = None
    until: str | None = None
    items: list[DraftItem] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    overview: Overview | None = Field(
        None, description="Weekly report: basic information and overall status."
    )

    @classmethod
    def begin(
        cls,
        kind: DraftKind,
        project: str,
        *,
        lang: Lang,
        since: str | None,
        until: str | None,
        title: str | None = None,
    ) -> Draft:
        """An empty draft; extraction is the mode until a model's reply is validated."""
        return cls(
            kind=kind, project=project, title=title or project, lang=lang,
            mode="extractive", since=since, until=until,
        )  # fmt: skip

    def section(self, name: str) -> list[DraftItem]:
        return [item for item in self.items if item.section == name]

    def to_json(self, markdown: str, output: str | None) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "project": self.project,
            "lang": self.lang,
            "mode": self.mode,
            "since": self.since,
            "until": self.until,
            "markdown": markdown,
            "output": output,
            "items": [item.to_json(self.kind) for item in self.items],
            "warnings": list(self.warnings),
            **({"overview": self.overview.model_dump()} if self.overview else {}),
        }
