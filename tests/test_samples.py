"""The shipped sample corpus and glossary meet their specification (issue #2 point 4, #3 point 2).

Other tests and the benchmarks ask questions with known answers about these files, so the checks
here pin the facts they rely on, not only the file layout.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import docx
import pypdf
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
GLOSSARY = ROOT / "data" / "glossary.csv"
MAKE_SAMPLES = ROOT / "data" / "make_samples.py"

CATEGORIES = {
    "project_type": {
        "system_integration",
        "software_development",
        "erp",
        "infrastructure",
        "data_migration",
        "cloud_migration",
    },
    "industry": {
        "government",
        "finance",
        "telecom",
        "manufacturing",
        "healthcare",
        "energy",
        "retail",
        "education",
    },
    "customer_type": {"government", "state_owned", "private", "foreign"},
    "contract_type": {"fixed_price", "time_and_materials", "cost_plus"},
    "methodology": {"waterfall", "agile", "hybrid"},
}
NUMERIC_FEATURES = [
    "planned_duration_months",
    "planned_cost",
    "team_size",
    "departments_involved",
    "stakeholder_count",
    "external_vendors",
    "systems_to_integrate",
    "requirement_count",
    "new_technology",
    "pm_experience_years",
    "percent_complete",
    "spi",
    "cpi",
    "change_requests",
    "requirement_volatility",
    "staff_turnover",
    "open_high_risks",
]
MINUTES_FOLDERS = {"会议纪要", "minutes", "meeting-notes"}
POSTMORTEM_FOLDERS = {"复盘报告", "postmortem", "post-mortem"}
DOCUMENT_SUFFIXES = {".md", ".txt", ".pdf", ".docx"}


def projects() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.is_dir())


def text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    if path.suffix == ".docx":
        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def front_matter_type(path: Path) -> str | None:
    if path.suffix != ".md":
        return None
    match = re.match(r"---\n(.*?)\n---\n", path.read_text(encoding="utf-8"), re.S)
    found = match and re.search(r"^doc_type:\s*(\S+)", match.group(1), re.M)
    return found.group(1) if found else None


def doc_type(path: Path) -> str:
    """The type a reader can tell from front matter, folder or file name — as ingest must."""
    declared = front_matter_type(path)
    if declared:
        return declared
    folders = set(path.parent.parts)
    name = path.name.lower()
    if folders & MINUTES_FOLDERS or "周例会" in name or "weekly" in name:
        return "meeting_notes"
    if folders & POSTMORTEM_FOLDERS or "复盘" in name or "post-mortem" in name:
        return "postmortem"
    if "requirements" in folders or "需求" in name or "srs" in name:
        return "requirements"
    return "other"


def documents(project: Path, kind: str) -> list[Path]:
    found = [p for p in project.rglob("*") if p.suffix in DOCUMENT_SUFFIXES]
    return sorted((p for p in found if doc_type(p) == kind), key=lambda p: p.name)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- projects and documents


def test_three_projects_in_three_languages_with_risk_features() -> None:
    assert len(projects()) >= 3
    languages = set()
    for project in projects():
        meta = tomllib.loads((project / "project.toml").read_text(encoding="utf-8"))
        assert meta["name"].strip(), project
        languages.add(meta["language"])
        features = meta["risk_features"]
        assert set(features) == set(CATEGORIES) | set(NUMERIC_FEATURES), project.name
        for column, allowed in CATEGORIES.items():
            assert features[column] in allowed, (project.name, column)
        for column in NUMERIC_FEATURES:
            assert isinstance(features[column], int | float), (project.name, column)
        assert 0 <= features["requirement_volatility"] <= 1
        assert 0 <= features["staff_turnover"] <= 1
        assert 0 <= features["percent_complete"] <= 100  # percent, as in data/portfolio.csv
        assert features["new_technology"] in (0, 1)
    assert languages == {"zh", "en", "mixed"}


def test_the_chinese_si_project_is_behind_schedule() -> None:
    meta = tomllib.loads((SAMPLES / "smart-gov-cloud" / "project.toml").read_text("utf-8"))
    assert meta["risk_features"]["project_type"] == "system_integration"
    assert meta["risk_features"]["spi"] == 0.86


@pytest.mark.parametrize("project", projects(), ids=lambda p: p.name)
def test_each_project_has_requirements_and_weekly_minutes(project: Path) -> None:
    assert documents(project, "requirements"), "no requirements document"
    minutes = documents(project, "meeting_notes")
    assert len(minutes) >= 4
    dates = [re.match(r"\d{4}-\d{2}-\d{2}", p.name).group(0) for p in minutes]  # type: ignore[union-attr]
    assert dates == sorted(set(dates)), "one set of minutes per date"


@pytest.mark.parametrize("project", projects(), ids=lambda p: p.name)
def test_minutes_record_attendees_decisions_actions_and_risks(project: Path) -> None:
    for path in documents(project, "meeting_notes"):
        text = text_of(path)
        assert re.search(r"参会人员|参会|Attendees", text), path.name
        assert re.search(r"决议|决定|Decision", text), path.name
        assert re.search(r"负责人|Owner", text) and re.search(r"截止|Due", text), path.name
        assert re.search(r"风险|Risk", text) and re.search(r"概率|Probability", text), path.name
        assert re.search(r"问题|Issues", text), path.name


@pytest.mark.parametrize("project", projects(), ids=lambda p: p.name)
def test_progress_grows_week_by_week(project: Path) -> None:
    percents = []
    for path in documents(project, "meeting_notes"):
        found = re.search(r"(?:完成|[Pp]rogress|Overall|总体进度)\s*(\d{1,3})%", text_of(path))
        assert found, f"no progress percentage in {path.name}"
        percents.append(int(found.group(1)))
    assert percents == sorted(percents) and len(set(percents)) == len(percents), percents


def test_an_action_opened_in_week_one_is_done_by_week_three() -> None:
    minutes = documents(SAMPLES / "smart-gov-cloud", "meeting_notes")
    week1, week3 = text_of(minutes[0]), text_of(minutes[2])
    assert re.search(r"\| A-01 \|.*\| 王磊 \| 2026-03-18 \| 进行中 \|", week1)
    assert re.search(r"\| A-01 \|.*\| 已完成", week3)
    crm = documents(SAMPLES / "retail-crm-migration", "meeting_notes")
    assert "| AI-14 |" in text_of(crm[0]) and "Done (duplicate rate 1.6%)" in text_of(crm[2])


def test_at_least_two_projects_have_a_post_mortem() -> None:
    with_postmortem = [p for p in projects() if documents(p, "postmortem")]
    assert len(with_postmortem) >= 2
    for project in with_postmortem:
        text = text_of(documents(project, "postmortem")[0])
        assert re.search(r"根本原因|Root causes", text)
        assert re.search(r"经验教训|Lessons learned", text)


# ---------------------------------------------------------------- formats


def test_docx_files_hold_real_tables() -> None:
    paths = sorted(SAMPLES.rglob("*.docx"))
    assert len(paths) >= 1
    for path in paths:
        tables = docx.Document(str(path)).tables
        assert tables, path.name
    requirements = docx.Document(
        str(SAMPLES / "erp-rollout/requirements/ERP需求规格说明书-Requirements-v1.0.docx")
    )
    headers = [[c.text for c in t.rows[0].cells] for t in requirements.tables]
    header = ["编号 ID", "需求 Requirement", "优先级 Priority", "验收标准 Acceptance"]
    table = requirements.tables[headers.index(header)]
    ids = [row.cells[0].text for row in table.rows[1:]]
    assert "REQ-FI-03" in ids


def test_english_pdf_text_is_extractable_with_pages() -> None:
    reader = pypdf.PdfReader(
        SAMPLES / "retail-crm-migration/requirements/SRS-CRM-Migration-v1.2.pdf"
    )
    assert len(reader.pages) >= 2
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    sentence = "the customer lookup must return results within 2 seconds at the 95th percentile"
    assert any(sentence in page for page in pages[1:])
    assert "FR-01 Single customer view" in pages[0]


def test_chinese_pdf_text_is_extractable() -> None:
    path = SAMPLES / "smart-gov-cloud/复盘报告/2026-04-24-割接复盘报告.pdf"
    text = squash(text_of(path))
    assert "割接于2026年4月18日22:00开始，2026年4月19日05:40完成业务验证" in text
    assert "积压峰值42万条" in text


def test_gbk_minutes_are_not_utf8() -> None:
    raw = (SAMPLES / "smart-gov-cloud/会议纪要/2026-03-27-周例会.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert "割接上线日期由原计划 4 月 11 日调整为 4 月 18 日" in text


def test_corpus_stays_small() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 500_000


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    for out in (tmp_path / "a", tmp_path / "b"):
        subprocess.run(
            [sys.executable, str(MAKE_SAMPLES), "--out", str(out)], check=True, capture_output=True
        )
    built = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(built) >= 5
    for relative in built:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()
        assert text_of(tmp_path / "a" / relative) == text_of(SAMPLES / relative), relative


# ---------------------------------------------------------------- glossary


def glossary_rows() -> list[dict[str, str]]:
    with GLOSSARY.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["zh", "en", "aliases"]
        return list(reader)


def test_glossary_has_300_unique_complete_rows() -> None:
    rows = glossary_rows()
    pairs = [(r["zh"].strip(), r["en"].strip().lower()) for r in rows]
    assert all(zh and en for zh, en in pairs)
    assert len(set(pairs)) == len(pairs) >= 300
    assert len({zh for zh, _ in pairs}) == len(pairs), "a Chinese term appears twice"
    assert all(re.search(r"[\u4e00-\u9fff]", zh) for zh, _ in pairs), "zh column without Chinese"


def test_glossary_translates_the_core_terms() -> None:
    by_zh = {r["zh"]: r for r in glossary_rows()}
    expected = {
        "风险": "risk",
        "里程碑": "milestone",
        "消息队列": "message queue",
        "成本绩效指数": "cost performance index",
        "进度绩效指数": "schedule performance index",
        "挣值": "earned value",
        "工作分解结构": "work breakdown structure",
        "变更控制": "change control",
        "风险登记册": "risk register",
        "割接": "cutover",
        "初验": "preliminary acceptance",
        "终验": "final acceptance",
        "分库分表": "database sharding",
        "干系人": "stakeholder",
        "关键路径": "critical path",
    }
    for zh, en in expected.items():
        assert by_zh[zh]["en"] == en
    assert "CPI" in by_zh["成本绩效指数"]["aliases"].split(";")
    assert "SPI" in by_zh["进度绩效指数"]["aliases"].split(";")
    assert "WBS" in by_zh["工作分解结构"]["aliases"].split(";")
    assert "利益相关方" in by_zh["干系人"]["aliases"].split(";")
