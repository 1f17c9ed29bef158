"""The words that sort a line of minutes into a section, in Chinese and English.

Each table maps a section (or table column, response strategy, risk category) to a pattern;
`first_match` returns the first name whose pattern matches, so order is priority.
"""

from __future__ import annotations

import re

Table = tuple[tuple[str, re.Pattern[str]], ...]


def words(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(words), re.IGNORECASE)


# Explicit labels at the start of a line win over everything else.
LABELS: Table = (
    (
        "actions",
        words(r"^(行动项|待办|跟进|遗留问题\d*|action( item)?s?|ai|todo|follow[- ]?up)\s*[:：]"),
    ),
    ("decisions", words(r"^(决议|决定|结论|decision|agreed|resolved|resolution)\s*[:：]")),
    ("risks", words(r"^(风险|隐患|risks?|concerns?)\s*[:：]")),
    ("issues", words(r"^(问题|阻塞|issues?|blockers?|blocked)\s*[:：]")),
    ("progress", words(r"^(进展|进度|本周进展|完成情况|progress|status|done)\s*[:：]")),
    ("plan", words(r"^(下周计划|计划|下一步|next week|plan|next steps?)\s*[:：]")),
)

HEADINGS: Table = (
    ("actions", words("行动", "待办", "跟进事项", "遗留问题", r"action", "todo", "follow-up")),
    ("decisions", words("决议", "决定", "结论", r"decision", r"resolution")),
    ("risks", words("风险", "隐患", r"\brisk")),
    ("issues", words("问题", "阻塞", r"\bissue", r"blocker")),
    ("plan", words("下周", "下一步", "计划", r"next week", r"\bplan", r"next step")),
    ("progress", words("进展", "进度", "完成情况", "本周工作", r"progress", r"status update")),
)

KEYWORDS: Table = (
    (
        "decisions",
        words(
            "决议",
            "决定",
            r"(?<![不未])确定(?!的|性|是否)",
            "同意",
            "结论",
            r"(审议|评审|表决|一致|投票)通过|通过(了)?(评审|审议|决议)|^(结论|决议)?[:：]?\s*通过$",
            r"\bdecided\b",
            r"\bdecision\b",
            r"\bagreed\b",
            r"\bresolved\b",
            r"\bconsensus\b",
            r"\bapproved\b",
            r"\bno objections?\b",
            r"\bconfirmed\b",
        ),
    ),
    (
        "risks",
        words(
            "风险",
            "隐患",
            "担忧",
            "担心",
            "挑战",
            "可能导致",
            "疏漏",
            "影响较大",
            "不好解决",
            "难以",
            "不确保",
            "无法保证",
            "不能保证",
            "会失败",
            "可能无法",
            "延期",
            "延误",
            "滞后",
            r"\brisks?\b",
            r"\bconcerns?\b",
            r"\bchalleng",
            r"\bworr(y|ied)\b",
            r"\bthreat",
            r"\blikely\b",
            r"\bdelay(ed|s)?\b",
            r"\bdangerous\b",
            r"\bmay (fail|slip|not)\b",
        ),
    ),
    (
        "issues",
        words(
            "阻塞",
            "卡住",
            "故障",
            "缺陷",
            r"(?<!遗留)问题",
            r"\bblock(er|ed|ing)\b",
            r"\bissue:",
            r"\bbug\b",
            r"\bregression\b",
            r"\bproblem\b",
        ),
    ),
    (
        "plan",
        words(
            "下周",
            "下次",
            "下一次",
            "下一步",
            "计划",
            r"next week",
            r"\bplan(ned)? to\b",
            r"next step",
        ),
    ),
    (
        "progress",
        words(
            "完成",
            r"进度\s*\d+\s*%",
            r"\d+\s*%",
            "上线",
            "已发布",
            "已合入",
            r"\bcompleted?\b",
            r"\bprogress\b",
            r"\blanded\b",
            r"\breleased\b",
            r"\bmerged\b",
            r"\bshipped\b",
        ),
    ),
)

# "Michael will take it off the agenda" / "@bob to update the doc" / "... Richard is planning
# to do one" / "张三负责..."
_NOT_OWNERS = (
    "We|It|This|That|They|There|He|She|You|I|Which|What|Who|Node|Corepack|Next|Someone|"
    "Nobody|Everyone|People|Team|Discussion"
)

