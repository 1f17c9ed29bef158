"""The risk model's project features as the documents state them (issue #15 point 4).

`risk_features` fills what the register knows (progress, SPI, CPI, open high risks, change
requests), each with the document and date it came from, then what the project declares in its
project.toml, and lists what is still missing for the PM to give. Statuses and figures are the
documents' own: nothing is estimated here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.record.models import ProgressNote, RecordItem, Register
from assistant.record.query import is_open
from assistant.record.status import is_high

# The columns of data/portfolio.csv a project's documents can state.
FROM_DOCUMENTS = ("percent_complete", "spi", "cpi", "open_high_risks", "change_requests")
# Progress figures (assistant.record.models.ProgressNote) -> the model's feature names.
PROGRESS_FEATURES = {"percent": "percent_complete", "spi": "spi", "cpi": "cpi"}
DECLARED = "[risk_features]"  # the table of project.toml that declares feature values
GIVEN = "given"  # a value the PM typed (the CLI's --set, the Risk tab's form)


@dataclass(frozen=True)
class FeatureSource:
    """Where one feature value came from: a document and its date (`detail`: the register ids
    a count is made of), project.toml's [risk_features], or the PM (`detail` = GIVEN)."""

    document: str | None = None
    date: str | None = None
    detail: str | None = None

    def __str__(self) -> str:
        where = " ".join(p for p in (self.document, f"({self.date})" if self.date else "") if p)
        if self.detail and where:
            return f"{self.detail}: {where}"
        return self.detail or where

    def to_json(self) -> dict[str, str | None]:
        return {"document": self.document, "date": self.date, "detail": self.detail}


@dataclass
class FeatureFill:
    """Feature values, where each came from, and which the model still needs."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, FeatureSource] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def put(self, name: str, value: Any, source: FeatureSource) -> None:
        self.values[name], self.sources[name] = value, source

    def given(self, values: dict[str, Any]) -> FeatureFill:
        """The PM's own values on top (they override the documents); missing recomputed."""
        for name, value in values.items():
            self.put(name, value, FeatureSource(detail=GIVEN))
        self.missing = [name for name in self.missing if name not in self.values]
        return self

    def to_json(self) -> dict[str, Any]:
        """{"features": {name: {"value", "source": {document, date, detail}}}, "missing": [...]}"""
        return {
            "features": {
                name: {"value": value, "source": self.sources[name].to_json()}
                for name, value in self.values.items()
            },
            "missing": list(self.missing),
        }


def document_features(register: Register) -> FeatureFill:
    """What the register states: each progress figure from the newest document stating it,
    open high risks and change requests counted over the register, each with its source."""
    fill = FeatureFill()
    for figure, name in PROGRESS_FEATURES.items():
        note = _newest_stating(register.progress, figure)
        if note is not None:
            fill.put(name, getattr(note, figure), FeatureSource(note.source, note.date))
    risks = register.of_kind("risk")
    if risks:
        high = [r for r in risks if is_open(r) and is_high(r)]
        # No open high risk: the count is as of the newest document about any risk.
        detail = ", ".join(r.id for r in high) or None
        fill.put("open_high_risks", len(high), _newest_source(high or risks, detail))
    changes = register.of_kind("change")
    if changes:
        ids = ", ".join(c.id for c in changes)
        fill.put("change_requests", len(changes), _newest_source(changes, ids))
    return fill


def risk_features(
    register: Register,
    *,
    declared: dict[str, Any] | None = None,
    declared_in: str | None = None,
    wanted: Sequence[str] = (),
) -> FeatureFill:
    """Documents first (they are current), then project.toml's [risk_features] (`declared`,
    read from the file `declared_in`); `missing` lists the `wanted` features neither states."""
    fill = document_features(register)
    for name, value in (declared or {}).items():
        if name not in fill.values:
            fill.put(name, value, FeatureSource(declared_in or "project.toml", None, DECLARED))
    fill.missing = [name for name in wanted if name not in fill.values]
    return fill


def _newest_stating(notes: Iterable[ProgressNote], figure: str) -> ProgressNote | None:
    stating = [n for n in notes if getattr(n, figure) is not None]
    return max(stating, key=lambda n: n.date or "", default=None)


def _newest_source(items: Sequence[RecordItem], detail: str | None) -> FeatureSource:
    """The newest document that mentions any of `items` (the count is as of that one)."""
    entries = [h for item in items for h in item.history]
    newest = max(entries, key=lambda h: h.date or "", default=None)
    if newest is None:
        return FeatureSource(detail=detail)
    return FeatureSource(newest.source, newest.date, detail)
