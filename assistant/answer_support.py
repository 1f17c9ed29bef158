"""How well a text supports an answer: the weighted share of the question's words it holds,
translations standing in; and the retrieved passages judged that way."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer_direct import (
    asks_about_change,
    plain_links,
    states_change,
    tables_in_words,
)
from assistant.answer_model import Retriever
from assistant.retrieval.hybrid import SupportTerms
from assistant.retrieval.pointers import points_at
from assistant.tokenize import CJK_RUN
from ingest.model import Chunk, SearchHit


@dataclass(frozen=True, slots=True)
class Passage:
    hit: SearchHit
    rank: int  # 1-based
    text: str  # the chunk with its tables put in words
    support: float  # share of the question the passage covers
    context: str  # heading and text, as judged
    tokens: frozenset[str]


class Coverage:
    """Weighted share of the question's tokens found in a text; translations stand in.

    A token also counts when it is part of a longer word of the text (负责 in 负责人,
    "migrat" in "migrations"): word segmentation differs between a question and a document.
    A date or meeting number the question names counts as found in the document it points at.
    """

    def __init__(self, support: SupportTerms):
        self.weights = dict(support.weights)
        self.stand_ins = support.stand_ins
        self.pointers = support.pointers
        self.total = sum(self.weights.values()) or 1.0
        alternatives = {t for alts in self.stand_ins.values() for alt in alts for t in alt}
        self.all_tokens = set(self.weights) | alternatives
        self._partial = {t for t in self.all_tokens if _matches_inside_words(t)}
        self._pointer_tokens = {t for t in self.weights if _POINTER_TOKEN.fullmatch(t)}
        self._change_tokens = {t for t in self.weights if asks_about_change(t)}

    def rarest(self, count: int = 2) -> list[str]:
        return sorted(self.weights, key=lambda t: -self.weights[t])[:count]

    def holds_rarest(self, passage: Passage, count: int = 2) -> bool:
        """Does the passage hold the question's rarest words (or a translation of them)? A
        direct answer is only stated from such a passage: "2023年的预算是多少万元" must not be
        answered with a date from a passage that never mentions 预算."""
        only = self.rarest(count)
        return self(set(passage.tokens), passage.context, passage.hit.chunk, only=only) >= 0.999

    def __call__(
        self, tokens: set[str], text: str, chunk: Chunk | None = None, only: Sequence[str] = ()
    ) -> float:
        lowered = text.lower()
        pointed = chunk is not None and bool(self.pointers) and points_at(self.pointers, chunk)

        def present(token: str) -> bool:
            return token in tokens or (token in self._partial and token in lowered)

        weights = {t: self.weights[t] for t in only} if only else self.weights
        # "为什么推迟了" / "why was it moved" is supported by "由 4 月 11 日调整为 4 月 18 日"
        change = any(t in self._change_tokens for t in weights) and states_change(text)
        found = 0.0
        for token, weight in weights.items():
            if (
                present(token)
                or (change and token in self._change_tokens)
                or any(all(present(t) for t in alt) for alt in self.stand_ins.get(token, ()))
                or (pointed and token in self._pointer_tokens)
            ):
                found += weight
        total = (sum(weights.values()) or 1.0) if only else self.total
        return min(1.0, found / total)


_POINTER_TOKEN = re.compile(
    r"\d+|年|月|日|号|次|第|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february"
    r"|march|april|june|july|august|september|october|november|december"
)


def _matches_inside_words(token: str) -> bool:
    # long enough that a substring hit is the same word, not a coincidence
    return len(token) >= 4 if token.isascii() else len(token) >= 2 and bool(CJK_RUN.match(token))


def judge_passages(
    hits: Sequence[SearchHit], coverage: Coverage, retriever: Retriever
) -> list[Passage]:
    out = []
    for rank, hit in enumerate(hits, start=1):
        text = tables_in_words(plain_links(hit.chunk.text))
        context = f"{hit.chunk.heading}\n{text}"
        tokens = frozenset(retriever.tokens(context))
        support = coverage(set(tokens), context, hit.chunk)
        out.append(Passage(hit, rank, text, support, context, tokens))
    return out
