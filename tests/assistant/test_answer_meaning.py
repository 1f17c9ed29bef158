"""Answers that understand the question (#14): direct answer lines, tables in words, the
newest value for status questions, follow-ups offline and with a model - on the shipped
sample documents ingested into a real Chroma."""

from __future__ import annotations

import re

import pytest

from assistant.answer import NOT_FOUND_EN, NOT_FOUND_ZH, WEAK_EN, Turn, answer, answer_messages
from assistant.answer_direct import Wants, answer_span, asked_measure, tables_in_words, wants
from assistant.answer_followup import contextual_query, history_messages, leans_on_history
from assistant.llm import OpenAIChatModel
from assistant.retrieval import HybridRetriever, open_retriever
from assistant.settings import Settings, data_dir
from ingest.model import SearchFilter
from tests.openai_server import OpenAIServer

GOV = SearchFilter(project="smart-gov-cloud")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    """data/samples through the real ingest into a real Chroma, opened as `ask` opens it."""
    from assistant.workspace import ingest_into_workspace

    settings = Settings(workspace=tmp_path_factory.mktemp("samples") / "ws")
    report = ingest_into_workspace(settings, [data_dir() / "samples"])
    assert report.chunks > 50 and not report.failed
    return open_retriever(settings)


# -- on real files ------------------------------------------------------------------------------


def test_a_status_question_answers_with_the_newest_value_and_its_date(
    samples: HybridRetriever,
) -> None:
    lines = answer("项目目前进度怎么样？", retriever=samples, where=GOV).answer.splitlines()
    assert lines[0] == "截至 2026-04-10：76% [1]"
    # the other weeks follow, newest first, each with its date
    dates = [line[1:11] for line in lines[1:] if line.startswith("(")]
    assert dates and dates[0] == "2026-04-10" and dates == sorted(dates, reverse=True)


def test_a_follow_up_is_resolved_against_the_previous_turn(samples: HybridRetriever) -> None:
    first = answer("R-07 是什么风险？", retriever=samples)
    assert first.answer.startswith("“R-07：风险描述 生产环境配置与预生产不一致")
    history = [Turn(first.question, first.answer)]
    follow = answer("它的负责人是谁？", retriever=samples, history=history)
    assert follow.answer.splitlines()[0] == "答：孙浩 [1]"
    assert follow.citations[0].source == "smart-gov-cloud/会议纪要/2026-04-10-周例会.md"
    alone = answer("它的负责人是谁？", retriever=samples)
    # without the history the question names no risk: it is not answered as R-07's owner
    assert alone.answer.splitlines()[0] != "答：孙浩 [1]"


def test_table_rows_are_answered_in_words_never_pipes(samples: HybridRetriever) -> None:
    result = answer("谁负责核对生产环境与预生产环境的中间件参数？", retriever=samples)
    assert result.answer.splitlines()[0] == "答：孙浩 [1]"
    assert "A-15：事项 核对生产环境与预生产环境的中间件参数" in result.answer
    assert "|" not in result.answer and "---" not in result.answer


def test_a_date_question_gets_the_date_first(samples: HybridRetriever) -> None:
    # the newest document that states the change answers (its PDF writes "6月5日")
    assert re.match(r"答：6\s*月\s*5\s*日", answer("初验推迟到哪天？", retriever=samples).answer)


def test_a_meeting_number_finds_its_minutes(samples: HybridRetriever) -> None:
    result = answer("第24次周例会的主持人是谁？", retriever=samples)
    assert result.citations[0].source == "smart-gov-cloud/会议纪要/2026-03-27-周例会.txt"
    assert result.answer.startswith("答：李明远")


def test_an_english_question_finds_the_chinese_minutes(samples: HybridRetriever) -> None:
    result = answer(
        "Who is responsible for checking the middleware parameters of production?",
        retriever=samples,
    )
    assert result.citations[0].source.startswith("smart-gov-cloud/会议纪要/")
    assert "孙浩" in result.answer


def test_weak_support_is_hedged_and_absent_support_is_not_found(samples: HybridRetriever) -> None:
    assert answer("量子纠缠光子芯片的良率是多少？", retriever=samples).answer == NOT_FOUND_ZH
    # what the question asks for is never mentioned: its value cannot be in the documents
    colour = answer("What colour is the stores' logo in the CRM design?", retriever=samples)
    assert colour.answer == NOT_FOUND_EN
    units = "How many hardware units did the CRM migration ship to the stores?"
    assert answer(units, retriever=samples).answer == NOT_FOUND_EN
    # other words the documents never use: hedged, and named as the user typed them
    hedged = answer("How many stores did the CRM migration ship new hardware to?",
                    retriever=samples)  # fmt: skip
    first = hedged.answer.splitlines()[0]
    assert first.startswith(WEAK_EN) and hedged.citations
    assert "hardware" in first and "ship" in first and "many" not in first


