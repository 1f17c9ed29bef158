"""The chat in a real browser answers a follow-up from the earlier turn (#14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer import NOT_FOUND_ZH
from assistant.settings import Settings
from tests.ui.browser import ARTIFACTS, BROWSER_TEST, open_page
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def chat_page(
    model_dir: Path, indexed_workspace: Path, tmp_path_factory: pytest.TempPathFactory,
    chromium: object,
) -> Iterator[object]:
    workspace = copy_workspace(indexed_workspace, tmp_path_factory.mktemp("followup") / "ws")
    settings = Settings(workspace=workspace, model_dir=model_dir)
    with running_server(build_app(settings)) as base_url:
        page = open_page(chromium, base_url + "/")
        page.wait_for_selector("#question textarea")
        yield page
        page.close()


def test_a_follow_up_is_answered_from_the_earlier_turn(chat_page: object) -> None:
    from playwright.sync_api import Page, expect

    page = chat_page
    assert isinstance(page, Page)
    page.fill("#question textarea", "消息队列用什么？")
    page.click("#ask")
    chat = page.locator("#chatbot")
    expect(chat).to_contain_text("Kafka")
    # "那它呢？" has no words of its own: alone it is "not found" (see the API test)
    page.fill("#question textarea", "那它呢？")
    page.click("#ask")
    expect(chat).to_contain_text("那它呢？")
    expect(page.locator("#citations")).to_contain_text("2025-03-03-kickoff.md")
    page.wait_for_timeout(1500)  # let the streamed answer settle
    assert NOT_FOUND_ZH not in chat.inner_text()
    # nor hedged: the earlier turn reached the answer layer as text, not as Gradio's parts
    assert "没有直接的答案" not in chat.inner_text()
    assert chat.inner_text().count("Kafka") >= 2
    page.screenshot(path=str(ARTIFACTS / "ui-follow-up.png"), full_page=True)
