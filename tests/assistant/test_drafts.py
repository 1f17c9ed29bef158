"""Drafts end to end: files written here, ingested into a real Chroma on disk, drafted offline.

The corpus: project "alpha" (Chinese minutes over three weeks, a requirement document),
project "beta" (English minutes and a post-mortem whose lessons should reach alpha's risk
register). Week three of alpha is outside the range most tests ask for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assistant.drafts import (
    Draft,
    UnknownProjectError,
    render_markdown,
    requirements_document,
    risk_register,
    weekly_report,
)
from assistant.drafts.build import DraftDeps, build_draft, roots_by_project
from assistant.drafts.risk_register import LESSON_MIN_SIMILARITY, lessons, similar_projects
from assistant.factory import Index, open_index
from assistant.retrieval import open_retriever
from assistant.settings import Settings
from ingest.model import Chunk, SearchFilter, SearchHit
from ingest.pipeline import ingest_paths

ALPHA_WEEK1 = """---
date: 2026-03-02
doc_type: meeting_notes
---
# 阿尔法项目第 1 次周例会纪要

- 会议时间：2026-03-02 10:00
- 参会人：张三、李四、王五

## 一、本周进展

1. 统一认证模块开发完成 60%。

## 二、会议决议

1. 决议：消息队列选用 RocketMQ 集群，替代 RabbitMQ。

## 三、待办事项

| 编号 | 事项 | 负责人 | 截止日期 | 状态 |
| --- | --- | --- | --- | --- |
| A-01 | 整理旧系统接口清单 | 王五 | 2026-03-06 | 进行中 |
| A-02 | 编制性能测试方案 | 李四 | 2026-03-13 | 未开始 |

- 申请生产环境数据库资源，负责人：赵六，周五前完成。

## 四、风险

- 风险：旧系统接口文档缺失，可能导致联调延误，概率高，影响高。

## 五、问题

1. 测试环境只有单节点，性能测试结果可能失真。
"""

ALPHA_WEEK2 = """---
date: 2026-03-09
doc_type: meeting_notes
---
# 阿尔法项目第 2 次周例会纪要

## 一、本周进展

1. 统一认证模块开发完成 90%。
2. 旧系统接口清单整理已完成（A-01 完成），共 146 个接口。

## 二、会议决议

1. 决议：同意将代码冻结里程碑顺延至 3 月 31 日。

## 三、待办事项

| 编号 | 事项 | 负责人 | 截止日期 | 状态 |
| --- | --- | --- | --- | --- |
| A-01 | 整理旧系统接口清单 | 王五 | 2026-03-06 | 已完成 |
| A-02 | 编制性能测试方案 | 李四 | 2026-03-13 | 进行中 |

- 完成数据迁移演练方案并报监理确认，负责人：李四，3月20日前。

## 四、风险

- 风险：旧系统接口文档缺失，可能导致联调延误，概率中，影响高。
- 风险：核心开发人员离职导致知识断档，概率高，影响中。
"""

ALPHA_WEEK3 = """---
date: 2026-03-23
doc_type: meeting_notes
---
# 阿尔法项目第 3 次周例会纪要

## 会议决议

1. 决议：割接日期调整为 4 月 18 日（第三周的决议，不在前两周的范围内）。
"""

ALPHA_REQUIREMENTS = """---
date: 2026-01-30
doc_type: requirements
---
# 阿尔法平台需求规格说明书

## 1. 项目背景

市数据局现有审批系统于 2014 年建设，原厂商已退出，不再提供维护。

## 2. 建设目标

建设统一的政务服务平台，实现一网通办。

## 3. 功能需求

- **FR-01 统一身份认证**：支持三类用户单点登录。验收标准：三类用户各 20 个测试账号登录成功率 100%。
- **FR-02 统一受理**：支持在线申报和窗口受理，生成唯一办件编号。

## 4. 非功能需求

- **NFR-01 性能**：接口响应时间不超过 300 毫秒（P95）。
- **NFR-02 安全**：系统须通过等保三级测评。

## 5. 干系人

| 干系人 | 角色 | 关注点 |
| --- | --- | --- |
| 赵建国 | 建设单位项目负责人 | 按期上线 |

## 6. 里程碑

| 编号 | 里程碑 | 计划日期 |
| --- | --- | --- |
| M1 | 需求确认 | 2026-01-30 |
| M2 | 割接上线 | 2026-04-11 |

## 7. 约束条件

