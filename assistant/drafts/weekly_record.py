"""The weekly report's record-backed parts: actions and risks with their own ids and statuses
as written, milestones (plan vs forecast), next period's plan, items needing coordination, and
the overall status with its reasons (基本信息 / 总体状态)."""

from __future__ import annotations

import re
from datetime import timedelta

from assistant.drafts.models import Citation, DraftItem, Overview
from assistant.drafts.text import parse_iso, probability_impact, risk_level, same_item
from assistant.record.extract import written_status
from assistant.record.models import RecordItem, Register
from assistant.record.query import is_open
from assistant.record.status import project_status

PLAN_DAYS = 7
MILESTONE_LOOKAHEAD_DAYS = 14
# Waiting on the customer or management, or blocked: what a 周报's 需协调事项 lists.
SUPPORT = re.compile(
    r"待甲方|甲方确认|待客户|客户确认|需领导|领导协调|需协调|协调|需支持|阻塞|blocked|blocker|"
    r"waiting (?:on|for)|escalat|needs? (?:approval|sign-?off|support)",
    re.IGNORECASE,
)
SECTION = {"action": "actions", "risk": "risks", "issue": "issues", "milestone": "milestones"}


def record_sections(
    extracted: list[DraftItem], register: Register, *, since: str | None, until: str | None
) -> list[DraftItem]:
    """`extracted` (the line-by-line weekly items) with actions and risks replaced by the
    record's, and milestones, plan and support items added."""
    mentioned = [i for i in register.items if _mentioned(i, since, until)]
    kept = [i for i in extracted if i.section not in ("actions", "risks")]
    actions = [as_draft_item(i, since, until) for i in mentioned if i.kind == "action"]
    risks = [as_draft_item(i, since, until) for i in mentioned if i.kind == "risk" and is_open(i)]
    # Lines the line-by-line reading calls actions or risks and the record does not (it asks
    # for stronger cues) stay in the report, with only a status the line itself writes.
    recorded = actions + risks
    # Matched against every item the record has for the period, closed risks included: a
    # line about a risk the record closed is that risk, not a new one.
    known = actions + [as_draft_item(i, since, until) for i in mentioned if i.kind == "risk"]
    extra = [
        _as_written(i) for i in extracted
        if i.section in ("actions", "risks")
        and not any(r.section == i.section and _same(r, i) for r in known)
    ]  # fmt: skip
    milestones = [as_draft_item(i, since, until) for i in register.of_kind("milestone")]
    planned = next_period(register, until)
    return kept + recorded + extra + milestones + planned + support(mentioned, since, until)


def _same(recorded: DraftItem, line: DraftItem) -> bool:
    """The record's item and a line read on its own are one item: the same own id (read from
    a table's id column, or the line opening with it: "A-01 张伟 … 状态：进行中"), else the
    same text."""
    if recorded.id and (line.id == recorded.id or line.text.split(maxsplit=1)[:1] == [recorded.id]):
        return True
    return same_item(recorded.text, line.text)


def _as_written(item: DraftItem) -> DraftItem:
    copy = item.model_copy()
    copy.status = written_status(item.text)
    return copy


def _mentioned(item: RecordItem, since: str | None, until: str | None) -> bool:
    return any(_within(h.date, since, until) for h in item.history)


def _within(day: str | None, since: str | None, until: str | None) -> bool:
    if day is None:
        return since is None
    return (since is None or day >= since) and (until is None or day <= until)


def as_draft_item(
    item: RecordItem, since: str | None, until: str | None, section: str | None = None
) -> DraftItem:
    """A register item as a draft line: its own id, status as written, the citations from the
    report's period (else its latest one)."""
    dated = {h.source: h.date for h in item.history}
    inside = [c for c in item.citations if _within(dated.get(c.source), since, until)]
    citations: list[Citation] = inside or item.citations[-1:]
    probability, impact = probability_impact(f"概率{item.probability} 影响{item.impact}")
    return DraftItem(
        section=section or SECTION[item.kind],
        text=item.text,
        id=item.id if item.own_id else None,
        owner=item.owner,
        due=item.due,
        status=item.status,
        probability=item.probability,
        impact=item.impact,
        level=risk_level(probability, impact) if item.kind == "risk" else None,
        planned=item.planned,
        forecast=item.forecast,
        actual=item.actual,
        slip_days=item.slip_days,
        origin="project" if item.kind == "risk" else None,
        date=item.last_seen,
        citations=citations,
    )


def next_period(register: Register, until: str | None) -> list[DraftItem]:
    """下周计划: open actions due in the next seven days, milestones due in the next two
    weeks."""
    end = parse_iso(until)
    if end is None:
        return []
    plan_end = (end + timedelta(days=PLAN_DAYS)).isoformat()
    milestone_end = (end + timedelta(days=MILESTONE_LOOKAHEAD_DAYS)).isoformat()
    start = end.isoformat()
    found = [
        as_draft_item(i, None, until, section="plan")
        for i in register.of_kind("action")
        if is_open(i) and i.due and start < i.due <= plan_end
    ]
    found += [
        as_draft_item(i, None, until, section="plan")
        for i in register.of_kind("milestone")
        if is_open(i) and (target := i.forecast or i.planned) and start < target <= milestone_end
    ]
    return found


def support(items: list[RecordItem], since: str | None, until: str | None) -> list[DraftItem]:
    """需协调/需支持事项: open items waiting on the customer or management, or blocked."""
    return [
        as_draft_item(i, since, until, section="support")
        for i in items
        if i.kind in ("action", "issue", "risk")
        and is_open(i)
        and SUPPORT.search(f"{i.text} {i.status or ''}")
    ]


def overview(register: Register, *, lang: str, reporter: str | None) -> Overview:
    """基本信息 and 总体状态: the health with its reasons, and the latest progress figures."""
    status = project_status(register, lang=lang)
    progress = status.progress
    figures = []
    if progress.percent is not None:
        planned = progress.planned_percent
        figures.append(f"{progress.percent:g}%" + (f" / {planned:g}%" if planned else ""))
    for name, value in (("SPI", progress.spi), ("CPI", progress.cpi)):
        if value is not None:
            figures.append(f"{name} {value:g}")
    text = f"{', '.join(figures)} ({progress.date})" if figures else None
    citation = (
        Citation(source=progress.source, page=None, text=text)
        if text and progress.source
        else None
    )
    return Overview(
        reporter=reporter, health=status.health, reasons=status.health_reasons, progress=text,
        progress_citation=citation,
    )  # fmt: skip
