"""Ingest benchmark: pmassist against the LangChain pipeline a user would write.

    uv run --group bench python bench/ingest.py CORPUS_DIR [--out bench/results/ingest.json]

CORPUS_DIR is copied to a temporary folder first (the 1%-changed phase edits the copy). When
it is the shared datasets root, only the document folders are taken (meeting_minutes_*,
postmortems_en, requirements_*). Both sides use pmassist's default embedder and chunk size.

Each measurement runs in its own fresh subprocess with its own fresh workspace, so the peak
RSS (ru_maxrss of that child, from os.wait4) belongs to one side and one phase only. Phases:

  first      empty workspace, whole corpus
  unchanged  the same corpus again (pmassist: manifest says nothing changed; baseline: it has
             no incremental mode, so a user rebuilds into a fresh directory)
  changed    1% of the files edited (pmassist: only those files re-chunked and re-embedded;
             baseline: full rebuild again)

Every phase is repeated (--repeats, default 3) and the median is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import io
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# `python bench/ingest.py` puts bench/ first on sys.path, where this file would shadow
# pmassist's `ingest` package: import the bench helpers as `bench.*` from the checkout root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

from bench.measure import run_child, write_profile  # noqa: E402

DOCUMENT_FOLDERS = ("meeting_minutes_*", "postmortems_en", "requirements_*")
SUFFIXES = (".pdf", ".docx", ".md", ".txt")
PHASES = ("first", "unchanged", "changed", "ask")
# The first question after the 1% change: pmassist rebuilds its BM25 index for the new
# generation; the baseline, which keeps BM25 only in memory, rebuilds it in every process.
ASK_QUESTION = "What did the committee decide about the kernel KABI review?"


# --- corpus ----------------------------------------------------------------------------------


def copy_corpus(source: Path, target: Path) -> None:
    """Copy the document files; from the datasets root only the document folders."""
    roots = [p for pattern in DOCUMENT_FOLDERS for p in sorted(source.glob(pattern)) if p.is_dir()]
    if not roots:
        roots = [source]
    for root in roots:
        prefix = root.name if root != source else ""
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                dest = target / prefix / path.relative_to(root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)


def corpus_stats(corpus: Path) -> dict[str, Any]:
    files = [p for p in corpus.rglob("*") if p.is_file()]
    by_suffix: dict[str, int] = {}
    for p in files:
        by_suffix[p.suffix.lower()] = by_suffix.get(p.suffix.lower(), 0) + 1
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "by_suffix": dict(sorted(by_suffix.items())),
    }


def change_one_percent(corpus: Path, seed: int = 7) -> list[str]:
    """Edit ceil(1%) of the text files: numbers changed and a paragraph appended, the kind of
    edit a minutes file gets after a meeting."""
    texts = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in (".md", ".txt"))
    rng = random.Random(seed)
    files = sorted(corpus.rglob("*"))
    count = math.ceil(0.01 * sum(1 for p in files if p.is_file()))
    chosen = rng.sample(texts, count)
    for path in chosen:
        text = path.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), text, count=20)
        text += "\n\nUpdate: action item re-assigned to Alice, due 2026-12-01. 已确认。\n"
        path.write_text(text, encoding="utf-8")
    return [str(p.relative_to(corpus)) for p in chosen]


# --- the two sides, each run inside a worker subprocess ----------------------------------------


def run_pmassist(corpus: Path, workspace: Path) -> dict[str, Any]:
    """Exactly what `pmassist ingest CORPUS --workspace W --json` runs, in this process."""
    from assistant.cli import app

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        app(
            ["ingest", str(corpus), "--workspace", str(workspace / "pmassist"), "--json"],
            standalone_mode=False,
        )
    return json.loads(out.getvalue())


def ask_pmassist(corpus: Path, workspace: Path) -> dict[str, Any]:
    """`pmassist ask QUESTION --workspace W --json`, in this process."""
    from assistant.cli import app

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        app(
            ["ask", ASK_QUESTION, "--workspace", str(workspace / "pmassist"), "--json"],
            standalone_mode=False,
        )
    answer = json.loads(out.getvalue())
    return {"citations": [c["source"] for c in answer["citations"]]}


def ask_baseline(corpus: Path, workspace: Path) -> dict[str, Any]:
    from assistant.settings import Settings
    from bench.baselines import PmassistEmbeddings, ask, pmassist_embedder

    embeddings = PmassistEmbeddings(pmassist_embedder())
    candidates = Settings().retrieval.candidates
    documents = ask(workspace / "chroma", embeddings, ASK_QUESTION, candidates=candidates)
    return {"citations": [str(d.metadata.get("source", "")) for d in documents]}


def run_baseline(corpus: Path, workspace: Path) -> dict[str, Any]:
    from assistant.settings import Settings
    from bench.baselines import PmassistEmbeddings, ingest_corpus, pmassist_embedder

    settings = Settings()
    return ingest_corpus(
        corpus,
        workspace / "chroma",
        PmassistEmbeddings(pmassist_embedder()),
        chunk_size=settings.ingest.chunk_size,
        chunk_overlap=settings.ingest.chunk_overlap,
    )


def warm_imports(side: str, phase: str) -> None:
    """Import each side's modules before the clock starts: the timed part is the work, and
    the parent's wall time still shows what a cold process costs. pmassist's unchanged
    re-ingest imports neither Chroma nor the pipeline (it is answered from the manifest), so
    only the command line's modules are warmed for it: the wall time is then the command's."""
    if side == "pmassist":
        modules = ["assistant.cli"]
        if phase != "unchanged":
            modules += ["chromadb", "ingest.pipeline"]
    else:
        warnings.filterwarnings("ignore", message=".*langchain-community.*")
        modules = ["chromadb", "langchain_chroma", "langchain_text_splitters",
                   "langchain_classic.retrievers", "langchain_community.document_loaders",
                   "langchain_community.retrievers"]  # fmt: skip
    for name in modules:
        importlib.import_module(name)


def worker(side: str, phase: str, corpus: Path, workspace: Path, profile: Path | None) -> None:
    """Runs in the child: times the work only (not interpreter start-up or imports, which the
    parent's wall time includes) and prints one JSON line."""
    if phase == "ask":
        run = ask_pmassist if side == "pmassist" else ask_baseline
    else:
        run = run_pmassist if side == "pmassist" else run_baseline
    warm_imports(side, phase)

    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = run(corpus, workspace)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    if profiler and profile:
        write_profile(profiler, profile)
    sys.stdout.write(json.dumps({"seconds": seconds, "result": result}, default=str) + "\n")


def spawn(
    side: str, phase: str, corpus: Path, workspace: Path, profile: Path | None
) -> dict[str, Any]:
    """One fresh child per side and phase, so its peak RSS is its own."""
    cmd = [str(Path(__file__).resolve()), "--worker", side, "--phase", phase, str(corpus)]
    cmd += ["--workspace", str(workspace)]
    if profile:
        cmd += ["--profile", str(profile)]
    start = time.perf_counter()
    report = run_child(cmd, cwd=workspace)
    report["wall_seconds"] = time.perf_counter() - start
    return report


# --- the benchmark -----------------------------------------------------------------------------


def one_repeat(source: Path, scratch: Path, profile_dir: Path | None) -> dict[str, Any]:
    """Both sides through all phases, each side on its own copy of the corpus."""
    runs: dict[str, Any] = {"load_average_at_start": os.getloadavg()[0]}
    changed: list[str] = []
    for side in ("pmassist", "baseline"):
        corpus = scratch / side / "corpus"
        copy_corpus(source, corpus)
        runs[side] = {}
        for phase in PHASES:
            if phase == "changed":
                changed = change_one_percent(corpus)
            # pmassist keeps its workspace (that is the point); the baseline rebuilds fresh,
            # and is asked in the index its last (1%-changed) rebuild made.
            name = "ws" if side == "pmassist" else f"ws-{phase.replace('ask', 'changed')}"
            workspace = scratch / side / name
            workspace.mkdir(parents=True, exist_ok=True)
            prof = profile_dir / f"ingest_{side}_{phase}.prof" if profile_dir else None
            runs[side][phase] = spawn(side, phase, corpus, workspace, prof)
            print(
                f"  {side:8s} {phase:9s} {runs[side][phase]['seconds']:8.2f} s "
                f"{runs[side][phase]['peak_rss_mb']:7.0f} MB "
                f"(tree {runs[side][phase]['peak_tree_rss_mb']:.0f} MB)",
                file=sys.stderr,
            )
    runs["changed_files"] = changed
    return runs


def median_of(repeats: list[dict[str, Any]], side: str, phase: str, key: str) -> float:
    return statistics.median(r[side][phase][key] for r in repeats)


def summarise(repeats: list[dict[str, Any]], stats: dict[str, Any]) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    for side in ("pmassist", "baseline"):
        sides[side] = {}
        for phase in PHASES:
            seconds = median_of(repeats, side, phase, "seconds")
            sides[side][phase] = {
                "seconds_median": round(seconds, 3),
                "seconds_all": [round(r[side][phase]["seconds"], 3) for r in repeats],
                "wall_seconds_median": round(median_of(repeats, side, phase, "wall_seconds"), 3),
                "peak_rss_mb_median": round(median_of(repeats, side, phase, "peak_rss_mb"), 1),
                "peak_tree_rss_mb_median": round(
                    median_of(repeats, side, phase, "peak_tree_rss_mb"), 1
                ),
                "files_per_s": round(stats["files"] / seconds, 2),
                "mb_per_s": round(stats["bytes"] / 1e6 / seconds, 3),
                "result": repeats[-1][side][phase]["result"],
            }
            if (
                side == "pmassist" and phase != "ask"
            ):  # the pipeline's own clock, without the CLI around it
                sides[side][phase]["pipeline_seconds_median"] = round(
                    statistics.median(r[side][phase]["result"]["seconds"] for r in repeats), 3
                )
    p, b = sides["pmassist"], sides["baseline"]
    first = p["first"]["seconds_median"]
    ratios = {
        "first_ingest_speedup": b["first"]["seconds_median"] / first,
        "first_ingest_process_wall_speedup": b["first"]["wall_seconds_median"]
        / p["first"]["wall_seconds_median"],
        # Memory of the whole process tree: pmassist reads PDFs in a helper process.
        "first_ingest_peak_rss_ratio": p["first"]["peak_tree_rss_mb_median"]
        / b["first"]["peak_tree_rss_mb_median"],
        "unchanged_reingest_fraction_of_first": p["unchanged"]["seconds_median"] / first,
        "unchanged_reingest_fraction_of_first_wall": p["unchanged"]["wall_seconds_median"]
        / p["first"]["wall_seconds_median"],
        "unchanged_reingest_fraction_of_first_pipeline_only": p["unchanged"][
            "pipeline_seconds_median"
        ]
        / p["first"]["pipeline_seconds_median"],
        "unchanged_reingest_speedup": b["unchanged"]["seconds_median"]
        / p["unchanged"]["seconds_median"],
        "changed_1pct_reingest_speedup": b["changed"]["seconds_median"]
        / p["changed"]["seconds_median"],
        "ask_after_change_speedup": b["ask"]["seconds_median"] / p["ask"]["seconds_median"],
    }
    targets = {
        "first_ingest_3x_faster": ratios["first_ingest_speedup"] >= 3.0,
        "first_ingest_peak_memory_not_higher": ratios["first_ingest_peak_rss_ratio"] <= 1.0,
        "unchanged_reingest_at_most_2pct": ratios["unchanged_reingest_fraction_of_first"] <= 0.02,
    }
    return {
        "sides": sides,
        "ratios": {k: round(v, 4) for k, v in ratios.items()},
        "targets_met": targets,
    }


def cache_bytecode(prefix: Path) -> str:
    """Whole processes are compared as a user runs them: with the compiled bytecode an
    installed package has after its first run. A development shell that sets
    PYTHONDONTWRITEBYTECODE makes every child compile every module it imports again (seconds
    per process, more for LangChain's larger import tree), so the children write theirs to a
    temporary prefix instead, and one untimed warm-up per side fills it."""
    if not os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        return "as the environment has it"
    os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)
    return "cached in a temporary PYTHONPYCACHEPREFIX (PYTHONDONTWRITEBYTECODE was set)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder of documents (or the datasets root)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "ingest.json")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile-dir", type=Path, help="also write cProfile stats (1 repeat)")
    parser.add_argument("--worker", choices=("pmassist", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phase", default="first", help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile_dir:  # workers run in their workspace, so the path must not be relative
        args.profile_dir = args.profile_dir.resolve()

    if args.worker:
        worker(args.worker, args.phase, args.corpus, args.workspace, args.profile)
        return
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="pmassist-bench-ingest-") as tmp:
        bytecode = cache_bytecode(Path(tmp) / "pycache")
        stats_dir = Path(tmp) / "stats"
        copy_corpus(args.corpus, stats_dir)
        stats = corpus_stats(stats_dir)
        print(f"corpus: {stats}", file=sys.stderr)
        print("warm-up (untimed): each side once, so its bytecode is cached", file=sys.stderr)
        one_repeat(args.corpus, Path(tmp) / "warm-up", None)
        repeats = []
        for i in range(args.repeats):
            print(f"repeat {i + 1}/{args.repeats}", file=sys.stderr)
            repeats.append(one_repeat(args.corpus, Path(tmp) / f"r{i}", None))
        if args.profile_dir:
            print("profiling run", file=sys.stderr)
            one_repeat(args.corpus, Path(tmp) / "profile", args.profile_dir)
    if not repeats:  # --repeats 0 --profile-dir DIR: only the profiles
        return
    report = {
        "benchmark": "ingest",
        "command": "python bench/ingest.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": os.getloadavg(),
        },
        "corpus": {**stats, "source": str(args.corpus)},
        "bytecode": bytecode,
        "repeats": args.repeats,
        "load_average_per_repeat": [round(r["load_average_at_start"], 2) for r in repeats],
        "changed_files": repeats[-1]["changed_files"],
        **summarise(repeats, stats),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report["ratios"], indent=2), file=sys.stderr)


if __name__ == "__main__":
    main()
