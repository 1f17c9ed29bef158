"""Re-ranking of the fused candidates by how much of the question each one covers.

BM25 adds up term scores, so one rare word repeated can outrank a passage holding every
concept of the question once; after translation that happens more (a Chinese word's English
gloss may be rare and irrelevant). Here each candidate's fused score is blended with its
coverage: the idf-weighted share of the question's words it contains, a translation or
glossary form standing in for the word the user typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ingest.model import Chunk, SearchHit


def coverage(
    tokens: set[str],
    weights: Mapping[str, float],
    stand_ins: Mapping[str, tuple[tuple[str, ...], ...]],
) -> float:
    """Share of the weighted query tokens present in `tokens` (or one of their stand-ins)."""
    total = sum(weights.values()) or 1.0
    found = sum(
        w
        for t, w in weights.items()
        if t in tokens or any(all(a in tokens for a in alt) for alt in stand_ins.get(t, ()))
    )
    return found / total


def rerank(
    hits: Sequence[SearchHit],
    weights: Mapping[str, float],
    stand_ins: Mapping[str, tuple[tuple[str, ...], ...]],
    tokens_of: Callable[[Chunk], set[str]],
    *,
    blend: float,
) -> list[SearchHit]:
    """Hits re-ordered by (1 - blend) * normalised fused score + blend * coverage."""
    if not hits or blend <= 0:
        return list(hits)
    top = max(h.score for h in hits) or 1.0
    scored = []
    for hit in hits:
        cover = coverage(tokens_of(hit.chunk), weights, stand_ins)
        scored.append(((1 - blend) * hit.score / top + blend * cover, hit))
    scored.sort(key=lambda pair: -pair[0])
    return [SearchHit(chunk=h.chunk, score=round(s, 6)) for s, h in scored]
