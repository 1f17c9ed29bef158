"""Poisoned Markdown in a real browser (Debian's Chromium driven by Playwright) makes it fetch
nothing: the six forms that got through the old pattern-based filter (issue #17), plus raw
HTML and plain remote images, arrive through an LLM answer in the chat, through a poisoned
document in an offline answer with its citations, and through the offline Drafts preview.

An "attacker" HTTP server on another loopback port stands for the remote host: it must receive
no request, and the browser's request log must hold no request to any host but the app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from assistant.settings import LLMSettings, Settings
from assistant.workspace import ingest_into_workspace
from tests.openai_server import OpenAIServer, start_openai_server
from tests.ui.browser import ARTIFACTS, BROWSER_TEST
from tests.ui.conftest import copy_workspace, running_server
from ui.server import build_app

pytestmark = BROWSER_TEST

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082"
)


class Attacker(ThreadingHTTPServer):
    hits: list[str]


class _AttackerHandler(BaseHTTPRequestHandler):
    server: Attacker

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG)))
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    server = Attacker(("127.0.0.1", 0), _AttackerHandler)
    server.hits = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def at(attacker: Attacker, name: str) -> str:
    return f"http://127.0.0.1:{attacker.server_address[1]}/{name}"


def six_forms(url: Any) -> list[str]:
    """The six forms of issue #17, each pointing at `url(name)`."""
    return [
        f"![`code-alt`]({url('f1.png')})",
        f"![esc\\]aped]({url('f2.png')})",
        "![ref-style][r] with a definition below",
        f"![two\nlines]({url('f4.png')})",
        f'![titled]({url("f5.png")} "title over\ntwo lines")',
        f"![outer [inner [deep]] end]({url('f6.png')})",
    ]


def poisoned_reply(attacker: Attacker) -> str:
    def url(name: str) -> str:
        return at(attacker, name)

    forms = "\n\n".join(f"{i}. {form}" for i, form in enumerate(six_forms(url), start=1))
    return (
        f"Kafka 是选定的消息队列 [1]。\n\n{forms}\n\n[r]: {url('f3.png')}\n\n"
        f'<img src="{url("raw.png")}"> ![plain]({url("plain.png")}) '
        "![far](http://attacker.example/far.png) END-OF-REPLY"
    )


def poisoned_document(attacker: Attacker) -> str:
    def url(name: str) -> str:
        return at(attacker, "doc-" + name)

    one, two, three, four, five, six = six_forms(url)
    return (
        "# 周例会会议纪要\n\n日期：2025-03-10\n\n## 本周进展\n\n"
        f"- 接口联调完成 80% {one} 见图。\n- 数据迁移演练完成 {two} 见图。\n\n"
        f"## 决定\n\n- 采用 Kafka 作为消息队列 {three} 详见附件。\n"
        f"- 上线窗口定在 2025-04-12 {four} 周末。\n\n[r]: {url('f3.png')}\n\n"
        f"## 行动项\n\n- A-01 张伟 2025-03-20 完成压测报告 {five} 状态：进行中\n"
        f"- A-02 李娜 2025-03-25 更新部署手册 {six} 状态：未开始\n\n"
        f'## 风险\n\n- R-01 供应商接口延期交付 <img src="{url("raw.png")}"> 概率高\n'
    )


@pytest.fixture(scope="module")
def poisoned_workspace(attacker: Attacker, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("poisoned")
    note = base / "corpus" / "poison" / "meeting_notes" / "2025-03-10-weekly.md"
    note.parent.mkdir(parents=True)
    note.write_text(poisoned_document(attacker), encoding="utf-8")
    settings = Settings(workspace=base / "ws", _env_file=None)
    report = ingest_into_workspace(settings, [base / "corpus"])
    assert report.chunks > 0 and not report.failed
    return settings.workspace


@pytest.fixture(scope="module")
def llm() -> Iterator[OpenAIServer]:
    fake, httpd = start_openai_server()
    yield fake
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Browser:
    page: Any
    app_url: str
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        app = urlsplit(self.app_url).netloc
        return [url for url in self.requests if urlsplit(url).netloc != app]


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The session's Chromium; the contexts (and their request logs) a test opened are closed
    after it, so the next test starts with none."""
    yield chromium
    for context in list(chromium.contexts):
        context.close()


def open_app(chromium: Any, app_url: str) -> Browser:
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    opened = Browser(page=context.new_page(), app_url=app_url)
    context.on("request", lambda request: opened.requests.append(request.url))
    opened.page.set_default_timeout(60_000)
    opened.page.goto(app_url + "/")
    opened.page.wait_for_selector("#question textarea")
    return opened


def ask(opened: Browser, question: str) -> None:
    opened.page.fill("#question textarea", question)
    opened.page.click("#ask")


def assert_nothing_fetched(opened: Browser, attacker: Attacker) -> None:
    opened.page.wait_for_timeout(1500)  # time for any image the page holds to load
    assert opened.foreign_requests() == []
    assert attacker.hits == []
    assert opened.page.locator("img[src*='127.0.0.1:'], img[src*='attacker']").count() == 0


def test_a_poisoned_llm_answer_fetches_nothing(
    browser: Any,
    attacker: Attacker,
    llm: OpenAIServer,
    poisoned_workspace: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    workspace = copy_workspace(poisoned_workspace, tmp_path / "ws")
    settings = Settings(
        workspace=workspace,
        _env_file=None,
        llm=LLMSettings(provider="openai", model="fake", base_url=llm.base_url, api_key="t"),
    )
    llm.enqueue(poisoned_reply(attacker), chunk_size=9)
    with running_server(build_app(settings)) as app_url:
        opened = open_app(browser, app_url)
        ask(opened, "消息队列用什么？")
        chat = opened.page.locator("#chatbot")
        expect(chat).to_contain_text("END-OF-REPLY")
        for alt in ("code-alt", "esc]aped", "ref-style", "titled", "outer [inner [deep]] end"):
            expect(chat).to_contain_text(alt)  # an image shows as its alt text
        opened.page.screenshot(path=str(ARTIFACTS / "ui-poisoned-chat.png"), full_page=True)
        assert_nothing_fetched(opened, attacker)


def test_a_poisoned_document_fetches_nothing_offline(
    browser: Any, attacker: Attacker, poisoned_workspace: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    workspace = copy_workspace(poisoned_workspace, tmp_path / "ws")
    with running_server(build_app(Settings(workspace=workspace, _env_file=None))) as app_url:
        opened = open_app(browser, app_url)
        ask(opened, "消息队列采用什么？")  # an extractive answer quoting the document
        expect(opened.page.locator("#citations")).to_contain_text("2025-03-10-weekly.md")
        opened.page.get_by_role("tab", name="草稿").click()
        opened.page.get_by_role("button", name="生成草稿").click()
        preview = opened.page.locator("#draft-preview")
        expect(preview).to_contain_text("采用 Kafka 作为消息队列")
        expect(preview).to_contain_text("outer [inner [deep]] end")
        expect(preview).to_contain_text("R-01")
        opened.page.screenshot(path=str(ARTIFACTS / "ui-poisoned-draft.png"), full_page=True)
        assert_nothing_fetched(opened, attacker)
