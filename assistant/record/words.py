"""Status words as documents write them, ids the documents give their items, and the patterns
that tell a milestone, a change request or a progress figure apart. Statuses are found, never
rewritten: `status_phrase` returns the words of the document."""

from __future__ import annotations

import re

from assistant.drafts.text import status_of

# Longest first: "未开始" before "开始", "已完成" before "完成".
_STATUS = (
    r"待甲方确认|待客户确认|需领导协调|已完成|未完成|部分完成|完成|进行中|处理中|未开始|待处理|待确认|"
    r"已关闭|关闭|已解决|已取消|取消|已批准|批准|已驳回|驳回|阻塞|延期|挂起|"
    r"\b(?:done|closed|completed|complete|resolved|open|in progress|ongoing|pending|blocked|"
    r"cancell?ed|approved|rejected|on hold|not started|deferred)\b"
)
STATUS_PHRASE = re.compile(_STATUS, re.IGNORECASE)

_CLOSED_EXTRA = re.compile(
    r"已解决|已取消|取消|已驳回|驳回|\b(?:resolved|cancell?ed|rejected)\b", re.IGNORECASE
)

# The document's own ids: A-14, AI-23, R-05, CR-003, M4, ISS-2, D-3. Not NFR-01, DEF-0412
# (requirement and defect numbers are what an item is about, not its register id).
OWN_ID = re.compile(r"(?<![A-Za-z0-9-])(AI|AP|A|R|I|ISS|CR|C|D|M|MS)-?(\d{1,4})(?![\w-])")

# A line or cell that starts with its id: "A-02：准备测试环境", "R-03 关键人员流失", "M1 业务蓝图".
LEADING_ID = re.compile(r"^\s*\[?(" + OWN_ID.pattern + r")\]?(?:\s*[:：.、)）\-–—]\s*|\s+)")

ID_KIND = {
    "A": "action", "AI": "action", "AP": "action", "R": "risk", "I": "issue", "ISS": "issue",
    "CR": "change", "C": "change", "D": "decision", "M": "milestone", "MS": "milestone",
}  # fmt: skip

CHANGE = re.compile(r"变更请求|变更申请|change request|\bCR-?\d+", re.IGNORECASE)
MILESTONE = re.compile(r"里程碑|milestone", re.IGNORECASE)
SLIPPED = re.compile(r"由\s*(.{2,16}?)\s*(?:顺延|推迟|延期|调整|延后|提前|改)(?:至|为|到)"
                     r"\s*(.{2,16})|"
                     r"(?:moved|slipped|postponed|delayed)\s+from\s+(.{3,20}?)\s+to\s+(.{3,20})",
                     re.IGNORECASE)  # fmt: skip

PERCENT = re.compile(r"(?:总体|整体|overall)[^%。；;]{0,12}?(\d{1,3}(?:\.\d+)?)\s*%", re.IGNORECASE)
PLANNED_PERCENT = re.compile(r"(?:计划|planned?|plan)\s*[:：]?\s*(\d{1,3}(?:\.\d+)?)\s*%",
                             re.IGNORECASE)  # fmt: skip
SPI = re.compile(r"\bSPI\s*[:：=]?\s*(\d+(?:\.\d+)?)")
CPI = re.compile(r"\bCPI\s*[:：=]?\s*(\d+(?:\.\d+)?)")


def status_phrase(text: str) -> str | None:
    """The status words `text` contains, as written ("未开始", "In progress"), else None."""
    found = STATUS_PHRASE.search(text)
    return found.group(0) if found else None


def is_closed(status: str | None) -> bool:
    """Whether a status as written says the item is finished (done, closed, resolved...)."""
    if not status:
        return False
    return status_of(status) == "done" or bool(_CLOSED_EXTRA.search(status))


def own_ids(text: str) -> list[tuple[str, str]]:
    """(id as written, kind) for every register id in `text`."""
    return [(m.group(0), ID_KIND[m.group(1)]) for m in OWN_ID.finditer(text)]


def id_kind(own_id: str) -> str | None:
    match = OWN_ID.fullmatch(own_id.strip())
    return ID_KIND[match.group(1)] if match else None