1. 割接只能在周六 22:00 至周日 06:00 的窗口内进行。
"""

BETA_MINUTES = """---
date: 2026-03-05
doc_type: meeting_notes
---
# Beta CRM migration: weekly status 2026-03-05

## Progress

- Overall progress 73% (plan 76%).
- The OMS webhook retry was completed and deployed.

## Decisions

- Decision: customer records match on email, or on phone and postcode.
- Agreed: four agents form a data stewardship team until go-live.

## Action items

| ID | Action | Owner | Due | Status |
| --- | --- | --- | --- | --- |
| AI-1 | Second trial load with tuned matching rules | Megan Liu | 2026-03-17 | In progress |

- @alice to draft the cutover runbook by Mar 20.
- Owner: Bob — update the store training schedule, due 2026-03-12.

## Risks

- Risk: duplicate rate above 2% after migration (probability: high, impact: high).

## Issues

- Blocker: the legacy export truncates customer notes longer than 4,000 characters.
"""

BETA_POSTMORTEM = """---
date: 2026-04-24
doc_type: postmortem
---
# Post-mortem: Beta CRM cutover

## Lessons learned

1. Legacy interface documentation was missing; reverse-engineering the interfaces took
   two extra weeks, so start interface discovery before the integration phase.
2. Performance testing covered average load only; test the known weekly peak before go-live.
"""

CORPUS = {
    "alpha/会议纪要/2026-03-02-周例会.md": ALPHA_WEEK1,
    "alpha/会议纪要/2026-03-09-周例会.md": ALPHA_WEEK2,
    "alpha/会议纪要/2026-03-23-周例会.md": ALPHA_WEEK3,
    "alpha/需求规格说明书.md": ALPHA_REQUIREMENTS,
    "beta/minutes/2026-03-05-weekly.md": BETA_MINUTES,
    "beta/2026-04-24-post-mortem.md": BETA_POSTMORTEM,
}
ALPHA_TOML = """name = "阿尔法政务平台项目"
language = "zh"
[risk_features]
project_type = "system_integration"
spi = 0.82
cpi = 0.93
team_size = 24
"""
# Beta is an integration project like alpha: its post-mortem's lessons may be borrowed.
BETA_TOML = """name = "Beta CRM migration"
language = "en"
[risk_features]
project_type = "system_integration"
"""


def write_corpus(root: Path) -> Path:
    for relative, text in CORPUS.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "alpha" / "project.toml").write_text(ALPHA_TOML, encoding="utf-8")
    (root / "beta" / "project.toml").write_text(BETA_TOML, encoding="utf-8")
    return root


def ingest_corpus(base: Path) -> Settings:
    """Write the corpus under base/docs and ingest it into a workspace at base/ws."""
    docs = write_corpus(base / "docs")
    settings = Settings(workspace=base / "ws")
    index = open_index(settings, create=True)
    try:
        report = ingest_paths([docs], store=index.store, embedder=index.embedder,
                              manifest=index.manifest)  # fmt: skip
        assert not report.failed, report.failed
    finally:
        index.close()
    return settings


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = ingest_corpus(tmp_path_factory.mktemp("drafts"))
    opened = open_index(settings)
    yield opened
    opened.close()


def texts(draft: Draft, section: str) -> list[str]:
    return [item.text for item in draft.section(section)]


def find(draft: Draft, section: str, fragment: str) -> Any:
    matches = [i for i in draft.section(section) if fragment in i.text]
    assert len(matches) == 1, (fragment, texts(draft, section))
    return matches[0]


def sources(item: Any) -> set[str]:
    return {c.source for c in item.citations}


WEEK1 = "alpha/会议纪要/2026-03-02-周例会.md"
WEEK2 = "alpha/会议纪要/2026-03-09-周例会.md"


def test_weekly_report_zh_extracts_every_section_with_citations(index: Index) -> None:
    draft = weekly_report(
        "alpha", store=index.store, since="2026-03-01", until="2026-03-15", lang="zh"
    )
    assert draft.mode == "extractive" and draft.kind == "weekly-report"
    decision = find(draft, "decisions", "RocketMQ")
    assert sources(decision) == {WEEK1}
    assert any("代码冻结" in t for t in texts(draft, "decisions"))
    assert any("单节点" in t for t in texts(draft, "issues"))
    assert any("60%" in t for t in texts(draft, "progress"))
    for item in draft.items:
        assert item.citations and all(c.text for c in item.citations)


def test_weekly_report_closes_an_action_a_later_minute_reports_done(index: Index) -> None:
    draft = weekly_report("alpha", store=index.store, since="2026-03-01", until="2026-03-15")
    interfaces = find(draft, "actions", "接口清单")
    assert interfaces.status == "已完成"  # copied from the latest minutes, never "done"
    assert interfaces.id == "A-01"
    assert interfaces.owner == "王五" and interfaces.due == "2026-03-06"
    assert {WEEK1, WEEK2} <= sources(interfaces)
    test_plan = find(draft, "actions", "性能测试方案")
    assert test_plan.status == "进行中"


def test_weekly_report_resolves_owners_and_relative_due_dates(index: Index) -> None:
    draft = weekly_report("alpha", store=index.store, since="2026-03-01", until="2026-03-15")
    database = find(draft, "actions", "数据库资源")
    # "周五前" in minutes dated Monday 2026-03-02 is that week's Friday.
    assert (database.owner, database.due) == ("赵六", "2026-03-06")
    rehearsal = find(draft, "actions", "迁移演练")
    assert (rehearsal.owner, rehearsal.due) == ("李四", "2026-03-20")


def test_weekly_report_merges_a_risk_repeated_across_weeks(index: Index) -> None:
    draft = weekly_report("alpha", store=index.store, since="2026-03-01", until="2026-03-15")
    risk = find(draft, "risks", "接口文档缺失")
    assert sources(risk) == {WEEK1, WEEK2}
    assert risk.probability == "medium" and risk.impact == "high"  # the latest assessment
    assert len(draft.section("risks")) == 2


def test_weekly_report_keeps_to_the_date_range(index: Index) -> None:
    inside = weekly_report("alpha", store=index.store, since="2026-03-01", until="2026-03-15")
    assert not any("割接日期" in t for t in texts(inside, "decisions"))
    # Milestones cite the plan they come from (the requirements); everything else the range.
    cited = {c.source for i in inside.items for c in i.citations if i.section != "milestones"}
    assert cited <= {WEEK1, WEEK2}
    only_week1 = weekly_report("alpha", store=index.store, since="2026-03-01", until="2026-03-03")
    assert {c.source for i in only_week1.items for c in i.citations
            if i.section != "milestones"} == {WEEK1}  # fmt: skip
    assert find(only_week1, "actions", "接口清单").status == "进行中"


def test_weekly_report_defaults_to_the_latest_week(index: Index) -> None:
    draft = weekly_report("alpha", store=index.store)
    assert (draft.since, draft.until) == ("2026-03-17", "2026-03-23")
    assert any("割接日期" in t for t in texts(draft, "decisions"))


def test_weekly_report_en_reads_owner_forms_and_english_dates(index: Index) -> None:
    draft = weekly_report("beta", store=index.store, since="2026-03-01", until="2026-03-31",
                          lang="en")  # fmt: skip
    assert len(draft.section("decisions")) == 2
    runbook = find(draft, "actions", "cutover runbook")
    assert (runbook.owner, runbook.due) == ("alice", "2026-03-20")
    schedule = find(draft, "actions", "training schedule")
    assert (schedule.owner, schedule.due) == ("Bob", "2026-03-12")
    trial = find(draft, "actions", "Second trial load")
    assert (trial.owner, trial.due, trial.status) == ("Megan Liu", "2026-03-17", "In progress")
    risk = find(draft, "risks", "duplicate rate")
    assert (risk.probability, risk.impact, risk.level) == ("high", "high", "high")
    assert any("truncates" in t for t in texts(draft, "issues"))
    markdown = render_markdown(draft)
    assert "## Action items" in markdown and "| Megan Liu |" in markdown


def test_unknown_project_names_the_known_ones(index: Index) -> None:
    with pytest.raises(UnknownProjectError, match=r"gamma.*alpha, beta"):
        weekly_report("gamma", store=index.store)


def test_requirements_document_numbers_requirements_and_lists_criteria(index: Index) -> None:
    draft = requirements_document("alpha", store=index.store, lang="zh")
    functional = draft.section("functional")
    assert [i.id for i in functional] == ["FR-1", "FR-2"]
    assert "单点登录" in functional[0].text and "验收标准" not in functional[0].text
    assert [i.id for i in draft.section("non_functional")] == ["NFR-1", "NFR-2"]
    assert any("成功率 100%" in t for t in texts(draft, "acceptance"))
    assert any("赵建国" in t for t in texts(draft, "stakeholders"))
    assert any(i.due == "2026-04-11" for i in draft.section("milestones"))
    assert any("2014" in t for t in texts(draft, "background"))
    assert any("一网通办" in t for t in texts(draft, "goals"))
    assert any("割接只能" in t for t in texts(draft, "constraints"))
    assert any("RocketMQ" in t for t in texts(draft, "decisions"))  # from the minutes
    markdown = render_markdown(draft)
    assert "## 功能需求" in markdown and "**FR-1**" in markdown


def test_requirements_document_in_english_uses_english_headings(index: Index) -> None:
    draft = requirements_document("alpha", store=index.store, lang="en")
    markdown = render_markdown(draft)
    assert "## Functional requirements" in markdown and "## Acceptance criteria" in markdown


class ScriptedRiskModel:
    """Scores like ml.model.RiskModel: probability rises as SPI falls; records its input."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def score_records(self, records: Any) -> list[dict[str, Any]]:
        self.records.extend(records)
        p = round(min(1.0, max(0.0, 1.5 - float(records[0]["spi"]))), 2)
        level = "high" if p >= 0.6 else "medium" if p >= 0.3 else "low"
        driver = {"feature": "spi", "value": records[0]["spi"], "effect": 0.21, "target": "delay"}
        return [{"id": None, "delay": {"probability": p, "level": level}, "drivers": [driver]}]


