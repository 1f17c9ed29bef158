"""`pmassist ingest` as users and scripts call it: JSON shape, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from ingest.lock import WorkspaceLock

KEYS = {"added", "updated", "unchanged", "deleted", "chunks", "failed", "seconds"}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env or .pmassist from the checkout
    return CliRunner()


def ingest(runner: CliRunner, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["ingest", *args])
    document = json.loads(result.stdout) if "--json" in args and result.stdout else {}
    return result.exit_code, document, result.stderr


def test_json_report_and_incremental_rerun(runner: CliRunner, corpus: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    code, report, _ = ingest(runner, str(corpus), "--json", "--workspace", ws)
    assert code == 0 and set(report) == KEYS
    assert report["added"] == 5 and report["chunks"] > 0 and report["failed"] == []
    code, report, _ = ingest(runner, str(corpus), "--json", "--workspace", ws)
    assert code == 0 and (report["unchanged"], report["added"], report["chunks"]) == (5, 0, 0)


def test_partial_failure_exits_0_and_lists_the_file(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ok.md").write_text("可以读取", encoding="utf-8")
    (tmp_path / "d" / "bad.pdf").write_bytes(b"nope")
    code, report, _ = ingest(runner, str(tmp_path / "d"), "--json", "--workspace", "ws")
    assert code == 0 and report["added"] == 1
    assert report["failed"] == [
        {"source": "bad.pdf", "error": "not a PDF file (no %PDF header); check the file extension"}
    ]


def test_exit_2_when_nothing_could_be_read(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "bad.pdf").write_bytes(b"nope")
    code, report, _ = ingest(runner, str(tmp_path / "d"), "--json", "--workspace", "ws")
    assert code == 2 and len(report["failed"]) == 1
    code, report, _ = ingest(runner, str(tmp_path / "missing"), "--json", "--workspace", "ws")
    assert code == 2 and report["failed"][0]["error"] == "no such file or folder"


def test_project_option_and_human_summary(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# 周报\n本周进展顺利。", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(tmp_path / "a.md"), "--project", "门户",
                                 "--workspace", "ws"])  # fmt: skip
    assert result.exit_code == 0 and result.stdout == ""
    assert "added 1" in result.stderr
    from ingest.manifest import Manifest

    docs = Manifest(tmp_path / "ws" / "manifest.sqlite3").list_documents()
    assert [(d.source, d.project) for d in docs] == [("a.md", "门户")]


def test_busy_workspace_is_a_user_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("text", encoding="utf-8")
    with WorkspaceLock(tmp_path / "ws"):
        code, _, err = ingest(runner, str(tmp_path / "a.md"), "--workspace", "ws")
    assert code == 2 and "is busy" in err and "Traceback" not in err


def test_embedder_change_is_refused(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_text("text", encoding="utf-8")
    assert ingest(runner, str(tmp_path / "a.md"), "--workspace", "ws")[0] == 0
    monkeypatch.setenv("PMASSIST_EMBEDDING__DIM", "256")
    code, _, err = ingest(runner, str(tmp_path / "a.md"), "--workspace", "ws")
    assert code == 2 and "hashing-v1-512" in err and "hashing-v1-256" in err
    assert "another --workspace" in " ".join(err.split())


def test_unreachable_chroma_server_exits_2(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_text("text", encoding="utf-8")
    monkeypatch.setenv("PMASSIST_CHROMA_URL", "http://127.0.0.1:9")
    code, _, err = ingest(runner, str(tmp_path / "a.md"), "--workspace", "ws")
    assert code == 2 and "127.0.0.1:9" in err and "Traceback" not in err
