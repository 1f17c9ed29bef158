"""Text helpers shared by extraction and merging: similarity, owners, dates, status words."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta
from typing import Literal

Level = Literal["high", "medium", "low"]

SAME_ITEM_JACCARD = 0.6

# "Done" words close an action; the negated forms ("未完成", "not done") must not.
_NOT_DONE = re.compile(
    r"(未|待|尚未|没有|没|还未|暂未|部分)完成|未关闭|完成\s*\d+(\.\d+)?\s*%|"
    r"not\s+(yet\s+)?(done|closed|completed)|incomplete|partially|\d+\s*%\s*(complete|done)",
    re.IGNORECASE,
)
_DONE = re.compile(r"已完成|完成|已关闭|关闭|\bdone\b|\bclosed\b|\bcompleted?\b|✅", re.IGNORECASE)
_OPEN = re.compile(
    r"进行中|处理中|未开始|待处理|open|in\s+progress|ongoing|pending|todo", re.IGNORECASE
)
_STATUS_WORDS = re.compile(
    r"(已|未|待|尚未)?(完成|关闭)|进行中|处理中|未开始|待处理|状态|"
    r"\b(done|closed|completed?|open|in progress|ongoing|pending|status)\b",
    re.IGNORECASE,
)


def status_of(text: str) -> str | None:
    """ "done", "open" or None when the text says nothing about status."""
    if _NOT_DONE.search(text):
        return "open"
    if _DONE.search(text):
        return "done"
    if _OPEN.search(text):
        return "open"
    return None


def normalise(text: str) -> str:
    """Comparable form: NFKC, lower case, no status words, dates, punctuation or spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _STATUS_WORDS.sub("", text)
    text = _DATE_ANY.sub("", text)
    return re.sub(r"[\W_]+", "", text)


