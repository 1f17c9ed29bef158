"""`pmassist ask` end to end: real files, real ingest into Chroma on disk, real BM25 files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.retrieval import BM25Index
from tests.openai_server import OpenAIServer

DOCS = {
    "apollo/minutes/2024-05-06-周例会.md": (
        "# 周例会纪要\n\n日期：2024-05-06\n\n"
        "会议决定：消息队列选用 RocketMQ，由王磊负责在 5 月 20 日前完成压测。\n\n"
        "财务报表模块延期一周，原因是接口文档未确认。\n"
    ),
    "apollo/minutes/2024-05-13-weekly.md": (
        "# Weekly meeting\n\nDate: 2024-05-13\n\n"
        "The cutover is scheduled for the weekend of 8 June. Alice owns the rollback plan.\n\n"
        "The message queue load test passed at 3,000 messages per second.\n"
    ),
    "zeus/postmortem/2023-12-01-复盘.md": (
        "# 割接复盘\n\n日期：2023-12-01\n\n"
        "割接当晚数据库主从切换失败，回滚耗时三小时。根因是切换脚本没有演练。\n"
    ),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    for name, text in DOCS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    ws = tmp_path_factory.mktemp("ws")
    result = CliRunner().invoke(app, ["ingest", str(root), "--workspace", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    return ws


def ask(workspace: Path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["ask", *args, "--workspace", str(workspace), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_json_answers_offline_with_citations(workspace: Path) -> None:
    document = ask(workspace, "谁负责消息队列压测？")
    assert document["mode"] == "extractive"
    assert "王磊负责在 5 月 20 日前完成压测" in document["answer"]
    top = document["citations"][0]
    assert top["source"] == "apollo/minutes/2024-05-06-周例会.md"
    assert top["project"] == "apollo" and top["page"] is None
    assert (workspace / "bm25" / "current.json").exists()


def test_ask_filters_by_project_type_and_dates(workspace: Path) -> None:
    document = ask(workspace, "割接 回滚", "--project", "zeus", "--type", "postmortem")
    assert {c["source"] for c in document["citations"]} == {"zeus/postmortem/2023-12-01-复盘.md"}
    dated = ask(
        workspace, "cutover rollback 割接", "--since", "2024-05-10", "--until", "2024-05-31"
    )
    assert {c["source"] for c in dated["citations"]} == {"apollo/minutes/2024-05-13-weekly.md"}


def test_ask_human_output_lists_numbered_sources(workspace: Path) -> None:
    result = CliRunner().invoke(
        app, ["ask", "Who owns the rollback plan?", "--workspace", str(workspace)]
    )
    assert result.exit_code == 0, result.output
    assert "Alice owns the rollback plan." in result.output
    assert "[1] apollo/minutes/2024-05-13-weekly.md" in result.output


def test_ask_without_an_index_exits_2_with_the_fix(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ask", "anything", "--workspace", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "No index in" in result.output and "pmassist ingest data/samples" in result.output


def test_ask_rejects_a_bad_date(workspace: Path) -> None:
    result = CliRunner().invoke(
        app, ["ask", "q", "--since", "last week", "--workspace", str(workspace)]
    )
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_bm25_follows_the_manifest_generation(workspace: Path, tmp_path: Path) -> None:
    before = BM25Index.load(workspace / "bm25")
    assert before is not None
    ask(workspace, "压测")
    assert BM25Index.load(workspace / "bm25").generation == before.generation  # type: ignore[union-attr]
    extra = tmp_path / "hermes" / "reqs" / "需求.md"
    extra.parent.mkdir(parents=True)
    extra.write_text("# 需求\n\n系统必须支持终验前的灰度发布。\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    document = ask(workspace, "终验前的灰度发布")
    assert document["citations"][0]["source"] == "hermes/reqs/需求.md"
    after = BM25Index.load(workspace / "bm25")
    assert after is not None and after.generation > before.generation


def test_ask_with_an_llm_over_http(
    workspace: Path, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMASSIST_LLM__PROVIDER", "openai")
    monkeypatch.setenv("PMASSIST_LLM__BASE_URL", openai_server.base_url)
    monkeypatch.setenv("PMASSIST_LLM__MAX_RETRIES", "0")
    openai_server.enqueue("Alice owns it [1].")
    document = ask(workspace, "Who owns the rollback plan?")
    assert document["mode"] == "llm" and document["answer"] == "Alice owns it [1]."
    assert document["citations"][0]["source"] == "apollo/minutes/2024-05-13-weekly.md"


def test_vectors_kept_beside_bm25_rank_like_chroma(workspace: Path) -> None:
    from assistant.factory import open_index
    from assistant.retrieval import open_retriever
    from assistant.settings import Settings
    from ingest.model import SearchFilter

    settings = Settings(workspace=workspace)
    retriever = open_retriever(settings)
    assert retriever.vector_snapshot and retriever.bm25.vectors is not None
    index = open_index(settings)
    for query, where in [("消息队列压测", None), ("rollback plan", SearchFilter(project="apollo"))]:
        vector = index.embedder.embed_batch([query])[0]
        from_chroma = [h.chunk.id for h in index.store.search(vector, 3, where)]
        assert [c.id for c in retriever.bm25.vector_search(vector, 3, where)] == from_chroma


@pytest.mark.slow  # a fresh interpreter loading jieba and bm25s
def test_a_warm_ask_does_not_open_chroma(workspace: Path) -> None:
    import subprocess
    import sys

    ask(workspace, "压测")  # warm: the snapshot exists for this generation
    script = (
        "import sys\n"
        "from assistant.answer import answer\n"
        "from assistant.retrieval import open_retriever\n"
        "from assistant.settings import Settings\n"
        f"r = open_retriever(Settings(workspace={str(workspace)!r}))\n"
        "print(answer('谁负责消息队列压测？', retriever=r).citations[0].source)\n"
        "print('chromadb' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["apollo/minutes/2024-05-06-周例会.md", "False"]
