"""Line forms of real minutes that the draft classifier does not read as items.

- "A-01 张伟 2025-03-20 完成接口联调": an id, the owner, the due date and the task, no table;
- sub-points under a topic written as work ("c.恢复和上游 KubeEdge 的协同关系", "a.建议…——熊伟");
- one line holding a decision and the work that follows it ("同意…，后续…写成oecp").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafts.text import find_due
from assistant.record.cues import ACTION_CUE, DECISION_CUE, NEGATED_DECISION, STRONG_ACTION
from assistant.record.people import NOT_OWNER, NOT_PEOPLE, People

_DATE = (
    r"(?:20\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}月\d{1,2}[日号]|\d{1,2}/\d{1,2}|"
    r"\d{1,2}\.\d{1,2}(?:前|之前))"
)
_PERSON = r"(?:[\u4e00-\u9fff]{2,4}|@?[A-Za-z][\w.-]*(?:\s[A-Z][\w.-]*)?)"
# After the id: "张伟 2025-03-20 完成接口联调" or "完成接口联调 张伟 2025-03-20".
OWNER_DUE_TEXT = re.compile(
    r"^(?P<owner>" + _PERSON + r")\s+(?P<due>" + _DATE + r")\s+(?P<text>\S.*)$"
)
TEXT_OWNER_DUE = re.compile(
    r"^(?P<text>\S.*?)\s+(?P<owner>" + _PERSON + r")\s+(?P<due>" + _DATE + r")\s*$"
)


@dataclass(frozen=True)
class Fields:
    text: str
    owner: str
    due: str | None


def id_line_fields(
    body: str, date: str | None, known: People | None = None, *, require_known: bool = False
) -> Fields | None:
    """The owner, due date and task of the rest of an id line written as fields; without the
    id (`require_known`), only when the owner is a person the minutes list."""
    for form in (OWNER_DUE_TEXT, TEXT_OWNER_DUE):
        found = form.match(body.strip())
        if found is None:
            continue
        owner = found.group("owner").lstrip("@")
        if NOT_OWNER.match(owner) or owner.lower() in NOT_PEOPLE or _is_task_word(owner):
            continue
        if require_known and (known is None or owner not in known.names):
            continue
        return Fields(text=found.group("text").strip(), owner=owner,
                      due=find_due(found.group("due"), date))  # fmt: skip
    return None


TASK_WORD = re.compile(
    r"^(完成|负责|截止|计划|预计|开始|提交|上线|发布|进行|状态|请|由|在|于|due|by)"
)


def _is_task_word(word: str) -> bool:
    """ "完成 2025-03-20 上线": a verb or status where a name would be is not an owner."""
    return bool(TASK_WORD.match(word))


# A sub-point under a topic: "a.…", "b) …", "- …", "（1）…".
SUB_POINT = re.compile(r"^\s*(?:[a-z][.)、]|[-*•·]|[（(]\d+[)）])\s*\S")
CJK = re.compile(r"[\u4e00-\u9fff]")
LETTER = re.compile(r"^\s*[a-z][.)、]\s*")
# Work verbs a Chinese sub-point starts with when it is a task ("恢复…", "补充…", "梳理…").
WORK_VERB = re.compile(
    r"^(?:建议)?(?:恢复|补充|完善|梳理|输出|编写|制定|提交|推动|推进|跟踪|跟进|确认|评估|整理|联系|"
    r"同步|调研|修复|更新|组织|准备|建立|落实|协调|对齐|收集|清理|改进|优化|统一|明确|形成|研究|"
    r"分析|核实|刷新|审视|拉通|牵头)"
)
DONE_OR_TALK = re.compile(r"了|已经|已(?!知)|分享|介绍了|[？?]$")
# Topics whose sub-points describe a talk or the agenda, not work given to anyone.
TALK_HEADING = re.compile(r"议程|agenda|分享|介绍|讲座|报告会|回顾", re.IGNORECASE)
MAX_SUB_POINT = 120


def sub_point_kind(raw: str, text: str, heading: str) -> str | None:
    """ "actions" or "decisions" for a sub-point under a topic that is written as work or as a
    suggestion the meeting recorded, else None."""
    if not SUB_POINT.match(raw) or len(text) > MAX_SUB_POINT or DONE_OR_TALK.search(text):
        return None
    if not CJK.search(text) or NEGATED_DECISION.search(text):
        return None  # the TC style; English sub-points are read by their cues
    if TALK_HEADING.search(heading.split(" > ")[-1]):
        return None
    body = LETTER.sub("", text)
    if DECISION_CUE.search(body) and not STRONG_ACTION.search(body):
        return "decisions"
    if WORK_VERB.match(body):
        return "actions"
    return None


def without_letter(text: str) -> str:
    """ "a.建议…" → "建议…"."""
    return LETTER.sub("", text)


# Where a line moves on to a second statement: "；", "。", "，后续", ", and will".
CLAUSE_BREAK = re.compile(
    r"[；;。]\s*|[，,]\s*(?=后续|会后|并(?:由|将)|同时|另外)|,\s*and\s+(?=will\b)|\.\s+(?=[A-Z])|"
    r",\s*(?=[A-Z][a-z]+ will\b)"  # "CPC approved, Matteo will land after meeting"
)


def clauses(text: str) -> list[str]:
    return [c.strip(" ，,") for c in CLAUSE_BREAK.split(text) if len(c.strip(" ，,")) >= 4]


def split_decision_and_action(text: str) -> tuple[str, str] | None:
    """ "同意A，后续B": (decision clause, action clause) when a line states both, in that order
    (work given first and agreed after is one action: "秀奇会后牵头负责写成oecp")."""
    parts = clauses(text)
    if len(parts) < 2:
        return None
    decision = next((i for i, c in enumerate(parts)
                     if DECISION_CUE.search(c) and not ACTION_CUE.search(c)), None)  # fmt: skip
    if decision is None:
        return None
    action = next((i for i, c in enumerate(parts) if i > decision and
                   (STRONG_ACTION.search(c) or ACTION_CUE.search(c))), None)  # fmt: skip
    if action is None:
        return None
    return parts[decision], parts[action]
