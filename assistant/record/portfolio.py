"""Every project on one page: health and its reasons, progress against plan, the next
milestone, overdue actions and top risks. The Projects tab and `report --kind portfolio` read
this; `portfolio_markdown` / `portfolio_docx` write the PMO's document."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.record.models import RecordItem, Register
from assistant.record.query import is_open, is_overdue
from assistant.record.status import ProjectStatus, is_high, project_status

TOP_RISKS = 3


class ProjectSummary(BaseModel):
    """One project's line in the portfolio."""

    model_config = ConfigDict(extra="forbid")

    project: str
    health: str
    reasons: list[str] = Field(default_factory=list)
    progress: str | None = None
    spi: float | None = None
    cpi: float | None = None
    next_milestone: str | None = None
    overdue_actions: list[str] = Field(default_factory=list)
    top_risks: list[str] = Field(default_factory=list)
    delay: float | None = None
    overrun: float | None = None


def summarise(register: Register, status: ProjectStatus) -> ProjectSummary:
    progress = status.progress
    text = None
    if progress.percent is not None:
        plan = progress.planned_percent
        text = f"{progress.percent:g}%" + (f" / {plan:g}%" if plan is not None else "")
    risk = status.risk or {}
    return ProjectSummary(
        project=register.project, health=status.health, reasons=status.health_reasons,
        progress=text, spi=progress.spi, cpi=progress.cpi,
        next_milestone=next_milestone(register), overdue_actions=[
            _label(i) for i in register.of_kind("action") if is_overdue(i, register.as_of)
        ],
        top_risks=[_label(i) for i in top_risks(register)],
        delay=risk.get("delay"), overrun=risk.get("overrun"),
    )  # fmt: skip


LABEL_CHARS = 40
BREAKS = " ，,；;。、：:（("


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """At most `limit` characters, cut at the last word or clause break in its second half
    and marked with "…", so that a label never ends in the middle of a word."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(b, 0, limit) for b in BREAKS)
    head = text[:cut] if cut >= limit // 2 else text[: limit - 1]
    return head.rstrip(" ，,；;。、：:（(") + "…"


def _label(item: RecordItem) -> str:
    head = item.id if item.own_id else ""
    return f"{head} {shorten(item.text)}".strip()


def next_milestone(register: Register) -> str | None:
    """The first open milestone due from `as_of` on, by its forecast (else planned) date."""
    pending = [m for m in register.of_kind("milestone") if is_open(m) and (m.forecast or m.planned)]
    if not pending:
        return None
    ahead = [m for m in pending if (m.forecast or m.planned or "") >= register.as_of]
    # Past its date with nothing saying it was reached: shown only when nothing lies ahead.
    first = min(ahead or pending, key=lambda m: m.forecast or m.planned or "")
    return f"{_label(first)} ({first.forecast or first.planned})"


def top_risks(register: Register) -> list[RecordItem]:
    """Open risks, high ones first, newest mention first."""
    open_risks = [r for r in register.of_kind("risk") if is_open(r)]
    ranked = sorted(open_risks, key=lambda r: (not is_high(r), r.last_seen or ""), reverse=False)
    return ranked[:TOP_RISKS]


def portfolio(registers: Sequence[Register], lang: str = "en") -> list[ProjectSummary]:
    return [summarise(r, project_status(r, lang=lang)) for r in registers]


HEADERS = {
    "en": ("Project", "Health", "Progress / plan", "SPI", "CPI", "Next milestone",
           "Overdue actions", "Top risks", "Reasons"),
    "zh": ("项目", "健康度", "进度 / 计划", "SPI", "CPI", "下一里程碑", "逾期行动项", "主要风险",
           "原因"),
}  # fmt: skip
TITLE = {"en": "Portfolio status", "zh": "项目组合状态"}


HEALTH = {"zh": {"green": "绿", "amber": "黄", "red": "红"}}


def rows(summaries: Sequence[ProjectSummary], lang: str = "en") -> list[list[Any]]:
    """One row per project; the health in the report's language (green/amber/red, 绿/黄/红)."""
    health = HEALTH.get(lang, {})
    return [
        [s.project, health.get(s.health, s.health), s.progress or "—", s.spi, s.cpi,
         s.next_milestone or "—", len(s.overdue_actions), "; ".join(s.top_risks) or "—",
         "; ".join(s.reasons)]
        for s in summaries
    ]  # fmt: skip


def portfolio_markdown(summaries: Sequence[ProjectSummary], *, lang: str, as_of: str) -> str:
    from assistant.drafts.render_markdown import table_cell  # sanitising, shared with drafts

    headers = HEADERS["zh" if lang == "zh" else "en"]
    lines = [f"# {TITLE['zh' if lang == 'zh' else 'en']} ({as_of})", ""]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "---|" * len(headers))
    for row in rows(summaries, lang):
        lines.append("| " + " | ".join(table_cell("—" if v is None else v) for v in row) + " |")
    for s in summaries:
        lines += ["", f"## {table_cell(s.project)}", ""]
        lines += [f"- {table_cell(r)}" for r in s.reasons]
    return "\n".join(lines) + "\n"


def portfolio_docx(summaries: Sequence[ProjectSummary], *, lang: str, as_of: str) -> Any:
    """A python-docx Document: the overview table, then each project's reasons."""
    from docx import Document  # deferred: only the report needs python-docx

    from assistant.drafts.render_docx import STYLES, set_east_asian_font

    document = Document()
    for name in STYLES:
        set_east_asian_font(document.styles[name])
    key = "zh" if lang == "zh" else "en"
    document.add_heading(f"{TITLE[key]} ({as_of})", level=1)
    headers = HEADERS[key][:-1]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
    for row in rows(summaries, lang):
        for cell, value in zip(table.add_row().cells, row[:-1], strict=True):
            cell.text = "—" if value is None else str(value)
    for s in summaries:
        document.add_heading(s.project, level=2)
        for reason in s.reasons:
            document.add_paragraph(reason, style="List Bullet")
    return document


def write_portfolio(
    summaries: Sequence[ProjectSummary], path: Path, *, lang: str, as_of: str
) -> Path:
    """The portfolio report as FILE.md or FILE.docx (the drafts' formats), written atomically;
    an earlier report of that name is kept and the first free numbered name used (returned)."""
    from assistant.drafts.output import atomic_write, format_of

    if format_of(path) == "md":
        text = portfolio_markdown(summaries, lang=lang, as_of=as_of)
        return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")), replace=False)
    return atomic_write(path, portfolio_docx(summaries, lang=lang, as_of=as_of).save, replace=False)


def portfolio_file_name(lang: str, as_of: str, fmt: str) -> str:
    """项目组合状态_2026-04-12.md / Portfolio-status_2026-04-12.docx: dated, like the drafts."""
    from assistant.drafts.output import safe_name

    return f"{safe_name(TITLE['zh' if lang == 'zh' else 'en'])}_{as_of}.{fmt}"
