"""Who an action belongs to, read the ways real minutes write it.

Minutes name their people before they give them work: an attendee list ("与会人：石勇、高贵锦",
"## Present" with "Ruben Bridgewater @BridgeAR"), the host, the presenters. `People` collects
those names from one document, and `owner_of` finds the person (or team) a line gives work to,
as written: "Antoine to run the vote", "ACTION: Richard to …", "@mcollina to …", "…——熊伟",
"--- 吴峰光/曹志", "永强下次会议反馈改进方案" (永强 is 李永强 of the attendee list), "交给 开田".
An owner is a person or a team, never a place, a time zone or a meeting tool.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.drafts.text import find_owner
from assistant.record.words import STATUS_PHRASE

# "与会人：…", "Participants 与会人：…", "会议主持：曹志", "汇报人：董微", "请假：王经纬，杜开田".
ROSTER_LINE = re.compile(
    r"^(?:participants?\s*)?(?:与会人(?:员)?|参会人(?:员)?|出席(?:人员)?|会议主持|主持人?|下次主持|"
    r"轮值主持|下次轮值主持|请假(?:人员)?|汇报人|提案人|分享人|attendees?|present|participants?|"
    r"host|chair)\s*[:：]\s*(.+)$",
    re.IGNORECASE,
)
ROSTER_HEADING = re.compile(r"^(present|attendees?|participants?|与会|参会|出席)", re.IGNORECASE)
# Inside a title line: "汇报人：董微", "提案人: Funda Wang", "-- 熊伟" at the end.
PRESENTER_IN_LINE = re.compile(r"(?:汇报人|提案人|分享人|主持人)\s*[:：]\s*([^\s，,;；]+)")
CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
# "* Ruben Bridgewater @BridgeAR (voting member)"
EN_PERSON = re.compile(r"^([A-Z][\w'’.-]+(?:\s+[A-Za-z][\w'’.-]+){0,3})\s+@([\w-]+)")
SPLIT_NAMES = re.compile(r"[、,，;；/\s]+")

_NAME = r"[\u4e00-\u9fff]{2,4}|@?[A-Za-z][\w.-]*(?:\s[A-Z][\w.-]*)?"
# "…——熊伟", "-- 刘恺、胡欣蔚", "---谢秀奇/田俊/杜开田", "--谢秀奇(10月底TC会议审视进展)".
TRAILING = re.compile(
    r"(?:[-—–]{2,}|\s[-—–]\s)\s*((?:" + _NAME + r")(?:\s*[/、,，和&]\s*(?:" + _NAME + r"))*)"
    r"\s*(?:[（(][^)）]*[)）])?\s*[;；。.]?\s*$"
)
HANDLE_THEN_CJK = re.compile(r"^([A-Za-z0-9][\w.-]*?)[\u4e00-\u9fff]")
SPACED_NAME = re.compile(
    r"\S\s{3,}([\u4e00-\u9fff]{2,4}(?:\s*[/、,，]\s*[\u4e00-\u9fff]{2,4})*)\s*$"
)
# "ACTION: Richard to …", "(Antoine to run the vote)", "@mcollina to …", "Matteo will …".
LABEL_PREFIX = re.compile(
    r"^\s*(?:action(?: item)?|todo|ai|行动项?|待办)\s*[:：]\s*", re.IGNORECASE
)
SUBJECT_TO = re.compile(
    r"(?:^|[(（]\s*)(@[\w-]+|[A-Z][a-z][\w'-]*(?:\s[A-Z][a-z]+)?)\s+"
    r"(?:to\s+[a-z]|will\b|is going to\b|volunteered\b|agreed to\b|can take\b|is [a-z]+ing\b)"
)
# Capitalised words that start sentences like a name would, but are not anyone.
NOT_PEOPLE = {
    "need", "needs", "decide", "decided", "agreed", "proposal", "plan", "plans", "request",
    "time", "vote", "want", "try", "ask", "move", "motion", "update", "updates", "way", "going",
    "it", "this", "that", "there", "we", "they", "someone", "somebody", "everyone", "nobody",
    "document", "discussion", "next", "the", "a", "an", "who", "what", "how", "when", "also",
    "still", "please", "action", "todo", "reminder", "reminders", "pr", "issue", "mention",
}  # fmt: skip
NOT_OWNER = re.compile(
    r"^(北京|上海|深圳|广州|杭州|南京|成都|武汉|西安|天津|重庆|苏州|香港|台北|东京|线上|线下|"
    r"腾讯会议|飞书|钉钉|zoom|beijing|shanghai|london|online|remote|utc|gmt|cst|pst|est|cet|"
    r"会议|待定|全体|所有|大家|各位|暂无|tbd|none|n/a|all)$",
    re.IGNORECASE,
)
# After a person's name, the follow-up a Chinese line gives them: "永强下次会议反馈", "石勇领回去
# 讨论", "范佳臣帮忙跟踪", "胡欣蔚和华为讨论", "秀奇会后牵头".
ZH_FOLLOW_UP = (
    r"(?:下次|后续|会后|帮忙|负责|牵头|领|跟踪|跟进|反馈|讨论|组织|确认|推动|整理|联系|协调|准备|"
    r"输出|提交|编写|完成|评估|调研|考虑|主笔|将|继续|尽快|对接|拉通|代表|提供|梳理|发起|刷新|"
    r"更新|修改|补充|审视|处理|分析|核实|同步|"
    # "胡欣蔚和华为讨论", "经纬和曹志讨论": with someone, then the work.
    r"[和与][^，,。；;]{1,12}?(?:讨论|沟通|对齐|确认|跟进|联系|梳理|评估|推动|协调))"
)
ZH_GIVEN_TO = r"(?:由|交给|交由|请|会后|需要|需)\s*"


@dataclass
class People:
    """The people one document names: full names, and the given names minutes also use
    (永强 for 李永强), English first names and GitHub handles."""

    names: set[str] = field(default_factory=set)

    def add(self, name: str) -> None:
        name = name.strip().lstrip("@")
        if len(name) < 2 or NOT_OWNER.match(name) or name.lower() in NOT_PEOPLE:
            return
        self.names.add(name)
        if CJK_NAME.match(name) and len(name) == 3:
            self.names.add(name[1:])  # 李永强 → 永强
        if re.match(r"^[A-Z][a-z]", name) and " " in name:
            self.names.add(name.split()[0])  # Antoine du Hamel → Antoine

    def pattern(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        ordered = sorted(self.names, key=len, reverse=True)  # 李永强 before 永强
        return re.compile("|".join(re.escape(n) for n in ordered))


def people_of(lines: Iterable[tuple[str, str]]) -> People:
    """The people named by a document's roster lines; `lines` are (text, heading) pairs."""
    people = People()
    for text, heading in lines:
        roster = ROSTER_LINE.match(text)
        if roster:
            for name in SPLIT_NAMES.split(roster.group(1)):
                if CJK_NAME.match(name):
                    people.add(name)
        for presenter in PRESENTER_IN_LINE.findall(text):
            if CJK_NAME.match(presenter):
                people.add(presenter)
        last = heading.split(" > ")[-1].strip()
        if ROSTER_HEADING.match(last):
            person = EN_PERSON.match(text)
            if person:
                people.add(person.group(1))
                people.add(person.group(2))
    return people


