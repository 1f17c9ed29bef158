"""The record on the shipped sample corpus: every id the minutes give is kept, and every status
is the one the latest document states (issue #15 'status fidelity')."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assistant.factory import open_index
from assistant.record import Register, build_register, documents_of, workspace_cache
from assistant.record.status import project_status
from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
PROJECTS = ("smart-gov-cloud", "erp-rollout", "retail-crm-migration")
TABLE_ID = re.compile(r"^\|\s*((?:AI|A|R|CR|M)-?\d+)\s*\|", re.MULTILINE)


@pytest.fixture(scope="module")
def registers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Register]:
    settings = Settings(workspace=tmp_path_factory.mktemp("record") / "ws")
    report = ingest_into_workspace(settings, [SAMPLES])
    assert not report.failed
    index = open_index(settings)
    try:
        docs = documents_of(index.manifest.records().values())
        cache = workspace_cache(settings.workspace)
        return {
            p: build_register(p, docs, index.store, cache=cache, as_of="2026-04-30")
            for p in PROJECTS
        }
    finally:
        index.close()


def by_id(register: Register) -> dict[str, Any]:
    return {item.id: item for item in register.items if item.own_id}


def test_every_table_id_in_the_minutes_is_kept(registers: dict[str, Register]) -> None:
    for project in PROJECTS:
        written = set()
        for path in (SAMPLES / project).rglob("*.md"):
            written |= set(TABLE_ID.findall(path.read_text(encoding="utf-8")))
        assert written, project
        assert written <= set(by_id(registers[project])), project


@pytest.mark.parametrize(
    ("project", "item", "status"),
    [
        ("smart-gov-cloud", "A-14", "未开始"),
        ("smart-gov-cloud", "A-15", "未开始"),
        ("smart-gov-cloud", "A-13", "已完成（5 月 6 日进场）"),
        ("smart-gov-cloud", "A-11", "完成"),  # "（A-11 完成）" in the 04-10 progress section
        ("erp-rollout", "AI-07", "In progress"),
        ("retail-crm-migration", "AI-23", "In progress"),
        ("retail-crm-migration", "AI-22", "Open"),
    ],
)
def test_status_is_the_latest_documents_as_written(
    registers: dict[str, Register], project: str, item: str, status: str
) -> None:
    assert by_id(registers[project])[item].status == status


def test_every_status_equals_its_latest_stated_status(registers: dict[str, Register]) -> None:
    for register in registers.values():
        for item in register.items:
            stated = [h for h in item.history if h.status]
            newest = max((h.date or "" for h in stated), default=None)
            # within the newest document, its last statement (the register table's row)
            latest = [h.status for h in stated if (h.date or "") == newest][-1:] or [None]
            latest = latest[0]
            assert item.status == latest, (register.project, item.id)


def test_risks_keep_their_own_numbers(registers: dict[str, Register]) -> None:
    risks = {i.id for i in registers["smart-gov-cloud"].of_kind("risk") if i.own_id}
    assert {"R-05", "R-06", "R-07"} <= risks


def test_milestone_slip_found(registers: dict[str, Register]) -> None:
    m2 = by_id(registers["smart-gov-cloud"])["M2"]
    assert (m2.planned, m2.forecast, m2.slip_days) == ("2026-03-20", "2026-03-31", 11)


def test_a_decision_moving_a_named_milestone_moves_it(registers: dict[str, Register]) -> None:
    """"割接上线日期由原计划 4 月 11 日调整为 4 月 18 日" names M4 by its name, not its id; "初验
    日期由 5 月 15 日调整为 6 月 5 日" is M5's; "终验日期 8 月 31 日暂不调整" moves nothing."""
    milestones = by_id(registers["smart-gov-cloud"])
    assert (milestones["M4"].planned, milestones["M4"].forecast) == ("2026-04-11", "2026-04-18")
    assert milestones["M4"].slip_days == 7
    assert (milestones["M5"].planned, milestones["M5"].forecast) == ("2026-05-15", "2026-06-05")
    assert milestones["M7"].forecast is None and milestones["M7"].planned == "2026-08-31"
    assert milestones["M6"].forecast is None  # 试运行 shares M5's date but is not named


def test_status_reads_progress_and_counts(registers: dict[str, Register]) -> None:
    status = project_status(registers["smart-gov-cloud"]).to_json()
    assert status["progress"]["percent"] == 76.0 and status["progress"]["spi"] == 0.86
    assert status["progress"]["date"] == "2026-04-10"
    assert status["counts"]["actions_overdue"] >= 3  # due mid-April
    assert status["health"] == "red"


def test_risk_features_are_filled_from_the_documents_with_their_source(
    registers: dict[str, Register],
) -> None:
    from assistant.record.features import risk_features

    declared = {"team_size": 24, "spi": 0.5, "industry": "government"}
    fill = risk_features(registers["smart-gov-cloud"], declared=declared,
                         wanted=["spi", "cpi", "team_size", "requirement_count"])  # fmt: skip
    assert (fill.values["percent_complete"], fill.values["spi"], fill.values["cpi"]) == (
        76.0, 0.86, 0.95,
    )  # fmt: skip
    assert str(fill.sources["spi"]).endswith("2026-04-10-周例会.md (2026-04-10)")
    assert fill.sources["spi"].date == "2026-04-10"
    assert fill.values["change_requests"] == 1 and "CR-003" in str(fill.sources["change_requests"])
    assert fill.values["team_size"] == 24 and "project.toml" in str(fill.sources["team_size"])
    assert fill.missing == ["requirement_count"]


def test_portfolio_report_in_markdown_and_docx(
    registers: dict[str, Register], tmp_path: Path
) -> None:
    from docx import Document

    from assistant.record.portfolio import portfolio, write_portfolio

    summaries = portfolio(list(registers.values()), lang="zh")
    smart = next(s for s in summaries if s.project == "smart-gov-cloud")
    assert smart.progress == "76% / 88%" and smart.spi == 0.86
    assert any("M2" in r for r in smart.reasons)
    md = write_portfolio(summaries, tmp_path / "p.md", lang="zh", as_of="2026-04-30")
    text = md.read_text(encoding="utf-8")
    assert "| 项目 | 健康度 |" in text and "smart-gov-cloud" in text and "## erp-rollout" in text
    docx = write_portfolio(summaries, tmp_path / "p.docx", lang="zh", as_of="2026-04-30")
    (table,) = Document(str(docx)).tables
    assert len(table.rows) == 1 + len(PROJECTS)
