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
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.glossary import Expansion, Glossary
from assistant.retrieval.index import BM25Index, chunk_ids
from assistant.retrieval.mentions import Mentions
from assistant.retrieval.pointers import (
    ChunkPointers,
    Pointers,
    find_pointers,
    is_status_question,
)
from assistant.retrieval.ranking import top_k
from assistant.retrieval.rerank import DecisionFlags, rerank
from assistant.retrieval.translate import QUESTION_WORDS, Lexicon, default_lexicon
from assistant.tokenize import CJK_RUN, TextTokenizer, user_cache_dir
from ingest.model import Chunk, SearchFilter, SearchHit
from ingest.ports import Embedder, VectorStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """What a query searches for: the user's own tokens, the glossary's translations, and
    per typed token the words that stand in for it in the other language."""

    tokens: tuple[str, ...]
    expansion_tokens: tuple[str, ...]
    expansion: Expansion
    # typed token -> CC-CEDICT translations (each a token tuple) searched in its place
    translations: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # typed token -> every stand-in (glossary forms and translations), to judge support
    stand_ins: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    @property
    def translation_text(self) -> str:
        words = {" ".join(alt) for alts in self.translations.values() for alt in alts}
        return " ".join(sorted(words))


@dataclass(frozen=True, slots=True)
class SupportTerms:
    """What a passage must contain to support an answer: each typed token with its weight
    (idf), the words that may stand in for it (its translations), and what the query points
    at (a date, a meeting number), which a passage's document may satisfy instead."""

    weights: Mapping[str, float]
    stand_ins: Mapping[str, tuple[tuple[str, ...], ...]]
    pointers: Pointers
    # typed tokens that occur nowhere in the documents, nor does any of their stand-ins
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """Votes of each ranking in the fusion. The defaults suit a semantic embedder (OpenAI or
    a local model); see `weights_for`."""

    bm25: float = 1.0
    vector: float = 1.0
    vector_expanded: float = 0.5  # the query + glossary translations, embedded
    glossary: float = 0.4  # BM25 weight of an expansion token relative to a typed one
    translation: float = 0.8  # BM25 weight of the best translation of a typed token
    pointer: float = 1.0  # the chunks of documents whose date or number the query names
    # share of question coverage in the re-ranked score, and how many fused candidates are
    # re-ranked (rerank.py); chosen on the dev split: R@1 0.56 -> 0.76, R@5 0.86 -> 0.92
    rerank: float = 0.8
    rerank_depth: int = 40


# The default hashing embedder is lexical (character/word n-grams): it mostly repeats what
# BM25 knows, less precisely, so it only breaks ties and adds candidates BM25 missed.
# Measured with bench/retrieval_eval.py (rrf_k=60): with vector weight 1.0 hybrid recall@5 on
# CMRC 2018 fell below BM25 alone (0.961 vs 0.992); 0.5 gives 0.979, 0.1 gives 0.994 (and
# SQuAD 0.976 vs 0.975 for BM25 alone).
# The expanded query's second vector search (0.05) changed no R@5 on bench/qa_dev and cost a
# full matrix product per query (a third of a query's time), so it is off for this embedder.
LEXICAL_EMBEDDER_WEIGHTS = FusionWeights(vector=0.1, vector_expanded=0.0)