def test_risk_register_joins_own_risks_lessons_and_the_model(index: Index) -> None:
    model = ScriptedRiskModel()
    deps = DraftDeps(
        store=index.store,
        risk_model=model,
        retriever=open_retriever(index.settings, index),
        roots=roots_by_project(index.manifest.records().values()),
    )
    draft = build_draft("risk-list", "alpha", deps)
    assert draft.title == "阿尔法政务平台项目" and draft.lang == "zh"
    origins = [item.origin for item in draft.items]
    assert origins.count("project") == 2
    lesson = next(i for i in draft.items if i.origin == "lesson")
    assert sources(lesson) == {"beta/2026-04-24-post-mortem.md"}
    assert "beta" in lesson.text and "documentation was missing" in lesson.text
    assert lesson.text.startswith("借鉴项目 beta 复盘（同类型: system_integration）")
    predicted = next(i for i in draft.items if i.origin == "model")
    assert model.records[0]["spi"] == 0.82
    assert predicted.probability == "0.68" and predicted.level == "high"
    assert "spi=0.82" in predicted.text and predicted.category == "schedule"
    assert sources(predicted) == {"alpha/project.toml"}
    # The project's risks keep their own ids (none here: R-n); borrowed lessons are L-n and the
    # model's predictions RM-n, so they never take a number the project may use later.
    ids: dict[str | None, list[str | None]] = {}
    for i in draft.section("risks"):
        ids.setdefault(i.origin, []).append(i.id)
    assert ids == {"project": ["R-1", "R-2"], "lesson": ["L-1"], "model": ["RM-1"]}
    # Issues are kept apart from risks.
    assert any("单节点" in i.text for i in draft.section("issues"))
    assert not any("单节点" in i.text for i in draft.section("risks"))
    for item in draft.section("risks"):
        assert item.response in ("avoid", "mitigate", "transfer", "accept")
        assert item.citations
    risk = next(i for i in draft.items if "接口文档缺失" in i.text)
    assert (risk.probability, risk.impact, risk.level) == ("medium", "high", "high")
    document = draft.to_json(render_markdown(draft), None)
    assert {"probability", "impact", "response"} <= set(document["items"][0])