def bigrams(text: str) -> set[str]:
    norm = normalise(text)
    if len(norm) < 2:
        return {norm} if norm else set()
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def similarity(a: str, b: str) -> float:
    """Character-bigram Jaccard of the normalised texts (works for zh and en alike)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def same_item(a: str, b: str) -> bool:
    return similarity(a, b) >= SAME_ITEM_JACCARD


# ---- owners ---------------------------------------------------------------------------

_NAME = r"[A-Za-z][A-Za-z0-9.\-]*(?:\s[A-Z][A-Za-z.\-]*)?|[\u4e00-\u9fff]{2,4}"
_ZH_VERBS = r"(?:来)?(?:负责|牵头|跟进|督促|组织|推动|落实|编写|整理|完成|协调)"
# Markers that name who owns a piece of work; a line carrying one is an action.
_OWNER_MARKERS = (
    re.compile(r"(?:负责人|责任人|负责|owner|assignee)\s*[:：]\s*(" + _NAME + ")", re.IGNORECASE),
    re.compile(r"(?:负责人|责任人)\s+([\u4e00-\u9fff]{2,4})"),
    re.compile(r"由([\u4e00-\u9fff]{2,3})" + _ZH_VERBS),
    # "由compiler SIG牵头实施", "交由Compiler SIG分析": a team named in Latin letters.
    re.compile(r"由\s*([A-Za-z][A-Za-z0-9_-]*(?:\s+[A-Za-z][A-Za-z0-9_-]*)?(?:\s*(?:组|团队))?)\s*"
               r"(?:来)?(?:负责|牵头|跟进|组织|分析|处理|实施)"),
    # "赵川峰后续反馈内容", "秀奇会后牵头负责写成oecp": a name first, then the follow-up.
    re.compile(r"^(?:结论[:：]\s*)?([\u4e00-\u9fff]{2,3}?)(?:后续|会后|牵头|负责)"),
    # "Marco is scheduling meetings"
    re.compile(r"^([A-Z][a-z]+)\s+(?:is|are)\s+[a-z]+ing\b"),
    re.compile(r"^请([\u4e00-\u9fff]{2,3}?)(?:老师|同学)?(?:在|于|尽快|负责|牵头|跟进|组织|协调)"),
    re.compile(r"(?<![\w.@])@([A-Za-z0-9][\w\-]*|[\u4e00-\u9fff]{2,4})(?![\w.]*\.[a-z]{2,}>?)"),
    # openEuler style: "... -- 谢秀奇", "--- 吴峰光/曹志", "--谢秀奇(10月底TC会议审视进展)"
    re.compile(
        r"(?:[-—–]{2,}|\s[-—–])\s*(" + _NAME + r")(?:\s*[/、,，]\s*[\w\u4e00-\u9fff]+)*\s*"
        r"(?:[（(][^)）]*[)）])?\s*$"
    ),
)
# Weaker: "（张三）" at the end of a line is often a presenter, so it names but does not make
# an action.
_OWNER_PATTERNS = (
    *_OWNER_MARKERS,
    re.compile(
        r"[（(]\s*(?:owner\s*[:：]?\s*)?([\u4e00-\u9fff]{2,3}|@?[A-Za-z][a-z]+)\s*[)）]\s*$"
    ),
)
# Words that follow "负责人：" or " - " where a name would, but are not names.
_NOT_NAMES = {
    "会议", "待定", "项目", "全体", "所有", "支持", "完成", "通过", "同意", "暂无", "讨论", "确认",
    "无", "各位", "大家", "tbd", "none", "n/a", "the", "all",
}  # fmt: skip


# An owner is a person or a team, never a place ("中国标准时间 - 北京") or a meeting tool.
_PLACES = re.compile(
    r"^(北京|上海|深圳|广州|杭州|南京|成都|武汉|西安|天津|重庆|苏州|香港|台北|东京|"
    r"线上|线下|腾讯会议|飞书|钉钉|zoom|beijing|shanghai|london|online|remote|"
    r"utc|gmt|cst|pst|est)$",
    re.IGNORECASE,
)


def _named(text: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            name = match.group(1).strip().rstrip("，,。.;；")
            if name and name.lower() not in _NOT_NAMES and not _PLACES.match(name):
                return name
    return None


def find_owner(text: str) -> str | None:
    return _named(text, _OWNER_PATTERNS)


def has_owner_marker(text: str) -> bool:
    """ "负责人：", "Owner:", "@bob", "由张三负责", "--- 张三": someone was given the work."""
    return _named(text, _OWNER_MARKERS) is not None


# ---- dates ----------------------------------------------------------------------------

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_name) if m
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(20\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_CN_MD = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_CN_MONTH_END = re.compile(r"(?<!\d)(\d{1,2})\s*月(?:底|末)")
_EN_MD = re.compile(r"\b(" + _MONTH_RE + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_EN_DM = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + _MONTH_RE + r")\b", re.IGNORECASE)
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_WEEKDAY = re.compile(r"(下)?(?:周|星期|礼拜)([一二三四五六日天])")
_EN_WEEKDAY = re.compile(
    r"\b(?:(?:by|before|on|until|due)\s+(next\s+)?|(next)\s+)(monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
# "4.27前", "截止 4.27": a month.day only next to a deadline word (22.03 is a version).
_DOTTED_MD = re.compile(
    r"(?:(?:截止|截至|due|by)\s*)(\d{1,2})\.(\d{1,2})(?![\d.])|"
    r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?![\d.])\s*(?:前|之前|日前|号前)",
    re.IGNORECASE,
)
_DATE_ANY = re.compile(
    "|".join(p.pattern for p in (_ISO, _CN_MD, _CN_MONTH_END)) + r"|\d{4}-\d{2}-\d{2}"
)


def parse_iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _near_year(month: int, day: int, doc: date | None) -> date | None:
    """A month/day without a year is the first such day not long before the document."""
    if doc is None:
        return None
    found = _safe_date(doc.year, month, day)
    if found is not None and (doc - found).days > 180:
        found = _safe_date(doc.year + 1, month, day)
    return found


def _weekday(doc: date | None, weekday: int, next_week: bool) -> date | None:
    if doc is None:
        return None
    if next_week:
        monday = doc - timedelta(days=doc.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    ahead = (weekday - doc.weekday()) % 7
    return doc + timedelta(days=ahead or 7)


def find_due(text: str, doc_date: str | None) -> str | None:
    """The first due date written in `text`, resolved against the document's date."""
    doc = parse_iso(doc_date)
    candidates: list[tuple[int, date | None]] = []
    for m in _ISO.finditer(text):
        candidates.append((m.start(), _safe_date(int(m[1]), int(m[2]), int(m[3]))))
    for m in _CN_MD.finditer(text):
        if not _inside_iso(text, m.start()):
            candidates.append((m.start(), _near_year(int(m[1]), int(m[2]), doc)))
    for m in _CN_MONTH_END.finditer(text):
        month = int(m[1])
        if 1 <= month <= 12 and doc is not None:
            last = calendar.monthrange(doc.year, month)[1]
            candidates.append((m.start(), _near_year(month, last, doc)))
    for m in _EN_MD.finditer(text):
        candidates.append((m.start(), _near_year(_MONTHS[m[1].lower()], int(m[2]), doc)))
    for m in _EN_DM.finditer(text):
        candidates.append((m.start(), _near_year(_MONTHS[m[2].lower()], int(m[1]), doc)))
    for m in _CN_WEEKDAY.finditer(text):
        candidates.append((m.start(), _weekday(doc, _WEEKDAYS_ZH[m[2]], bool(m[1]))))
    for m in _EN_WEEKDAY.finditer(text):
        day = list(calendar.day_name).index(m[3].capitalize())
        candidates.append((m.start(), _weekday(doc, day, bool(m[1] or m[2]))))
    for m in _DOTTED_MD.finditer(text):
        month_day = (m[1], m[2]) if m[1] else (m[3], m[4])
        candidates.append((m.start(), _near_year(int(month_day[0]), int(month_day[1]), doc)))
    found = [(pos, d) for pos, d in candidates if d is not None]
    return min(found, key=lambda pair: pair[0])[1].isoformat() if found else None


