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
    retriever = build_pmassist_retriever(passages, workspace)

    def search(query: str, k: int) -> list[str]:
        return [hit.chunk.id for hit in retriever.search(query, k=k)]

    return search


def build_pmassist_retriever(passages: list[dict[str, str]], workspace: Path) -> Any:
    """pmassist's retriever over `passages` (build_pmassist's, which `answer` needs too)."""
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
    return retriever


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


# --- interleaved: both sides in one process, question by question ------------------------------


def dev_questions(path: Path = BENCH_DIR / "qa_dev" / "questions.jsonl") -> list[dict[str, Any]]:
    """The #14 questions (same-wording, paraphrased, cross-lingual; the unanswerable ones
    too, for their latency): their gold is a file, which scale_corpus keeps as the source."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [{"question": r["question"], "gold_files": r["files"], "kind": r["kind"]}
            for r in rows]  # fmt: skip


def interleaved_worker(job: Path, workspace: Path, profile: Path | None) -> None:
    """Build both sides over the same chunks, then ask every question of each side in turn,
    alternating which goes first, so load on the shared machine falls on both alike.

    pmassist's side is what `ask` searches with (query translation, glossary, pointers,
    re-ranking: `HybridRetriever.search`) and, timed apart, the whole offline `answer`."""
    spec = json.loads(job.read_text(encoding="utf-8"))
    passages, questions, repeats = spec["passages"], spec["questions"], spec["repeats"]
    import chromadb  # noqa: F401  (imports are not build time)

    warnings.filterwarnings("ignore", message=".*langchain-community.*")
    from assistant.answer import answer

    builds: dict[str, float] = {}
    sources = {p["id"]: p["source"] for p in passages}
    t0 = time.perf_counter()
    pm_retriever = build_pmassist_retriever(passages, workspace / "pmassist")
    builds["pmassist"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    baseline = build_baseline(passages, workspace / "baseline")
    builds["baseline"] = time.perf_counter() - t0

    def pm_search(query: str, k: int) -> list[str]:
        return [hit.chunk.id for hit in pm_retriever.search(query, k=k)]

    def pm_ask(query: str, k: int) -> list[str]:  # citations name files, not chunks
        return [c.source for c in answer(query, retriever=pm_retriever, k=k).citations]

    sides: dict[str, Search] = {"pmassist": pm_search, "baseline": baseline, "pmassist_ask": pm_ask}
    for q in questions[:WARMUP_QUERIES]:
        for search in sides.values():
            search(q["question"], 5)
    times: dict[str, list[list[float]]] = {side: [] for side in sides}
    ranked: dict[str, list[list[str]]] = {side: [] for side in sides}
    load = [os.getloadavg()[0]]
    for r in range(repeats):
        for side in sides:
            times[side].append([])
        for i, q in enumerate(questions):
            order = list(sides) if (i + r) % 2 == 0 else list(reversed(sides))
            for side in order:
                t = time.perf_counter()
                ids = sides[side](q["question"], 5)
                times[side][r].append(time.perf_counter() - t)
                if r == 0:
                    ranked[side].append(ids)
        load.append(os.getloadavg()[0])
    if profile:  # one more, untimed pass of pmassist's search: cProfile inflates timings
        profiler = cProfile.Profile()
        profiler.enable()
        for q in questions:
            pm_search(q["question"], 5)
        profiler.disable()
        write_profile(profiler, profile)
    report: dict[str, Any] = {"build_seconds": {k: round(v, 2) for k, v in builds.items()},
                              "load_avg_1m_per_repeat": [round(x, 2) for x in load]}  # fmt: skip
    for side in sides:
        report[side] = {
            "latency_ms": latency_summary(times[side]),
            "latency_ms_by_set": {
                name: latency_summary([[t[i] for i in range(len(questions))
                                        if questions[i]["set"] == name] for t in times[side]])
                for name in sorted({q["set"] for q in questions})
            },
            "quality_by_set": interleaved_quality(
                ranked[side], questions, sources, cites_files=side == "pmassist_ask"
            ),
        }
    sys.stdout.write(json.dumps(report) + "\n")


def interleaved_quality(
    ranked: list[list[str]],
    questions: list[dict[str, Any]],
    sources: dict[str, str],
    *,
    cites_files: bool = False,
) -> dict[str, Any]:
    """QA questions: is their own passage in the top 5; #14 questions: their gold file (by
    kind). R@1, R@5 and MRR@5 per set. `cites_files`: the ranking lists files (ask's
    citations), so only the #14 questions are scored."""
    out: dict[str, Any] = {}
    groups: dict[str, list[int]] = {}
    for i, q in enumerate(questions):
        if q["set"] == "qa_dev" and q["kind"] == "none":
            continue
        if cites_files and q["set"] != "qa_dev":
            continue
        name = f"qa_dev_{q['kind']}" if q["set"] == "qa_dev" else q["set"]
        groups.setdefault(name, []).append(i)
    for name, rows in sorted(groups.items()):
        ranks = []
        for i in rows:
            q = questions[i]
            if "gold" in q:
                hits = [cid == q["gold"] for cid in ranked[i]]
            else:
                found = ranked[i] if cites_files else [sources.get(c, "") for c in ranked[i]]
                files = list(dict.fromkeys(found))
                hits = [f in q["gold_files"] for f in files]
            ranks.append(hits.index(True) + 1 if True in hits else 0)
        n = len(ranks)
        out[name] = {
            "recall_at_1": round(sum(r == 1 for r in ranks) / n, 4),
            "recall_at_5": round(sum(0 < r <= 5 for r in ranks) / n, 4),
            "mrr_at_5": round(sum(1 / r for r in ranks if 0 < r <= 5) / n, 4),
            "questions": n,
        }
    return out