def test_risk_register_without_model_or_features_has_no_model_items(index: Index) -> None:
    draft = risk_register("beta", store=index.store, lang="en", risk_model=ScriptedRiskModel())
    assert all(item.origin != "model" for item in draft.items)
    assert all(item.origin != "lesson" or "beta" not in item.text for item in draft.items)


@pytest.mark.slow  # trains a real model on data/portfolio.csv
def test_risk_register_with_a_real_trained_model(index: Index) -> None:
    import pandas as pd

    from assistant.settings import data_dir
    from ml.spec import load_spec
    from ml.train import train_risk_model

    frame = pd.read_csv(data_dir() / "portfolio.csv")
    model = train_risk_model(frame, load_spec(None), cv_repeats=1)
    features = {"project_type": "system_integration", "industry": "government",
                "spi": 0.7, "cpi": 0.8, "open_high_risks": 4, "team_size": 30}  # fmt: skip
    draft = risk_register("alpha", store=index.store, risk_model=model,
                          project_features=features)  # fmt: skip
    predicted = [i for i in draft.items if i.origin == "model"]
    assert {i.category for i in predicted} == {"schedule", "cost"}
    for item in predicted:
        assert item.probability is not None and 0.0 <= float(item.probability) <= 1.0
        assert item.level in ("low", "medium", "high")


