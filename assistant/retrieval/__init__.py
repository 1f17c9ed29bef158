"""Hybrid bilingual retrieval: BM25 with jieba + glossary expansion, fused with vectors."""

from assistant.retrieval.hybrid import (
    LEXICAL_EMBEDDER_WEIGHTS,
    FusionWeights,
    HybridRetriever,
    QueryTerms,
    reciprocal_rank_fusion,
    weights_for,
)
from assistant.retrieval.index import BM25Index, chunk_matches, open_bm25_index
from assistant.retrieval.live import (
    LiveRetriever,
    no_index_message,
    open_retriever,
    publish_snapshot,
    stored_vectors,
)

__all__ = [
    "LEXICAL_EMBEDDER_WEIGHTS",
    "BM25Index",
    "FusionWeights",
    "HybridRetriever",
    "LiveRetriever",
    "QueryTerms",
    "chunk_matches",
    "no_index_message",
    "open_bm25_index",
    "open_retriever",
    "publish_snapshot",
    "reciprocal_rank_fusion",
    "stored_vectors",
    "weights_for",
]
