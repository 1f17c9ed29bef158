"""What the Ask, Drafts, Risk and Projects tabs show, in one language at a time (#18 point 6):
labels for types, kinds, levels, features and their values, table headers; citations quoted
without visible escapes and still harmless. The browser test checks the same on screen."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

from ml.labels import value_label
from ml.results import Driver, ProjectRisk, TargetRisk
from ui.web.i18n import TEXT, draft_kind_choices, language_choices
from ui.web.risk_view import drivers_frame, result_markdown, results_frame, shown_results
from ui.web.tabs.chat import citations_markdown, type_choices
from ui.web.tabs.projects import kind_choices, register_headers

ATTACKER = "http://attacker.example/leak.png"
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
CJK = re.compile(r"[\u3400-\u9fff]")


class Parsed(HTMLParser):
    """The text a browser shows and the tags with their attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def cite(text: str, doc_type: str = "meeting_notes") -> dict[str, object]:
    return {"source": "alpha/notes_v2.md", "page": 2, "project": "alpha", "doc_type": doc_type,
            "text": text}  # fmt: skip


def test_citations_show_document_text_without_escapes_and_keep_its_links() -> None:
    text = ("Version 2.5 (see <https://docs.example/a.b>) goes live; owner: li_wei. "
            "[Plan](https://plan.example/x_y) #3 *now*")  # fmt: skip
    parsed = Parsed(citations_markdown([cite(text)], "zh"))
    shown = "".join(parsed.text)
    assert "\\" not in shown
    assert "Version 2.5 (see https://docs.example/a.b) goes live; owner: li_wei. Plan #3" in shown
    links = [attrs.get("href") for tag, attrs in parsed.tags if tag == "a"]
    assert links == ["https://docs.example/a.b", "https://plan.example/x_y"]
    assert "会议纪要" in shown and "第 2 页" in shown and "alpha/notes_v2.md" in shown


def test_a_poisoned_snippet_still_loads_nothing() -> None:
    poisoned = [
        cite(f"![pixel]({ATTACKER}) <img src={ATTACKER}> [x](javascript:alert(1))"),
        cite(f"[1]: {ATTACKER}"),  # would turn every "[1]" into a link if parsed together
        cite(f"# heading ![x][r]\n\n[r]: {ATTACKER}"),
    ]
    html = citations_markdown(poisoned, "en")
    parsed = Parsed(html)
    assert not [tag for tag, _ in parsed.tags if tag in ("img", "script", "iframe")]
    assert all(ATTACKER not in (attrs.get("href") or "") for _, attrs in parsed.tags)
    assert not [attrs for tag, attrs in parsed.tags if tag == "a"]
    shown = "".join(parsed.text)
    assert f"[1]: {ATTACKER}" in shown  # the definition stays visible text
    assert "# heading" in shown  # not made a heading
    assert not [tag for tag, _ in parsed.tags if tag == "h1"]


def test_a_snippet_opening_a_list_or_numbering_shows_as_typed() -> None:
    for text in ("1. first step", "- item", "> quoted", "=== title"):
        assert text in "".join(Parsed(citations_markdown([cite(text)], "en")).text)


def test_type_filter_offers_all_types_then_labels() -> None:
    zh, en = type_choices("zh"), type_choices("en")
    assert zh[0] == ("全部类型", "") and en[0] == ("All types", "")
    assert ("会议纪要", "meeting_notes") in zh and ("Meeting notes", "meeting_notes") in en


def test_draft_kinds_and_languages_by_label() -> None:
    assert ("周报", "weekly-report") in draft_kind_choices("zh")
    assert ("Weekly report", "weekly-report") in draft_kind_choices("en")
    assert language_choices("zh") == [("中文", "zh"), ("英文", "en")]


def scored() -> ProjectRisk:
    delay = TargetRisk(probability=0.7, level="high", no_skill=True)
    drivers = (
        Driver(feature="project_type", value="system_integration", effect=0.2, target="delay"),
        Driver(feature="open_high_risks", value=4, effect=0.1, target="delay"),
    )
    return ProjectRisk(id="P-1", targets={"delay": delay}, drivers=drivers)


def test_risk_result_levels_and_drivers_in_one_language() -> None:
    zh, en = result_markdown(scored(), "zh"), result_markdown(scored(), "en")
    assert "等级 **高**" in zh and "high" not in zh
    assert "level **high**" in en and not CJK.search(en)
    frame = drivers_frame(scored(), lang="zh")
    assert frame["feature"].tolist() == ["项目类型 = 系统集成", "未关闭高风险数 = 4"]
    assert set(frame["target"]) == {"延期"}
    assert drivers_frame(scored(), lang="en")["feature"][0] == "project type = system integration"


def test_result_tables_have_headers_levels_and_drivers_in_the_language() -> None:
    raw = results_frame(["1"], [scored()])
    assert "delay_level" in raw.columns  # the CSV download keeps the raw names
    zh = shown_results(raw, "zh")
    assert list(zh.columns) == ["编号", "延期概率", "延期等级", "主要驱动因素"]
    assert zh.iloc[0]["延期等级"] == "高 (无预测力)"
    assert zh.iloc[0]["主要驱动因素"] == "项目类型、未关闭高风险数"
    en = shown_results(raw, "en")
    assert list(en.columns) == ["ID", "Delay probability", "Delay level", "Main drivers"]
    assert en.iloc[0]["Main drivers"] == "project type, open high risks"
    empty = shown_results(None, "zh", targets=("delay", "overrun"), named=True)
    headers = " ".join(empty.columns)
    assert not SNAKE_CASE.search(headers) and "超支等级" in headers and "项目名称" in headers
    assert not CJK.search(" ".join(shown_results(pd.DataFrame(), "en").columns))


def test_value_labels_from_the_spec_then_built_ins_then_spaces() -> None:
    spec = {"value_labels": {"web": ["网站", "website"]}}
    assert value_label("web", "zh", spec) == "网站"
    assert value_label("fixed_price", "zh") == "固定总价"
    assert value_label("state_owned", "en") == "state-owned"
    assert value_label("some_new_value", "en") == "some new value"


def test_projects_headers_and_kinds_follow_the_language() -> None:
    zh, en = register_headers("zh"), register_headers("en")
    assert zh[:3] == ["类型", "编号", "内容"] and zh[-1] == "来源文件"
    assert en[:3] == ["Kind", "ID", "Text"] and not SNAKE_CASE.search(" ".join(en))
    assert ("行动项", "action") in kind_choices("zh") and ("action", "action") in kind_choices("en")


def test_every_text_has_both_languages() -> None:
    missing = [key for key, (zh, en) in TEXT.items() if not zh or not en]
    assert missing == []