def test_a_measure_no_passage_states_is_not_found(samples: HybridRetriever) -> None:
    # money, weight: the passages match the other words, but none states the amount asked for
    assert answer("驻场工程师的差旅补贴是多少元？", retriever=samples).answer == NOT_FOUND_ZH
    kilograms = "How many kilograms of hardware did the CRM migration ship to the stores?"
    assert answer(kilograms, retriever=samples).answer == NOT_FOUND_EN
    # an amount the documents state is still answered
    stated = answer("增加测试人员的费用是多少万元？", retriever=samples)
    assert stated.answer != NOT_FOUND_ZH and "4.2 万元" in stated.answer


def test_a_name_the_documents_never_mention_is_not_found(samples: HybridRetriever) -> None:
    absent = answer("How many stores did Contoso migrate to Salesforce?", retriever=samples)
    assert absent.answer == NOT_FOUND_EN and not absent.citations
    named = answer("How many stores did Harbor Lane migrate to Salesforce?", retriever=samples)
    assert named.answer != NOT_FOUND_EN and "212 stores" in named.answer
    # a Chinese name in pinyin is written in characters in the minutes: not "absent"
    asked = "Is {} responsible for checking the middleware parameters of production?"
    romanised = answer(asked.format("Sun Hao"), retriever=samples)
    assert romanised.answer != NOT_FOUND_EN and "孙浩" in romanised.answer
    assert answer(asked.format("Contoso"), retriever=samples).answer == NOT_FOUND_EN


def test_a_version_no_document_mentions_is_not_found(samples: HybridRetriever) -> None:
    assert samples.mentions("1.42") and not samples.mentions("9.99")
    absent = answer("When will Salesforce 9.99 be rolled out to the stores?", retriever=samples)
    assert absent.answer == NOT_FOUND_EN
    present = answer("When will Salesforce be rolled out to the stores?", retriever=samples)
    assert present.answer != NOT_FOUND_EN
    # a figure after an acronym is a measure, not a version: not required verbatim
    assert answer("Did the CRM project close above USD 1.40 million?",
                  retriever=samples).answer != NOT_FOUND_EN  # fmt: skip


def test_a_meeting_number_no_passage_comes_from_is_not_found(samples: HybridRetriever) -> None:
    assert answer("第99次周例会的主持人是谁？", retriever=samples).answer == NOT_FOUND_ZH
    # the meeting number written in a minutes' text (not its title) still counts
    assert answer("第24次周例会的主持人是谁？", retriever=samples).answer.startswith("答：李明远")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What was the total cost in dollars?", True),
        ("飞桨2030年的营收目标是多少亿元？", True),
        ("Node.js TSC 成员的平均年龄是多少岁？", True),
        ("What is the phone number of the secretary?", True),
        ("How do you tell a disruption budget what to do?", False),
        ("单元测试覆盖率是多少？", False),
        ("发票 invoices PDF", False),
    ],
)
def test_which_questions_ask_for_a_measure(question: str, asks: bool) -> None:
    assert (asked_measure(question) is not None) is asks


# -- with a model: the earlier turns are sent --------------------------------------------------


def test_the_model_receives_the_earlier_turns(
    samples: HybridRetriever, openai_server: OpenAIServer
) -> None:
    openai_server.enqueue("孙浩 [1]")
    model = OpenAIChatModel("qwen-plus", base_url=openai_server.base_url)
    history = [Turn("R-07 是什么风险？", "生产环境配置与预生产不一致 [1]")]
    result = answer("它的负责人是谁？", retriever=samples, chat_model=model, history=history)
    assert result.answer == "孙浩 [1]" and result.mode == "llm"
    sent = openai_server.chat_requests()[0].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == "R-07 是什么风险？"
    assert sent[2]["content"] == "生产环境配置与预生产不一致 [1]"
    assert "<documents>" in sent[3]["content"] and "R-07" in sent[3]["content"]


def test_history_sent_to_a_model_keeps_the_newest_turns_within_budget() -> None:
    turns = [Turn(f"问题 {i}", "回答" * 200) for i in range(3)]
    kept = history_messages(turns, budget=450)
    assert [m.content for m in kept if m.role == "user"] == ["问题 2"]
    assert history_messages(turns, budget=10) == []
    messages = answer_messages("它呢？", [], "zh", turns, history_tokens=450)
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]


