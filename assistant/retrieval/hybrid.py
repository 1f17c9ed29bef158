"""Hybrid retrieval: BM25 (jieba + English stemming, on bm25s) fused with the vector search.

Each retriever produces a ranking; reciprocal rank fusion (RRF) merges them, so neither score
scale matters. Glossary expansions (消息队列 → "message queue") are searched as well, weighted
below the words the user typed. Filters (project, document type, date range) apply to both
retrievers: the vector store filters itself, BM25 filters by the chunk metadata it keeps.

The BM25 index lives in <workspace>/bm25/ (bm25s's own files plus a JSON of the chunks) and
is rebuilt only when the manifest generation changed, never per query.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.glossary import Expansion, Glossary, load_default_glossary
from assistant.tokenize import TextTokenizer
from ingest.model import Chunk, SearchFilter, SearchHit
from ingest.ports import Embedder, VectorStore

if TYPE_CHECKING:
    from assistant.factory import Index
    from assistant.settings import Settings

logger = logging.getLogger(__name__)

_POINTER = "current.json"


def chunk_matches(chunk: Chunk, where: SearchFilter | None) -> bool:
    """The same filter semantics the vector store applies: undated chunks fail a date range."""
    if where is None or where.is_empty:
        return True
    if where.project and chunk.project != where.project:
        return False
    if where.doc_type and chunk.doc_type != where.doc_type:
        return False
    if where.date_from or where.date_to:
        if not chunk.date:
            return False
        if where.date_from and chunk.date < where.date_from:
            return False
        if where.date_to and chunk.date > where.date_to:
            return False
    return True


class BM25Index:
    """bm25s over the chunks, plus the chunk metadata needed to filter and cite."""

    def __init__(self, chunks: Sequence[Chunk], model: Any, generation: int, tokenizer: str):
        self.chunks = list(chunks)
        self.model = model  # bm25s.BM25, or None for an empty corpus
        self.generation = generation
        self.tokenizer = tokenizer  # fingerprint of the tokenizer that built it

    @classmethod
    def build(cls, chunks: Iterable[Chunk], tokenizer: TextTokenizer, generation: int) -> BM25Index:
        import bm25s

        # bm25s pins its logger at DEBUG; let the entry point's logging config decide instead.
        logging.getLogger("bm25s").setLevel(logging.NOTSET)
        chunks = list(chunks)
        if not chunks:
            return cls([], None, generation, tokenizer.fingerprint)
        corpus = [tokenizer.tokens(f"{c.heading}\n{c.text}") for c in chunks]
        model = bm25s.BM25()
        model.index(corpus, show_progress=False)
        logger.info("BM25 index built over %d chunks (generation %d)", len(chunks), generation)
        return cls(chunks, model, generation, tokenizer.fingerprint)

    def __len__(self) -> int:
        return len(self.chunks)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for `tokens` (duplicates counted once)."""
        if self.model is None:
            return np.zeros(0, dtype=np.float32)
        known = list(dict.fromkeys(t for t in tokens if t in self.model.vocab_dict))
        if not known:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.model.get_scores(known), dtype=np.float32)

    def mask(self, where: SearchFilter | None) -> np.ndarray | None:
        if where is None or where.is_empty:
            return None
        return np.fromiter((chunk_matches(c, where) for c in self.chunks), bool, len(self.chunks))

    def idf(self, token: str) -> float:
        """How rare a token is in the corpus; a token the corpus lacks counts as fairly rare,
        so a question about something absent is not mistaken for a supported one."""
        n = len(self.chunks)
        if self.model is None or token not in self.model.vocab_dict:
            return 0.5 * math.log(1 + (n + 0.5) / 0.5)
        indptr = self.model.scores["indptr"]
        token_id = self.model.vocab_dict[token]
        df = int(indptr[token_id + 1] - indptr[token_id])
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    # -- persistence: bm25s's own files + a JSON of the chunks, never pickle ------------------

    def save(self, folder: Path) -> None:
        """Write a new version beside the old one, then switch a pointer file atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        version = f"g{self.generation}-{uuid.uuid4().hex[:8]}"
        target = folder / version
        target.mkdir()
        if self.model is not None:
            self.model.save(str(target), show_progress=False)
        meta = {
            "generation": self.generation,
            "tokenizer": self.tokenizer,
            "chunks": [asdict(c) for c in self.chunks],
        }
        (target / "chunks.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        pointer = folder / f".{_POINTER}.{uuid.uuid4().hex[:8]}"
        pointer.write_text(json.dumps({"version": version}), "utf-8")
        os.replace(pointer, folder / _POINTER)
        for old in folder.iterdir():
            if old.is_dir() and old.name != version:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, tokenizer: str | None = None) -> BM25Index | None:
        """The saved index, or None when there is none or it was built by another tokenizer
        (`tokenizer` is the current tokenizer's fingerprint; None accepts any)."""
        try:
            version = json.loads((folder / _POINTER).read_text("utf-8"))["version"]
            meta = json.loads((folder / version / "chunks.json").read_text("utf-8"))
        except (OSError, ValueError, KeyError):
            return None
        if tokenizer is not None and meta.get("tokenizer") != tokenizer:
            return None
        chunks = [Chunk(**c) for c in meta["chunks"]]
        model = None
        if chunks:
            import bm25s

            model = bm25s.BM25.load(str(folder / version), show_progress=False)
        return cls(chunks, model, int(meta["generation"]), str(meta.get("tokenizer")))


def open_bm25_index(
    folder: Path,
    generation: int,
    chunks: Callable[[], Iterable[Chunk]],
    tokenizer: TextTokenizer,
) -> BM25Index:
    """The persisted index if it matches `generation`, else a rebuilt (and saved) one."""
    index = BM25Index.load(folder, tokenizer.fingerprint)
    if index is not None and index.generation == generation:
        return index
    index = BM25Index.build(chunks(), tokenizer, generation)
    try:
        index.save(folder)
    except OSError as exc:  # a read-only workspace still answers, it just rebuilds next time
        logger.warning("Could not save the BM25 index in %s: %s", folder, exc)
    return index


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
# Measured with bench/retrieval_eval.py (rrf_k=60): vector weight 1.0 lowered recall@5 below
# BM25 alone on CMRC 2018 (0.961 vs 0.992); 0.1 keeps it at 0.992 and lifts SQuAD's to 0.975.
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
    ):
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self.glossary = glossary or Glossary([])
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.weights = weights or weights_for(embedder.id)

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
        top = np.argsort(-scores, kind="stable")[: self.candidates]
        return [self.bm25.chunks[i] for i in top if scores[i] > 0]

    def vector_ranking(self, text: str, where: SearchFilter | None) -> list[Chunk]:
        vector = self.embedder.embed_batch([text])[0]
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


