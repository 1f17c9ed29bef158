"""Issue #17 point 1, the other shapes of "many readers, one writer": two `pmassist serve`
processes on one workspace, an upload through one of them seen by the other, and API workers
(uvicorn --workers 2) on a Chroma server while `pmassist ingest` writes to the same server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hardening.conftest import ChromaServer, clean_env, free_port
from tests.hardening.live import (
    ADDED,
    DELETED,
    EDITED,
    Askers,
    Served,
    change_live_corpus,
    failures,
    run_ingest,
    stale_citations,
    start_pmassist_serve,
    start_server,
    wait_until_cited,
    write_live_corpus,
)

UPLOAD = """
import sys
from pathlib import Path
from assistant.settings import Settings
from ui.web.services import DocumentServices
docs = DocumentServices(Settings(workspace=Path(sys.argv[1]), _env_file=None))
print(docs.ingest_uploads([Path(sys.argv[2])], project="uploads"))
"""

# Concurrent requests of one process keep the old snapshot while one of them loads the new one
# (about a second here); with several processes each loads it on its own next request.
SETTLE = 3.0


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_serve_processes_pick_up_an_ingest_and_each_others_uploads(tmp_path: Path) -> None:
    corpus, ws, env = write_live_corpus(tmp_path / "corpus", 20), tmp_path / "ws", clean_env()
    assert run_ingest(corpus, ws, env).returncode == 0
    first = start_pmassist_serve(ws, env, tmp_path / "serve-1.log")
    second = start_pmassist_serve(ws, env, tmp_path / "serve-2.log")
    try:
        askers = Askers([first.url, second.url], threads=4).start()
        time.sleep(1)
        change_live_corpus(corpus, touch_fillers=5)
        ingested = run_ingest(corpus, ws, env)
        assert ingested.returncode == 0, ingested.stderr
        for served in (first, second):
            wait_until_cited(served.url, "Who owns the pelican scheduler?", ADDED)
            wait_until_cited(served.url, "When is the cutover rehearsal scheduled?", EDITED)
        after = time.monotonic() + SETTLE

        # An upload through the Gradio door (DocumentServices.ingest_uploads, in a process of
        # its own here) changes the index without publishing a snapshot: the readers build it.
        heron = tmp_path / "heron.md"
        heron.write_text("# Heron\n\nThe heron relay runs on port 7781.\n", "utf-8")
        upload = subprocess.run([sys.executable, "-c", UPLOAD, str(ws), str(heron)], env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert upload.returncode == 0, upload.stderr
        wait_until_cited(second.url, "Which port does the heron relay run on?", "uploads/heron.md")
        time.sleep(SETTLE + 1)
        results = askers.stop()
    finally:
        first.stop()
        second.stop()
    logs = first.log_text() + second.log_text()
    assert not failures(results), (failures(results)[:5], logs[-3000:])
    assert not stale_citations(results, after)
    assert "Error finding id" not in logs


def start_api_workers(ws: Path, chroma: ChromaServer, log: Path) -> Served:
    """The REST API as the docs deploy it behind a proxy: uvicorn with two worker processes."""
    env = clean_env(PMASSIST_WORKSPACE=str(ws), PMASSIST_CHROMA_URL=chroma.url)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "ui.server:create_api_app",
               "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    return start_server(command, env, log, port)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_api_workers_on_a_chroma_server_while_another_process_ingests(
    chroma_server: ChromaServer, tmp_path: Path
) -> None:
    corpus, ws = write_live_corpus(tmp_path / "corpus", files=20), tmp_path / "ws"
    env = clean_env(PMASSIST_CHROMA_URL=chroma_server.url)
    assert run_ingest(corpus, ws, env).returncode == 0
    api = start_api_workers(ws, chroma_server, tmp_path / "api.log")
    try:
        askers = Askers([api.url], threads=4).start()
        time.sleep(1)
        change_live_corpus(corpus, touch_fillers=5)
        ingested = run_ingest(corpus, ws, env)
        assert ingested.returncode == 0, ingested.stderr
        wait_until_cited(api.url, "Who owns the pelican scheduler?", ADDED)
        after = time.monotonic() + SETTLE
        time.sleep(SETTLE + 2)
        results = askers.stop()
    finally:
        api.stop()
    log = api.log_text()
    assert not failures(results), (failures(results)[:5], log[-3000:])
    assert len(results) >= 20
    assert not stale_citations(results, after)
    late = [r for r in results if r.started >= after]
    assert late and all(DELETED not in r.sources for r in late)
