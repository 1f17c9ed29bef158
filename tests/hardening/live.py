"""Real processes for the readers-while-writing tests: `pmassist serve` (or uvicorn API workers)
on loopback, threads asking /api/v1/ask in a loop and recording every answer, and a corpus
whose edits, deletions and additions an ingest in another process picks up."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.hardening.conftest import free_port
from tests.hardening.helpers import PMASSIST

# Files the soak changes: one edited, one deleted, one added, each with a fact of its own.
EDITED = "alpha/minutes/2024-05-07-weekly.md"
DELETED = "beta/postmortem/2023-12-01-outage.md"
ADDED = "gamma/minutes/2024-06-03-kickoff.md"
OLD_FACT = "cutover rehearsal is scheduled for Saturday 11 May"
NEW_FACT = "cutover rehearsal moved to Sunday 19 May"
DELETED_FACT = "the quokka gateway leaked file handles"
ADDED_FACT = "the pelican scheduler owner is Wang Fang"
QUESTIONS = (
    "When is the cutover rehearsal scheduled?",
    "Which gateway leaked file handles?",
    "Who owns the pelican scheduler?",
    "消息队列选用什么？",
    "What does the weekly report say about the budget?",
)


def _filler(topic: str, n: int) -> str:
    """Plain paragraphs, different per file, so the corpus has some bulk to re-ingest."""
    lines = [f"# {topic} notes {n}", ""]
    for i in range(12):
        lines.append(
            f"Item {i} of {topic} {n}: the team reviewed task {n * 100 + i}, the budget line "
            f"{i * 7 + n} and the test report of module {topic}-{i}; follow-up next week."
        )
        lines.append("")
    return "\n".join(lines)


def write_live_corpus(root: Path, files: int = 40) -> Path:
    """The starting corpus: the edited and deleted files plus `files` filler documents."""
    documents = {
        EDITED: f"# Weekly minutes\n\nDate: 2024-05-07\n\nThe {OLD_FACT}.\n",
        DELETED: f"# Outage post-mortem\n\nRoot cause: {DELETED_FACT} under load.\n",
        "智慧政务/会议纪要/2024-03-05-周例会.md": (
            "# 周例会会议纪要\n\n- 消息队列选用 RocketMQ，负责人：张伟。\n"
        ),
    }
    for n in range(files):
        documents[f"{('alpha', 'beta', 'delta')[n % 3]}/notes/file-{n:03d}.md"] = _filler(
            ("billing", "network", "portal")[n % 3], n
        )
    for relative, text in documents.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def change_live_corpus(root: Path, touch_fillers: int = 10) -> None:
    """Edit one file's fact, delete one file, add one, and rewrite some fillers."""
    edited = f"# Weekly minutes\n\nDate: 2024-05-07\n\nThe {NEW_FACT}.\n"
    (root / EDITED).write_text(edited, "utf-8")
    (root / DELETED).unlink()
    added = root / ADDED
    added.parent.mkdir(parents=True, exist_ok=True)
    added.write_text(f"# Kick-off minutes\n\nDecision: {ADDED_FACT}.\n", "utf-8")
    for n in range(touch_fillers):
        path = root / f"{('alpha', 'beta', 'delta')[n % 3]}/notes/file-{n:03d}.md"
        path.write_text(_filler("rewritten", n), "utf-8")


@dataclass
class Served:
    """A server subprocess on 127.0.0.1 and its log file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def start_server(
    command: Sequence[str], env: dict[str, str], log: Path, port: int, timeout: float = 90
) -> Served:
    """Start `command` (it must serve /api/v1/health on `port`) and wait until it answers."""
    with log.open("wb") as out:
        process = subprocess.Popen(list(command), env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)  # fmt: skip
    served = Served(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{served.log_text()}")
        try:
            if httpx.get(f"{served.url}/api/v1/health", timeout=2).status_code == 200:
                return served
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    served.stop()
    raise RuntimeError(f"server did not answer within {timeout} s:\n{served.log_text()}")


def start_pmassist_serve(workspace: Path, env: dict[str, str], log: Path) -> Served:
    port = free_port()
    command = [*PMASSIST, "serve", "--port", str(port), "--workspace", str(workspace)]
    return start_server(command, env, log, port)


@dataclass(frozen=True)
class Asked:
    started: float  # time.monotonic() when the request was sent
    question: str
    status: int | None  # None: no HTTP answer (connection error, timeout)
    error: str = ""
    sources: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    answer: str = ""


@dataclass
class Askers:
    """`threads` clients asking QUESTIONS in turn against every url until stopped."""

    urls: Sequence[str]
    threads: int = 4
    results: list[Asked] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Askers:
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(n,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self) -> list[Asked]:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)
        return self.results

    def _run(self, n: int) -> None:
        with httpx.Client(timeout=30) as client:
            i = n
            while not self._stop.is_set():
                url = self.urls[i % len(self.urls)]
                question = QUESTIONS[i % len(QUESTIONS)]
                self._record(ask(client, url, question))
                i += 1

    def _record(self, asked: Asked) -> None:
        with self._lock:
            self.results.append(asked)


def ask(client: httpx.Client, url: str, question: str) -> Asked:
    started = time.monotonic()
    try:
        response = client.post(f"{url}/api/v1/ask", json={"question": question, "k": 3})
    except httpx.HTTPError as exc:
        return Asked(started, question, None, f"{type(exc).__name__}: {exc}")
    if response.status_code != 200:
        return Asked(started, question, response.status_code, response.text[:300])
    body = response.json()
    citations = body.get("citations", [])
    return Asked(
        started, question, 200, "",
        tuple(c["source"] for c in citations), tuple(c["text"] for c in citations),
        body.get("answer", ""),
    )  # fmt: skip


def run_ingest(
    corpus: Path, workspace: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PMASSIST, "ingest", str(corpus), "--json", "--workspace", str(workspace)],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip


def wait_until_cited(url: str, question: str, source: str, timeout: float = 15) -> float:
    """Seconds until `question` cites `source` on the server at `url` (AssertionError if never)."""
    started = time.monotonic()
    with httpx.Client(timeout=30) as client:
        while time.monotonic() - started < timeout:
            if source in ask(client, url, question).sources:
                return time.monotonic() - started
            time.sleep(0.2)
    raise AssertionError(f"{question!r} never cited {source} within {timeout} s on {url}")


def failures(results: Sequence[Asked]) -> list[Asked]:
    """Answers that are not 200: 5xx, 4xx and connection errors alike."""
    return [r for r in results if r.status != 200]


def stale_citations(results: Sequence[Asked], after: float) -> list[Asked]:
    """Answers to requests sent after `after` that cite the deleted file or the edited file's
    old fact."""
    return [
        r for r in results
        if r.started >= after
        and (DELETED in r.sources or any(OLD_FACT in t for t in r.texts))
    ]  # fmt: skip