def no_index_message(settings: Settings) -> str:
    return f"No index in {settings.workspace} — run `pmassist ingest data/samples` first."


def open_retriever(settings: Settings, index: Index | None = None) -> HybridRetriever:
    """The workspace's retriever: its vector store, the BM25 index in step with the manifest,
    the project glossary. Raises NoIndexError when nothing has been ingested."""
    from assistant.factory import MANIFEST_FILE, open_index
    from assistant.tokenize import default_tokenizer
    from ingest.errors import NoIndexError

    if index is None:
        if not (settings.workspace / MANIFEST_FILE).exists():
            raise NoIndexError(no_index_message(settings))
        index = open_index(settings, lazy=True)
    generation = index.manifest.generation()
    if index.manifest.total_chunks() == 0:
        raise NoIndexError(no_index_message(settings))
    tokenizer = default_tokenizer(settings.workspace / "cache")
    glossary = load_default_glossary()
    tokenizer.add_words(glossary.chinese_forms)
    bm25 = open_bm25_index(
        settings.workspace / "bm25", generation, index.store.iter_chunks, tokenizer
    )
    return HybridRetriever(
        store=index.store,
        embedder=index.embedder,
        bm25=bm25,
        tokenizer=tokenizer,
        glossary=glossary,
        rrf_k=settings.retrieval.rrf_k,
        candidates=settings.retrieval.candidates,
    )
