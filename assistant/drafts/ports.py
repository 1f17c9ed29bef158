"""What the risk register needs from retrieval and from the risk model (passed in by the
entry point through `DraftDeps`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ingest.model import SearchFilter, SearchHit


class PassageSearch(Protocol):
    """What the register needs from retrieval (assistant.retrieval.HybridRetriever has it)."""

    def search(
        self, query: str, *, k: int = 5, where: SearchFilter | None = None
    ) -> list[SearchHit]: ...


class RiskScorer(Protocol):
    """What the register needs from the risk model (ml.model.RiskModel has it)."""

    def score_records(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]: ...