TERMS_REMEMBERED = 8  # queries whose terms a retriever keeps (an answer asks 3 times)


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
        lexicon: Lexicon | None = None,
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
        # CC-CEDICT, read on the first query (its parse is cached per user)
        self._lexicon = lexicon
        self._pointers: tuple[BM25Index, ChunkPointers] | None = None  # built on first use
        self._rows: tuple[BM25Index, dict[str, int]] | None = None  # chunk id -> BM25 row
        # whether a chunk records a decision (rerank.py), remembered per index
        self._decided: tuple[BM25Index, DecisionFlags] | None = None
        self._mentions: tuple[BM25Index, Mentions] | None = None  # built on first use
        self._terms: dict[str, QueryTerms] = {}  # query -> its terms, for the last queries

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            cache = user_cache_dir(Path(tempfile.gettempdir()))
            self._lexicon = default_lexicon(cache, self.tokenizer.frequency)
        return self._lexicon

    def query_terms(self, query: str) -> QueryTerms:
        """What `query` searches for. Remembered for the last queries: `ask` needs them for
        the search and twice more to judge support (a third of a search's time each)."""
        terms = self._terms.get(query)
        if terms is None:
            if len(self._terms) >= TERMS_REMEMBERED:
                self._terms.clear()
            terms = self._terms[query] = self._query_terms(query)
        return terms

    def _query_terms(self, query: str) -> QueryTerms:
        tokens = tuple(self.tokenizer.tokens(query))
        expansion = self.glossary.expand(query)
        extra = tuple(t for t in self.tokenizer.tokens(expansion.text) if t not in tokens)
        curated = self._stand_ins(self.glossary.translations(query), tokens)
        found = self.lexicon.translations(query, self.tokenizer.chinese_words)
        translated = {
            t: alts for t, alts in self._stand_ins(found, tokens).items() if t not in curated
        }
        return QueryTerms(tokens, extra, expansion, translated, {**translated, **curated})

    def _stand_ins(
        self, pairs: Sequence[tuple[str, tuple[str, ...]]], typed: Sequence[str]
    ) -> dict[str, tuple[tuple[str, ...], ...]]:
        """Each typed token of a translated word, with the translations as token tuples."""
        out: dict[str, tuple[tuple[str, ...], ...]] = {}
        for source, translations in pairs:
            alts = tuple(
                dict.fromkeys(alt for t in translations if (alt := self._translation_tokens(t)))
            )
            for token in self.tokenizer.tokens(source):
                if token in typed and alts:
                    out[token] = tuple(dict.fromkeys(out.get(token, ()) + alts))
        return out

    def tokens(self, text: str) -> list[str]:
        return self.tokenizer.tokens(text)

    def mentions(self, text: str) -> bool:
        """Does any indexed chunk contain `text` as written (case aside)? For a version or id
        the tokenizer splits ("1.40" -> "1", "40"), and for a Chinese word jieba may split
        differently in the documents, so a token lookup cannot tell: the index narrows the
        chunks to those that can hold it and only those are read (mentions.py)."""
        if self._mentions is None or self._mentions[0] is not self.bm25:
            self._mentions = (self.bm25, Mentions(self.bm25.chunks, self.bm25.model))
        return self._mentions[1](text)

    def term_weights(self, query: str) -> tuple[dict[str, float], dict[str, float]]:
        """How much each query token matters (idf): the typed ones, then the glossary
        translations, which count less and only stand in for typed words."""
        terms = self.query_terms(query)
        typed = {t: max(self.bm25.idf(t), 0.1) for t in terms.tokens}
        expanded = {
            t: self.weights.glossary * max(self.bm25.idf(t), 0.1) for t in terms.expansion_tokens
        }
        return typed, expanded

    def support_terms(self, query: str) -> SupportTerms:
        terms = self.query_terms(query)
        weights = {
            t: max(self.bm25.idf(t), 0.1) for t in terms.tokens if t not in QUESTION_WORDS
        }
        pointers = find_pointers(query)
        # English words only: a Chinese question word may sit inside a longer document word
        # (负责 in 负责人) that the index keeps whole
        unknown = tuple(
            t for t in weights
            if t.isascii() and t.isalpha() and len(t) >= 4 and not self._in_corpus(t)
            and not any(all(self._in_corpus(a) for a in alt) for alt in terms.stand_ins.get(t, ()))
        )  # fmt: skip
        return SupportTerms(weights, terms.stand_ins, pointers, unknown)

    def _in_corpus(self, token: str) -> bool:
        return self.bm25.contains(token)

    def bm25_ranking(self, terms: QueryTerms, where: SearchFilter | None) -> list[Chunk]:
        scores = self.bm25_scores(terms, where)
        top = top_k(scores, self.candidates)
        return [self.bm25.chunks[i] for i in top if scores[i] > 0]

    def bm25_scores(self, terms: QueryTerms, where: SearchFilter | None) -> np.ndarray:
        if not len(self.bm25) or not (terms.tokens or terms.expansion_tokens):
            return np.zeros(len(self.bm25), dtype=np.float32)
        scores = self.bm25.scores(terms.tokens)
        if terms.expansion_tokens:
            scores = scores + self.weights.glossary * self.bm25.scores(terms.expansion_tokens)
        if terms.translations and self.weights.translation > 0:
            scores = scores + self.weights.translation * self.translation_scores(terms)
        mask = self.bm25.mask(where)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return scores

    def newest_ranking(self, scores: np.ndarray, top: np.ndarray) -> list[Chunk]:
        """Status questions (进度, latest, now): the well-matching candidates, newest document
        first - the latest SPI answers "what is the SPI now", not the best-worded old one."""
        if not len(top) or scores[top[0]] <= 0:
            return []
        good = top[scores[top] >= 0.5 * scores[top[0]]]
        return [self.bm25.chunks[i] for i in self._chunk_pointers().newest_first(good)]

    def _decision_flags(self) -> DecisionFlags:
        if self._decided is None or self._decided[0] is not self.bm25:
            self._decided = (self.bm25, DecisionFlags())
        return self._decided[1]

    def _chunk_pointers(self) -> ChunkPointers:
        if self._pointers is None or self._pointers[0] is not self.bm25:
            self._pointers = (self.bm25, ChunkPointers(self.bm25.chunks))
        return self._pointers[1]

    def pointer_ranking(
        self, pointers: Pointers, scores: np.ndarray, where: SearchFilter | None
    ) -> list[Chunk]:
        """The chunks of the documents the query points at (by date or meeting number), the
        best matching first, then a document's opening chunks (its title, date, attendees)."""
        hit = self._chunk_pointers().matches(pointers)
        mask = self.bm25.mask(where)
        if mask is not None:
            hit &= mask
        if not hit.any():
            return []
        order = self._chunk_pointers().order
        ranked = np.where(hit, scores + 1e-3 / (1.0 + order), -1.0)
        return [self.bm25.chunks[i] for i in top_k(ranked, self.candidates) if ranked[i] >= 0]

    def query_tokens_in(self, terms: QueryTerms) -> Callable[[Chunk], set[str]]:
        """Which of the query's tokens and stand-ins each chunk holds, read from the BM25
        index (a token is in a chunk when it scores there): no chunk is tokenised again."""
        stand_ins = {t for alts in terms.stand_ins.values() for alt in alts for t in alt}
        wanted = set(terms.tokens) | stand_ins
        present = {t: self.bm25.holds(t) for t in wanted}
        if self._rows is None or self._rows[0] is not self.bm25:
            # the ids, without making every Chunk of a loaded snapshot (0.3 s at 40,000,
            # paid by the first question after each load)
            self._rows = (self.bm25, {cid: i for i, cid in enumerate(chunk_ids(self.bm25.chunks))})
        rows = self._rows[1]

        def tokens_of(chunk: Chunk) -> set[str]:
            row = rows.get(chunk.id)
            if row is None:  # not in the lexical index (a vector-only hit): read its text
                return set(self.tokenizer.tokens(f"{chunk.heading}\n{chunk.text}")) & wanted
            return {t for t, hit in present.items() if hit[row]}

        return tokens_of

    def _translation_tokens(self, text: str) -> tuple[str, ...]:
        """A short Chinese dictionary word stays whole (jieba splits 时区 alone into 时 + 区,
        yet keeps it whole in a sentence); anything else is tokenised as usual."""
        if CJK_RUN.fullmatch(text) and len(text) <= 4:
            return (text,)
        return tuple(self.tokenizer.tokens(text))

    def translation_scores(self, terms: QueryTerms) -> np.ndarray:
        """Per typed token, the BM25 score of its best translation (a phrase scores the mean
        of its words), summed: many senses of one word do not add up, one concept counts once."""
        memo: dict[str, np.ndarray] = {}

        def score(token: str) -> np.ndarray:
            if token not in memo:
                memo[token] = self.bm25.scores([token])
            return memo[token]

        def mean(alt: tuple[str, ...]) -> np.ndarray:  # np.mean's sums, without its overhead
            if len(alt) == 1:
                return score(alt[0])
            total = score(alt[0]).copy()
            for token in alt[1:]:
                total += score(token)
            total /= len(alt)
            return total

        total = np.zeros(len(self.bm25), dtype=np.float32)
        for alts in terms.translations.values():
            best = mean(alts[0])
            for alt in alts[1:]:
                best = np.maximum(best, mean(alt))
            total += best
        return total

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
        scores = self.bm25_scores(terms, where)
        top = top_k(scores, self.candidates)
        rankings = [(self.weights.bm25, [self.bm25.chunks[i] for i in top if scores[i] > 0])]
        if pointers := find_pointers(query):
            rankings.append((self.weights.pointer, self.pointer_ranking(pointers, scores, where)))
        newest = self.newest_ranking(scores, top) if is_status_question(query) else []
        if newest:
            rankings.append((self.weights.pointer, newest))
        rankings.append((self.weights.vector, self.vector_ranking(query, where)))
        if (terms.expansion.terms or terms.translations) and self.weights.vector_expanded > 0:
            expanded = f"{query} {terms.expansion.text} {terms.translation_text}"
            rankings.append((self.weights.vector_expanded, self.vector_ranking(expanded, where)))
        if self.weights.rerank <= 0:
            return reciprocal_rank_fusion(rankings, k=k, rrf_k=self.rrf_k)
        depth = max(k, self.weights.rerank_depth)
        fused = reciprocal_rank_fusion(rankings, k=depth, rrf_k=self.rrf_k)
        idf = {t: max(self.bm25.idf(t), 0.1) for t in terms.tokens if t not in QUESTION_WORDS}
        tokens_of = self.query_tokens_in(terms)
        ranked = rerank(fused, idf, terms.stand_ins, tokens_of, blend=self.weights.rerank,
                        decided=self._decision_flags())  # fmt: skip
        return newest_first_among_best(ranked)[:k] if newest else ranked[:k]


NEAR_BEST = 0.85  # a status question's hits scoring this close to the best count as equal


def newest_first_among_best(ranked: Sequence[SearchHit]) -> list[SearchHit]:
    """The newest dated hit among those nearly as good as the best goes first: a status
    question is answered from the latest document, the older ones following for the trend."""
    if not ranked:
        return []
    close = [h for h in ranked if h.score >= NEAR_BEST * ranked[0].score and h.chunk.date]
    if not close:
        return list(ranked)
    newest = max(close, key=lambda h: h.chunk.date or "")
    return [newest, *(h for h in ranked if h is not newest)]


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
