"""Extraction forms of real, loosely written minutes: owners as written, sub-points, shorthand
decisions, id lines written as fields, and the lines that are never items."""

from __future__ import annotations

from assistant.record.extract import document_facts
from assistant.record.models import Mention
from assistant.record.people import owner_of, people_of
from tests.assistant.conftest import make_chunk


def mentions(text: str, source: str = "m.md", date: str = "2025-03-06",
             doc_type: str = "meeting_notes") -> list[Mention]:  # fmt: skip
    return document_facts([make_chunk(text, source, date=date, doc_type=doc_type)]).mentions


def by_key(found: list[Mention], key: str) -> Mention:
    hits = [m for m in found if key in m.text] or [m for m in found if key in m.citation.text]
    assert len(hits) == 1, (key, [(m.kind, m.text) for m in found])
    return hits[0]


def test_id_owner_date_text_line_reads_each_field() -> None:
    found = mentions("## 行动项\n\nA-01 张伟 2025-03-20 完成接口联调\n"
                     "A-02 输出测试报告 李娜 3月25日\n")
    first, second = by_key(found, "接口联调"), by_key(found, "测试报告")
    assert (first.own_id, first.owner, first.due, first.text) == (
        "A-01", "张伟", "2025-03-20", "完成接口联调")
    assert (second.own_id, second.owner, second.due, second.text) == (
        "A-02", "李娜", "2025-03-25", "输出测试报告")


def test_a_verb_where_the_name_would_be_is_not_an_owner() -> None:
    found = mentions("## 行动项\n\nA-03 完成 2025-03-20 上线发布\n")
    assert by_key(found, "上线发布").owner is None


def test_tc_suggestions_with_who_made_them_are_actions_or_decisions() -> None:
    text = ("## 议题一：社区 PR 合入策略  汇报人：吴峰光\n"
            " a.建议梳理现有仓库的 rebase 列表并输出方案——熊伟\n"
            " b.建议归档 sig-Edge——刘恺、胡欣蔚\n"
            " c.恢复和上游 KubeEdge 的协同关系\n"
            " d.上次的问题已经修复\n")  # fmt: skip
    found = mentions(text)
    suggestion = by_key(found, "rebase 列表")
    assert (suggestion.kind, suggestion.owner) == ("action", "熊伟")
    assert not suggestion.text.startswith("a.")
    assert by_key(found, "归档 sig-Edge").kind == "decision"
    assert by_key(found, "KubeEdge").kind == "action"
    assert not [m for m in found if "已经修复" in m.text and m.kind == "action"]  # done


def test_sub_points_describing_a_talk_are_not_actions() -> None:
    text = ("## 会议议程\n\n"
            "2. 《DeepSeek R1 精读》 @[swagger-coder](https://github.com/x) （20 min）\n"
            " - 梳理了 PPO 与 GRPO 的区别\n - 梳理强化学习的四个训练阶段\n")  # fmt: skip
    assert mentions(text) == []


def test_nodejs_shorthand_decisions_and_owners_in_parentheses() -> None:
    text = ("## Present\n\n* Antoine du Hamel @aduh95 (voting member)\n\n## Agenda\n\n"
            "* Vote on the new charter [#1500](https://github.com/nodejs/TSC/issues/1500)\n"
            "  * Discussion went on for a while (Antoine to run the vote)\n"
            "  * decide to voting\n"
            "  * skip the conversation for now\n"
            "  * @mcollina to reach out to the foundation about funding\n"
            "  * ACTION: Richard to update the release schedule by next Tuesday\n")
    found = mentions(text, date="2025-03-06")  # a Thursday
    assert [m.kind for m in found if "charter" in m.text] == []  # the agenda title
    vote = by_key(found, "run the vote")
    assert (vote.kind, vote.owner) == ("action", "Antoine")
    assert by_key(found, "decide to voting").kind == "decision"
    assert by_key(found, "skip the conversation").kind == "decision"
    assert by_key(found, "reach out").owner == "mcollina"
    release = by_key(found, "release schedule")
    assert (release.kind, release.owner, release.due) == ("action", "Richard", "2025-03-11")


def test_a_word_before_to_is_not_a_person() -> None:
    found = mentions("## Agenda\n\n* Proposal to reduce inactive collaborator duration #1524\n"
                     "* Need to update the release calendar before May 1st\n")
    assert not [m for m in found if "Proposal" in m.text]
    assert all(m.owner is None for m in found)


def test_people_of_the_minutes_own_the_work_they_are_given() -> None:
    text = ("与会人：李永强、魏建刚、胡欣蔚\n会议主持：曹志\n\n议题：\n"
            " 4. SIG 审视 汇报人：魏建刚\n"
            "   - message-middleware 永强下次会议反馈改进方案\n"
            "   - distributed-middleware 胡欣蔚和华为讨论后续投入方式\n"
            "   - 魏建刚介绍了 SIG 的现状\n")  # fmt: skip
    found = mentions(text)
    assert by_key(found, "反馈改进方案").owner == "永强"
    assert by_key(found, "投入方式").owner == "胡欣蔚"
    assert not [m for m in found if "介绍了" in m.text]


