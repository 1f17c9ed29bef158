"""The Gradio app in a real browser (Debian's Chromium driven by Playwright): ask a question
and see its citation, score a project in the Risk tab and see a level, switch the language.
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.ui.browser import ARTIFACTS, BROWSER_TEST, open_page
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def app_url(
    model_dir: Path, indexed_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workspace = copy_workspace(indexed_workspace, tmp_path_factory.mktemp("browser") / "ws")
    settings = Settings(workspace=workspace, model_dir=model_dir)
    with running_server(build_app(settings)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def page(app_url: str, chromium: object) -> Iterator[object]:
    page = open_page(chromium, app_url + "/")
    page.wait_for_selector("#question textarea")
    yield page
    page.close()


def test_ask_shows_an_answer_with_its_citation(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.fill("#question textarea", "消息队列用什么？")
    page.click("#ask")
    citations = page.locator("#citations")
    expect(citations).to_contain_text("alpha/meeting_notes/2025-03-03-kickoff.md")
    expect(page.locator("#chatbot")).to_contain_text("Kafka")
    page.screenshot(path=str(ARTIFACTS / "ui-ask.png"), full_page=True)


def test_risk_tab_scores_a_project(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.get_by_role("tab", name="风险").click()
    page.fill("#risk-team_size input", "35")
    page.fill("#risk-requirement_volatility input", "0.5")
    page.click("#risk-score")
    result = page.locator("#risk-result")
    expect(result).to_contain_text(re.compile(r"等级 [低中高]"))  # the level in Chinese only
    expect(result).not_to_contain_text(re.compile(r"low|medium|high"))
    expect(result).to_contain_text("延期")
    axis = page.locator("#risk-drivers").get_by_text("特征 = 取值", exact=True)
    expect(axis).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "ui-risk.png"), full_page=True)


def test_upload_is_ingested_and_listed(page: object, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    note = tmp_path / "会议纪要-2025-05-06.md"
    note.write_text("# 会议纪要\n\n决定：上线日期推迟到 6 月 1 日。\n", encoding="utf-8")
    page.get_by_role("tab", name="文档").click()
    page.set_input_files("#doc-upload input[type=file]", str(note))
    page.fill("#upload-project textarea, #upload-project input", "gamma")
    page.click("#ingest")
    expect(page.locator("#ingest-result")).to_contain_text("新增 1")
    expect(page.locator("#doc-table")).to_contain_text("gamma/会议纪要-2025-05-06.md")
    page.screenshot(path=str(ARTIFACTS / "ui-documents.png"), full_page=True)


def test_language_switch_relabels_the_app(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    expect(page.get_by_role("tab", name="问答")).to_be_visible()
    page.locator("#language").get_by_text("English").click()
    expect(page.get_by_role("tab", name="Ask")).to_be_visible()
    expect(page.get_by_role("tab", name="Risk")).to_be_visible()
    expect(page.locator("#title")).to_contain_text("project manager's assistant")
    page.get_by_role("tab", name="Risk").click()
    expect(page.locator("#risk-score")).to_have_text("Score")  # the form, rebuilt in English
    expect(page.get_by_text("Score one project")).to_be_visible()
    expect(page.locator("#risk-result")).not_to_contain_text("概率")  # no stale Chinese score
    page.fill("#risk-team_size input", "35")
    page.click("#risk-score")
    expect(page.locator("#risk-result")).to_contain_text("probability")
    expect(page.locator("#risk-result")).to_contain_text("Delay")
    expect(page.locator("#risk-drivers")).to_contain_text("team size = 35")  # its label
    expect(page.locator("#risk-drivers .mark-rect path").first).to_be_visible()  # the bars
    page.screenshot(path=str(ARTIFACTS / "ui-english.png"), full_page=True)
    page.locator("#language").get_by_text("中文").click()
    expect(page.get_by_role("tab", name="问答")).to_be_visible()
