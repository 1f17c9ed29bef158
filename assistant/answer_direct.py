"""The one line that answers first: what kind of answer a question wants (a date, a person, a
number with its unit, a cause), whether a sentence holds one, and the span itself. Also table
rows put in words, so an answer never quotes raw `| --- |` pipes.

Patterns, not a model: they read Chinese and English meeting notes, post-mortems and plans.
When no span is found the best quote answers on its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from enum import Enum

from assistant.retrieval import pointers
from assistant.table_rows import tables_in_words
from assistant.tokenize import CJK_RUN

__all__ = [
    "Wants",
    "answer_span",
    "asked_measure",
    "asks_about_change",
    "cause_span",
    "changed_date",
    "changed_value",
    "holds",
    "is_date_word",
    "is_decision",
    "is_status_question",
    "question_frame",
    "states_change",
    "states_date",
    "tables_in_words",
    "wants",
    "without_question_frame",
]


class Wants(Enum):
    DATE = "date"
    PERSON = "person"
    NUMBER = "number"
    CAUSE = "cause"
    VERSION = "version"
    PLACE = "place"
    ANYTHING = "anything"


_WANTS: list[tuple[Wants, re.Pattern[str]]] = [
    (Wants.CAUSE, re.compile(r"为什么|为何|原因|怎么会|\bwhy\b|\broot cause\b|\bcaused?\b", re.I)),
    (Wants.DATE, re.compile(
        r"哪天|哪一天|什么时候|何时|几号|几月|日期|时间定在|\bwhen\b|\bwhat date\b|\bwhich day\b"
        r"|\bdeadline\b", re.I)),
    (Wants.PERSON, re.compile(
        r"谁|哪位|负责人|责任人|主持人|汇报人|\bwho\b|\bwhom\b|\bwhose\b|\bowner\b", re.I)),
    (Wants.VERSION, re.compile(
        r"哪个版本|哪一版|什么版本|哪个发布|\b(?:which|what) (?:version|release)\b"
        r"|\bin which release\b", re.I)),
    (Wants.PLACE, re.compile(r"哪里|在哪|什么地方|哪个城市|\bwhere\b", re.I)),
    (Wants.NUMBER, re.compile(
        r"多少|几个|几位|几天|多久|多长|多大|比例|百分之|耗时|用时"
        r"|\bhow (?:many|much|long|big|often)\b|\bwhat (?:share|percentage|number)\b"
        r"|\btime to (?:recovery|detection|recover|detect)\b",
        re.I)),
]  # fmt: skip

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    rf"(?<![A-Za-z0-9_])(?:19|20)\d{{2}}-\d{{1,2}}-\d{{1,2}}(?:\s+\d{{1,2}}:\d{{2}})?"
    rf"|(?:19|20)\d{{2}}\s*年\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?"
    rf"|\d{{1,2}}\s*月\s*\d{{1,2}}\s*[日号](?:\s*\d{{1,2}}:\d{{2}})?"
    rf"|(?<![A-Za-z0-9_])\d{{1,2}}(?:st|nd|rd|th)?(?:\s*-\s*\d{{1,2}}(?:st|nd|rd|th)?)?\.?\s+{_MONTH}(?:,?\s+(?:19|20)\d{{2}})?"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*-\s*\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+(?:19|20)\d{{2}})?"
    rf"|(?<![A-Za-z0-9_/])\d{{1,2}}/\d{{1,2}}(?![A-Za-z0-9_/])",
    re.I,
)
# a date with its weekday, time and range: "4 月 18 日（周六）22:00 至 4 月 19 日 06:00"
_TIME = r"\d{1,2}:\d{2}"
_WEEKDAY = r"Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_DATE_PHRASE = re.compile(
    rf"(?:{_DATE.pattern})(?:\s*[（(](?:周|星期|礼拜|{_WEEKDAY})[^）)]{{0,6}}[）)])?(?:\s*{_TIME})?"
    rf"(?:\s*(?:至|到|~|–|-|\bto\b|\buntil\b)\s*(?:(?:{_DATE.pattern})(?:\s*{_TIME})?|{_TIME}))?",
    re.I,
)
_UNIT = (
    r"%|％|percent|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|seconds?|ms\b|GB|MB|TB"
    r"|KB|nodes?|pods?|people|members?|times|x\b|倍|个|人|名|位|次|天|日|小时|分钟|秒|周|个月|年|万元|元"
    r"|亿|万|条|项|台|种|期|轮"
)
_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9_.])\d+(?:[.,]\d+)*(?:\s*(?:-|~|to|到|至)\s*\d+(?:[.,]\d+)*)?\s*(?:{_UNIT})"
    rf"|\d+(?:\.\d+)?\s*/\s*\d+"
    rf"|[一二两三四五六七八九十百千]+\s*(?:个|人|名|位|次|天|小时|周|倍|年|项)",
    re.I,
)
# "how long" / 多久 wants a duration: "三十次" or "39名" is not one
_ASKS_DURATION = re.compile(r"多久|多长时间|多长|耗时|用时|\bhow long\b|\btime to\b", re.I)
_DURATION = re.compile(
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|seconds?|\bms\b|天|小时|分钟|秒|周|月|年",
    re.I,
)
# the cue in any case, an English name capitalised or an @handle: "by default" names no one
_PERSON_CUE = re.compile(
    r"(?:主持人|会议主持|主持|负责人|责任人|汇报人|提案人|报告人|发起人|主席|成员|工程师|分享人|讲师"
    r"|(?i:\bowner\b|\bhost(?:ed by)?\b|\bchair(?:ed by)?\b|\bled by\b|\bby\b))\s*[：:]?\s*"
    r"(@[A-Za-z][\w.-]*|(?<=[：:])\s*[a-z][\w.-]*|(?<=[员师])[a-z][\w.-]+"
    r"|[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)?"
    r"|[\u4e00-\u9fff]{2,3}(?:[、/][\u4e00-\u9fff]{2,3})*)",
)
_PERSON = re.compile(
    r"@[A-Za-z0-9][\w-]+|\[[A-Za-z0-9][\w-]+\]|\b[A-Z][a-z]+(?:\s+(?:[A-Z]\.\s*)?[A-Z][a-z]+)+\b"
)
# "本次会议由轮值主席张雅琨（VigiZhang）主持": the name comes before the verb
_CHAIRED_BY = re.compile(
    r"由(?:轮值主席|主席|秘书|组长|负责人)?\s*([\u4e00-\u9fff]{2,3}|@?[A-Za-z][\w.-]+)"
    r"\s*(?:[（(][^）)]{1,30}[）)])?\s*(?:主持|负责|牵头|汇报|分享)"
)
# the cause follows these cues: "由于 X，…", "依据 X，…", "… because X"
_CAUSE_CUE = re.compile(
    r"(?:因为|由于|鉴于|依据|根据|原因是|原因：|原因:|导致\S{1,20}?的(?:原因)?是"
    r"|\bbecause(?: of)?\b|\bdue to\b|\bcaused by\b|\broot cause (?:was|is)\b"
    r"|\bas a result of\b|\bowing to\b|\bsince\b|(?<![\u4e00-\u9fff])因(?![此而素]))\s*(.+)",
    re.I,
)
# ... and precedes these: "X 导致初验推迟", "X，因此…" - what comes after them is the effect
_EFFECT_CUE = re.compile(
    r"导致|造成|使得|致使|因此|所以|\bled to\b|\bcaused\b(?! by)|\bresulted in\b|\btherefore\b"
    r"|\b(?:this|that|which) is why\b",
    re.I,
)

_CONSEQUENCE = re.compile(r"所以|因此|从而|于是|\bso\b|\btherefore\b|\bhence\b", re.I)

# A value a sentence says was changed: "由原计划 4 月 11 日调整为 4 月 18 日", "moved from
# April 11 to April 18", "postponed to 2026-04-18", "原计划 4 月 11 日，现 4 月 18 日". The answer
# is the new value; the old one is only mentioned.
_CHANGE_VERB = (
    r"调整为|调整到|调整至|改为|改到|改至|改成|变更为|更改为|推迟到|推迟至|延期到|延期至|延后到|延后至"
    r"|顺延到|顺延至|提前到|提前至|后延至|后移至|改期至|改期到"
)
_CHANGE = re.compile(
    rf"(?:由|从)\s*(?:原计划|原定|原来的?)?\s*(?P<old>[^，,。；;]{{1,40}}?)\s*(?:{_CHANGE_VERB})"
    rf"\s*(?P<new>[^。；;！？]+)"
    rf"|原(?:计划|定)\s*(?P<old2>[^，,。；;]{{1,40}}?)\s*[，,]\s*"
    rf"(?:(?:现在?|目前)\s*(?:{_CHANGE_VERB}|定为|为|是|定于|改在)?|{_CHANGE_VERB})\s*"
    rf"(?P<new2>[^。；;！？]+)"
    rf"|(?:{_CHANGE_VERB})\s*(?P<new3>[^。；;！？]+)"
    r"|\b(?:moved|postponed|rescheduled|pushed back|brought forward|delayed|deferred|shifted"
    r"|changed|slipped|slips|moves)\b(?:\s+(?:from\s+(?P<old4>.{1,40}?)\s+)?to\s+(?P<new4>[^.;!?]+))"
    r"|\bfrom\s+(?P<old5>.{1,40}?)\s+to\s+(?P<new5>[^.;!?]+?)(?=[.;!?]|$)",
    re.I,
)
# a question about a change ("为什么推迟了", "why was it moved") is about a sentence stating one
_ASKS_CHANGE = re.compile(
    r"推迟|延期|延后|顺延|调整|改期|变更|更改|提前|\bmov|\bpostpon|\bresched|\bdelay|\bdefer"
    r"|\bslip|\bshift|\bpush",
    re.I,
)
# the question's frame, not its topic: "割接时间定在哪天" asks about 割接
_FRAME = re.compile(
    r"(?:时间|日期|日子)?(?:定在|定于|定为|安排在|放在|改在|是在|是)(?=哪|什么|何|几)"
    r"|\b(?:is|was|are|were)\s+(?:it\s+)?(?:scheduled|planned|set|fixed)\b",
    re.I,
)
_DECISION = re.compile(r"决议|决定|确定|定于|同意|批准|\bdecision\b|\bdecided\b|\bagreed\b"
                       r"|\bconfirmed\b|\bapproved\b", re.I)


# where a new value ends: a clause break (not "April 18, 2026") or its reason
_VALUE_END = re.compile(r"，|,(?!\s*\d)|\s+(?:because|due to|since|as)\b|因为|由于", re.I)


def question_frame(question: str) -> str:
    """The words that only frame what is asked ("时间定在", "is it scheduled"), space-joined."""
    return " ".join(m.group() for m in _FRAME.finditer(question))


def changed_date(sentence: str) -> tuple[str | None, str] | None:
    """changed_value when the new value is a date ("调整为 4 月 18 日", not "由20调整为64");
    the old one is kept only when it is a date too."""
    changed = changed_value(sentence)
    phrase = _DATE_PHRASE.match(changed[1]) if changed else None
    if changed is None or phrase is None:
        return None
    old = changed[0] if changed[0] and _DATE.search(changed[0]) else None
    return old, phrase.group().strip()


_DATE_WORD = re.compile(r"dates?|日期|时间|日子|day", re.I)


def is_date_word(term: str) -> bool:
    """"date", 日期: a word a sentence holds by stating a date ("moved to 2025-05-18")."""
    return _DATE_WORD.fullmatch(term) is not None


def states_date(text: str) -> bool:
    return _DATE.search(text) is not None


def without_question_frame(question: str) -> str:
    return _FRAME.sub(" ", question)


def asks_about_change(question: str) -> bool:
    return _ASKS_CHANGE.search(question) is not None


def states_change(sentence: str) -> bool:
    return _CHANGE.search(sentence) is not None


def is_decision(sentence: str) -> bool:
    return _DECISION.search(sentence) is not None


def changed_value(sentence: str) -> tuple[str | None, str] | None:
    """(old, new) of the first change the sentence states, the new value to the end of its
    clause; old is None when the sentence does not say it."""
    m = _CHANGE.search(sentence)
    if m is None:
        return None
    groups = m.groupdict()
    for old_key, new_key in (("old", "new"), ("old2", "new2"), (None, "new3"), ("old4", "new4"),
                             ("old5", "new5")):  # fmt: skip
        if groups.get(new_key):
            old = groups.get(old_key) if old_key else None
            new = _VALUE_END.split(groups[new_key], maxsplit=1)[0]
            return (old.strip(" ，,") if old else None), new.strip(" ，,")
    return None


# A question asking for an amount of money, a weight, an age or a phone number is only answered
# by a passage that states one: "What salary does the release manager receive?" over minutes
# that mention the release manager but no money at all is "not found", not a hedge.
_MEASURES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(  # money
        r"\bdollars?\b|美元|人民币|多少钱|多少[万亿]?元|[万亿]元|\bsalar(?:y|ies)\b|\bstipends?\b"
        r"|\bwages?\b|\bprices?\b|\binvoices?\b|\bbills?\b|\brevenue\b|\binsurance\b"
        r"|营收|薪|津贴|补贴|价格|票价|加班费|费用|账单|赔付|捐赠"
        # the amount of a budget - not a "disruption budget" or "error budget" asked about
        r"|\b(?:what|how much|which)\s+(?:[a-z-]+\s+){0,2}budgets?\b"
        r"|预算[是为有]?多少|多少预算", re.I),
     re.compile(
        r"[$¥€£]\s?\d|\b(?:usd|us\$|eur|rmb|cny)\s?\d|\d[\d,.]*\s*[kKmM]?\s*(?:dollars?|usd|eur|euros?|rmb|美元|欧元|[万亿]?元|块钱)",
        re.I)),
    (re.compile(r"\bkilograms?\b|\bkg\b|公斤|千克|\btons?\b|吨", re.I),
     re.compile(r"\d[\d,.]*\s*(?:kilograms?|kg|公斤|千克|tons?|吨|pounds?|lbs?)\b", re.I)),
    (re.compile(r"\bhow old\b|\bages?\b|多少岁|几岁|年龄", re.I),
     re.compile(r"\d+\s*(?:岁|years? old)", re.I)),
    (re.compile(r"\bphone\b|\btelephone\b|电话|手机号", re.I),
     # "+86 10 1234 5678", "13912345678", "(020) 8123-4567" - not an account id "23989843"
     re.compile(r"\+\d[\d ()-]{7,}\d|(?<!\d)1[3-9]\d{9}(?!\d)"
                r"|\(?\d{2,4}\)?[ -]\d{3,4}[ -]?\d{4}(?!\d)")),
]  # fmt: skip


_INTERROGATIVE = re.compile(r"[?？]\s*$|^\s*(?:what|which|how)\b", re.I)


def asked_measure(question: str) -> re.Pattern[str] | None:
    """What a passage must contain to answer a question about money, weight, age or a phone
    number ("多少万元", "in dollars", "how old"), or None for other questions."""
    kind = wants(question)
    if kind is Wants.CAUSE or (kind is not Wants.NUMBER and not _INTERROGATIVE.search(question)):
        return None  # "发票 invoices PDF" searches; it does not ask for an amount
    return next((answer for asks, answer in _MEASURES if asks.search(question)), None)


# Digits are delimited by ASCII word characters only: in "超过20人" or "最晚23.09" the Chinese
# character before them is a \w too, and "\b" or "(?<!\w)" would miss the number.
_VERSION = re.compile(  # "1.4", "v2.3.1", "24.x", "2403 LTS"; a dotted date is not one
    r"(?<![A-Za-z0-9_.])(?!(?:19|20)\d{2}\.\d{1,2}\.\d)[vV]?\d+\.\d+(?:\.\d+)?(?:\.x)?"
    r"(?![A-Za-z0-9_.]*\d)"
    r"|(?<![A-Za-z0-9_])\d{4}\s*LTS\b"
)
# "in Waterford this year", "地点：杭州", "在杭州举行": the place is quoted, never stated alone
# (an English "in <Name>" is as often a product as a place)
_PLACE = re.compile(
    r"\b(?:in|at)\s+[A-Z][a-z]+\b|(?:地点|地址|举办地)\s*[：:]\s*\S{2}|在\S{2,8}?(?:举行|举办|召开)"
)


# "有状态副本集" is a StatefulSet, "无状态" stateless: the 状态 in them asks for no status
is_status_question = pointers.is_status_question  # one definition, shared with search


def wants(question: str) -> Wants:
    for kind, pattern in _WANTS:
        if pattern.search(question):
            return kind
    # "项目目前进度怎么样？" asks for the figure (76%, SPI 0.86)
    return Wants.NUMBER if is_status_question(question) else Wants.ANYTHING


# Roles a "who" question may ask about, each in both languages: the person who chaired a
# meeting is named after 主持/chair, not after 分享 (who presented) in the same minutes.
_ROLES = [
    re.compile(r"主持|主席|\bchair(?:ed|s|ing)?\b|\bhost(?:ed|s|ing)?\b|\bfacilitat", re.I),
    re.compile(r"负责|责任人|\bowns?\b|\bowner\b|\bresponsible\b|\bin charge\b", re.I),
    re.compile(r"分享|汇报|报告|演讲|介绍|\bpresent(?:ed|s)?\b|\bspoke\b|\btalk\b|\bdemo", re.I),
]


def same_role(question: str, sentence: str) -> bool | None:
    """Does the sentence name the role the question asks about (True / False), or does the
    question name no role (None)?"""
    asked = [role for role in _ROLES if role.search(question)]
    if not asked:
        return None
    return any(role.search(sentence) for role in asked)


def holds(kind: Wants, sentence: str, question: str = "") -> bool:
    """Does the sentence contain the kind of thing the question asks for?"""
    if kind is Wants.PLACE:
        return _PLACE.search(sentence) is not None
    return answer_span(kind, sentence, question) is not None


def answer_span(kind: Wants, sentence: str, question: str = "") -> str | None:
    """The date, person, number or cause the question asks for, as written in `sentence`;
    spans the question itself already contains are skipped."""
    asked = question.casefold()

    def new(span: str) -> bool:
        span = span.strip()
        return bool(span) and span.casefold() not in asked

    if kind is Wants.DATE:
        changed = changed_date(sentence)
        if changed and new(changed[1]):
            return changed[1]
        return next((m.group().strip() for m in _DATE.finditer(sentence) if new(m.group())), None)
    if kind is Wants.NUMBER:
        durations = _ASKS_DURATION.search(question) is not None
        return next(
            (m.group().strip() for m in _NUMBER.finditer(sentence)
             if new(m.group()) and (not durations or _DURATION.search(m.group()))),
            None,
        )  # fmt: skip
    if kind is Wants.VERSION:
        return next((m.group() for m in _VERSION.finditer(sentence) if new(m.group())), None)
    if kind is Wants.PERSON:
        chaired = _CHAIRED_BY.search(sentence)
        if chaired and new(chaired.group(1)):
            return chaired.group(1)
        for match in _person_cues(sentence):
            if new(match.group(1)):
                return match.group(1).strip().strip("[]")
        found = (m.group() for m in _PERSON.finditer(sentence) if new(m.group()))
        return next((p.strip("[]") for p in found if _may_be_a_name(p, sentence)), None)
    if kind is Wants.CAUSE:
        return cause_span(sentence, question)
    return None


def cause_span(sentence: str, question: str = "", terms: Collection[str] = ()) -> str | None:
    """The cause the sentence states, not its effect: the clause after "由于 / because", up to
    the clause that states the effect (the one restating the question, or holding one of its
    `terms` - translations included); or, for "X 导致 Y", the X before the cue. A change word
    alone (推迟, 顺延, postponed) does not make a clause the effect: causes are often changes
    themselves ("代码冻结已顺延至 3 月 31 日" is why the cutover moved)."""
    cue = _CAUSE_CUE.search(sentence)
    if cue:
        clauses = re.split(r"[，,]\s*", _clause(cue.group(1)))
        subject = [t for t in terms if len(t) > 1 and not _ASKS_CHANGE.search(t)]
        kept = [clauses[0]]
        for part in clauses[1:]:
            if (
                _EFFECT_CUE.match(part)
                or _CONSEQUENCE.match(part)
                or _restates(_ASKS_CHANGE.sub(" ", part), question)
                or any(t in part.casefold() for t in subject)
            ):
                break
            kept.append(part)
        return _clause("，".join(kept) if CJK_RUN.search(kept[0]) else ", ".join(kept))
    effect = _EFFECT_CUE.search(sentence)
    if effect and effect.start() > 0:
        parts = re.split(r"[。；;！？!?，,：:]|\.\s", sentence[: effect.start()])
        before = [p for p in parts if p.strip()]
        return (_clause(before[-1]) or None) if before else None
    return None


def _restates(clause: str, question: str) -> bool:
    """Does the clause share two or more characters' worth of words with the question?"""
    if not question:
        return False
    q = question.casefold()
    words = re.findall(r"[a-z]{4,}", clause.casefold())
    if any(w in q for w in words):
        return True
    cjk = "".join(CJK_RUN.findall(clause))
    return any(cjk[i : i + 2] in q for i in range(len(cjk) - 1))


