"""One language at a time (#18 point 6), in a real browser (Debian's Chromium via Playwright):
the sample projects and a trained portfolio risk model, every tab used (a question asked, a
project scored, the portfolio scored, a register opened), first in English (the browser's
locale), then switched to 中文. In Chinese no tab shows a raw field name (the model card's
feature names, snake_case words) or an English header word, Gradio's own strings included; in
English no label or header shows Chinese. Document content (answers, citations' quotes, table
cells taken from documents) is left out of the check: it is in the document's language.
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace
from tests.ui.browser import ARTIFACTS, BROWSER_TEST, open_page
from tests.ui.conftest import running_server
from ui.server import build_app

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
TABS = ("tab_chat", "tab_documents", "tab_drafts", "tab_risk", "tab_reports", "tab_projects")
# English words of our headers, labels, buttons, levels, axes and Gradio's own widgets.
ENGLISH_WORDS = (
    "project", "projects", "source", "chunks", "delay", "overrun", "level", "drivers",
    "probability", "health", "progress", "download", "downloads", "upload", "submit", "clear",
    "drop", "click", "score", "ask", "question", "citations", "refresh", "remove", "preview",
    "register", "since", "until", "language", "type", "types", "document", "documents", "kind",
    "kinds", "owner", "status", "feature", "effect", "target", "predicted", "observed", "name",
    "missing", "high", "medium", "low", "green", "amber", "red", "loading", "error", "date",
    "formats", "report", "overdue", "open", "only", "batch", "portfolio", "reliability",
)  # fmt: skip
ENGLISH = re.compile(r"\b(" + "|".join(ENGLISH_WORDS) + r")\b", re.IGNORECASE)
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ALLOWED_IN_ENGLISH = ("万元",)  # the currency unit the portfolio data is in
# Shown as the documents say it: answers, quotes, and table cells read from the documents.
# (Gradio's Dataframe draws a cell as a div.body-cell; its headers stay in the check.)
CONTENT = ["#chatbot", "#citations blockquote", "#doc-table .body-cell",
           "#projects-overview .body-cell", "#projects-register .body-cell",
           "#risk-portfolio-table .body-cell"]  # fmt: skip
PANEL_TEXT_JS = """
([id, selectors]) => {
  const panel = document.getElementById(id);
  const hidden = [];
  for (const selector of selectors) {
    for (const node of document.querySelectorAll(selector)) {
      if (panel.contains(node)) { hidden.push([node, node.style.display]); }
    }
  }
  for (const [node] of hidden) { node.style.setProperty("display", "none", "important"); }
  const text = panel.innerText;
  for (const [node, display] of hidden) { node.style.display = display; }
  return text;
}
"""

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, list[str], list[str]]]:
    """The app over the sample projects and a portfolio model; yields the URL, the feature
    names, and those that are not their own English label ("industry" is)."""
    from ml.labels import feature_label
    from ml.service import train_to_dir
    from ml.synth import generate_portfolio
    from ui.risk_holder import RiskModelHolder

    base = tmp_path_factory.mktemp("browser-i18n")
    generate_portfolio(300, seed=2).to_csv(base / "past.csv", index=False)
    train_to_dir(base / "past.csv", None, base / "model")  # the portfolio spec
    card = RiskModelHolder(base / "model").current().card
    features = [f.name for f in card.features]
    settings = Settings(workspace=base / "ws", model_dir=base / "model")
    assert not ingest_into_workspace(settings, [SAMPLES]).failed
    with running_server(build_app(settings)) as url:
        spec = card.spec
        yield url, features, [f for f in features if feature_label(f, "en", spec) != f]


def panel_text(page: Any, tab: str) -> str:
    page.locator(f"#{tab}-button").click()
    page.locator(f"#{tab}").wait_for(state="visible")
    return str(page.evaluate(PANEL_TEXT_JS, [tab, CONTENT]))


def use_every_tab(page: Any, project: str) -> None:
    """Put results on screen: an answer and its citations, a score, the portfolio, a register."""
    from playwright.sync_api import expect

    page.locator("#tab_risk-button").click()
    page.click("#risk-score")
    expect(page.locator("#risk-result")).not_to_be_empty()
    page.click("#risk-portfolio")
    expect(page.locator("#risk-portfolio-table")).to_contain_text("某市智慧政务云平台集成项目")
    page.locator("#tab_projects-button").click()
    page.locator("#projects-pick input").click()
    page.get_by_role("option", name=project).click()
    expect(page.locator("#projects-register")).to_contain_text("A-01")


def ask(page: Any, question: str, english_types: re.Pattern[str], chinese: bool) -> None:
    from playwright.sync_api import expect

    page.locator("#tab_chat-button").click()
    page.fill("#question textarea", question)
    page.click("#ask")
    citations = page.locator("#citations")
    expect(citations).to_contain_text("[1]")
    if chinese:  # no English type label left in the citations' headers
        expect(citations).not_to_contain_text(english_types)
    else:
        expect(citations).to_contain_text(english_types)
    assert "\\" not in citations.inner_text()  # no Markdown escape shows


def test_every_tab_speaks_one_language(
    served: tuple[str, list[str], list[str]], chromium: object
) -> None:
    from playwright.sync_api import expect

    from ingest.metadata import DOC_TYPE_LABELS

    url, features, not_english = served
    english_types = re.compile("|".join(re.escape(en) for _, en in DOC_TYPE_LABELS.values()))
    expect.set_options(timeout=90_000)  # every tab used in turn: the slowest browser test
    page = open_page(chromium, url + "/", width=1400, height=1400, locale="en-US",
                     timeout_ms=90_000)  # fmt: skip
    expect(page.get_by_role("tab", name="Ask")).to_be_visible()  # the browser's language
    ask(page, "When is the data migration?", english_types, chinese=False)
    use_every_tab(page, "smart-gov-cloud")
    english = {tab: panel_text(page, tab) for tab in TABS}
    page.screenshot(path=str(ARTIFACTS / "i18n-english.png"), full_page=True)

    page.locator("#language").get_by_text("中文").click()
    expect(page.get_by_role("tab", name="问答")).to_be_visible()
    page.locator("#tab_chat-button").click()  # the English answer's citations, redrawn
    expect(page.locator("#citations")).not_to_contain_text(english_types)
    expect(page.locator("#citations")).to_contain_text("[1]")
    ask(page, "数据迁移安排在什么时候？", english_types, chinese=True)
    page.locator("#tab_risk-button").click()
    page.click("#risk-score")  # the form is redrawn in Chinese, empty: score again
    expect(page.locator("#risk-result")).to_contain_text("概率")
    levels = page.locator("#risk-portfolio-table")
    expect(levels).to_contain_text(re.compile("[高中低]"))
    expect(levels).not_to_contain_text(re.compile(r"\b(high|medium|low)\b"))
    overview = page.locator("#projects-overview")
    expect(overview).to_contain_text(re.compile("[绿黄红]"))
    expect(overview).not_to_contain_text(re.compile(r"\b(green|amber|red)\b"))
    chinese = {tab: panel_text(page, tab) for tab in TABS}
    page.screenshot(path=str(ARTIFACTS / "i18n-chinese.png"), full_page=True)
    page.close()

    assert "team_size" in features and "open_high_risks" in features
    raw_names = re.compile(r"\b(" + "|".join(map(re.escape, features)) + r")\b")
    raw_in_english = re.compile(r"\b(" + "|".join(map(re.escape, not_english)) + r")\b")
    for tab, text in chinese.items():
        assert not raw_names.findall(text), (tab, raw_names.findall(text))
        assert not SNAKE_CASE.findall(text), (tab, SNAKE_CASE.findall(text))
        assert not ENGLISH.findall(text), (tab, ENGLISH.findall(text))
    for tab, text in english.items():
        for allowed in ALLOWED_IN_ENGLISH:
            text = text.replace(allowed, "")
        assert not CJK.findall(text), (tab, CJK.findall(text), text)
        assert not raw_in_english.findall(text), (tab, raw_in_english.findall(text))
        assert not SNAKE_CASE.findall(text), (tab, SNAKE_CASE.findall(text))
