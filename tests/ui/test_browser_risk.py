"""The Risk tab in a real browser (#16): a portfolio model's form and drivers in the chosen
language's labels, P50/P80 in days and 万元 with their explanation, levers, and the reliability
plot; the form filled from a sample project's record, each value with its source (#15 point 4).
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from assistant.settings import Settings
from tests.ui.browser import ARTIFACTS, BROWSER_TEST, open_page
from tests.ui.conftest import running_server
from ui.server import build_app

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, chromium: object) -> Iterator[object]:
    from assistant.workspace import ingest_into_workspace
    from ml.service import train_to_dir
    from ml.synth import generate_portfolio
    from tests.ui.test_browser_projects import SAMPLES

    folder = tmp_path_factory.mktemp("browser-risk")
    generate_portfolio(300, seed=2).to_csv(folder / "past.csv", index=False)
    train_to_dir(folder / "past.csv", None, folder / "model")  # the portfolio spec
    settings = Settings(workspace=folder / "ws", model_dir=folder / "model")
    assert not ingest_into_workspace(settings, [SAMPLES]).failed
    with running_server(build_app(settings)) as url:
        page = open_page(chromium, url + "/", height=1400)
        yield page
        page.close()


def score_risky_project(page) -> None:
    page.fill("#risk-open_high_risks input", "5")
    page.fill("#risk-planned_duration_months input", "12")
    page.fill("#risk-planned_cost input", "500")
    page.click("#risk-score")


def test_risk_tab_in_chinese(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="风险").click()
    expect(page.locator("#risk-open_high_risks")).to_contain_text("未关闭高风险数")
    score_risky_project(page)
    result = page.locator("#risk-result")
    expect(result).to_contain_text("天)")
    expect(result).to_contain_text("万元)")
    expect(result).to_contain_text("五分之四")  # the sentence that says what P50/P80 mean
    expect(result).to_contain_text("可采取的措施")
    # A lever in the PM's words: 人员流动率 0.17 → 0.1125 ⇒ 超支概率 48% (-9%)
    lever = re.compile(r"[\u4e00-\u9fff]+ [\d.]+ → [\d.]+ ⇒ (延期|超支)概率")
    expect(result).to_contain_text(lever)
    expect(page.locator("#risk-drivers")).to_contain_text("=")
    reliability = page.locator("#risk-reliability")
    expect(reliability).to_contain_text("可靠性")
    expect(reliability.locator("canvas, svg").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "ui-risk-zh.png"), full_page=True)


def test_risk_tab_in_english(page) -> None:
    from playwright.sync_api import expect

    page.locator("#language").get_by_text("English").click()
    page.get_by_role("tab", name="Risk").click()
    expect(page.locator("#risk-open_high_risks")).to_contain_text("open high risks")
    score_risky_project(page)
    result = page.locator("#risk-result")
    expect(result).to_contain_text("days)")
    expect(result).to_contain_text("four in five")
    lever = re.compile(r"[a-z ]+ [\d.]+ → [\d.]+ ⇒ (Delay|Cost overrun) probability")
    expect(result).to_contain_text(lever)
    # The drivers chart is drawn again in English after the switch: the legend names the
    # targets in English (it kept the Chinese ones, and drew no bars, before).
    expect(page.locator("#risk-drivers")).to_contain_text(re.compile(r"Delay|Cost overrun"))
    expect(page.locator("#risk-drivers")).not_to_contain_text(re.compile("延期|未关闭"))
    expect(page.locator("#risk-drivers")).to_contain_text("open high risks = 5")
    expect(page.locator("#risk-reliability")).to_contain_text("Reliability")
    page.screenshot(path=str(ARTIFACTS / "ui-risk-en.png"), full_page=True)


def test_risk_tab_fills_the_form_from_a_projects_record(page) -> None:
    """Still in English: the sample project's SPI comes from its minutes of 2026-04-10, its
    team size from project.toml, and the score uses them."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Risk").click()
    page.locator("#risk-project input").click()
    page.get_by_role("option", name="smart-gov-cloud").click()
    page.click("#risk-fill")
    sources = page.locator("#risk-sources")
    expect(sources).to_contain_text("values from the project's record")
    expect(sources).to_contain_text("Every feature the model needs was found.")
    expect(page.locator("#risk-spi input")).to_have_value("0.86")
    expect(page.locator("#risk-spi")).to_contain_text("2026-04-10-周例会.md (2026-04-10)")
    expect(page.locator("#risk-open_high_risks")).to_contain_text("R-01, R-05, R-06, R-07")
    expect(page.locator("#risk-team_size")).to_contain_text("[risk_features] in")
    page.click("#risk-score")
    expect(page.locator("#risk-result")).to_contain_text("Delay")
    page.screenshot(path=str(ARTIFACTS / "ui-risk-record-en.png"), full_page=True)
