"""What the doors run through the workspace service, on a real workspace: upload and ingest
with progress, list and remove (with the right chunk count), drafts to Markdown and DOCX,
batch reports, CSV and portfolio scoring."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assistant.answer import Turn
from assistant.errors import AssistantError
from assistant.settings import LLMSettings, Settings
from assistant.workspace import CallbackProgress, Workspace, draft_paths
from ml.errors import RiskInputError
from tests.openai_server import OpenAIServer
from tests.ui.conftest import copy_workspace
from tests.ui.test_sanitize import dangers
from ui.risk_holder import RiskModelHolder
from ui.web.risk_view import score_csv
from ui.web.services import DocumentServices
from ui.web.tabs.chat import citations_markdown


@pytest.fixture
def services(indexed_workspace: Path, tmp_path: Path) -> Workspace:
    workspace = copy_workspace(indexed_workspace, tmp_path / "ws")
    return Workspace(Settings(workspace=workspace))


def test_upload_is_ingested_with_progress_and_can_be_removed(
    services: Workspace, tmp_path: Path
) -> None:
    upload = tmp_path / "upload" / "tmp-name-1234"
    upload.parent.mkdir()
    # Long enough for several chunks, so the removal's chunk count is checked for real.
    text = "# 周报\n\n" + "".join(f"## 第{i}项\n\n本周完成接口联调{i}，风险：供应商延期交付。" * 12
                                 + "\n\n" for i in range(8))
    upload.write_text(text, encoding="utf-8")
    seen: list[tuple[int, int, str]] = []

    report = services.ingest_uploads(
        [upload], project="gamma", names=["周报-2025-03-10.md"],
        progress=CallbackProgress(lambda d, t, s: seen.append((d, t, s))),
    )  # fmt: skip

    assert report.added == 1 and report.chunks > 1 and not report.failed
    assert seen[-1] == (1, 1, "gamma/周报-2025-03-10.md")
    assert "gamma" in services.projects()
    listed = services.documents("gamma")
    assert [d.source for d in listed] == ["gamma/周报-2025-03-10.md"]
    answer = services.ask("供应商延期", project="gamma", k=3)
    assert answer.citations[0].source == "gamma/周报-2025-03-10.md"

    before = services.chunk_count()
    removal = services.remove("gamma/周报-2025-03-10.md", project="gamma")
    assert (removal.documents, removal.chunks) == (1, listed[0].chunks)
    assert services.documents("gamma") == []
    assert services.chunk_count() == before - listed[0].chunks
    again = services.ingest_uploads([], project="gamma")  # the removed copy stays removed
    assert again.added == 0


def test_removing_within_another_project_removes_nothing(services: Workspace) -> None:
    source = "alpha/requirements/srs.md"
    assert services.remove(source, project="beta").documents == 0
    assert [d.source for d in services.documents("alpha")].count(source) == 1


def test_the_old_dict_view_still_serves_the_chat_tab(services: Workspace) -> None:
    view = DocumentServices(services)
    final = list(view.stream_ask("Kafka 消息队列", project="alpha", doc_type=None, k=2))[-1]
    assert isinstance(final, dict) and final["citations"]
    assert view.projects() == ["alpha", "beta"]


def test_project_names_cannot_escape_the_upload_folder(services: Workspace) -> None:
    with pytest.raises(AssistantError, match="folder name"):
        services.ingest_uploads([], project="../outside")


def test_streamed_answer_ends_with_citations(services: Workspace) -> None:
    parts = list(services.stream_ask("Kafka 消息队列", project="alpha", k=2))
    assert any(isinstance(p, str) for p in parts)
    final = parts[-1]
    assert not isinstance(final, str) and final.citations
    shown = citations_markdown([c.model_dump() for c in final.citations], "zh")
    assert "alpha/meeting_notes/2025-03-03-kickoff.md" in shown


def test_citations_quote_hostile_document_text_harmlessly() -> None:
    cite = {
        "source": "x.md",
        "page": 3,
        "project": "p",
        "doc_type": "other",
        "text": "<img src=x onerror=alert(1)> [a](javascript:alert(1)) ![t](http://e.x/p.png)",
    }
    shown = citations_markdown([cite], "en")
    assert "page 3" in shown
    # Shown as typed (the raw Markdown is visible text), but as HTML nothing is live.
    assert "<img" not in shown and dangers(shown) == [] and "<a " not in shown


def test_draft_writes_markdown_and_docx(services: Workspace, tmp_path: Path) -> None:
    outputs = draft_paths(tmp_path / "out", "alpha", "weekly-report", ["md", "docx"])
    result = services.draft("weekly-report", "alpha", lang="zh", outputs=outputs)
    assert "Kafka" in result.markdown
    assert sorted(p.suffix for p in result.files) == [".docx", ".md"]
    assert all(p.stat().st_size > 0 for p in result.files)
    assert result.to_json()["output"] == str(result.files[0])


def test_an_unknown_draft_kind_names_the_known_ones(services: Workspace) -> None:
    with pytest.raises(AssistantError, match="weekly-report"):
        services.draft("monthly", "alpha")


def test_batch_report_for_all_projects(services: Workspace, tmp_path: Path) -> None:
    result = services.report("risk-list", [], formats=["md"], lang="en", until="2026-03-15",
                             out_dir=tmp_path / "r")  # fmt: skip
    assert sorted(p.name for p in result.written) == [
        "Risk-register_alpha_2026-03-15.md", "Risk-register_beta_2026-03-15.md"
    ]
    assert result.failed == []


def test_csv_scoring_names_the_bad_row(model_dir: Path, tmp_path: Path) -> None:
    loaded = RiskModelHolder(model_dir).current()
    good = tmp_path / "good.csv"
    pd.DataFrame({"key": ["A", "B"], "team_size": [5, 30], "project_type": ["web", None]}).to_csv(
        good, index=False
    )
    table = score_csv(loaded, good)
    assert list(table["id"]) == ["A", "B"]
    assert set(table["delay_level"]) <= {"low", "medium", "high"}

    bad = tmp_path / "bad.csv"
    pd.DataFrame({"team_size": [5, "lots"]}).to_csv(bad, index=False)
    with pytest.raises(RiskInputError) as error:
        score_csv(loaded, bad)
    assert error.value.row == 2 and error.value.column == "team_size"


def test_llm_answers_stream_in_pieces_and_cite(
    indexed_workspace: Path, tmp_path: Path, openai_server: OpenAIServer
) -> None:
    workspace = copy_workspace(indexed_workspace, tmp_path / "ws")
    llm = LLMSettings(
        provider="openai", model="qwen-plus", base_url=openai_server.base_url, api_key="test"
    )
    services = Workspace(Settings(workspace=workspace, llm=llm))
    openai_server.enqueue("The team chose Kafka as the message queue [1].", chunk_size=5)

    parts = list(services.stream_ask("Which message queue?", k=3))

    deltas = [p for p in parts if isinstance(p, str)]
    assert len(deltas) > 3  # streamed, not one block
    final = parts[-1]
    assert not isinstance(final, str) and final.mode == "llm"
    assert "Kafka" in final.answer
    assert final.citations[0].source == "alpha/meeting_notes/2025-03-03-kickoff.md"
    prompt = openai_server.requests[-1].body["messages"]
    assert any("Kafka" in message["content"] for message in prompt)


def test_score_and_health_use_the_workspace_model(model_dir: Path, tmp_path: Path) -> None:
    from ml.errors import ModelFileError

    without = Workspace(Settings(workspace=tmp_path / "empty"))
    assert without.health().model is None and without.health().chunks == 0
    with pytest.raises(ModelFileError, match="pmassist risk train"):
        without.score([{"team_size": 5}])

    ws = Workspace(Settings(workspace=tmp_path / "ws", model_dir=model_dir))
    results = ws.score([{"team_size": 4}, {"team_size": 38, "project_type": "erp"}])
    assert [set(r.to_json()) >= {"delay", "drivers"} for r in results] == [True, True]
    assert results[0].targets["delay"].probability < results[1].targets["delay"].probability
    assert ws.health().model == str(model_dir)


def test_earlier_turns_are_accepted_as_a_keyword(services: Workspace) -> None:
    history = [Turn("消息队列用什么？", "Kafka [1]")]
    answer = services.ask("负责人是谁？", project="alpha", k=2, history=history)
    assert answer.question == "负责人是谁？" and answer.citations
