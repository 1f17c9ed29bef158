"""The pipelines a LangChain user would write, used as the baseline by bench/ingest.py and
bench/retrieval.py.

Both benches give the baseline pmassist's own default embedder (wrapped as a langchain_core
`Embeddings`) and the same chunk size and overlap, so the comparison measures the pipeline
(loading, splitting, storing, searching), not the quality of two different embedders.

Ingest:    PyPDFLoader / TextLoader / Docx2txtLoader -> RecursiveCharacterTextSplitter
           -> Chroma.from_documents (langchain_chroma, persisted on disk).
Retrieval: EnsembleRetriever (weighted reciprocal rank fusion) over BM25Retriever (rank_bm25)
           and a Chroma retriever.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)

# The file types pmassist ingests that also have a stock LangChain loader.
BASELINE_SUFFIXES = (".pdf", ".docx", ".md", ".txt")


class PmassistEmbeddings(Embeddings):
    """pmassist's embedder (anything with `embed_batch(texts) -> ndarray`) as LangChain
    `Embeddings`, so the baseline uses exactly the same vectors."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_batch(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_batch([text])[0].tolist()  # type: ignore[no-any-return]


def pmassist_embedder() -> Any:
    """pmassist's default embedder, built the way the pmassist entry points build it."""
    from assistant.settings import Settings
    from bench import pmassist_parts

    return pmassist_parts.embedder(Settings())


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(
        p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() in BASELINE_SUFFIXES
    )


def load_file(path: Path) -> list[Document]:
    """What `DirectoryLoader` with a loader per suffix does: one loader per file type."""
    from langchain_community.document_loaders import (
        Docx2txtLoader,
        PyPDFLoader,
        TextLoader,
    )

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return PyPDFLoader(str(path)).load()
    if suffix == ".docx":
        return Docx2txtLoader(str(path)).load()
    return TextLoader(str(path), autodetect_encoding=True).load()


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[dict[str, str]]]:
    """Every readable document; files a loader rejects are listed, as a careful user would."""
    documents: list[Document] = []
    failed: list[dict[str, str]] = []
    for path in corpus_files(corpus_dir):
        try:
            documents.extend(load_file(path))
        except Exception as exc:  # a user's loop must survive one broken file
            failed.append({"source": str(path.relative_to(corpus_dir)), "error": repr(exc)})
    return documents, failed


def split_documents(
    documents: Sequence[Document], chunk_size: int, chunk_overlap: int
) -> list[Document]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    return splitter.split_documents(list(documents))


def ingest_corpus(
    corpus_dir: Path,
    persist_dir: Path,
    embeddings: Embeddings,
    *,
    chunk_size: int,
    chunk_overlap: int,
) -> dict[str, Any]:
    """The LangChain tutorial pipeline: load, split, `Chroma.from_documents` on disk.

    It has no incremental mode: re-ingesting means running it again into a fresh directory
    (running it into the same directory would add every chunk a second time)."""
    from langchain_chroma import Chroma

    documents, failed = load_corpus(corpus_dir)
    chunks = split_documents(documents, chunk_size, chunk_overlap)
    store = Chroma.from_documents(
        chunks,
        embeddings,
        collection_name="baseline",
        persist_directory=str(persist_dir),
        collection_metadata={"hnsw:space": "cosine"},
    )
    count = store._collection.count()
    return {"documents": len(documents), "chunks": count, "failed": failed}


# --- retrieval -------------------------------------------------------------------------------

_LATIN_OR_CJK = re.compile(r"\w+", re.UNICODE)


def whitespace_tokens(text: str) -> list[str]:
    """BM25Retriever's default preprocessing (`str.split`): useless for Chinese."""
    return text.split()


def jieba_tokens(text: str) -> list[str]:
    """What a user who read the rank_bm25 docs and knows Chinese would pass as
    `preprocess_func`: jieba words, lower-cased, punctuation dropped."""
    import jieba

    return [t for t in jieba.lcut(text.lower()) if _LATIN_OR_CJK.fullmatch(t)]


def build_vector_store(
    texts: Sequence[str],
    ids: Sequence[str],
    embeddings: Embeddings,
    persist_dir: Path,
    batch_size: int = 5000,
) -> Any:
    """A persisted langchain_chroma store filled with `add_texts` in batches."""
    from langchain_chroma import Chroma

    store = Chroma(
        collection_name="baseline",
        embedding_function=embeddings,
        persist_directory=str(persist_dir),
        collection_metadata={"hnsw:space": "cosine"},
    )
    for start in range(0, len(texts), batch_size):
        store.add_texts(
            list(texts[start : start + batch_size]), ids=list(ids[start : start + batch_size])
        )
    return store


def build_ensemble(
    texts: Sequence[str],
    ids: Sequence[str],
    vector_store: Any,
    *,
    candidates: int,
    preprocess: Callable[[str], list[str]] = jieba_tokens,
) -> Any:
    """EnsembleRetriever(BM25Retriever, Chroma retriever), equal weights, RRF constant 60.

    Each retriever returns `candidates` hits, the same number pmassist fuses."""
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever

    bm25 = BM25Retriever.from_texts(
        list(texts),
        metadatas=[{"id": i} for i in ids],
        ids=list(ids),
        preprocess_func=preprocess,
        k=candidates,
    )
    dense = vector_store.as_retriever(search_kwargs={"k": candidates})
    return EnsembleRetriever(retrievers=[bm25, dense], weights=[0.5, 0.5], c=60)


def search_ids(retriever: Any, query: str, k: int) -> list[str]:
    """Ids of the top `k` fused documents."""
    documents = retriever.invoke(query)
    return [str(d.id if d.id is not None else d.metadata.get("id")) for d in documents[:k]]


def ask(
    persist_dir: Path, embeddings: Embeddings, question: str, *, candidates: int
) -> list[Document]:
    """A fresh process answering from the persisted baseline index: BM25Retriever lives only
    in memory, so the user's script reloads every chunk from Chroma and rebuilds it."""
    from langchain_chroma import Chroma

    store = Chroma(
        collection_name="baseline",
        embedding_function=embeddings,
        persist_directory=str(persist_dir),
    )
    data = store.get(include=["documents", "metadatas"])
    texts, ids = data["documents"], data["ids"]
    retriever = build_ensemble(texts, ids, store, candidates=candidates)
    # BM25Retriever.from_texts was given {"id": ...} metadata; keep the sources for citations.
    sources = {i: (m or {}).get("source", "") for i, m in zip(ids, data["metadatas"], strict=True)}
    documents = retriever.invoke(question)[:5]
    for d in documents:
        d.metadata.setdefault("source", sources.get(str(d.id), ""))
    return documents