ACTION_PHRASE = re.compile(
    r"(?:^|[.;:!?，,]\s*|\s)(?!(?:" + _NOT_OWNERS + r")\b)"
    r"(@?[A-Z][a-z][\w\-]*|@[\w\-]+)[,，]?\s+"
    r"(?:will|is going to|is planning to|plans to|volunteered to|agreed to)\b"
    r"|^(@?[A-Z][\w\-]+|@[\w\-]+)\s+to\s+[a-z]"
    r"|^([\u4e00-\u9fff]{2,3})(?:负责|牵头|跟进)",
)

ACTION_ZH = re.compile(r"^请|由[\u4e00-\u9fff]{2,3}(?:来)?(?:负责|牵头|跟进|督促|组织|推动|落实)")

DEADLINE = re.compile(r"前|之前|截止|截至|\bby\b|\bbefore\b|\bdue\b|\bdeadline\b", re.IGNORECASE)

NEXT_MEETING = re.compile(r"下次(会议|例会)前|before the next meeting", re.IGNORECASE)

SKIP_LINE = re.compile(
    r"^(会议(时间|日期|地点|链接|主持)|下次会议|next meeting|参会人|与会人|出席|缺席|记录人|主持人|"
    r"轮值主持|下次轮值|"
    r"recording|github issue|present|attendees|date|time|location|links?)\s*[:：]?",
    re.IGNORECASE,
)

TABLE_COLUMNS: dict[str, re.Pattern[str]] = {
    "id": words(r"^(编号|序号|id|#|no\.?)$"),
    "text": words(
        "事项",
        "任务",
        "行动",
        "内容",
        "描述",
        "风险",
        r"action",
        r"task",
        r"item",
        r"description",
        r"risk",
    ),
    "owner": words("负责人", "责任人", "负责", r"owner", r"assignee", r"who"),
    "due": words("截止", "期限", "完成时间", "日期", "时间", r"due", r"deadline", r"date", r"when"),
    "status": words("状态", "进展", r"status", r"state"),
    "probability": words("概率", "可能性", r"probability", r"likelihood"),
    "impact": words("影响", r"impact", r"severity"),
    "response": words("应对", "措施", "策略", r"response", r"mitigation", r"strategy"),
}

RESPONSES: Table = (
    ("avoid", words("规避", "避免", r"\bavoid")),
    (
        "transfer",
        words(r"(?<!知识)转移", "外包", "保险", r"\btransfer", r"\boutsourc", r"\binsur"),
    ),
    ("accept", words("接受", r"\baccept")),
    ("mitigate", words("缓解", "减轻", "降低", "应对", "措施", r"\bmitigat", r"\breduce")),
)

CATEGORIES: Table = (
    (
        "schedule",
        words(
            "进度",
            "工期",
            "延期",
            "延误",
            "滞后",
            r"\bdelay",
            r"schedule",
            r"deadline",
            r"\blate\b",
        ),
    ),
    ("cost", words("成本", "预算", "费用", "超支", r"\bcost", r"budget", r"overrun")),
    ("resource", words("人员", "人力", "离职", "资源", r"\bstaff", r"resourc", r"turnover")),
    ("requirements", words("需求", "范围", "变更", r"requirement", r"\bscope", r"change request")),
    (
        "vendor",
        words("供应商", "第三方", "厂商", "外包", r"vendor", r"supplier", r"third[- ]party"),
    ),
    ("security", words("安全", "漏洞", "合规", r"securit", r"vulnerab", r"complian", r"\bcve")),
    (
        "technical",
        words(
            "技术",
            "性能",
            "接口",
            "集成",
            "兼容",
            "架构",
            r"technical",
            r"performance",
            r"integration",
            r"compatib",
            r"architect",
        ),
    ),
    ("quality", words("质量", "测试", "缺陷", r"quality", r"\btest", r"defect", r"\bbug")),
)


def first_match(text: str, table: Table) -> str | None:
    for name, pattern in table:
        if pattern.search(text):
            return name
    return None


def heading_section(heading: str, table: Table, *, max_title: int | None = None) -> str | None:
    """The section the deepest matching heading of a path names ("需求 > 3. 功能需求").

    With `max_title`, longer titles are topics ("openEuler 多样性算力技术路线进展"), not section
    labels ("本周进展"), and name no section.
    """
    for title in reversed(heading.split(" > ")):
        if max_title is not None and len(title) > max_title:
            continue
        found = first_match(title, table)
        if found is not None:
            return found
    return None
