"""Does `ask` understand the question? Paraphrase, cross-lingual, not-found, direct answers and
follow-ups, measured on real documents nobody on the team wrote (issue #14).

    uv run --group bench python bench/meaning_eval.py /work/shared/datasets \
        [--split dev|heldout|all] [--workspace DIR] [--baseline] [--out FILE.json]

bench/qa_dev/questions.jsonl: 151 questions written by reading the documents (52% Chinese):
`same` (worded like the document), `para` (paraphrased, the document's words avoided),
`cross` (a Chinese question about an English document or the reverse) and `none` (the
documents cannot answer). Each answerable one names its gold file(s), relative to the
datasets root, and a short fact copied verbatim from it. `split` keeps about a third `heldout`:
tune on `dev`, report `heldout` once. bench/qa_dev/heldout2.jsonl: 42 more, written before the
third pass and run with `--questions bench/qa_dev/heldout2.jsonl --split heldout2`.
bench/qa_dev/dialogues.jsonl: 20 two-turn dialogues whose
second turn only makes sense with the first (follow-ups).

The script copies the named dataset folders (without their SOURCE/README files) into one
temporary folder, ingests it through pmassist's own pipeline (real Chroma), opens the retriever
the way `pmassist ask` does, and measures, per kind and language:
  - search alone and `ask` citations: R@1, R@5, MRR@5 of the gold file;
  - fact in the offline answer; answerable questions answered "not found";
  - not-found precision and recall (a "not found" on an unanswerable question is a hit);
  - follow-ups right (turn 2 cites the gold file in its top 5), with the fact;
  - query p50/p95 of search and ask; ingest time; first and second question after an ingest;
  - with --baseline: LangChain's EnsembleRetriever (BM25 with jieba + Chroma, the same
    embedder, the textbook loader and splitter) on the same folder, R@k and latency.
A --workspace that already holds the index is reused (the ingest is skipped).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

QUESTIONS = BENCH_DIR / "qa_dev" / "questions.jsonl"
DIALOGUES = BENCH_DIR / "qa_dev" / "dialogues.jsonl"
NOT_DOCUMENTS = shutil.ignore_patterns("SOURCE.md", "UPSTREAM_README.md", "README.md")
KINDS = ("same", "para", "cross")


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def folders_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    return sorted({f.split("/", 1)[0] for r in rows for f in r["files"]})


# -- the corpus --------------------------------------------------------------------------------


def build_workspace(datasets: Path, folders: Sequence[str], workspace: Path) -> dict[str, Any]:
    """Copy the folders under one root and ingest it, so sources read "<folder>/<file>"."""
    from assistant.factory import ingest_config, open_index
    from assistant.settings import Settings
    from ingest.pipeline import ingest_paths

    documents = documents_dir(workspace)
    for folder in folders:
        shutil.copytree(datasets / folder, documents / folder, ignore=NOT_DOCUMENTS,
                        dirs_exist_ok=True)  # fmt: skip
    settings = Settings(workspace=workspace)
    index = open_index(settings, create=True, lazy=True)
    started = time.perf_counter()
    report = ingest_paths(
        [documents], store=index.store, embedder=index.embedder,
        manifest=index.manifest, config=ingest_config(settings),
    )  # fmt: skip
    index.close()
    seconds = round(time.perf_counter() - started, 1)
    return {"files": len(list(documents.rglob("*.*"))), "chunks": report.chunks,
            "failed": len(report.failed), "seconds": seconds}  # fmt: skip


def documents_dir(workspace: Path) -> Path:
    return workspace.parent / f"{workspace.name}-documents"


# -- measures ----------------------------------------------------------------------------------


def gold_rank(sources: Sequence[str], gold: Sequence[str]) -> int | None:
    """1-based rank of the first gold file among distinct sources, None when absent."""
    seen: list[str] = []
    for s in sources:
        if s not in seen:
            seen.append(s)
    for rank, s in enumerate(seen, start=1):
        if s in gold:
            return rank
    return None


def recall_table(rows: Sequence[dict[str, Any]], key: str) -> dict[str, Any]:
    """R@1, R@5, MRR@5 of rank column `key`, per kind and language."""
    out: dict[str, Any] = {}
    groups: dict[str, list[dict[str, Any]]] = {"all": [r for r in rows if r["kind"] in KINDS]}
    for kind in KINDS:
        for lang in ("zh", "en", "all"):
            name = kind if lang == "all" else f"{kind}/{lang}"
            groups[name] = [r for r in rows if r["kind"] == kind and lang in ("all", r["lang"])]
    for name, subset in groups.items():
        ranks = [r[key] for r in subset]
        n = len(ranks) or 1
        out[name] = {
            "n": len(ranks),
            "R@1": round(sum(1 for x in ranks if x == 1) / n, 3),
            "R@5": round(sum(1 for x in ranks if x is not None and x <= 5) / n, 3),
            "MRR@5": round(sum(1 / x for x in ranks if x is not None and x <= 5) / n, 3),
        }
    return out


def percentiles(ms: Sequence[float]) -> dict[str, float]:
    if not ms:
        return {}
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


def not_found_table(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    said = [r for r in rows if r["not_found"]]
    none = [r for r in rows if r["kind"] == "none"]
    answerable = [r for r in rows if r["kind"] != "none"]
    hits = sum(1 for r in said if r["kind"] == "none")
    return {
        "precision": round(hits / len(said), 3) if said else None,
        "recall": round(hits / len(none), 3) if none else None,
        "answerable_said_not_found": round(
            sum(1 for r in answerable if r["not_found"]) / max(1, len(answerable)), 3
        ),
        "unanswerable_said_not_found": round(hits / max(1, len(none)), 3),
        # "not found" or "the documents do not answer this directly; the closest passages"
        "unanswerable_not_found_or_hedged": round(
            sum(1 for r in none if r["not_found"] or r["hedged"]) / max(1, len(none)), 3
        ),
        # a confident one-line answer to a question the documents cannot answer
        "unanswerable_with_direct_line": sum(1 for r in none if r["direct_line"]),
        "answerable_hedged": round(
            sum(1 for r in answerable if r["hedged"]) / max(1, len(answerable)), 3
        ),
    }


def fact_table(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for kind in ("all", *KINDS):
        subset = [r for r in rows if r["kind"] != "none" and kind in ("all", r["kind"])]
        n = len(subset) or 1
        found = sum(r["fact_in_answer"] for r in subset)
        out[kind] = {"n": len(subset), "fact": round(found / n, 3)}
    return out


# -- pmassist ----------------------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = call()
    return value, 1000 * (time.perf_counter() - started)


def run_questions(questions: Sequence[dict[str, Any]], retriever: Any, k: int) -> dict[str, Any]:
    from assistant.answer import NOT_FOUND_EN, NOT_FOUND_ZH, WEAK_EN, WEAK_ZH, answer

    rows, search_ms, ask_ms = [], [], []
    for q in questions:
        question: str = q["question"]
        hits, ms = timed(lambda: retriever.search(question, k=k))  # noqa: B023 (called now)
        search_ms.append(ms)
        result, ms = timed(lambda: answer(question, retriever=retriever, k=k))  # noqa: B023
        ask_ms.append(ms)
        not_found = result.answer in (NOT_FOUND_EN, NOT_FOUND_ZH)
        rows.append({
            "id": q["id"], "kind": q["kind"], "lang": q["lang"], "question": q["question"],
            "files": q["files"],
            "search_rank": gold_rank([h.chunk.source for h in hits], q["files"]),
            "ask_rank": None if not_found else gold_rank(
                [c.source for c in result.citations], q["files"]),
            "not_found": not_found,
            "hedged": result.answer.startswith((WEAK_EN, WEAK_ZH)),
            "direct_line": result.answer.startswith(("答：", "Answer: ", "截至 ", "As of ")),
            "fact_in_answer": bool(q["fact"]) and normalise(q["fact"]) in normalise(result.answer),
            "answer": result.answer,
        })  # fmt: skip
    return {
        "search": recall_table(rows, "search_rank"),
        "ask": recall_table(rows, "ask_rank"),
        "fact": fact_table(rows),
        "not_found": not_found_table(rows),
        "latency_ms": {"search": percentiles(search_ms), "ask": percentiles(ask_ms)},
        "questions": rows,
    }


def run_dialogues(dialogues: Sequence[dict[str, Any]], retriever: Any, k: int) -> dict[str, Any]:
    from assistant.answer import answer

    history_supported = _answer_takes_history()
    rows = []
    for d in dialogues:
        first, second = d["turns"]
        previous = answer(first, retriever=retriever, k=k)
        if history_supported:
            from assistant.answer import Turn

            turns = [Turn(question=first, answer=previous.answer)]
            result = answer(second, retriever=retriever, k=k, history=turns)
        else:
            result = answer(second, retriever=retriever, k=k)
        rank = gold_rank([c.source for c in result.citations], d["files"])
        rows.append({"id": d["id"], "lang": d["lang"], "right": rank is not None and rank <= 5,
                     "fact_in_answer": normalise(d["fact"]) in normalise(result.answer),
                     "answer": result.answer})  # fmt: skip
    n = len(rows) or 1
    return {
        "history_supported": history_supported,
        "n": len(rows),
        "right": round(sum(r["right"] for r in rows) / n, 3),
        "fact": round(sum(r["fact_in_answer"] for r in rows) / n, 3),
        "dialogues": rows,
    }


def _answer_takes_history() -> bool:
    import inspect

    from assistant.answer import answer

    return "history" in inspect.signature(answer).parameters


def first_questions(workspace: Path, question: str) -> dict[str, float]:
    """Seconds to the first answer after an ingest (the retriever opened cold), then the second."""
    from assistant.answer import answer
    from assistant.retrieval import open_retriever
    from assistant.settings import Settings

    started = time.perf_counter()
    retriever = open_retriever(Settings(workspace=workspace))
    answer(question, retriever=retriever)
    first = time.perf_counter() - started
    _, second = timed(lambda: answer(question, retriever=retriever))
    return {"first_s": round(first, 2), "second_s": round(second / 1000, 3)}


# -- LangChain baseline ------------------------------------------------------------------------


def run_baseline(
    documents: Path, questions: Sequence[dict[str, Any]], k: int, work: Path
) -> dict[str, Any]:
    from assistant.settings import Settings
    from bench import baselines

    settings = Settings()
    embeddings = baselines.PmassistEmbeddings(baselines.pmassist_embedder())
    started = time.perf_counter()
    report = baselines.ingest_corpus(
        documents, work / "baseline-chroma", embeddings,
        chunk_size=settings.ingest.chunk_size, chunk_overlap=settings.ingest.chunk_overlap,
    )  # fmt: skip
    from langchain_chroma import Chroma

    store = Chroma(collection_name="baseline", embedding_function=embeddings,
                   persist_directory=str(work / "baseline-chroma"))  # fmt: skip
    data = store.get(include=["documents", "metadatas"])
    sources = {i: Path(m["source"]).resolve().relative_to(documents.resolve()).as_posix()
               for i, m in zip(data["ids"], data["metadatas"], strict=True)}  # fmt: skip
    retriever = baselines.build_ensemble(
        data["documents"], data["ids"], store, candidates=settings.retrieval.candidates
    )
    ingest_s = round(time.perf_counter() - started, 1)
    rows, ms_all = [], []
    for q in questions:
        question: str = q["question"]
        ids, ms = timed(lambda: baselines.search_ids(retriever, question, 50))  # noqa: B023
        ms_all.append(ms)
        ranked = [sources.get(i, "") for i in ids]
        top = _first_k_files(ranked, k)
        rows.append({"kind": q["kind"], "lang": q["lang"], "rank": gold_rank(top, q["files"])})
    return {"ingest": {**{k_: v for k_, v in report.items() if k_ != "failed"},
                       "seconds": ingest_s},
            "search": recall_table(rows, "rank"), "latency_ms": percentiles(ms_all)}  # fmt: skip


def _first_k_files(sources: Sequence[str], k: int) -> list[str]:
    """The chunks' sources until k distinct files are seen (what top-k by file means)."""
    seen: list[str] = []
    for s in sources:
        if s not in seen:
            seen.append(s)
    return seen[:k]


