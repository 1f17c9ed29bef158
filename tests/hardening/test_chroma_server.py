"""Server mode (PMASSIST_CHROMA_URL) end to end with the real CLI, and a Chroma server that goes
away mid-session and comes back (issue #8, points 1 and 3)."""

from __future__ import annotations

import json
from pathlib import Path

import chromadb
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.cli import app
from assistant.factory import ingest_config, open_index
from ingest.errors import IngestError, StoreUnavailableError
from ingest.pipeline import IngestReport, ingest_paths
from tests.hardening.conftest import ChromaServer, clean_env, offline_settings
from tests.hardening.helpers import consistency, pmassist, write_corpus
from ui.server import build_app
from ui.web.services import DocumentServices

QUESTION = "消息队列选用什么？"


@pytest.mark.slow  # two `pmassist` subprocesses: seconds of imports each
def test_ingest_and_ask_against_a_chroma_server(
    chroma_server: ChromaServer, tmp_path: Path
) -> None:
    corpus, ws = write_corpus(tmp_path / "corpus"), tmp_path / "ws"
    env = clean_env(PMASSIST_CHROMA_URL=chroma_server.url)
    ingested = pmassist("ingest", str(corpus), "--json", "--workspace", str(ws), env=env)
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    assert report["added"] == 3 and report["failed"] == [] and report["chunks"] > 0
    # The vectors live on the server; the workspace only keeps the manifest.
    assert not (ws / "chroma").exists()
    on_server = chromadb.HttpClient(host="127.0.0.1", port=chroma_server.port)
    assert on_server.get_collection("pmassist").count() == report["chunks"]
    # Queries go to the server's HNSW graph: built with Chroma's default effort.
    hnsw = on_server.get_collection("pmassist").configuration_json["hnsw"]
    assert hnsw["ef_construction"] == 100

    asked = pmassist("ask", QUESTION, "--json", "--workspace", str(ws), env=env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert "RocketMQ" in answer["answer"]
    assert answer["citations"][0]["source"] == "智慧政务/会议纪要/2024-03-05-周例会.md"

    # In-process from here on: a subprocess costs seconds of imports on a loaded machine.
    again = CliRunner().invoke(app, ["ingest", str(corpus), "--json", "--workspace", str(ws)],
                               env={"PMASSIST_CHROMA_URL": chroma_server.url})  # fmt: skip
    assert json.loads(again.stdout)["unchanged"] == 3  # incremental against the server too
    index = open_index(offline_settings(ws, chroma_url=chroma_server.url))
    try:
        assert consistency(index.store, index.manifest).ok
    finally:
        index.close()


def ingest_into(ws: Path, server: ChromaServer, corpus: Path) -> IngestReport:
    """What `pmassist ingest` does, in this process."""
    settings = offline_settings(ws, chroma_url=server.url)
    index = open_index(settings, create=True, lazy=True)
    try:
        return ingest_paths([corpus], store=index.store, embedder=index.embedder,
                            manifest=index.manifest, config=ingest_config(settings))  # fmt: skip
    finally:
        index.close()


@pytest.fixture
def served_workspace(own_chroma_server: ChromaServer, tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    assert ingest_into(ws, own_chroma_server, write_corpus(tmp_path / "corpus")).chunks > 0
    return ws


@pytest.mark.timeout(120)
@pytest.mark.slow  # fault injection: stops and restarts a chroma server
def test_a_session_survives_the_server_going_away_and_coming_back(
    own_chroma_server: ChromaServer, served_workspace: Path
) -> None:
    settings = offline_settings(served_workspace, chroma_url=own_chroma_server.url)
    docs = DocumentServices(settings)  # one long-lived session, as the server holds it
    before = docs.ask(QUESTION, project=None, doc_type=None, k=3)
    assert "RocketMQ" in before["answer"]

    own_chroma_server.stop()
    with pytest.raises(StoreUnavailableError, match=own_chroma_server.url):
        docs.ask(QUESTION, project=None, doc_type=None, k=3)

    own_chroma_server.start()  # same port, same data folder
    after = docs.ask(QUESTION, project=None, doc_type=None, k=3)
    assert after == before
    index = docs.index()
    assert consistency(index.store, index.manifest).ok


@pytest.mark.timeout(120)
@pytest.mark.slow  # fault injection: stops and restarts a chroma server
def test_an_ingest_cut_off_by_the_server_is_repaired_when_it_returns(
    own_chroma_server: ChromaServer, served_workspace: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "billing" / "new-minutes.md").write_text(
        "# Weekly minutes\n\nDecision: freeze the scope until go-live.\n", encoding="utf-8"
    )
    (corpus / "智慧政务" / "需求" / "srs.md").write_text("# 需求\n\n改为 200 毫秒。\n", "utf-8")
    own_chroma_server.stop()
    with pytest.raises(StoreUnavailableError, match=own_chroma_server.url):
        ingest_into(served_workspace, own_chroma_server, corpus)
    own_chroma_server.start()
    rerun = ingest_into(served_workspace, own_chroma_server, corpus)
    assert rerun.failed == [] and rerun.added + rerun.updated == 2
    index = open_index(offline_settings(served_workspace, chroma_url=own_chroma_server.url))
    try:
        assert consistency(index.store, index.manifest).ok
        sources = {c.source for c in index.store.iter_chunks()}
        assert "billing/new-minutes.md" in sources and len(sources) == 4
    finally:
        index.close()


@pytest.mark.timeout(120)
@pytest.mark.slow  # fault injection: stops and restarts a chroma server
def test_cli_says_clearly_that_the_server_is_down(
    own_chroma_server: ChromaServer, served_workspace: Path
) -> None:
    own_chroma_server.stop()
    asked = CliRunner().invoke(app, ["ask", QUESTION, "--workspace", str(served_workspace)],
                               env={"PMASSIST_CHROMA_URL": own_chroma_server.url})  # fmt: skip
    assert asked.exit_code == 2, asked.exception
    assert own_chroma_server.url.split("//")[1] in asked.stderr


@pytest.mark.timeout(120)
@pytest.mark.slow  # fault injection: stops and restarts a chroma server
def test_services_and_api_report_the_server_down_as_a_user_error(
    own_chroma_server: ChromaServer, served_workspace: Path
) -> None:
    settings = offline_settings(served_workspace, chroma_url=own_chroma_server.url)
    own_chroma_server.stop()
    with pytest.raises(IngestError, match=own_chroma_server.url.split("//")[1]):
        DocumentServices(settings).ask(QUESTION, project=None, doc_type=None, k=3)
    client = TestClient(build_app(settings, with_ui=False), raise_server_exceptions=False)
    response = client.post("/api/v1/ask", json={"question": QUESTION, "k": 3})
    assert 400 <= response.status_code < 600
    assert own_chroma_server.url.split("//")[1] in response.json()["detail"]
