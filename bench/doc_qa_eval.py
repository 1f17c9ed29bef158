"""Document QA on real documents nobody on the team wrote: right source cited, fact in answer.

    uv run --group bench python bench/doc_qa_eval.py /work/shared/datasets [--out FILE.json]

bench/doc_qa_questions.jsonl holds 40 questions (20 zh, 20 en), each with the dataset folder,
the file that answers it and a short fact string from that file, plus 8 questions the
documents cannot answer (file null). The script ingests every folder the questions name into
one temporary workspace (pmassist's own ingest pipeline, real Chroma), asks each question
offline (extractive answers, k=5) and measures
  - doc@5:  the expected file is among the answer's citations (target: >= 90%),
  - fact:   the expected fact appears in the offline answer text (target: >= 80%),
  - retrieved@5: the expected file is among the top-5 retrieved passages (diagnostic),
  - not_found: unanswerable questions get the "not in the documents" answer (diagnostic; these
    8 were also used to choose the support threshold, so they are not an unbiased test).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

QUESTIONS = BENCH_DIR / "doc_qa_questions.jsonl"


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def load_questions(path: Path = QUESTIONS) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


# The datasets' own descriptions (which even list sample questions) are not project documents.
NOT_DOCUMENTS = shutil.ignore_patterns("SOURCE.md", "UPSTREAM_README.md")


def build_workspace(datasets: Path, folders: list[str], workspace: Path) -> dict[str, Any]:
    from assistant.factory import ingest_config, open_index
    from assistant.settings import Settings
    from ingest.pipeline import ingest_paths

    documents = workspace.parent / f"{workspace.name}-documents"
    for folder in folders:
        shutil.copytree(datasets / folder, documents / folder, ignore=NOT_DOCUMENTS,
                        dirs_exist_ok=True)  # fmt: skip
    settings = Settings(workspace=workspace)
    index = open_index(settings, create=True, lazy=True)
    started = time.perf_counter()
    report = ingest_paths(
        [documents / f for f in folders], store=index.store, embedder=index.embedder,
        manifest=index.manifest, config=ingest_config(settings),
    )  # fmt: skip
    index.close()
    return {"chunks": report.chunks, "failed": len(report.failed),
            "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def run(datasets: Path, workspace: Path, k: int = 5) -> dict[str, Any]:
    from assistant.answer import NOT_FOUND_EN, NOT_FOUND_ZH, answer
    from assistant.retrieval import open_retriever
    from assistant.settings import Settings

    questions = load_questions()
    folders = sorted({q["folder"] for q in questions if q["folder"]})
    ingest = build_workspace(datasets, folders, workspace)
    retriever = open_retriever(Settings(workspace=workspace))
    rows = []
    for q in questions:
        started = time.perf_counter()
        result = answer(q["question"], retriever=retriever, k=k)
        row = {"id": q["id"], "lang": q["lang"], "question": q["question"], "file": q["file"],
               "answer": result.answer,
               "ms": round(1000 * (time.perf_counter() - started), 1)}  # fmt: skip
        if q["file"] is None:
            row["not_found"] = result.answer in (NOT_FOUND_EN, NOT_FOUND_ZH)
        else:
            retrieved = [h.chunk.source for h in retriever.search(q["question"], k=k)]
            row["doc_at_5"] = q["file"] in [c.source for c in result.citations]
            row["retrieved_at_5"] = q["file"] in retrieved
            row["fact_in_answer"] = normalise(q["fact"]) in normalise(result.answer)
        rows.append(row)
    return {"ingest": ingest, "folders": folders, "summary": summarise(rows), "questions": rows}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(subset: list[dict[str, Any]], key: str) -> float:
        return round(sum(r[key] for r in subset) / len(subset), 3) if subset else 0.0

    answerable = [r for r in rows if r["file"] is not None]
    out: dict[str, Any] = {}
    for lang in ("all", "zh", "en"):
        subset = [r for r in answerable if lang in ("all", r["lang"])]
        out[lang] = {
            "n": len(subset),
            "doc@5": rate(subset, "doc_at_5"),
            "fact": rate(subset, "fact_in_answer"),
            "retrieved@5": rate(subset, "retrieved_at_5"),
        }
    unanswerable = [r for r in rows if r["file"] is None]
    out["unanswerable"] = {"n": len(unanswerable), "not_found": rate(unanswerable, "not_found")}
    out["targets_met"] = {"doc@5>=0.9": out["all"]["doc@5"] >= 0.9,
                          "fact>=0.8": out["all"]["fact"] >= 0.8}  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="the shared datasets root")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "doc_qa_eval.json")
    parser.add_argument("--workspace", type=Path, default=None, help="keep the workspace here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    parser.add_argument(
        "--keep-answers", action="store_true", help="also write the answer texts to --out"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pmassist-docqa-") as tmp:
        report = run(args.datasets, args.workspace or Path(tmp) / "workspace")
    for row in report["questions"]:
        missed = not row.get("not_found", row.get("doc_at_5") and row.get("fact_in_answer"))
        if args.verbose and missed:
            print(f"MISS {row['id']} {row['question']}\n     {row['answer'][:300]!r}")
        if not args.keep_answers:  # answers quote the documents, which stay out of the repo
            del row["answer"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    s = report["summary"]
    print(f"ingest: {report['ingest']}")
    print(f"{'':6}{'n':>4}{'doc@5':>8}{'fact':>8}{'retr@5':>8}")
    for lang in ("all", "zh", "en"):
        m = s[lang]
        print(f"{lang:6}{m['n']:>4}{m['doc@5']:>8.3f}{m['fact']:>8.3f}{m['retrieved@5']:>8.3f}")
    print(f"unanswerable: {s['unanswerable']}")
    print(f"targets: {s['targets_met']}")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
