"""The project record: extraction forms, identity across weeks, status fidelity, the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.record import FactsCache, build_register, documents_of, select
from assistant.record.extract import document_facts
from assistant.record.identity import build_items, canonical_id
from assistant.record.models import Mention
from assistant.record.status import project_status
from assistant.record.store import DocumentRef
from ingest.store import InMemoryStore
from tests.assistant.conftest import NgramEmbedder, make_chunk

WEEK1 = """# 第 1 次周例会

## 一、本周进度

项目总体完成 40%（计划 50%），SPI 0.80，CPI 0.97。

## 二、会议决议

1. 决议：消息队列选用 RocketMQ。

## 三、待办事项

| 编号 | 事项 | 负责人 | 截止日期 | 状态 |
| --- | --- | --- | --- | --- |
| A-01 | 整理旧系统接口清单 | 王磊 | 2026-03-10 | 进行中 |
| A-02 | 编制性能测试方案 | 陈静 | 2026-03-20 | 未开始 |

## 四、风险

| 编号 | 风险描述 | 概率 | 影响 | 应对措施 | 负责人 |
| --- | --- | --- | --- | --- | --- |
| R-05 | 割接窗口不足 | 中 | 高 | 提前迁移历史数据 | 刘洋 |

## 五、里程碑

| 编号 | 里程碑 | 计划日期 |
| --- | --- | --- |
| M2 | 代码冻结 | 2026-03-20 |
"""

WEEK2 = """# 第 2 次周例会

## 一、本周进度

1. 接口清单整理完毕（A-01 完成）。
2. 里程碑 M2 由 3 月 20 日顺延至 3 月 31 日。

## 三、待办事项

| 编号 | 事项 | 负责人 | 截止日期 | 状态 |
| --- | --- | --- | --- | --- |
| A-02 | 编制性能测试方案（含 5,000 并发） | 陈静 | 2026-03-20 | In progress |
| A-03 | 发布割接公告 | 赵建国 | 2026-03-25 | 未开始 |
"""


def facts_of(text: str, source: str, date: str = "2026-03-06"):
    return document_facts([make_chunk(text, source, date=date)])


def items_of(*docs: tuple[str, str, str]):
    mentions = [m for text, source, date in docs for m in facts_of(text, source, date).mentions]
    return {item.id: item for item in build_items(mentions)}


def test_table_rows_keep_ids_and_statuses_as_written() -> None:
    items = items_of((WEEK1, "w1.md", "2026-03-06"))
    assert items["A-02"].status == "未开始"
    assert items["A-01"].owner == "王磊" and items["A-01"].due == "2026-03-10"
    risk = items["R-05"]
    assert (risk.kind, risk.probability, risk.impact, risk.owner) == ("risk", "中", "高", "刘洋")
    assert risk.response == "提前迁移历史数据"
    assert items["M2"].planned == "2026-03-20"


def test_one_item_across_weeks_with_history_and_latest_status() -> None:
    items = items_of((WEEK2, "w2.md", "2026-03-13"), (WEEK1, "w1.md", "2026-03-06"))
    a02 = items["A-02"]
    assert a02.status == "In progress"  # copied, never "open"
    assert [(h.date, h.status) for h in a02.history] == [
        ("2026-03-06", "未开始"), ("2026-03-13", "In progress"),
    ]  # fmt: skip
    assert (a02.first_seen, a02.last_seen) == ("2026-03-06", "2026-03-13")
    assert {c.source for c in a02.citations} == {"w1.md", "w2.md"}
    assert a02.text == "编制性能测试方案"  # the first wording stays
    assert sum(1 for i in items.values() if i.kind == "action") == 3


def test_a_status_note_updates_the_item_it_names() -> None:
    items = items_of((WEEK1, "w1.md", "2026-03-06"), (WEEK2, "w2.md", "2026-03-13"))
    assert items["A-01"].status == "完成"
    assert items["A-01"].history[-1].source == "w2.md"


def test_milestone_slip_from_a_later_minute() -> None:
    items = items_of((WEEK1, "w1.md", "2026-03-06"), (WEEK2, "w2.md", "2026-03-13"))
    m2 = items["M2"]
    assert (m2.planned, m2.forecast, m2.slip_days) == ("2026-03-20", "2026-03-31", 11)


PLAN = """## 里程碑
| 编号 | 里程碑 | 计划日期 |
| --- | --- | --- |
| M4 | 割接上线 Go-live | 2026-04-11 |
| M5 | 初验 | 2026-05-15 |
"""


@pytest.mark.parametrize(
    ("decision", "moved"),
    [
        ("决议：割接上线日期由原计划 4 月 11 日调整为 4 月 18 日。", {"M4": "2026-04-18"}),
        ("Decision: the go-live moved from 2026-04-11 to 2026-04-25.", {"M4": "2026-04-25"}),
        ("决议：初验日期由 5 月 15 日推迟至 6 月 5 日。", {"M5": "2026-06-05"}),
        # the from-date is not the milestone's: another thing's date moved, not M4's
        ("决议：割接演练由 4 月 4 日调整为 4 月 5 日。", {}),
        # no milestone named
        ("决议：周例会由 3 月 27 日改为 3 月 28 日。", {}),
    ],
)
def test_a_date_change_moves_the_milestone_it_names(decision: str, moved: dict[str, str]) -> None:
    items = items_of((PLAN, "plan.md", "2026-02-27"), (decision, "w.md", "2026-03-27"))
    forecasts = {k: items[k].forecast for k in ("M4", "M5") if items[k].forecast}
    assert forecasts == moved
    assert sum(1 for i in items.values() if i.kind == "milestone") == 2  # no new milestone


def test_ids_compare_by_prefix_and_number() -> None:
    assert canonical_id("A-05") == canonical_id("A05") == canonical_id("a-5".upper())


def test_note_about_an_unknown_id_creates_nothing() -> None:
    facts = facts_of("1. 接口联调完成（A-99 完成）。", "w.md")
    assert build_items(facts.mentions) == []


def test_progress_figures() -> None:
    progress = facts_of(WEEK1, "w1.md").progress[0]
    assert (progress.percent, progress.planned_percent, progress.spi, progress.cpi) == (
        40.0, 50.0, 0.80, 0.97,
    )  # fmt: skip


ZH_MINUTES = """- 本次会议时间：2025/4/24 19:00-20:00 (GMT+08:00) 中国标准时间 - 北京
- 会议链接：https://meeting.tencent.com/dm/abc
- 参会人：张三、李四、王五