def postmortem(project: str, lesson: str) -> Chunk:
    return Chunk(
        id=f"{project}-pm", text=f"- {lesson}\n", source=f"{project}/复盘.md", project=project,
        doc_type="postmortem", page=None, date="2026-02-01", heading="复盘 > 经验教训",
        chunk_index=0, file_hash=project,
    )  # fmt: skip


class ScriptedRetriever:
    """Returns every post-mortem, best first, whatever the query: only the rule may filter."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks

    def search(self, query: str, *, k: int = 5, where: SearchFilter | None = None) -> list[Any]:
        return [SearchHit(c, 1 / (60 + n)) for n, c in enumerate(self.chunks, 1)][:k]


RISKS = "接口文档缺失，第三方系统对接进度滞后；性能测试未覆盖高峰并发"


def test_lessons_through_the_retriever_come_only_from_similar_projects(index: Index) -> None:
    retriever = ScriptedRetriever([
        postmortem("gamma", "TLS 证书过期导致门户中断 3 小时，应当建立证书到期提醒。"),
        postmortem("delta", "接口文档缺失导致对接返工，应当在集成前完成接口梳理。"),
        postmortem("beta", "上线前应当按已知周峰值做压力测试，避免切换当晚宕机。"),
    ])  # fmt: skip
    similar = similar_projects(
        {"project_type": "system_integration", "industry": "government"},
        {"gamma": {"project_type": "website", "industry": "retail"},
         "delta": {"project_type": "erp"},
         "beta": {"project_type": "crm", "industry": "government"}},
        "zh",
    )  # fmt: skip
    assert similar == {"beta": "同行业: government"}
    found = lessons("alpha", RISKS, store=index.store, retriever=retriever, lang="zh",
                    similar=similar)  # fmt: skip
    by_project = {i.citations[0].source.split("/")[0]: i.text for i in found}
    # The certificate outage is neither from a similar project nor about these risks.
    assert set(by_project) == {"delta", "beta"}
    assert by_project["beta"].startswith("借鉴项目 beta 复盘（同行业: government）：上线前")
    assert re.match(r"借鉴项目 delta 复盘（相似度 0\.\d\d）：接口文档缺失", by_project["delta"])
    assert all(i.origin == "lesson" for i in found)
    # Without the likeness, beta's line (no shared wording) is not borrowed either.
    alone = lessons("alpha", RISKS, store=index.store, retriever=retriever, lang="en")
    assert [i.citations[0].source for i in alone] == ["delta/复盘.md"]
    assert "(similarity 0." in alone[0].text


def test_the_threshold_decides_a_lesson_from_another_kind_of_project(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    # (`assistant.drafts.risk_register` the attribute is the function the package exports.)
    register = importlib.import_module("assistant.drafts.risk_register")
    line = "接口文档缺失导致对接返工，应当在集成前完成接口梳理。"
    retriever = ScriptedRetriever([postmortem("delta", line)])
    score = register.line_similarity(line, RISKS)
    assert score >= LESSON_MIN_SIMILARITY
    assert len(lessons("alpha", RISKS, store=index.store, retriever=retriever, lang="zh")) == 1
    monkeypatch.setattr(register, "LESSON_MIN_SIMILARITY", score + 0.01)
    assert lessons("alpha", RISKS, store=index.store, retriever=retriever, lang="zh") == []


def test_unrelated_english_lines_are_not_similar() -> None:
    """Letter bigrams made any two English sentences ~0.4 alike; content words do not."""
    from assistant.drafts.risk_register import line_similarity

    risks = "Key users unavailable because of the annual audit; the MES vendor supports files only"
    unrelated = "Performance testing covered average load, not the known weekly peak."
    related = "The MES vendor supported file exchange only, so plan a batch interface early."
    assert line_similarity(unrelated, risks) < LESSON_MIN_SIMILARITY
    assert line_similarity(related, risks) >= LESSON_MIN_SIMILARITY
