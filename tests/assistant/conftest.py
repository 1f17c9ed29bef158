"""Fakes and corpora for retrieval and answer tests: real behaviour, no network, no downloads.

The vector store is ingest.store.InMemoryStore, the one fake of the port."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.glossary import Glossary, load_glossary
from assistant.retrieval import BM25Index, HybridRetriever
from assistant.tokenize import TextTokenizer
from ingest.model import Chunk
from ingest.store import InMemoryStore


class NgramEmbedder:
    """Deterministic embedder: hashed character bigrams and words into a unit vector."""

    def __init__(self, dim: int = 256):
        self._dim = dim

    @property
    def id(self) -> str:
        return f"test-ngram-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            text = text.lower()
            grams = [text[i : i + 2] for i in range(len(text) - 1)] + re.findall(r"\w+", text)
            for gram in grams:
                digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self._dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


def make_chunk(
    text: str,
    source: str,
    *,
    project: str = "alpha",
    doc_type: str = "meeting_notes",
    date: str | None = "2024-03-01",
    page: int | None = None,
    index: int = 0,
) -> Chunk:
    return Chunk(
        id=f"{source}#{index}",
        text=text,
        source=source,
        project=project,
        doc_type=doc_type,
        page=page,
        date=date,
        heading=source.rsplit("/", 1)[-1],
        chunk_index=index,
        file_hash="h-" + source,
    )


GLOSSARY_CSV = """zh,en,aliases
消息队列,message queue,MQ;消息中间件
里程碑,milestone,
割接,cutover,系统切换
风险登记册,risk register,风险清单
数据库,database,DB
"""

CORPUS = [
    make_chunk(
        "会议决定：订单系统的消息队列选用 RocketMQ，由王磊负责在 4 月 10 日前完成压测。"
        "另外，财务模块的报表延期一周。",
        "alpha/notes/2024-03-01-周会.md",
    ),
    make_chunk(
        "The team agreed to move the cutover to the weekend of 12 April. "
        "The message queue cluster must be load tested before go-live. "
        "Alice owns the rollback plan.",
        "alpha/notes/2024-03-08-weekly.md",
        date="2024-03-08",
    ),
    make_chunk(
        "Requirement R-12: the system shall export monthly invoices as PDF. "
        "Invoices are archived for seven years.",
        "beta/reqs/invoices.md",
        project="beta",
        doc_type="requirements",
        date="2023-11-20",
    ),
    make_chunk(
        "复盘：割接当晚数据库主从切换失败，回滚耗时三小时。根因是没有演练切换脚本。"
        "改进措施：上线前必须进行两次割接演练。",
        "beta/postmortems/割接复盘.md",
        project="beta",
        doc_type="postmortem",
        date="2024-01-15",
    ),
    make_chunk(
        "里程碑 M2（系统集成测试完成）计划于 5 月 31 日达成，目前进度正常。",
        "alpha/reqs/计划.md",
        doc_type="requirements",
        date=None,
    ),
]


@pytest.fixture
def glossary(tmp_path: Path) -> Glossary:
    path = tmp_path / "glossary.csv"
    path.write_text(GLOSSARY_CSV, encoding="utf-8")
    return load_glossary(path)


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> TextTokenizer:
    # one per session: loading jieba's dictionary is the slow part of every test here
    return TextTokenizer(cache_dir=tmp_path_factory.getbasetemp() / "jieba")


@pytest.fixture
def corpus_store() -> InMemoryStore:
    store = InMemoryStore()
    store.add(CORPUS, NgramEmbedder().embed_batch([c.text for c in CORPUS]))
    return store


@pytest.fixture
def retriever(
    corpus_store: InMemoryStore, tokenizer: TextTokenizer, glossary: Glossary
) -> HybridRetriever:
    tokenizer.add_words(glossary.chinese_forms)
    bm25 = BM25Index.build(corpus_store.iter_chunks(), tokenizer, generation=1)
    return HybridRetriever(
        store=corpus_store,
        embedder=NgramEmbedder(),
        bm25=bm25,
        tokenizer=tokenizer,
        glossary=glossary,
    )
