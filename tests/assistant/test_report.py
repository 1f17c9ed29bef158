"""Batch reports and the `draft` / `report` commands, on a real workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from typer.testing import CliRunner

from assistant.cli import app
from assistant.drafts.build import DraftDeps, roots_by_project
from assistant.errors import AssistantError
from assistant.factory import open_index
from assistant.reports import batch_report, parse_formats
from assistant.settings import Settings
from tests.assistant.test_drafts import ingest_corpus


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return ingest_corpus(tmp_path_factory.mktemp("reports"))


@pytest.fixture
def deps(workspace: Settings) -> Any:
    index = open_index(workspace)
    yield DraftDeps(store=index.store, roots=roots_by_project(index.manifest.records().values()))
    index.close()


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_batch_writes_each_project_and_collects_failures(deps: DraftDeps, tmp_path: Path) -> None:
    result = batch_report(
        "weekly-report",
        ["alpha", "nope", "beta"],
        deps,
        tmp_path,
        formats=["md", "docx"],
        since="2026-03-01",
        until="2026-03-15",
    )
    assert sorted(p.name for p in result.written) == [
        "Weekly-report_beta_2026-03-15.docx", "Weekly-report_beta_2026-03-15.md",  # beta: en
        "周报_alpha_2026-03-15.docx", "周报_alpha_2026-03-15.md",
    ]  # fmt: skip
    assert [f.project for f in result.failed] == ["nope"]
    assert "alpha, beta" in result.failed[0].error and not result.all_failed
    assert "RocketMQ" in (tmp_path / "周报_alpha_2026-03-15.md").read_text(encoding="utf-8")
    beta = Document(str(tmp_path / "Weekly-report_beta_2026-03-15.docx"))
    assert any(p.text.startswith("Beta CRM migration") for p in beta.paragraphs)


def test_a_second_batch_keeps_the_first_one(deps: DraftDeps, tmp_path: Path) -> None:
    first = batch_report("risk-list", ["alpha"], deps, tmp_path, until="2026-03-15")
    (tmp_path / "风险登记册_alpha_2026-03-15.md").write_text("edited", encoding="utf-8")
    again = batch_report("risk-list", ["alpha"], deps, tmp_path, until="2026-03-15")
    assert [p.name for p in first.written] == ["风险登记册_alpha_2026-03-15.md"]
    assert [p.name for p in again.written] == ["风险登记册_alpha_2026-03-15_2.md"]
    assert first.written[0].read_text(encoding="utf-8") == "edited"


def test_an_unwritable_file_fails_only_its_project(
    deps: DraftDeps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.reports

    real = assistant.reports.write_dated

    def full_disk_for_alpha(draft: Any, *args: Any, **kwargs: Any) -> Path:
        if draft.project == "alpha":
            raise OSError(28, "No space left on device")
        return real(draft, *args, **kwargs)

    monkeypatch.setattr(assistant.reports, "write_dated", full_disk_for_alpha)
    result = batch_report("risk-list", ["alpha", "beta"], deps, tmp_path, until="2026-03-15")
    assert [f.project for f in result.failed] == ["alpha"]
    assert "No space left" in result.failed[0].error
    assert [p.name for p in result.written] == ["Risk-register_beta_2026-03-15.md"]


def test_every_project_failing_is_reported(deps: DraftDeps, tmp_path: Path) -> None:
    result = batch_report("requirements", ["x", "y"], deps, tmp_path)
    assert result.all_failed and result.to_json()["written"] == []
    assert [f["project"] for f in result.to_json()["failed"]] == ["x", "y"]  # type: ignore[index]


def test_formats_are_checked() -> None:
    assert parse_formats("md, DOCX,md") == ["md", "docx"]
    with pytest.raises(AssistantError, match="pdf"):
        parse_formats("md,pdf")


def test_report_cli_all_projects_json(workspace: Settings, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run(
        "report",
        "--kind",
        "risk-list",
        "--all-projects",
        "--out",
        str(out),
        "--format",
        "md,docx",
        "--until",
        "2026-03-15",
        "--lang",
        "en",
        "--json",
        "--workspace",
        str(workspace.workspace),
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"] == []
    assert sorted(Path(p).name for p in summary["written"]) == [
        "Risk-register_alpha_2026-03-15.docx", "Risk-register_alpha_2026-03-15.md",
        "Risk-register_beta_2026-03-15.docx", "Risk-register_beta_2026-03-15.md",
    ]  # fmt: skip
    assert all(Path(p).is_file() for p in summary["written"])


def test_report_cli_exits_2_only_when_every_project_fails(
    workspace: Settings, tmp_path: Path
) -> None:
    ws = str(workspace.workspace)
    partial = run("report", "--kind", "weekly-report", "--project", "alpha", "--project",
                  "nope", "--out", str(tmp_path), "--json", "--workspace", ws)  # fmt: skip
    assert partial.exit_code == 0
    assert json.loads(partial.stdout)["failed"][0]["project"] == "nope"
    failed = run("report", "--kind", "weekly-report", "--project", "nope", "--out",
                 str(tmp_path), "--json", "--workspace", ws)  # fmt: skip
    assert failed.exit_code == 2
    assert json.loads(failed.stdout) == {
        "written": [],
        "failed": [{"project": "nope", "error": json.loads(failed.stdout)["failed"][0]["error"]}],
    }
    neither = run("report", "--kind", "weekly-report", "--out", str(tmp_path), "--workspace", ws)
    assert neither.exit_code == 2 and "--all-projects" in neither.stderr


def test_draft_cli_prints_markdown_and_json(workspace: Settings) -> None:
    ws = str(workspace.workspace)
    printed = run("draft", "requirements", "--project", "alpha", "--workspace", ws)
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.startswith("# 阿尔法政务平台项目 需求规格说明书")
    as_json = run("draft", "weekly-report", "--project", "beta", "--since", "2026-03-01",
                  "--until", "2026-03-31", "--json", "--workspace", ws)  # fmt: skip
    document = json.loads(as_json.stdout)
    assert (document["kind"], document["project"], document["lang"], document["mode"]) == (
        "weekly-report", "beta", "en", "extractive"
    )  # fmt: skip
    assert document["output"] is None and document["markdown"].startswith("# Beta")
    sections = {item["section"] for item in document["items"]}
    assert {"progress", "decisions", "actions", "risks", "issues"} <= sections
    item = document["items"][0]
    assert set(item) >= {"section", "text", "owner", "due", "citations"}
    assert set(item["citations"][0]) == {"source", "page", "text"}


def test_draft_cli_writes_docx(workspace: Settings, tmp_path: Path) -> None:
    target = tmp_path / "risks.docx"
    result = run("draft", "risk-list", "--project", "alpha", "--lang", "en", "--out",
                 str(target), "--json", "--workspace", str(workspace.workspace))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == str(target)
    assert Document(str(target)).tables[0].rows[0].cells[0].text == "ID"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "gamma"], "Known projects: alpha, beta"),
        (["--project", "alpha", "--since", "2026-13-01"], "YYYY-MM-DD"),
        (["--project", "alpha", "--since", "2026-03-10", "--until", "2026-03-01"], "swap"),
        (["--project", "alpha", "--out", "x.pdf"], ".md or .docx"),
    ],
)
def test_draft_cli_user_errors_exit_2(workspace: Settings, args: list[str], message: str) -> None:
    result = run("draft", "weekly-report", *args, "--workspace", str(workspace.workspace))
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_rest_reports_link_their_dated_files_and_the_portfolio(workspace: Settings) -> None:
    from fastapi.testclient import TestClient

    from ui.server import build_app

    client = TestClient(build_app(workspace, with_ui=False))
    reply = client.post("/api/v1/reports", json={
        "kind": "weekly-report", "projects": ["alpha"], "until": "2026-03-15", "formats": ["docx"],
    })  # fmt: skip
    assert reply.status_code == 200, reply.text
    (url,) = reply.json()["written"]
    assert url.endswith("/%E5%91%A8%E6%8A%A5_alpha_2026-03-15.docx")  # 周报_alpha_...
    download = client.get(url)
    assert download.status_code == 200 and download.content[:2] == b"PK"
    portfolio = client.post("/api/v1/reports", json={"kind": "portfolio", "formats": ["md"]})
    assert portfolio.status_code == 200, portfolio.text
    assert client.get(portfolio.json()["written"][0]).status_code == 200


def test_drafts_into_a_folder_are_dated_and_kept(workspace: Settings, tmp_path: Path) -> None:
    """What the Drafts tab and POST /drafts do: every draft stays, under a name a PM files."""
    from assistant.workspace import Workspace

    with Workspace(workspace) as ws:
        first = ws.draft("weekly-report", "alpha", until="2026-03-15", out_dir=tmp_path,
                         formats=("md", "docx"))  # fmt: skip
        again = ws.draft("weekly-report", "alpha", until="2026-03-15", out_dir=tmp_path,
                         formats=("md",))  # fmt: skip
        with pytest.raises(AssistantError, match=r"\.md or \.docx"):
            ws.draft("weekly-report", "alpha", out_dir=tmp_path, formats=("pdf",))
    names = [p.name for p in first.files]
    assert names == ["周报_alpha_2026-03-15.md", "周报_alpha_2026-03-15.docx"]
    assert [p.name for p in again.files] == ["周报_alpha_2026-03-15_2.md"]
    assert first.to_json()["output"] == str(first.files[0])
    assert len(list(tmp_path.iterdir())) == 3


def test_draft_out_keeps_an_existing_file_and_prints_the_path_written(
    workspace: Settings, tmp_path: Path
) -> None:
    target = tmp_path / "weekly.md"
    target.write_text("my edited report", encoding="utf-8")
    args = ["draft", "weekly-report", "--project", "alpha", "--out", str(target),
            "--workspace", str(workspace.workspace)]  # fmt: skip
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == str(tmp_path / "weekly_2.md")
    assert run(*args).stdout.strip() == str(tmp_path / "weekly_3.md")
    assert target.read_text(encoding="utf-8") == "my edited report"