def _person_cues(sentence: str) -> Iterator[re.Match[str]]:
    """The cues and the names after them; in "Host 会议主持人：侯健" the English cue "Host" is
    followed by a Chinese label (more Chinese follows the span), so the search goes on inside
    it. ("主持人：李明远参会人员" is a name run into the next field: kept.)"""
    start = 0
    while (match := _PERSON_CUE.search(sentence, start)) is not None:
        label = (
            match.group(0)[:1].isascii()
            and CJK_RUN.match(match.group(1).strip()[:1]) is not None
            and CJK_RUN.match(sentence[match.end(1) : match.end(1) + 1]) is not None
        )
        if not label:
            yield match
            start = match.end()
        else:
            start = match.start() + 1


# Capitalised only because they start a sentence or a heading: "For Beta", "The Troubleshooting"
_NOT_NAMES = frozenset(
    " ".join((
        "a an and as at but by for from if in into of on or so the then this that these those to",
        "we when where which while with our their its it all any each new see note",
    )).split()
)


def _may_be_a_name(span: str, sentence: str) -> bool:
    """"Alice Chen", "Joyee Cheung" - not "Job Pods" or "Paddle Lite": a capitalised pair is
    a name only when neither word is a function word and neither is written in lowercase in
    the same sentence (a name is not, a common noun usually is)."""
    if span.startswith(("@", "[")):
        return True
    words = span.split()
    lowered = {w.casefold() for w in re.findall(r"\b[a-z][a-z-]*\b", sentence)}
    return not any(
        w.casefold() in _NOT_NAMES or w.casefold() in lowered or w.rstrip("s").casefold() in lowered
        for w in words
    )


def _clause(text: str) -> str:
    """The cause up to the end of its clause."""
    cut = re.split(r"[。；;！？!?]|\.\s", text, maxsplit=1)[0]
    return cut.strip(" ，,：:")[:200]


# -- tables -------------------------------------------------------------------------------------

_LINK = re.compile(r"\[([^\]\n]+)\]\((?:https?://|\.{1,2}/|/)[^)\s]*\)")


def plain_links(text: str) -> str:
    """Markdown links read as their text: "[@卓鑫](https://github.com/x)" -> "@卓鑫"."""
    return _LINK.sub(r"\1", text)
