"""The Projects tab in a real browser (Debian's Chromium via Playwright) on the sample corpus:
every project's health on one screen, then one project's registers with statuses as written.
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace
from tests.ui.browser import ARTIFACTS, BROWSER_TEST, open_page
from tests.ui.conftest import running_server
from ui.server import build_app

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("projects-browser")
    settings = Settings(workspace=base / "ws", model_dir=base / "no-model")
    assert not ingest_into_workspace(settings, [SAMPLES]).failed
    with running_server(build_app(settings)) as base_url:
        yield base_url


def test_projects_tab_shows_every_project_and_one_register(app_url: str, chromium: object) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, app_url + "/", width=1400, height=1100)
    page.get_by_role("tab", name="项目", exact=True).click()
    overview = page.locator("#projects-overview")
    for name in ("smart-gov-cloud", "erp-rollout", "retail-crm-migration"):
        expect(overview).to_contain_text(name)
    expect(overview).to_contain_text("M2")  # a slipped milestone among the reasons' inputs
    # As of the sample project's last minutes, not today: the cutover (M4, moved to 04-18 by a
    # decision) is the next milestone; today every planned date is past.
    page.locator("#projects-as-of textarea, #projects-as-of input").first.fill("2026-04-12")
    page.locator("#projects-refresh").click()
    expect(overview).to_contain_text("M4 割接上线 (2026-04-18)")
    expect(overview).to_contain_text("里程碑 M5 延期 21 天")  # a slip in the reasons, in Chinese
    expect(overview).to_contain_text(re.compile("[绿黄红]"))  # health in the Chinese UI
    expect(overview).not_to_contain_text(re.compile(r"\b(green|amber|red)\b"))
    page.screenshot(path=str(ARTIFACTS / "projects-overview.png"), full_page=True)

    page.locator("#projects-pick input").click()
    page.get_by_role("option", name="smart-gov-cloud").click()
    register = page.locator("#projects-register")
    expect(register).to_contain_text("A-01")  # the register, first rows
    # Filter to the open actions: the table shrinks to what a PM chases this week.
    page.locator("#projects-kinds").get_by_text("行动项", exact=True).click()
    page.locator("#projects-open").get_by_text("仅未关闭", exact=False).click()
    expect(register).to_contain_text("A-14")
    expect(register).to_contain_text("未开始")
    expect(register).not_to_contain_text("已完成（146 个接口）")  # A-01 is closed
    page.locator("#projects-kinds").get_by_text("行动项", exact=True).click()
    page.locator("#projects-kinds").get_by_text("风险", exact=True).click()
    expect(register).to_contain_text("R-05")
    expect(register).not_to_contain_text("A-14")
    page.screenshot(path=str(ARTIFACTS / "projects-register.png"), full_page=True)
    page.close()
