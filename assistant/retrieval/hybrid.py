"""Hybrid retrieval: BM25 (jieba + English stemming, on bm25s) fused with the vector search.

Each retriever produces a ranking; reciprocal rank fusion (RRF) merges them, so neither score
scale matters. Glossary expansions (消息队列 → "message queue") are searched as well, weighted
below the words the user typed. Filters (project, document type, date range) apply to both
retrievers: the vector store filters itself, BM25 filters by the chunk metadata it keeps.

The BM25 index (and a copy of the vectors) lives in <workspace>/bm25/, see `index.py`; which
version of it a reader opens is `live.py`'s business.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.glossary import Expansion, Glossary
from assistant.retrieval.index import BM25Index
from assistant.retrieval.ranking import top_k
from assistant.tokenize import TextTokenizer
from ingest.model import Chunk, SearchFilter, SearchHit
from ingest.ports import Embedder, VectorStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """What a query searches for: the user's own tokens and the glossary's translations."""

    tokens: tuple[str, ...]
    expansion_tokens: tuple[str, ...]
    expansion: Expansion


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """Votes of each ranking in the fusion. The defaults suit a semantic embedder (OpenAI or
    a local model); see `weights_for`."""

    bm25: float = 1.0
    vector: float = 1.0
    vector_expanded: float = 0.5  # the query + glossary translations, embedded
    glossary: float = 0.4  # BM25 weight of an expansion token relative to a typed one


# The default hashing embedder is lexical (character/word n-grams): it mostly repeats what
# BM25 knows, less precisely, so it only breaks ties and adds candidates BM25 missed.
# Measured with bench/retrieval_eval.py (rrf_k=60): with vector weight 1.0 hybrid recall@5 on
# CMRC 2018 fell below BM25 alone (0.961 vs 0.992); 0.5 gives 0.979, 0.1 gives 0.994 (and
# SQuAD 0.976 vs 0.975 for BM25 alone).
LEXICAL_EMBEDDER_WEIGHTS = FusionWeights(vector=0.1, vector_expanded=0.05)


def weights_for(embedder_id: str) -> FusionWeights:
    return LEXICAL_EMBEDDER_WEIGHTS if embedder_id.startswith("hashing") else FusionWeights()


class HybridRetriever:
    """BM25 + vector search, fused by reciprocal rank, with glossary query expansion."""

    def __init__(
        self,
        *,
        store: VectorStore,
        embedder: Embedder,
        bm25: BM25Index,
        tokenizer: TextTokenizer,
        glossary: Glossary | None = None,
        rrf_k: int = 60,
        candidates: int = 50,
        weights: FusionWeights | None = None,
        vector_snapshot: bool = False,
    ):
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self.glossary = glossary or Glossary([])
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.weights = weights or weights_for(embedder.id)
        # search the vectors kept beside the BM25 index instead of the store (same results,
        # without opening Chroma); only when they come from this embedder
        self.vector_snapshot = vector_snapshot and bm25.has_vectors_from(embedder.id)

    def query_terms(self, query: str) -> QueryTerms:
        tokens = tuple(self.tokenizer.tokens(query))
        expansion = self.glossary.expand(query)
        extra = tuple(t for t in self.tokenizer.tokens(expansion.text) if t not in tokens)
        return QueryTerms(tokens, extra, expansion)

    def tokens(self, text: str) -> list[str]:
        return self.tokenizer.tokens(text)

    def term_weights(self, query: str) -> tuple[dict[str, float], dict[str, float]]:
        """How much each query token matters (idf): the typed ones, then the glossary
        translations, which count less and only stand in for typed words."""
        terms = self.query_terms(query)
        typed = {t: max(self.bm25.idf(t), 0.1) for t in terms.tokens}
        expanded = {
            t: self.weights.glossary * max(self.bm25.idf(t), 0.1) for t in terms.expansion_tokens
        }
        return typed, expanded

    def bm25_ranking(self, terms: QueryTerms, where: SearchFilter | None) -> list[Chunk]:
        if not len(self.bm25) or not (terms.tokens or terms.expansion_tokens):
            return []
        scores = self.bm25.scores(terms.tokens)
        if terms.expansion_tokens:
            scores = scores + self.weights.glossary * self.bm25.scores(terms.expansion_tokens)
        mask = self.bm25.mask(where)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = top_k(scores, self.candidates)
        return [self.bm25.chunks[i] for i in top if scores[i] > 0]

    def vector_ranking(self, text: str, where: SearchFilter | None) -> list[Chunk]:
        vector = self.embedder.embed_batch([text])[0]
        if self.vector_snapshot:
            return self.bm25.vector_search(vector, self.candidates, where)
        return [hit.chunk for hit in self.store.search(vector, self.candidates, where)]

    def search(
        self, query: str, *, k: int = 5, where: SearchFilter | None = None
    ) -> list[SearchHit]:
        """The `k` best chunks for `query`, best first; score is the fused RRF score."""
        terms = self.query_terms(query)
        rankings = [(self.weights.bm25, self.bm25_ranking(terms, where))]
        rankings.append((self.weights.vector, self.vector_ranking(query, where)))
        if terms.expansion.terms and self.weights.vector_expanded > 0:
            expanded = f"{query} {terms.expansion.text}"
            rankings.append((self.weights.vector_expanded, self.vector_ranking(expanded, where)))
        return reciprocal_rank_fusion(rankings, k=k, rrf_k=self.rrf_k)


def reciprocal_rank_fusion(
    rankings: Sequence[tuple[float, Sequence[Chunk]]], *, k: int, rrf_k: int = 60
) -> list[SearchHit]:
    """Merge rankings: each chunk scores sum(weight / (rrf_k + rank)), rank starting at 1."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for weight, ranking in rankings:
        for rank, chunk in enumerate(ranking, start=1):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + weight / (rrf_k + rank)
            chunks.setdefault(chunk.id, chunk)
    best = sorted(scores, key=lambda cid: -scores[cid])[:k]
    return [SearchHit(chunk=chunks[cid], score=round(scores[cid], 6)) for cid in best]