def interleaved_run(
    datasets: Path, size: int, per_set: int, repeats: int, tmp: Path, profile: Path | None
) -> dict[str, Any]:
    documents = scale_corpus.document_passages(datasets)
    qa_passages: list[Any] = []
    qa_questions: list[Any] = []
    for name in scale_corpus.QA_SETS:
        passages, questions = scale_corpus.qa_set(datasets, name)
        qa_passages += passages
        qa_questions += questions
    corpus = scale_corpus.scale_corpus(documents, qa_passages, size)
    asked = [{**asdict(q), "set": q.qa_set}
             for q in scale_corpus.sample_questions(qa_questions, per_set)]  # fmt: skip
    asked += [{**q, "set": "qa_dev"} for q in dev_questions()]
    job = tmp / f"interleaved-{size}.json"
    job.write_text(json.dumps({"passages": [asdict(p) for p in corpus], "questions": asked,
                               "repeats": repeats}, ensure_ascii=False), "utf-8")  # fmt: skip
    print(f"interleaved at {size} chunks, {len(asked)} questions", file=sys.stderr)
    run = spawn("interleaved", job, tmp / f"ws-interleaved-{size}", profile)
    pm, base = run["pmassist"]["latency_ms"], run["baseline"]["latency_ms"]
    run["p95_ratio_baseline_over_pmassist"] = round(base["p95"] / pm["p95"], 2)
    run["p50_ratio_baseline_over_pmassist"] = round(base["p50"] / pm["p50"], 2)
    return {"chunks": len(corpus), "questions": len(asked), **run}


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
    parser.add_argument(
        "--interleaved", type=int, metavar="CHUNKS",
        help="both sides in one process at this size, question by question (issue #14)",
    )  # fmt: skip
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile_dir:  # workers run in their workspace, so the path must not be relative
        args.profile_dir = args.profile_dir.resolve()

    if args.worker == "interleaved":
        interleaved_worker(args.datasets, args.workspace, args.profile)
        return
    if args.worker:
        worker(args.worker, args.datasets, args.workspace, args.profile)
        return
    if args.interleaved:
        load_at_start = os.getloadavg()
        with tempfile.TemporaryDirectory(prefix="pmassist-bench-retrieval-") as tmp:
            profile = args.profile_dir / "retrieval_interleaved.prof" if args.profile_dir else None
            run = interleaved_run(args.datasets, args.interleaved, args.questions_per_set,
                                  args.repeats, Path(tmp), profile)  # fmt: skip
        write_interleaved(args, run, load_at_start)
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


def machine(load_at_start: Any) -> dict[str, Any]:
    """The machine a result was measured on, with its load before and after."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
    }


def write_interleaved(args: argparse.Namespace, run: dict[str, Any], load_at_start: Any) -> None:
    report = {
        "benchmark": "retrieval_interleaved",
        "command": "python bench/retrieval.py " + " ".join(sys.argv[1:]),
        "machine": machine(load_at_start),
        "repeats": args.repeats,
        "run": run,
        "targets_met": {"p95_10x_lower": run["p95_ratio_baseline_over_pmassist"] >= 10},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: run[k] for k in run if k.startswith("p")}), file=sys.stderr)


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
        "machine": machine(load_at_start),
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
