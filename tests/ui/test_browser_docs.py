"""The API documentation and the Chinese UI in a real browser with the network closed: every
request that leaves 127.0.0.1 is aborted (and recorded), as on a machine without internet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from assistant.settings import Settings
from tests.ui.browser import ARTIFACTS, BROWSER_TEST
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app

pytestmark = BROWSER_TEST
LOOPBACK = {"127.0.0.1", "localhost"}
# What an untranslated Documents or Reports tab shows: field names, English headers and values.
RAW_WORDS = ["project", "source", "doc_type", "chunks", "meeting_notes", "postmortem",
             "weekly-report", "risk-list", "Refresh", "Remove", "Indexed", "Formats",
             "All projects", "—"]  # fmt: skip


@pytest.fixture(scope="module")
def app_url(
    model_dir: Path, indexed_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workspace = copy_workspace(indexed_workspace, tmp_path_factory.mktemp("offline") / "ws")
    settings = Settings(workspace=workspace, model_dir=model_dir)
    with running_server(build_app(settings)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def offline(chromium: Any) -> Iterator[tuple[Any, list[str]]]:
    """A browser context whose requests beyond loopback are aborted; yields it and them."""
    from playwright.sync_api import Route

    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlparse(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
    context.route("**/*", only_loopback)
    yield context, blocked
    context.close()


def test_swagger_ui_renders_the_operations_offline(
    app_url: str, offline: tuple[Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    context, blocked = offline
    page = context.new_page()
    page.goto(app_url + "/api/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    for path in ("/api/v1/documents", "/api/v1/drafts", "/api/v1/ask", "/api/v1/risk/score"):
        expect(page.locator(".opblock-summary-path", has_text=path).first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "api-docs-offline.png"), full_page=False)
    assert [url for url in blocked if "/api/docs" in url or "swagger" in url] == []
    page.close()


def test_redoc_renders_offline(app_url: str, offline: tuple[Any, list[str]]) -> None:
    from playwright.sync_api import expect

    context, blocked = offline
    page = context.new_page()
    page.goto(app_url + "/api/redoc")
    heading = page.get_by_role("heading", name=re.compile("Upload Documents"))
    expect(heading.first).to_be_visible()
    page.close()
    assert blocked == []  # neither page asked for anything beyond this machine


def visible_text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text())


def test_the_chinese_ui_shows_no_raw_names_on_the_documents_and_reports_tabs(
    app_url: str, offline: tuple[Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    context, _ = offline
    page = context.new_page()  # an English browser: the page starts in English
    page.goto(app_url + "/")
    expect(page.get_by_role("tab", name="Documents")).to_be_visible()
    page.locator("#language").get_by_text("中文").click()
    expect(page.locator("#welcome")).to_contain_text("已载入 2 个项目")
    page.get_by_role("tab", name="文档").click()
    table = page.locator("#doc-table")
    expect(table).to_contain_text("会议纪要")  # the type, in words
    expect(table).to_contain_text("片段数")
    expect(page.locator("#doc-filter input")).to_have_value("全部项目")
    # Gradio's own strings follow our switch, not the (English) browser.
    expect(page.locator("#doc-upload")).not_to_contain_text("Drop File Here")
    expect(page.locator("#doc-upload")).to_contain_text("将文件拖放到此处")
    panel = visible_text(page, "#tab_documents")
    page.screenshot(path=str(ARTIFACTS / "ui-documents-zh.png"), full_page=True)
    page.get_by_role("tab", name="报告").click()
    expect(page.locator("#report-kind")).to_contain_text("周报")
    panel += visible_text(page, "#tab_reports")
    # The sources are the user's own file paths (alpha/meeting_notes/...): data, not labels.
    shown = "\n".join(line for line in panel.splitlines() if "/" not in line)
    for word in RAW_WORDS:
        assert word not in shown, word
    page.close()


def test_removing_a_document_asks_first_and_counts_its_chunks(
    app_url: str, offline: tuple[Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    context, _ = offline
    page = context.new_page()
    page.goto(app_url + "/")
    page.get_by_role("tab", name="Documents").click()
    expect(page.locator("#doc-table")).to_contain_text("beta/postmortem/retro.md")  # loaded
    page.locator("#remove-source input").click()
    page.get_by_role("option", name="beta/postmortem/retro.md").click()
    page.click("#remove")
    question = page.locator("#confirm-question")
    expect(question).to_contain_text("beta/postmortem/retro.md")
    expect(question).to_contain_text("chunks")
    expect(page.locator("#doc-table")).to_contain_text("beta/postmortem/retro.md")  # not yet
    page.click("#confirm")
    expect(page.locator("#ingest-result")).to_contain_text("Removed")
    expect(page.locator("#doc-table")).not_to_contain_text("beta/postmortem/retro.md")
    page.close()


def test_the_english_ui_shows_no_chinese_on_the_documents_and_reports_tabs(
    app_url: str, offline: tuple[Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    context, _ = offline
    page = context.new_page()
    page.goto(app_url + "/")
    page.locator("#language").get_by_text("中文").click()
    expect(page.get_by_role("tab", name="文档")).to_be_visible()
    page.locator("#language").get_by_text("English").click()  # and back
    page.get_by_role("tab", name="Documents").click()
    expect(page.locator("#doc-table")).to_contain_text("Meeting notes")
    expect(page.locator("#doc-filter input")).to_have_value("All projects")
    expect(page.locator("#doc-upload")).to_contain_text("Drop File Here")
    panel = visible_text(page, "#tab_documents")
    page.get_by_role("tab", name="Reports").click()
    expect(page.locator("#report-kind")).to_contain_text("Weekly report")
    panel += visible_text(page, "#tab_reports") + visible_text(page, "#welcome")
    assert not re.search(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]", panel), panel
    page.close()