def _inside_iso(text: str, position: int) -> bool:
    return any(m.start() <= position < m.end() for m in _ISO.finditer(text))


# ---- probability / impact -------------------------------------------------------------

_LEVEL_WORDS: dict[str, Level] = {
    "高": "high",
    "中": "medium",
    "低": "low",
    "high": "high",
    "medium": "medium",
    "med": "medium",
    "low": "low",
    "h": "high",
    "m": "medium",
    "l": "low",
}
_PROB = re.compile(
    r"(?:概率|可能性|发生概率|probability|likelihood|\bP)\s*[:：=]?\s*(高|中|低|high|medium|med|low|H|M|L)(?![A-Za-z])",
    re.IGNORECASE,
)
_IMPACT = re.compile(
    r"(?:影响程度|影响|impact|severity|\bI)\s*[:：=]?\s*(高|中|低|high|medium|med|low|H|M|L)(?![A-Za-z])",
    re.IGNORECASE,
)
_LEVEL_ONLY = re.compile(r"(高|中|低)风险|\b(high|medium|low)[- ]risk\b", re.IGNORECASE)


def probability_impact(text: str) -> tuple[Level | None, Level | None]:
    prob = _PROB.search(text)
    impact = _IMPACT.search(text)
    p = _LEVEL_WORDS[prob[1].lower()] if prob else None
    i = _LEVEL_WORDS[impact[1].lower()] if impact else None
    if p is None and i is None:
        only = _LEVEL_ONLY.search(text)
        if only:
            p = i = _LEVEL_WORDS[(only[1] or only[2]).lower()]
    return p, i


_SCORE = {"low": 1, "medium": 2, "high": 3}


def risk_level(probability: str | None, impact: str | None) -> Level | None:
    """Probability x impact on a 3x3 grid; one known side stands for both."""
    p = _SCORE.get(probability or "") or _SCORE.get(impact or "")
    i = _SCORE.get(impact or "") or p
    if not p or not i:
        return None
    product = p * i
    return "high" if product >= 6 else "medium" if product >= 3 else "low"
