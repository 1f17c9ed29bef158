"""Per-query array work kept off the Python loop: choosing the k best scores and filtering.

At 100,000 chunks a full `argsort` of every score (twice per query) and a per-chunk filter loop
were most of a query's time (bench/results/profile_notes.md); both are linear numpy work here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ingest.model import Chunk, SearchFilter


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` highest scores, best first, ties in index order - exactly
    `np.argsort(-scores, kind="stable")[:k]`, without sorting every score."""
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")[:k]
    kth = -np.partition(-scores, k - 1)[k - 1]  # the k-th best score
    # every score tied with the k-th stays a candidate, so the stable order decides as before
    candidates = np.flatnonzero(scores >= kth)
    return candidates[np.argsort(-scores[candidates], kind="stable")][:k]


def chunk_column(chunks: Sequence[Chunk], name: str) -> list[Any]:
    """Field `name` of every chunk. A loaded snapshot's chunks (index.StoredChunks) are read
    from their stored rows: making 40,000 `Chunk` objects for one column cost 0.1-0.2 s of
    the first filtered, dated or numbered question after every load."""
    rows = getattr(chunks, "rows", None)
    if rows is not None:
        return [row[name] for row in rows]
    return [getattr(c, name) for c in chunks]


class ChunkFields:
    """The filterable fields of the chunks as numpy arrays, built once per loaded index, so a
    filter is a few vectorised comparisons instead of a Python call per chunk. Same semantics
    as `chunk_matches`: undated chunks fail a date range, dates compare as ISO strings."""

    def __init__(self, chunks: Sequence[Chunk]):
        self.size = len(chunks)
        self.projects, self.project_codes = _codes(chunk_column(chunks, "project"))
        self.doc_types, self.doc_type_codes = _codes(chunk_column(chunks, "doc_type"))
        self.dates = np.array([d or "" for d in chunk_column(chunks, "date")], dtype=str)

    def mask(self, where: SearchFilter | None) -> np.ndarray | None:
        """Which chunks pass `where`; None when nothing is filtered."""
        if where is None or where.is_empty:
            return None
        keep = np.ones(self.size, dtype=bool)
        if where.project:
            keep &= self.project_codes == self.projects.get(where.project, -1)
        if where.doc_type:
            keep &= self.doc_type_codes == self.doc_types.get(where.doc_type, -1)
        if where.date_from or where.date_to:
            keep &= self.dates != ""
            if where.date_from:
                keep &= self.dates >= where.date_from
            if where.date_to:
                keep &= self.dates <= where.date_to
        return keep


def _codes(values: Iterable[str]) -> tuple[dict[str, int], np.ndarray]:
    """Each distinct value gets a small integer; the array holds every chunk's code."""
    table: dict[str, int] = {}
    codes = [table.setdefault(v, len(table)) for v in values]
    return table, np.asarray(codes, dtype=np.int32)