def test_people_come_from_rosters_and_present_lists() -> None:
    people = people_of([("与会人：石勇、高贵锦", ""),
                        ("Ruben Bridgewater @BridgeAR (voting member)", "TSC > Present")])
    assert {"石勇", "高贵锦", "贵锦", "Ruben", "BridgeAR"} <= people.names
    assert owner_of("会后石勇帮忙跟踪", people) == "石勇"
    assert owner_of("Ruben will open the PR", people) == "Ruben"


def test_an_owner_is_never_a_place_or_a_time_zone() -> None:
    text = ("- 本次会议时间：2025/3/6 19:00-20:00 (GMT+08:00) 中国标准时间 - 北京\n"
            "- 会议链接：https://meeting.tencent.com/dm/abc\n"
            "- 与会人：张三、李四\n\n## 待办\n\n- 整理接口清单 - 北京\n")  # fmt: skip
    found = mentions(text)
    assert [m.text for m in found] == ["整理接口清单 - 北京"]
    assert found[0].owner is None
    assert owner_of("完成部署 -- 北京") is None


def test_a_line_with_a_decision_then_work_gives_both() -> None:
    found = mentions("结论：同意gnome这部分软件包移出baseos，"
                     "后续将软件包引入/退出整体流程写成oecp\n")
    kinds = {m.kind: m.text for m in found}
    assert "移出baseos" in kinds["decision"] and "oecp" not in kinds["decision"]
    assert "写成oecp" in kinds["action"]


def test_the_speaker_owns_what_they_say_they_will_do() -> None:
    found = mentions("## nodejs/TSC\n\n* Yagiz: Due to consensus, we reduced it to 12 months, and "
                     "will take another action to remove it further in a month.\n")
    assert by_key(found, "reduced it to 12 months").kind == "decision"
    action = by_key(found, "another action")
    assert (action.kind, action.owner) == ("action", "Yagiz")


def test_post_mortem_action_items_count_and_its_timeline_does_not() -> None:
    text = ("# ADFS outage\n\n## Timeline\n\n| Time | Event |\n| --- | --- |\n"
            "| 2021-03-31 12:06 | Certificates expire |\n\n## Contributing Factors\n\n"
            "- No monitoring of certificate expiry\n\n## Action Items\n\n"
            "- Implement monitoring of ADFS certificate expiry\n"
            "- Ask datacenters to apply monitoring and follow up\n\n## Atendees\n\n- RF, PW\n")
    found = mentions(text, "pm.md", doc_type="postmortem")
    assert sorted(m.text for m in found if m.kind == "action") == [
        "Ask datacenters to apply monitoring and follow up",
        "Implement monitoring of ADFS certificate expiry",
    ]
    assert [m for m in found if m.kind != "action"] == []


def test_a_speakers_opinion_is_not_an_item_but_their_will_is() -> None:
    text = ("## nodejs/TSC\n\n* Release cadence\n"
            "  * Gireesh: we need to be aware that more updates may mean more issues\n"
            "  * James: that's the tool author making that decision for their users\n"
            "  * Filip: I will write down the options in the issue\n")  # fmt: skip
    found = mentions(text)
    assert [(m.kind, m.owner) for m in found] == [("action", "Filip")]


def test_a_title_up_for_decision_is_not_a_decision() -> None:
    text = ("## 议题\n\n1. SIG 成立申请：openEuler社区成立SBOM SIG决策   ---罗钰凯/杜泉松\n"
            "   - 同意成立 SBOM sig\n")  # fmt: skip
    found = mentions(text)
    assert [(m.kind, m.text) for m in found] == [("decision", "同意成立 SBOM sig")]


def test_a_name_set_apart_like_a_column_owns_the_line() -> None:
    found = mentions("结论：\n- 工具链多版本的工作强相关，请刘恺关注     刘恺\n")
    assert [(m.kind, m.owner) for m in found] == [("action", "刘恺")]


def test_questions_negations_and_empty_updates_are_not_items() -> None:
    text = ("## nodejs/node\n\n* test runner\n"
            "  * Yagiz, consensus on using external test runner?\n"
            "  * added a while back as there was not consensus on the name\n"
            "  * Matteo, the biggest expense will be the infrastructure\n"
            "  * Nothing to chat about this week.\n"
            "  * Matteo will take it to the CPC for approval.\n")  # fmt: skip
    found = mentions(text)
    assert [(m.kind, m.owner) for m in found] == [("action", "Matteo")]


def test_a_table_owner_cell_naming_a_place_or_placeholder_is_nobody() -> None:
    text = ("## 待办事项\n\n| 事项 | 负责人 | 截止日期 | 状态 |\n| --- | --- | --- | --- |\n"
            "| 编写迁移指南 | 北京 | 2025-04-01 | 进行中 |\n"
            "| 联系上游 | 王强 | 4月10日 | 未开始 |\n"
            "| 清理旧仓库 | 待定 | 2025-05-01 | 未开始 |\n")  # fmt: skip
    found = mentions(text)
    assert [(m.text, m.owner, m.due, m.status) for m in found] == [
        ("编写迁移指南", None, "2025-04-01", "进行中"),
        ("联系上游", "王强", "2025-04-10", "未开始"),
        ("清理旧仓库", None, "2025-05-01", "未开始"),
    ]


