"""Retrieval benchmark: pmassist hybrid search against a LangChain EnsembleRetriever.

    uv run --group bench python bench/retrieval.py DATASETS_DIR [--out bench/results/retrieval.json]

Latency: corpora of 10,000 and 100,000 chunks (scale_corpus.py: every QA passage once plus
varied copies of real minutes/post-mortems/requirements), 200 fixed real questions (100 CMRC
2018 zh, 100 SQuAD 2.0 en), each asked --repeats times; p50/p95 per repeat, median reported.
Recall@5 at each size is whether the question's own passage is in the top 5.
QA recall: each retriever over the CMRC passages alone and the SQuAD passages alone, every
answerable question (the sets of bench/retrieval_eval.py).

Both sides use pmassist's default embedder and fuse the same number of candidates
(settings.retrieval.candidates) per retriever. The baseline's BM25 gets a jieba tokenizer (a
careful user's `preprocess_func`); the QA recall also reports BM25Retriever's default
whitespace split. Every side/corpus runs in its own subprocess: build time, query latency and
peak RSS belong to that side alone.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# `python bench/retrieval.py` puts bench/ first on sys.path, where bench/ingest.py would shadow
# pmassist's `ingest` package: import the bench helpers as `bench.*` from the checkout root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

from bench import pmassist_parts, scale_corpus  # noqa: E402
from bench.measure import run_child, write_profile  # noqa: E402

SIDES = ("pmassist", "baseline")
WARMUP_QUERIES = 5

Search = Callable[[str, int], list[str]]
BUILD_STAGES: dict[str, float] = {}  # seconds per build step, reported beside build_seconds


# --- the two sides, each built inside a worker subprocess ---------------------------------------


def build_pmassist(passages: list[dict[str, str]], workspace: Path) -> Search:
    """Chunks go in through pmassist's own store and BM25 index APIs, as ingest puts them."""
    from assistant.settings import Settings
    from ingest.model import Chunk

    settings = Settings(workspace=workspace)
    embedder = pmassist_parts.embedder(settings)
    store = pmassist_parts.store(settings, embedder)
    chunks = [
        Chunk(
            id=p["id"],
            text=p["text"],
            source=p["source"],
            project="bench",
            doc_type="other",
            page=None,
            date=None,
            heading="",
            chunk_index=i,
            file_hash="bench",
        )
        for i, p in enumerate(passages)
    ]
    t0 = time.perf_counter()
    batch = settings.embedding.batch_size * 8
    for start in range(0, len(chunks), batch):
        part = chunks[start : start + batch]
        store.add(part, embedder.embed_batch([c.text for c in part]))
    # Opening the retriever builds and saves the BM25 index, as the first `ask` would.
    BUILD_STAGES["embed_and_store_add"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    retriever = pmassist_parts.retriever(settings, embedder, store, len(chunks))
    BUILD_STAGES["open_retriever_builds_bm25"] = time.perf_counter() - t0

    def search(query: str, k: int) -> list[str]:
        return [hit.chunk.id for hit in retriever.search(query, k=k)]

    return search


def build_baseline(
    passages: list[dict[str, str]], workspace: Path, tokenizer: str = "jieba"
) -> Search:
    from assistant.settings import Settings
    from bench.baselines import (
        PmassistEmbeddings,
        build_ensemble,
        build_vector_store,
        jieba_tokens,
        pmassist_embedder,
        search_ids,
        whitespace_tokens,
    )

    texts = [p["text"] for p in passages]
    ids = [p["id"] for p in passages]
    embeddings = PmassistEmbeddings(pmassist_embedder())
    t0 = time.perf_counter()
    vector_store = build_vector_store(texts, ids, embeddings, workspace / "chroma")
    BUILD_STAGES["embed_and_chroma_add_texts"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    retriever = build_ensemble(
        texts,
        ids,
        vector_store,
        candidates=Settings().retrieval.candidates,
        preprocess=jieba_tokens if tokenizer == "jieba" else whitespace_tokens,
    )
    BUILD_STAGES["bm25_retriever_from_texts"] = time.perf_counter() - t0
    return lambda query, k: search_ids(retriever, query, k)


def build_side(side: str, passages: list[dict[str, str]], workspace: Path) -> Search:
    if side == "pmassist":
        return build_pmassist(passages, workspace)
    if side == "baseline_whitespace":
        return build_baseline(passages, workspace, tokenizer="whitespace")
    return build_baseline(passages, workspace)


# --- worker: build, then time every query ------------------------------------------------------


def worker(side: str, job: Path, workspace: Path, profile: Path | None) -> None:
    spec = json.loads(job.read_text(encoding="utf-8"))
    passages, questions, repeats = spec["passages"], spec["questions"], spec["repeats"]
    import chromadb  # noqa: F401  (imports are not build time)

    warnings.filterwarnings("ignore", message=".*langchain-community.*")

    start = time.perf_counter()
    search = build_side(side, passages, workspace)
    build_seconds = time.perf_counter() - start
    for q in questions[:WARMUP_QUERIES]:
        search(q["question"], 5)
    latencies: list[list[float]] = []
    ranked: list[list[str]] = []
    for r in range(repeats):
        times = []
        for q in questions:
            t0 = time.perf_counter()
            ids = search(q["question"], 5)
            times.append(time.perf_counter() - t0)
            if r == 0:
                ranked.append(ids)
        latencies.append(times)
    if profile:  # one more, untimed pass: cProfile would inflate the latencies above
        profiler = cProfile.Profile()
        profiler.enable()
        for q in questions:
            search(q["question"], 5)
        profiler.disable()
        write_profile(profiler, profile)
    report = {
        "build_seconds": build_seconds,
        "build_stages_seconds": {k: round(v, 2) for k, v in BUILD_STAGES.items()},
        "latency_ms": latency_summary(latencies),
        **quality(ranked, [q["gold"] for q in questions], [q["qa_set"] for q in questions]),
    }
    sys.stdout.write(json.dumps(report) + "\n")


def latency_summary(latencies: list[list[float]]) -> dict[str, Any]:
    """p50/p95 of each repeat in ms; the median over repeats is the headline."""
    p50s = [statistics.median(t) * 1000 for t in latencies]
    p95s = [statistics.quantiles(t, n=20, method="inclusive")[18] * 1000 for t in latencies]
    return {
        "p50": round(statistics.median(p50s), 2),
        "p95": round(statistics.median(p95s), 2),
        "p50_all": [round(x, 2) for x in p50s],
        "p95_all": [round(x, 2) for x in p95s],
        "queries": len(latencies[0]) if latencies else 0,
    }


def quality(ranked: list[list[str]], gold: list[str], sets: list[str]) -> dict[str, Any]:
    """recall@1, recall@5 and MRR@5, overall and per QA set."""

    def scores(rows: list[int]) -> dict[str, float]:
        ranks = [ranked[i].index(gold[i]) + 1 if gold[i] in ranked[i] else 0 for i in rows]
        n = max(len(rows), 1)
        return {
            "recall_at_1": round(sum(r == 1 for r in ranks) / n, 4),
            "recall_at_5": round(sum(0 < r <= 5 for r in ranks) / n, 4),
            "mrr_at_5": round(sum(1 / r for r in ranks if r) / n, 4),
            "questions": len(rows),
        }

    per_set = {s: scores([i for i, x in enumerate(sets) if x == s]) for s in sorted(set(sets))}
    return {"quality": scores(list(range(len(gold)))), "quality_by_set": per_set}


def spawn(side: str, job: Path, workspace: Path, profile: Path | None = None) -> dict[str, Any]:
    cmd = [str(Path(__file__).resolve()), "--worker", side, str(job), "--workspace", str(workspace)]
    if profile:
        cmd += ["--profile", str(profile)]
    return run_child(cmd, cwd=workspace)


# --- the benchmark -----------------------------------------------------------------------------


def write_job(path: Path, passages: list[Any], questions: list[Any], repeats: int) -> Path:
    job = {
        "passages": [asdict(p) for p in passages],
        "questions": [asdict(q) for q in questions],
        "repeats": repeats,
    }
    path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    return path


def scale_runs(
    datasets: Path,
    sizes: list[int],
    per_set: int,
    repeats: int,
    tmp: Path,
    profile_dir: Path | None,
) -> dict[str, Any]:
    documents = scale_corpus.document_passages(datasets)
    qa_passages: list[Any] = []
    qa_questions: list[Any] = []
    for name in scale_corpus.QA_SETS:
        passages, questions = scale_corpus.qa_set(datasets, name)
        qa_passages += passages
        qa_questions += questions
    questions = scale_corpus.sample_questions(qa_questions, per_set)
    results: dict[str, Any] = {}
    for size in sizes:
        corpus = scale_corpus.scale_corpus(documents, qa_passages, size)
        job = write_job(tmp / f"scale-{size}.json", corpus, questions, repeats)
        results[str(size)] = {"chunks": len(corpus), "questions": len(questions)}
        for side in SIDES:
            prof = None
            if profile_dir and size == max(sizes):
                prof = profile_dir / f"retrieval_{side}_{size}.prof"
            print(f"size {size}: {side}", file=sys.stderr)
            run = spawn(side, job, tmp / f"ws-{side}-{size}", prof)
            results[str(size)][side] = run
            print(f"  {json.dumps(run)}", file=sys.stderr)
        p, b = results[str(size)]["pmassist"], results[str(size)]["baseline"]
        results[str(size)]["p95_speedup"] = round(
            b["latency_ms"]["p95"] / p["latency_ms"]["p95"], 2
        )
        results[str(size)]["p50_speedup"] = round(
            b["latency_ms"]["p50"] / p["latency_ms"]["p50"], 2
        )
    return results


def qa_runs(datasets: Path, tmp: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in scale_corpus.QA_SETS:
        passages, questions = scale_corpus.qa_set(datasets, name)
        job = write_job(tmp / f"qa-{name}.json", passages, questions, 1)
        results[name] = {"passages": len(passages), "questions": len(questions)}
        for side in (*SIDES, "baseline_whitespace"):
            print(f"qa {name}: {side}", file=sys.stderr)
            run = spawn(side, job, tmp / f"ws-qa-{name}-{side}")
            results[name][side] = {k: run[k] for k in ("quality", "build_seconds", "latency_ms")}
            print(f"  {json.dumps(run['quality'])}", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="the shared datasets root")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "retrieval.json")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--questions-per-set", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-qa", action="store_true", help="only the latency runs")
    parser.add_argument("--qa-only", action="store_true", help="only the QA-set recall")
    parser.add_argument("--profile-dir", type=Path, help="cProfile the queries at the top size")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile_dir:  # workers run in their workspace, so the path must not be relative
        args.profile_dir = args.profile_dir.resolve()

    if args.worker:
        worker(args.worker, args.datasets, args.workspace, args.profile)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="pmassist-bench-retrieval-") as tmp:
        scale: dict[str, Any] = {}
        if not args.qa_only:
            scale = scale_runs(
                args.datasets,
                sizes,
                args.questions_per_set,
                args.repeats,
                Path(tmp),
                args.profile_dir,
            )
            # Written now too: the QA runs below take a while, and scale results are the point.
            write_report(args, scale, {}, load_at_start)
        qa = {} if args.skip_qa else qa_runs(args.datasets, Path(tmp))
    write_report(args, scale, qa, load_at_start)


def write_report(
    args: argparse.Namespace, scale: dict[str, Any], qa: dict[str, Any], load_at_start: Any
) -> None:
    targets = {}
    if scale:
        top = scale[max(scale, key=int)]
        targets = {
            "p95_10x_lower_at_largest_size": top["p95_speedup"] >= 10,
            "recall_at_5_not_lower_at_largest_size": top["pmassist"]["quality"]["recall_at_5"]
            >= top["baseline"]["quality"]["recall_at_5"],
        }
    report = {
        "benchmark": "retrieval",
        "command": "python bench/retrieval.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": os.getloadavg(),
        },
        "repeats": args.repeats,
        "scale": scale,
        "qa_recall": qa,
        "targets_met": targets,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report["targets_met"]), file=sys.stderr)


if __name__ == "__main__":
    main()
