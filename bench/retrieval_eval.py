"""Retrieval quality: pmassist hybrid vs BM25 alone (LangChain's BM25Retriever) vs vectors alone.

    uv run --group bench python bench/retrieval_eval.py /work/shared/datasets [--out FILE.json]

Two sets: CMRC 2018 dev (Chinese) and the SQuAD 2.0 dev sample (English, answerable questions
only). Every passage is one document; a question is answered when the passage it was written
about is retrieved. Reports recall@1, recall@5 and MRR@10 for
  (a) hybrid  - pmassist's HybridRetriever (BM25 + vectors + glossary, fused by RRF),
  (b) bm25    - langchain_community BM25Retriever (rank_bm25 BM25Okapi) with
                preprocess_func=jieba.lcut for Chinese and its default split for English,
  (c) vector  - the Chroma vector search alone with pmassist's default embedder.
(a) and (c) run on a real Chroma store in a temporary workspace.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# `python bench/x.py` puts bench/ first on sys.path, where bench/ingest.py would shadow
# pmassist's `ingest` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

from assistant.settings import Settings  # noqa: E402
from ingest.model import Chunk  # noqa: E402

QA_SETS = {
    "cmrc2018_zh": ("qa_cmrc2018_dev_zh/cmrc2018_dev.json", "zh"),
    "squad2_en": ("qa_squad2_dev_sample_en/squad_v2.0_dev_first5articles.json", "en"),
}
DEPTH = 10  # MRR@10
Search = Callable[[str], list[str]]


@dataclass(frozen=True)
class QASet:
    name: str
    lang: str
    passages: list[tuple[str, str]]  # (id, text)
    questions: list[tuple[str, str]]  # (question, gold passage id)


def load_qa_set(datasets: Path, name: str) -> QASet:
    relative, lang = QA_SETS[name]
    data = json.loads((datasets / relative).read_text(encoding="utf-8"))
    passages, questions = [], []
    for a, article in enumerate(data["data"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            pid = f"{name}/{a}/{p}"
            passages.append((pid, paragraph["context"]))
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa.get("answers"):
                    continue
                questions.append((qa["question"], pid))
    return QASet(name, lang, passages, questions)


def as_chunks(qa: QASet) -> list[Chunk]:
    return [
        Chunk(id=pid, text=text, source=f"{pid}.txt", project=qa.name, doc_type="other",
              page=None, date=None, heading="", chunk_index=0, file_hash=pid)
        for pid, text in qa.passages
    ]  # fmt: skip


def build_store(chunks: Sequence[Chunk], workspace: Path) -> tuple[Any, Any]:
    """pmassist's default embedder and a real Chroma store, the way ingest fills them."""
    from assistant.factory import build_embedder, open_store

    settings = Settings(workspace=workspace)
    embedder = build_embedder(settings)
    store = open_store(settings, embedder, create=True)
    for start in range(0, len(chunks), 512):
        part = chunks[start : start + 512]
        store.add(part, embedder.embed_batch([c.text for c in part]))
    return store, embedder


def hybrid_search(chunks: Sequence[Chunk], store: Any, embedder: Any, ws: Path) -> Search:
    from assistant.glossary import load_default_glossary
    from assistant.retrieval import HybridRetriever, open_bm25_index
    from assistant.tokenize import default_tokenizer

    settings = Settings(workspace=ws)
    tokenizer = default_tokenizer(ws / "cache")
    glossary = load_default_glossary()
    tokenizer.add_words(glossary.chinese_forms)
    bm25 = open_bm25_index(ws / "bm25", 1, lambda: chunks, tokenizer)
    retriever = HybridRetriever(
        store=store, embedder=embedder, bm25=bm25, tokenizer=tokenizer, glossary=glossary,
        rrf_k=settings.retrieval.rrf_k, candidates=settings.retrieval.candidates,
    )  # fmt: skip
    return lambda q: [h.chunk.id for h in retriever.search(q, k=DEPTH)]


def vector_search(store: Any, embedder: Any) -> Search:
    return lambda q: [h.chunk.id for h in store.search(embedder.embed_batch([q])[0], DEPTH)]


def langchain_bm25_search(qa: QASet) -> Search:
    """BM25Retriever as its documentation shows it: jieba.lcut for Chinese, default for English."""
    import jieba
    from langchain_community.retrievers import BM25Retriever

    kwargs: dict[str, Any] = {"preprocess_func": jieba.lcut} if qa.lang == "zh" else {}
    ids = [pid for pid, _ in qa.passages]
    retriever = BM25Retriever.from_texts(
        [text for _, text in qa.passages], metadatas=[{"id": i} for i in ids], k=DEPTH, **kwargs
    )
    return lambda q: [d.metadata["id"] for d in retriever.invoke(q)]


def score(search: Search, questions: Sequence[tuple[str, str]]) -> dict[str, float]:
    hits1 = hits5 = 0
    reciprocal = 0.0
    started = time.perf_counter()
    for question, gold in questions:
        ranked = search(question)
        rank = ranked.index(gold) + 1 if gold in ranked else 0
        hits1 += rank == 1
        hits5 += 0 < rank <= 5
        reciprocal += 1 / rank if rank else 0.0
    n = len(questions) or 1
    return {
        "recall@1": round(hits1 / n, 4),
        "recall@5": round(hits5 / n, 4),
        "mrr@10": round(reciprocal / n, 4),
        "ms_per_query": round(1000 * (time.perf_counter() - started) / n, 2),
    }


def evaluate(qa: QASet, scratch: Path, limit: int | None = None) -> dict[str, Any]:
    questions = qa.questions[:limit] if limit else qa.questions
    chunks = as_chunks(qa)
    store, embedder = build_store(chunks, scratch / "ws")
    sides = {
        "hybrid": hybrid_search(chunks, store, embedder, scratch / "ws"),
        "bm25_langchain": langchain_bm25_search(qa),
        "vector": vector_search(store, embedder),
    }
    result: dict[str, Any] = {"passages": len(qa.passages), "questions": len(questions)}
    for side, search in sides.items():
        print(f"  {qa.name}: {side} ...", file=sys.stderr)
        result[side] = score(search, questions)
    return result


def table(results: dict[str, Any]) -> str:
    lines = [f"{'set':<14}{'retriever':<16}{'recall@1':>10}{'recall@5':>10}{'MRR@10':>10}"]
    for name, res in results.items():
        for side in ("hybrid", "bm25_langchain", "vector"):
            m = res[side]
            lines.append(
                f"{name:<14}{side:<16}{m['recall@1']:>10.3f}{m['recall@5']:>10.3f}"
                f"{m['mrr@10']:>10.3f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="the shared datasets root")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "retrieval_eval.json")
    parser.add_argument("--limit", type=int, default=None, help="questions per set (for tuning)")
    parser.add_argument("--sets", nargs="*", default=list(QA_SETS), choices=list(QA_SETS))
    args = parser.parse_args(argv)

    results: dict[str, Any] = {}
    for name in args.sets:
        qa = load_qa_set(args.datasets, name)
        with tempfile.TemporaryDirectory(prefix=f"pmassist-eval-{name}-") as tmp:
            results[name] = evaluate(qa, Path(tmp), args.limit)
    beats = {
        name: res["hybrid"]["recall@5"]
        > max(res["bm25_langchain"]["recall@5"], res["vector"]["recall@5"])
        for name, res in results.items()
    }
    document = {"results": results, "hybrid_beats_both_on_recall@5": beats}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    print(table(results))
    print(f"hybrid beats both baselines on recall@5: {beats}")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