# -- main --------------------------------------------------------------------------------------


def select(rows: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    return [r for r in rows if split == "all" or r.get("split", "dev") == split]


def run(args: argparse.Namespace, workspace: Path) -> dict[str, Any]:
    from assistant.retrieval import open_retriever
    from assistant.settings import Settings

    questions = select(load_jsonl(args.questions), args.split)
    dialogues = load_jsonl(DIALOGUES)
    folders = folders_of([*load_jsonl(args.questions), *dialogues])
    report: dict[str, Any] = {"split": args.split, "folders": folders}
    from assistant.factory import MANIFEST_FILE

    if not (workspace / MANIFEST_FILE).exists():
        report["ingest"] = build_workspace(args.datasets, folders, workspace)
        report["first_question"] = first_questions(workspace, questions[0]["question"])
    retriever = open_retriever(Settings(workspace=workspace))
    report["pmassist"] = run_questions(questions, retriever, args.k)
    report["dialogues"] = run_dialogues(dialogues, retriever, args.k)
    if args.baseline:
        report["langchain"] = run_baseline(
            documents_dir(workspace), questions, args.k, workspace.parent
        )
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"split={report['split']} ingest={report.get('ingest')} "
          f"first={report.get('first_question')}")  # fmt: skip
    p = report["pmassist"]
    print(f"{'':10}{'n':>4} | search R@1  R@5  MRR | ask R@1  R@5  MRR | lc R@1  R@5")
    lc = report.get("langchain", {}).get("search", {})
    for name, s in p["search"].items():
        a, b = p["ask"][name], lc.get(name, {})
        print(f"{name:10}{s['n']:>4} | {s['R@1']:>10.2f} {s['R@5']:.2f} {s['MRR@5']:.2f} |"
              f" {a['R@1']:>7.2f} {a['R@5']:.2f} {a['MRR@5']:.2f} |"
              f" {b.get('R@1', float('nan')):>6.2f} {b.get('R@5', float('nan')):.2f}")  # fmt: skip
    print(f"fact: {p['fact']}")
    print(f"not found: {p['not_found']}")
    baseline_ms = report.get("langchain", {}).get("latency_ms")
    print(f"latency ms: {p['latency_ms']} langchain: {baseline_ms}")
    d = report["dialogues"]
    print(f"follow-ups: right {d['right']} fact {d['fact']} (history: {d['history_supported']})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="the shared datasets root")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--split", choices=("dev", "heldout", "heldout2", "all"), default="dev")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--workspace", type=Path, default=None, help="keep/reuse the index here")
    parser.add_argument("--baseline", action="store_true", help="also run the LangChain ensemble")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    out = args.out or BENCH_DIR / "results" / f"meaning_eval_{args.split}.json"

    with tempfile.TemporaryDirectory(prefix="pmassist-meaning-") as tmp:
        report = run(args, args.workspace or Path(tmp) / "workspace")
    if args.verbose:
        for row in report["pmassist"]["questions"]:
            bad = (row["kind"] == "none") != row["not_found"] or (
                row["kind"] != "none" and not row["fact_in_answer"])
            if bad:
                ranks = f"{row['search_rank']}/{row['ask_rank']}"
                print(f"MISS {row['id']} {row['kind']}/{row['lang']} rank={ranks} "
                      f"{row['question']}\n     {row['answer'][:240]!r}")  # fmt: skip
        for row in report["dialogues"]["dialogues"]:
            if not row["right"]:
                print(f"MISS {row['id']} {row['answer'][:200]!r}")
    for row in report["pmassist"]["questions"]:  # answers quote the documents: kept out
        del row["answer"]
    for row in report["dialogues"]["dialogues"]:
        del row["answer"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(report)
    print(f"written {out}")


if __name__ == "__main__":
    main()
