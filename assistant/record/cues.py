"""What makes a line of real, loosely written minutes a register item, beyond the labels and
headings the draft classifier reads: action and decision cues, agenda and talk titles, sections
that list people or links. Tuned on the dev labels of bench/record_labels/ only."""

from __future__ import annotations

import re

from assistant.drafts.text import has_owner_marker
from assistant.drafts.vocabulary import words

# Sections whose lines are never items: attendees, links, logistics, introductions.
NOT_ITEM_HEADING = words(
    r"^(present|attendees?|participants?|links?|upcoming meetings?|absent|guests?)\b",
    r"^reminders?$", "参会", "与会", "出席", "会议概况", "新人介绍", "新成员", "自我介绍",
    "下次会议", "会议信息",
)  # fmt: skip

NOT_SUBJECTS = (
    "Need|Needs|Decide|Decided|Agreed|Proposal|Plan|Plans|Request|Time|Vote|Want|Try|Ask|Move|"
    "Motion|Update|Going|Way|Reminder|Please|Still|Also|Next|Hard|Easy|Nice|Good|Better|Ability|"
    "Attempt|Switch|Push|Access|Note|Effort|Work|Help|Option|Options|Permission|Ok|Okay"
)
# Work given to someone: wins even over a "结论：" label.
STRONG = (
    r"由[^，,。；;]{1,12}?(?:负责|牵头|组织|跟进|实施|分析|处理)|会后|尽快|交由|进行调研|调研后|"
    r"牵头负责|\b(?:to run the|agreed to (?:discuss|review|write|update|open|look))\b|"
    # "@handle to …", "Antoine to run the vote", "(Antoine to …)": a person, then the work;
    # "decide to …", "Proposal to …" start with a word, not a person.
    r"(?:^|[(（]\s*)(?:@[\w-]+|(?-i:(?!(?:" + NOT_SUBJECTS + r")\b)[A-Z][a-z][\w-]*))\s+to\s+"
    r"(?-i:[a-z])"
)
STRONG_ACTION = re.compile(STRONG, re.IGNORECASE)
# Work someone is to do after the meeting.
ACTION_CUE = re.compile(
    STRONG
    + r"|推动|组织讨论|计划.{0,10}(?:发布|完成|上线|官宣)|下次(?:例会|会议)?.{0,10}汇报|需要考虑|"
    r"需(?:要)?.{0,4}(?:完成|提交|确认|评估|补充)|负责人|责任人|后续(?!版本|计划|规划|会|不)|"
    r"\b(?:will|is scheduling|are scheduling|could use some|needs? to|should be done|"
    r"volunteered|action item|todo)\b",
    re.IGNORECASE,
)

# What the meeting concluded, agreed or approved.
DECISION_CUE = re.compile(
    r"同意|赞同|全票通过|一致通过|(?:审议|评审|投票)通过|结论|决策|决议|决定|确定(?!下次)|"
    r"(?<!不)建议(?:将|归档|保留|先|在|暂)|不建议|撤销|名额预留|最终名单|初定|"
    r"\b(?:agreed|consensus|no objections?|approved|decided|decision|conclusion|postponed|"
    # Node.js shorthand: "decide to voting", "skip the conversation for now".
    r"decides? to|skip(?:ped)? (?:the|this) (?:conversation|discussion|topic)|defer(?:red)?|"
    r"confirmed|take (?:it )?off the agenda|considered approved|came to conclusion|"
    r"move forward with)\b",
    re.IGNORECASE,
)