# -- the pieces --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("割接时间定在哪天？", Wants.DATE),
        ("When is the deadline?", Wants.DATE),
        ("它的负责人是谁？", Wants.PERSON),
        ("Who owns the rollback plan?", Wants.PERSON),
        ("迁移需要多少小时？", Wants.NUMBER),
        ("How long did recovery take?", Wants.NUMBER),
        ("为什么初验推迟？", Wants.CAUSE),
        ("Why did the pods crash?", Wants.CAUSE),
        ("R-07 是什么风险？", Wants.ANYTHING),
        ("Pod 中断预算功能是在 Kubernetes 哪个版本引入的？", Wants.VERSION),
        ("Where is NodeConf.eu held in 2024?", Wants.PLACE),
        ("项目目前进度怎么样？", Wants.NUMBER),  # a status question asks for the figure
    ],
)
def test_what_a_question_wants(question: str, kind: Wants) -> None:
    assert wants(question) is kind


def test_spans_are_taken_as_written() -> None:
    assert answer_span(Wants.DATE, "4月18日 22:00 开始割接并发布停服公告") == "4月18日 22:00"
    summit = "Summit in Dublin on November 7-8th 2024."
    assert answer_span(Wants.DATE, summit) == "November 7-8th 2024"
    assert answer_span(Wants.NUMBER, "Time to recovery: 31 minutes") == "31 minutes"
    assert answer_span(Wants.NUMBER, "全量迁移预计需 6.5 小时，窗口 8 小时") == "6.5 小时"
    # a number the question already holds is not the answer
    asked = "8 小时窗口够吗，要多少小时"
    assert answer_span(Wants.NUMBER, "8 小时窗口，需 6.5 小时", asked) == "6.5 小时"
    assert answer_span(Wants.PERSON, "主持人：李明远参会人员：赵建国") == "李明远"
    assert answer_span(Wants.PERSON, "Michael will open issue, Joe Sepi agreed") == "Joe Sepi"
    assert answer_span(Wants.PERSON, "本次会议由轮值主席张雅琨（VigiZhang）主持。") == "张雅琨"
    assert answer_span(Wants.PERSON, "Owner: alice-w") == "alice-w"
    # "by default" names no one
    assert answer_span(Wants.PERSON, "by default they are chairs with desks attached") is None
    assert answer_span(Wants.VERSION, "introduced in Kubernetes 1.4 and beta in 1.5") == "1.4"
    assert answer_span(Wants.VERSION, "released on 2024.03.01 with 23.09") == "23.09"
    cause = answer_span(Wants.CAUSE, "KIAM agents were crashing, because the new argument was "
                        "not known to any release. We rolled back.")  # fmt: skip
    assert cause == "the new argument was not known to any release"
    assert answer_span(Wants.DATE, "no date here") is None


def test_markdown_tables_become_lines_in_words() -> None:
    table = (
        "风险如下：\n| 编号 | 风险描述 | 负责人 |\n| --- | --- | --- |\n"
        "| R-07 | 配置不一致 | 孙浩 |\n| R-08 | 数据丢失 | 刘洋 |\n之后的段落"
    )
    assert tables_in_words(table).splitlines() == [
        "风险如下：",
        "R-07：风险描述 配置不一致，负责人 孙浩。",
        "R-08：风险描述 数据丢失，负责人 刘洋。",
        "之后的段落",
    ]
    english = "| Time | Event |\n| :--- | --- |\n| 12:05 | **Detection:** Prometheus down |"
    assert tables_in_words(english) == "12:05: Event Detection: Prometheus down."


def test_follow_ups_are_recognised_and_rewritten() -> None:
    assert leans_on_history("它的负责人是谁？")
    assert leans_on_history("那终验呢？")
    assert leans_on_history("and who owns it?")
    assert leans_on_history("How long was the recovery?")  # too few words of its own
    assert not leans_on_history("谁负责核对生产环境与预生产环境的中间件参数？")
    history = [Turn("R-07 是什么风险？", "“R-07：生产配置不一致 (A-15)” [1]")]
    rewritten = contextual_query("它的负责人是谁？", history)
    assert rewritten == "它的负责人是谁？ R-07 是什么风险？ R-07 A-15"
    assert contextual_query("初验推迟到哪天？", history) == "初验推迟到哪天？"
    assert contextual_query("它的负责人是谁？", []) == "它的负责人是谁？"