## 会议议程

1. 《开源大模型的开放、掌控与商业逻辑》 专题分享

## 结论

- 同意 Fast-Https 项目创建申请，放到 networking sig 运营

## 待办

- 整理 CVE 处理流程上的不足 -- 魏刚
- 请李四在 4.27 前提交评审材料
"""

EN_MINUTES = """# TSC meeting

## Present

* Alice Smith @alice

## Action items

* @bob to update the release doc by next Tuesday
* ACTION: Carol will write the security policy draft

## Decisions

* Decision: the LTS schedule stays as proposed.
"""


def test_chinese_minutes_owner_is_never_a_place_and_meta_lines_are_not_items() -> None:
    facts = facts_of(ZH_MINUTES, "m.md", "2025-04-24")
    owners = {m.owner for m in facts.mentions}
    assert "北京" not in owners
    texts = " ".join(m.text for m in facts.mentions)
    assert "标准时间" not in texts and "meeting.tencent" not in texts and "张三、" not in texts
    actions = [m for m in facts.mentions if m.kind == "action"]
    assert {(m.owner, m.due) for m in actions} == {("魏刚", None), ("李四", "2025-04-27")}
    decisions = [m for m in facts.mentions if m.kind == "decision"]
    assert len(decisions) == 1 and "Fast-Https" in decisions[0].text


def test_english_action_forms_and_relative_dates() -> None:
    facts = facts_of(EN_MINUTES, "tsc.md", "2024-03-13")  # a Wednesday
    actions = {m.owner: m for m in facts.mentions if m.kind == "action"}
    assert actions["bob"].due == "2024-03-19"
    assert "Carol" in actions
    assert [m.kind for m in facts.mentions].count("decision") == 1
    assert all("Alice" not in (m.owner or "") for m in facts.mentions)


def test_select_open_and_overdue() -> None:
    docs = ((WEEK1, "w1.md", "2026-03-06"), (WEEK2, "w2.md", "2026-03-13"))
    mentions = [m for text, source, date in docs for m in facts_of(text, source, date).mentions]
    from assistant.record.models import Register

    register = Register(project="p", as_of="2026-03-22", items=build_items(mentions))
    open_ids = {i.id for i in select(register, kinds=["action"], open_only=True).items}
    assert open_ids == {"A-02", "A-03"}
    overdue = {i.id for i in select(register, kinds=["action"], overdue=True).items}
    assert overdue == {"A-02"}


def _store(*docs: tuple[str, str, str]) -> tuple[InMemoryStore, list[DocumentRef]]:
    store = InMemoryStore()
    chunks = [make_chunk(text, source, date=date) for text, source, date in docs]
    store.add(chunks, NgramEmbedder().embed_batch([c.text for c in chunks]))
    refs = [DocumentRef("", c.source, c.project, c.date, c.file_hash) for c in chunks]
    return store, refs


def test_register_cache_and_deleted_documents(tmp_path: Path) -> None:
    store, refs = _store((WEEK1, "w1.md", "2026-03-06"), (WEEK2, "w2.md", "2026-03-13"))
    cache = FactsCache(tmp_path / "facts")
    first = build_register("alpha", refs, store, cache=cache, as_of="2026-04-01")
    assert len(list((tmp_path / "facts").glob("*.json"))) == 2
    store.delete_sources(["w1.md", "w2.md"])  # the second build reads the cache only
    again = build_register("alpha", refs, store, cache=cache, as_of="2026-04-01")
    assert again.to_json() == first.to_json()
    without_week2 = build_register("alpha", refs[:1], store, cache=cache, as_of="2026-04-01")
    assert "A-03" not in {i.id for i in without_week2.items}
    assert {i.id: i.status for i in without_week2.items}["A-02"] == "未开始"
    cache.prune(refs[:1])
    assert len(list((tmp_path / "facts").glob("*.json"))) == 1


def test_as_of_ignores_later_documents() -> None:
    store, refs = _store((WEEK1, "w1.md", "2026-03-06"), (WEEK2, "w2.md", "2026-03-13"))
    register = build_register("alpha", refs, store, as_of="2026-03-10")
    assert {i.id: i.status for i in register.items}["A-02"] == "未开始"


def test_status_health_and_reasons() -> None:
    store, refs = _store((WEEK1, "w1.md", "2026-03-06"), (WEEK2, "w2.md", "2026-03-13"))
    status = project_status(build_register("alpha", refs, store, as_of="2026-03-30"))
    document = status.to_json()
    assert document["health"] == "amber"  # SPI 0.80 is at the red line, not below it
    assert any("SPI 0.8" in r for r in document["health_reasons"])
    assert document["counts"]["actions_overdue"] == 2
    assert document["counts"]["risks_open_high"] == 1
    milestone = document["milestones"][0]
    assert (milestone["id"], milestone["slip_days"]) == ("M2", 11)


def test_unknown_project_is_a_clear_error() -> None:
    store, refs = _store((WEEK1, "w1.md", "2026-03-06"))
    with pytest.raises(Exception, match="Unknown project 'nope'"):
        build_register("nope", refs, store)


def test_documents_of_keeps_only_ingested_documents_of_the_project() -> None:
    from ingest.manifest import DocumentRecord

    records = [
        DocumentRecord("/r", "a.md", "alpha", date="2026-03-01", file_hash="x"),
        DocumentRecord("/r", "b.md", "beta", file_hash="y"),
        DocumentRecord("/r", "c.md", "alpha", status="failed", file_hash="z"),
    ]
    assert [d.source for d in documents_of(records, "alpha")] == ["a.md"]


def test_mention_requires_a_known_kind() -> None:
    with pytest.raises(ValueError):
        Mention(kind="task", text="x", citation={"source": "a", "page": None, "text": "x"})  # type: ignore[arg-type]


class ScriptedModel:
    """Records what it was asked to score; answers like ml.model.RiskModel.score_records."""

    def __init__(self) -> None:
        self.records: list[dict[str, object]] = []

    def score_records(self, records):  # type: ignore[no-untyped-def]
        self.records.extend(records)
        return [{"id": None, "delay": {"probability": 0.7, "level": "high"}, "drivers": []}]


def test_status_scores_the_documents_features_with_the_model() -> None:
    from assistant.record.features import risk_features
    from assistant.record.workspace import model_probabilities

    store, refs = _store((WEEK1, "w1.md", "2026-03-06"), (WEEK2, "w2.md", "2026-03-13"))
    register = build_register("alpha", refs, store, as_of="2026-03-30")
    model = ScriptedModel()
    features = risk_features(register, declared={"team_size": 9}).values
    assert model_probabilities(model, features) == {"delay": 0.7}
    assert model.records == [{"percent_complete": 40.0, "spi": 0.8, "cpi": 0.97,
                              "open_high_risks": 1, "team_size": 9}]  # fmt: skip
    assert model_probabilities(model, {}) is None


def test_lettered_sub_items_stay_apart() -> None:
    text = ("3.Protobuf 升级评审——徐学鹏\n"
            "a.其他厂商策略对比——熊伟\n"
            "b.周边团队信息收集——刘恺、胡欣蔚\n")  # fmt: skip
    facts = facts_of(text, "tc.md", "2024-03-13")
    owners = {m.owner for m in facts.mentions if m.kind == "action"}
    assert owners == {"熊伟", "刘恺、胡欣蔚"}  # as written: both people the line names


def test_patch_and_mail_lines_quoted_in_material_are_not_items() -> None:
    text = ("## 行动项\n\n"
            "- Signed-off-by: Akiva Goldberger <agoldberger@nvidia.com>\n"
            "- @@ -1225,7 +1248,7 @@ static int mlx5_cmd_invoke(struct mlx5_core_dev *dev)\n"
            "- @bob to update the kabi whitelist by next Tuesday\n")  # fmt: skip
    facts = facts_of(text, "material.md", "2024-07-17")
    assert [(m.kind, m.owner) for m in facts.mentions] == [("action", "bob")]