NEGATED_DECISION = re.compile(
    r"\b(?:not|no|without|lack of|never|don['’]t|doesn['’]t|didn['’]t)\s+(?:\w+\s+){0,2}"
    r"(?:consensus|agreed|approved|decided)\b|"
    r"未(?:达成|通过|确定)|没有(?:达成|结论|通过)",
    re.IGNORECASE,
)
# A title: "1. Fast-Https项目创建申请 -彭泽辰", "2. 《...》专题分享 @handle （40 min）".
PRESENTER = re.compile(
    r"(?:\s[-—–]{1,4}\s*|[-—–]{2,}\s*)[\u4e00-\u9fff]{2,4}(?:\s*[/、,，]\s*[\u4e00-\u9fff]{2,4})*"
    r"\s*(?:[（(][^)）]*[)）])?\s*$|汇报人|提案人|分享者|引导人|"
    r"[（(]\s*\d+\s*mins?\s*[)）]|@\S+\s*[（(]\s*\d+|"
    # "suse申请成立RFO SIG … - zhangzhibo", "讨论（RFC）：Clang+LLVM构建openEuler   赵川峰"
    r"\s[-—–]{1,4}\s*[A-Za-z][\w.-]+\s*$|\S\s{3,}[\u4e00-\u9fff]{2,4}\s*$",
    re.IGNORECASE,
)
# "1.", "2、", "3：", "2，cve-ease工具引入": the comma is how some minutes number topics.
NUMBERED = re.compile(r"^\s*(?:\d+(?:\.\d+)*\s*[.、:：)），]|[一二三四五六七八九十]+、|#)")
TITLE_WORDS = re.compile(
    r"申请|汇报|介绍|评审|同步|讨论|分享|交流|反馈|议题|进展|述职|策划|计划介绍|变更|"
    r"\b(?:update|overview|intro|proposal|discussion)\b",
    re.IGNORECASE,
)
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
BARE_URL = re.compile(r"<?https?://[^\s>)）]+>?")
GITHUB_HANDLE = re.compile(r"\[@?([\w-]+)\]\(https?://github\.com/([\w-]+)/?\)")
NOT_ITEM_LINE = re.compile(
    r"^(请假人员|缺席|note taker|记录)\s*[:：]|^nothing to (?:chat|discuss|report)\b|"
    r"^Q\s*[:：]|"  # a question put to the presenter
    r"^@[\w-]+\s*[（(][^)）]{2,30}[)）]|"  # "@gaoziyuan（北京邮电大学）详细梳理…": who presents
    r"^(nothing to report|no updates?( this week)?|"
    r"no announcements( this week)?|skipped|暂无|无)\.?$",
    re.IGNORECASE,
)
# A bare agreement on its own line ("No objections.") decides what the line before it says.
BARE_AGREEMENT = re.compile(
    r"^(no objections?|agreed|approved|同意|通过|无异议)[.。]?$", re.IGNORECASE
)
# Headings of lists whose every line is an item ("遗留问题" in TC minutes lists old topics).
ITEM_LIST_HEADING = words(
    r"action items?", r"^actions?$", r"\btodo", r"follow[- ]?ups?", "待办", "行动项", "跟进事项",
    r"^corrective (?:and preventive )?actions?$", "整改措施", "纠正措施",
    "决议", "决定", r"decisions?",
)
ISSUE_REF = re.compile(r"(?:\[#\d+\]|#\d+)\s*$")
RISK_CUE = re.compile(
    r"风险|隐患|可能(?:导致|影响|无法|延误|造成)|(?:延误|延期|失败)可能|担心|担忧|\brisks?\b|"
    r"could lead|may (?:cause|lead|fail|slip|not)|(?:a|security) concern\b|\bthreat",
    re.IGNORECASE,
)


def without_links(text: str) -> str:
    """Markdown links as their label, bare URLs removed."""
    return BARE_URL.sub("", MARKDOWN_LINK.sub(r"\1", text)).strip()


def github_owner(raw: str) -> str | None:
    """ "... [sunzhongkai588](https://github.com/sunzhongkai588)": the handle linked to."""
    found = GITHUB_HANDLE.search(raw)
    return found.group(1) if found else None


SHORT_TITLE = 40
TITLE_NOUN = re.compile(r"决策|决议|decision", re.IGNORECASE)


def is_title(raw: str, text: str) -> bool:
    """An agenda or talk title: numbered or naming a presenter or an issue number, with no
    outcome in it."""
    numbered = bool(NUMBERED.match(raw))
    presenter = bool(PRESENTER.search(without_links(raw)) or "@" in raw)
    cues = [m.group(0) for m in DECISION_CUE.finditer(text)]
    # "SIG 成立申请：…决策 ---罗钰凯/杜泉松": a title naming what is up for decision.
    if cues and not (presenter and all(TITLE_NOUN.fullmatch(c) for c in cues)):
        return False
    if ISSUE_REF.search(text):  # "Proposal to reduce … #1524" names an issue on the agenda
        return True
    if ACTION_CUE.search(text) and not numbered:
        return False
    if presenter:
        return numbered or bool(TITLE_WORDS.search(text))
    return numbered and len(text) <= SHORT_TITLE and bool(TITLE_WORDS.search(text))


def refine(
    section: str | None, text: str, *, labelled: bool, risk_heading: bool, listed: bool = True
) -> str | None:
    """The draft classifier's section, corrected by the cues real minutes use: work given to
    someone is an action even under "结论"; an agreement is a decision unless work comes
    first; a risk needs a risk word unless a label or heading says so."""
    if STRONG_ACTION.search(text) and section != "risks":
        return "actions"
    action, decision = ACTION_CUE.search(text), DECISION_CUE.search(text)
    if NEGATED_DECISION.search(text) and not labelled:
        decision = None  # "there was not consensus on the name" decided nothing
        section = None if section == "decisions" else section
    if section == "risks" and not (labelled or risk_heading or RISK_CUE.search(text)):
        section = None
    if labelled and section is not None:
        return section
    if section == "actions" and not (listed or action or decision or has_owner_marker(text)):
        return None  # "遗留问题" in TC minutes lists carried-over topics, not work
    if decision and (action is None or decision.start() < action.start()):
        return "decisions" if section != "risks" else section
    if action and section in (None, "progress", "plan", "decisions"):
        return "actions"
    return section
