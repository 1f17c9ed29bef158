"""Re-ranking of the fused candidates by how much of the question each one covers.

BM25 adds up term scores, so one rare word repeated can outrank a passage holding every
concept of the question once; after translation that happens more (a Chinese word's English
gloss may be rare and irrelevant). Here each candidate's fused score is blended with its
coverage: the idf-weighted share of the question's words it contains, a translation or
glossary form standing in for the word the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from ingest.model import Chunk, SearchHit

# An agenda item comes back meeting after meeting; the one that settled it says so.
DECIDED = re.compile(
    r"决议|结论|决定|同意|通过|批准|全票|表决|\b(?:decided|decision|agreed|approved|resolved"
    r"|consensus|no objections?|voted)\b",
    re.I,
)
DECISION_BONUS = 0.05  # times coverage, on the 0..1 re-ranked scale: breaks near-ties
DECISIONS_REMEMBERED = 65536  # chunk ids whose flag a `DecisionFlags` keeps


def records_decision(chunk: Chunk) -> bool:
    return DECIDED.search(chunk.text) is not None


class DecisionFlags:
    """`records_decision`, remembered by chunk id. Running the regex over the 40 candidates of
    every query was half of the re-ranking's time (bench/results/speed_notes.md); a chunk id
    names one text (source, file hash, position), and the same chunks come back query after
    query. One instance per index: a new snapshot starts with a new one."""

    def __init__(self) -> None:
        self._flags: dict[str, bool] = {}

    def __call__(self, chunk: Chunk) -> bool:
        flag = self._flags.get(chunk.id)
        if flag is None:
            if len(self._flags) >= DECISIONS_REMEMBERED:
                self._flags.clear()
            flag = self._flags[chunk.id] = records_decision(chunk)
        return flag


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
    decided: Callable[[Chunk], bool] = records_decision,
) -> list[SearchHit]:
    """Hits re-ordered by (1 - blend) * normalised fused score + blend * coverage, a chunk
    that records a decision (`decided`, e.g. a `DecisionFlags`) a little ahead of one that
    only lists the same item."""
    if not hits or blend <= 0:
        return list(hits)
    top = max(h.score for h in hits) or 1.0
    scored = []
    for hit in hits:
        cover = coverage(tokens_of(hit.chunk), weights, stand_ins)
        bonus = DECISION_BONUS * cover if decided(hit.chunk) else 0.0
        scored.append(((1 - blend) * hit.score / top + blend * cover + bonus, hit))
    scored.sort(key=lambda pair: -pair[0])
    return [SearchHit(chunk=h.chunk, score=round(s, 6)) for s, h in scored]
