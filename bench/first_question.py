"""First-question latency after an ingest (issue #14.6): the first question must cost < 1 s more
than the second, because the ingest itself publishes the search snapshot (BM25, chunks,
vectors) instead of leaving its build to the first reader.

Measured with real processes on a corpus built from real documents (bench/scale_corpus.py):

1. `pmassist ingest` of the corpus (wall time; the part spent publishing the snapshot is the
   difference to the report's own `seconds`, which ends before it);
2. `pmassist ask` twice, as separate processes (the one-shot CLI): first vs second;
3. a long-lived reader (the server's DocumentServices, in this process) opened on that index,
   then 1% of the files changed and re-ingested by another `pmassist ingest` process: the
   reader's first question after it (it loads the new snapshot) vs its second;
4. for reference, the reader-side build the first question paid before #14.6: the snapshot
   deleted, then one `pmassist ask` (which now builds it, as every first question used to).

    uv run --group bench python bench/first_question.py /work/shared/datasets --chunks 40000 \\
        --out bench/results/first_question.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale_corpus import QA_SETS, Passage, document_passages, qa_set, scale_corpus

PMASSIST = [sys.executable, "-c", "from assistant.cli import app; app()"]
PER_FILE = 8  # passages per file: files of ~5 KB, like minutes and notes


def write_corpus(datasets: Path, target: Path, chunks: int) -> tuple[int, list[str]]:
    """Files of real-text passages, about `chunks` passages in all; returns (files, questions)."""
    documents = document_passages(datasets)
    qa_passages: list[Passage] = []
    questions: list[str] = []
    for name in QA_SETS:
        passages, asked = qa_set(datasets, name)
        qa_passages.extend(passages)
        questions.extend(q.question for q in asked[:20])
    corpus = scale_corpus(documents, qa_passages, chunks)
    files = 0
    for start in range(0, len(corpus), PER_FILE):
        part = corpus[start : start + PER_FILE]
        folder = target / f"part-{files // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        text = "\n\n".join(f"## {p.id}\n\n{p.text}" for p in part)
        (folder / f"doc-{files:05d}.md").write_text(text, encoding="utf-8")
        files += 1
    return files, questions


def change_one_percent(corpus: Path, seed: int = 3) -> int:
    files = sorted(corpus.rglob("*.md"))
    chosen = random.Random(seed).sample(files, max(1, len(files) // 100))
    for path in chosen:
        path.write_text(path.read_text("utf-8") + "\n\nAppended decision: review next week.\n",
                        "utf-8")  # fmt: skip
    return len(chosen)


def timed_cli(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run([*PMASSIST, *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"pmassist {args[0]} failed: {done.stderr[-2000:]}")
    return seconds, done


def ingest(corpus: Path, ws: Path, env: dict[str, str]) -> dict[str, Any]:
    wall, done = timed_cli("ingest", str(corpus), "--json", "--workspace", str(ws), env=env)
    report = json.loads(done.stdout)
    return {"wall_seconds": round(wall, 2), "pipeline_seconds": report["seconds"],
            "chunks_written": report["chunks"], "added": report["added"],
            "updated": report["updated"]}  # fmt: skip


def cli_asks(ws: Path, questions: list[str], env: dict[str, str]) -> dict[str, float]:
    first, _ = timed_cli("ask", questions[0], "--json", "--workspace", str(ws), env=env)
    second, _ = timed_cli("ask", questions[1], "--json", "--workspace", str(ws), env=env)
    return {"first_seconds": round(first, 3), "second_seconds": round(second, 3),
            "first_minus_second": round(first - second, 3)}  # fmt: skip


def reader_after_reingest(
    corpus: Path, ws: Path, questions: list[str], env: dict[str, str]
) -> dict[str, Any]:
    """A server-like reader opened before a 1%-changed re-ingest by another process."""
    from assistant.settings import Settings
    from ui.web.services import DocumentServices

    docs = DocumentServices(Settings(workspace=ws, _env_file=None))
    opened = time.perf_counter()
    docs.ask(questions[2], project=None, doc_type=None, k=5)  # warm: jieba, the old snapshot
    warm = time.perf_counter() - opened
    changed = change_one_percent(corpus)
    reingest = ingest(corpus, ws, env)
    times = []
    for question in questions[3:6]:
        started = time.perf_counter()
        docs.ask(question, project=None, doc_type=None, k=5)
        times.append(time.perf_counter() - started)
    return {"files_changed": changed, "reingest": reingest,
            "reader_open_and_first_ever_seconds": round(warm, 3),
            "first_after_ingest_seconds": round(times[0], 3),
            "second_seconds": round(times[1], 3), "third_seconds": round(times[2], 3),
            "first_minus_second": round(times[0] - times[1], 3)}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", type=Path)
    parser.add_argument("--chunks", type=int, default=40_000, help="passages in the corpus")
    parser.add_argument("--out", type=Path, default=Path("bench/results/first_question.json"))
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMASSIST_")}
    scratch = Path(tempfile.mkdtemp(prefix="pmassist-first-question-"))
    try:
        corpus, ws = scratch / "corpus", scratch / "ws"
        files, questions = write_corpus(args.datasets, corpus, args.chunks)
        first_ingest = ingest(corpus, ws, env)
        from assistant.factory import open_index
        from assistant.settings import Settings

        index = open_index(Settings(workspace=ws, _env_file=None), read_only=True)
        chunks = index.manifest.total_chunks()
        index.close()
        result: dict[str, Any] = {
            "corpus": {"files": files, "chunks": chunks, "passages": args.chunks},
            "first_ingest": first_ingest,
            "cli_after_first_ingest": cli_asks(ws, questions, env),
            "server_reader_after_1pct_reingest": reader_after_reingest(corpus, ws, questions,
                                                                       env),
        }
        shutil.rmtree(ws / "bm25")
        result["reference_reader_side_build"] = cli_asks(ws, questions[6:], env)
        result["machine"] = {"cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