def test_numbered_titles_with_presenters_are_not_items() -> None:
    text = ("会议内容：\n2，cve-ease工具引入 -- 天翼云\n"
            "suse申请成立RFO SIG，建立rancher for openEuler产业生态 - zhangzhibo\n"
            "讨论（RFC）：Clang+LLVM构建openEuler   赵川峰\n"
            "Q：是否有RFC文档，后续是否标准化？ - A： 暂无这方面考虑\n")  # fmt: skip
    assert mentions(text) == []


def test_english_work_needs_someone_to_do_it() -> None:
    text = ("## Announcements\n\n"
            "* Project-specific referral links will be provided as part of the onboarding.\n"
            "* We are having our flagship event colocated with RenderATL\n"
            "* Amir will then send the updated report\n"
            "* Michael to try to make sure they know about auto install\n")  # fmt: skip
    found = mentions(text)
    assert [(m.kind, m.owner) for m in found] == [("action", "Amir"), ("action", "Michael")]


def test_a_presenter_with_affiliation_is_not_an_item() -> None:
    text = "## 分享\n\n- @gaoziyuan（北京邮电大学）详细梳理秋招时间线与面试准备\n"
    assert mentions(text) == []


def test_agenda_slots_with_times_are_not_items() -> None:
    text = ("议题：\n- 将CONFIG_CMA=y设置为默认配置     10:15~10:45   30min     韩里洋/谢秀奇\n"
            "- openEuler 技术委员会换届计划讨论 16:40-17:00 20min 胡欣蔚\n"
            "- 24.09发布前，补充相应的设计文档通过oeep在社区讨论      责任人：吴峰光\n")
    found = mentions(text)
    assert [(m.kind, m.owner) for m in found] == [("action", "吴峰光")]


def test_a_cutover_window_is_work_not_an_agenda_slot() -> None:
    found = mentions("## 待办\n\n- 4月27日 22:00-24:00 完成割接演练（负责人：王磊）\n")
    assert [(m.kind, m.owner, m.due) for m in found] == [("action", "王磊", "2025-04-27")]


def test_fields_without_an_id_under_an_action_list() -> None:
    found = mentions("与会人：张伟、李娜\n\n## 行动项\n\n1. 张伟 2025-03-20 完成接口联调\n"
                     "2. 北京 2025-03-21 机房巡检\n3. 文档 2.0 重构计划\n")
    first = by_key(found, "接口联调")
    assert (first.own_id, first.owner, first.due, first.text) == (
        None, "张伟", "2025-03-20", "完成接口联调")
    assert by_key(found, "机房巡检").owner is None  # a place is nobody
    assert by_key(found, "重构计划").owner is None  # not a person of the minutes


def test_a_request_is_not_read_as_an_owner_field() -> None:
    found = mentions("## 行动项\n\nA-07 请李四在 2025-04-27 前完成联调\n")
    assert by_key(found, "联调").owner == "李四"


def test_a_status_in_brackets_is_not_an_owner() -> None:
    found = mentions("## Action Items\n\n- Implement guards against invalid runtimes (done)\n",
                     "pm.md", doc_type="postmortem")
    assert [(m.owner, m.status) for m in found] == [(None, "done")]


def test_corrective_actions_of_a_post_mortem_are_actions() -> None:
    text = ("# Corrective actions\n\n- Avoid using toplevel wildcards on the DNS level.\n"
            "- Use an uptime service to monitor all of our domains.\n\n# Notes to the owner\n\n"
            "- [x] Push this document to github.com/learningequality/postmortems\n")  # fmt: skip
    found = mentions(text, "pm.md", doc_type="postmortem")
    assert [m.text for m in found] == ["Avoid using toplevel wildcards on the DNS level.",
                                       "Use an uptime service to monitor all of our domains."]


def test_a_latin_handle_ends_where_the_chinese_goes_on() -> None:
    found = mentions("### TODO\n\n1. [@sanbuphy](https://github.com/sanbuphy)发布系列翻译活动\n")
    assert [(m.kind, m.owner) for m in found] == [("action", "sanbuphy")]


def test_a_negated_consensus_in_a_contraction_decides_nothing() -> None:
    found = mentions("## nodejs/node\n\n* test runner\n"
                     "  * Michael, the issue is that we don’t have consensus on moving all tests\n")
    assert found == []


def test_an_approval_then_who_will_act_gives_both() -> None:
    found = mentions("## nodejs/TSC\n\n* New policy\n"
                     "  * CPC approved, Matteo will land after meeting\n")
    assert [(m.kind, m.text, m.owner) for m in found] == [
        ("decision", "CPC approved", None), ("action", "Matteo will land after meeting", "Matteo")]