def owner_of(text: str, people: People | None = None) -> str | None:
    """The person or team `text` gives its work to, as written, else None."""
    body = LABEL_PREFIX.sub("", text)
    for found in (_trailing(body), spaced_owner(body), _subject(body), known_owner(body, people)):
        if found and not NOT_OWNER.match(found):
            return found
    named = find_owner(body)
    if named is None or NOT_OWNER.match(named) or named.lower() in NOT_PEOPLE:
        return None
    if STATUS_PHRASE.fullmatch(named):
        return None  # "(done)" is a status
    # "@sanbuphy发布 Pytorch…": a Latin handle ends where the Chinese sentence goes on.
    handle = HANDLE_THEN_CJK.match(named)
    return handle.group(1) if handle else named


def _trailing(text: str) -> str | None:
    found = TRAILING.search(text)
    if not found:
        return None
    names = found.group(1).strip()
    first = SPLIT_NAMES.split(names)[0]
    return None if first.lower() in NOT_PEOPLE or NOT_OWNER.match(first) else names


def spaced_owner(text: str) -> str | None:
    """ "请刘恺关注     刘恺": a name set apart at the end, as in a column."""
    found = SPACED_NAME.search(text)
    return found.group(1) if found else None


def _subject(text: str) -> str | None:
    for found in SUBJECT_TO.finditer(text):
        name = found.group(1)
        if name.split()[0].lower() not in NOT_PEOPLE:
            return name.lstrip("@")
    return None


def known_owner(text: str, people: People | None) -> str | None:
    """A person of the document named as the one doing the follow-up."""
    pattern = people.pattern() if people else None
    if pattern is None:
        return None
    for found in pattern.finditer(text):
        before, after = text[: found.start()], text[found.end():]
        if re.match(r"\s*" + ZH_FOLLOW_UP, after) or re.search(ZH_GIVEN_TO + "$", before):
            return found.group(0)
    return None


# "Yagiz: Due to consensus, …", "Michael -> …", "Matteo, …": who is speaking.
SPEAKER = re.compile(r"^([A-Z][a-z][\w'-]*)\s*(?:[:：]|->|,)\s")
SPEAKER_COLON = re.compile(r"^([A-Z][a-z]+)\s*[:：]\s")


def speaker_of(text: str, *, named: bool = False) -> str | None:
    """The speaker of a discussion line; `named`: only "Name: …", the form that names who says
    it (a comma after a capitalised word is as often a topic: "Next-10, planning …")."""
    found = (SPEAKER_COLON if named else SPEAKER).match(text)
    if found and found.group(1).lower() not in NOT_PEOPLE:
        return found.group(1)
    return None
