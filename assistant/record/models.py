"""The project record: what one document says (`Mention`) and the registers built from all of
them (`RecordItem`, one per real-world item across every week it appears in).

The register kinds are defined once in kinds.py (`KINDS`); the CLI choices, the REST query
and the UI filters are derived from that tuple.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.drafts.models import Citation
from assistant.record.kinds import KINDS, Kind  # noqa: F401 (re-exported)

# What a progress line says about the whole project ("总体完成 76%（计划 88%），SPI 0.86").
PROGRESS_FIELDS = ("percent", "planned_percent", "spi", "cpi")


class Mention(BaseModel):
    """One item as one document states it (a table row, a labelled line, an id's status note)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    text: str
    own_id: str | None = Field(None, description="The document's own id: R-05, A-14, M4.")
    owner: str | None = None
    due: str | None = None
    status: str | None = Field(None, description="Status exactly as the document writes it.")
    probability: str | None = None
    impact: str | None = None
    response: str | None = None
    planned: str | None = None
    forecast: str | None = None
    actual: str | None = None
    update_only: bool = Field(
        False, description="A note about an item defined elsewhere ('A-11 完成'): never new."
    )
    date: str | None = None
    citation: Citation


class ProgressNote(BaseModel):
    """The project's overall progress as one document states it."""

    model_config = ConfigDict(extra="forbid")

    percent: float | None = None
    planned_percent: float | None = None
    spi: float | None = None
    cpi: float | None = None
    date: str | None = None
    source: str


class DocumentFacts(BaseModel):
    """Everything extracted from one document: cached by its content hash."""

    model_config = ConfigDict(extra="forbid")

    source: str
    date: str | None = None
    mentions: list[Mention] = Field(default_factory=list)
    progress: list[ProgressNote] = Field(default_factory=list)


class HistoryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: str | None
    status: str | None
    source: str


class RecordItem(BaseModel):
    """One real-world item across all the documents that mention it."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    id: str
    text: str
    owner: str | None = None
    due: str | None = None
    status: str | None = Field(None, description="Latest status as written, never normalised.")
    first_seen: str | None = None
    last_seen: str | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    own_id: bool = Field(False, description="True when `id` is the document's own identifier.")
    probability: str | None = None
    impact: str | None = None
    response: str | None = None
    planned: str | None = None
    forecast: str | None = None
    actual: str | None = None
    slip_days: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract's item shape, plus the kind's own fields when known."""
        document: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "text": self.text,
            "owner": self.owner,
            "due": self.due,
            "status": self.status,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "history": [h.model_dump() for h in self.history],
            "citations": [c.model_dump() for c in self.citations],
        }
        extras = ("probability", "impact", "response", "planned", "forecast", "actual")
        document.update({k: getattr(self, k) for k in extras if getattr(self, k) is not None})
        if self.kind == "milestone":
            document["slip_days"] = self.slip_days
        return document


class Register(BaseModel):
    """A project's registers as of a date."""

    model_config = ConfigDict(extra="forbid")

    project: str
    as_of: str
    items: list[RecordItem] = Field(default_factory=list)
    progress: list[ProgressNote] = Field(default_factory=list)

    def of_kind(self, kind: str) -> list[RecordItem]:
        return [item for item in self.items if item.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "as_of": self.as_of,
            "items": [item.to_json() for item in self.items],
        }
