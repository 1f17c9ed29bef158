"""The risk model's project features as the documents state them (issue #15 point 4).

`risk_features` fills what the register knows (progress, SPI, CPI, open high risks, change
requests), each with the document it came from, then what the project declares in its
project.toml, and lists what is still missing for the PM to type. Statuses and figures are the
documents' own: nothing is estimated here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.record.models import Register
from assistant.record.query import is_open
from assistant.record.status import is_high, latest_progress

# The columns of data/portfolio.csv a project's documents can state.
FROM_DOCUMENTS = ("percent_complete", "spi", "cpi", "open_high_risks", "change_requests")


@dataclass
class FeatureFill:
    """Feature values, where each came from, and which the model still needs."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def document_features(register: Register) -> FeatureFill:
    """What the register states: the newest progress figures, open high risks, change
    requests, each with its source."""
    fill = FeatureFill()
    progress = latest_progress(register.progress)
    where = f"{progress.source} ({progress.date})" if progress.source else ""
    for name, value in (("percent_complete", progress.percent), ("spi", progress.spi),
                        ("cpi", progress.cpi)):  # fmt: skip
        if value is not None:
            fill.values[name], fill.sources[name] = value, where
    high = [r for r in register.of_kind("risk") if is_open(r) and is_high(r)]
    if register.of_kind("risk"):
        fill.values["open_high_risks"] = len(high)
        fill.sources["open_high_risks"] = "register: " + (", ".join(r.id for r in high) or "none")
    changes = register.of_kind("change")
    if changes:
        fill.values["change_requests"] = len(changes)
        fill.sources["change_requests"] = "register: " + ", ".join(c.id for c in changes)
    return fill


def risk_features(
    register: Register, *, declared: dict[str, Any] | None = None, wanted: Sequence[str] = ()
) -> FeatureFill:
    """Documents first (they are current), then project.toml's [risk_features]; `missing`
    lists the `wanted` features neither states."""
    fill = document_features(register)
    for name, value in (declared or {}).items():
        if name not in fill.values:
            fill.values[name], fill.sources[name] = value, "project.toml [risk_features]"
    fill.missing = [name for name in wanted if name not in fill.values]
    return fill
