"""A project's status as its documents tell it: progress, milestones, open and overdue counts,
and an overall health (green/amber/red) with the reasons in words."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.record.models import ProgressNote, RecordItem, Register
from assistant.record.query import is_open, is_overdue

Health = Literal["green", "amber", "red"]

# Thresholds a PMO commonly uses for a traffic light.
SPI_RED, SPI_AMBER = 0.80, 0.95
CPI_RED, CPI_AMBER = 0.80, 0.95
SLIP_RED_DAYS = 14
OVERDUE_RED = 3
HIGH = ("高", "high", "h", "极高", "very high")


class Progress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percent: float | None = None
    planned_percent: float | None = None
    spi: float | None = None
    cpi: float | None = None
    date: str | None = None
    source: str | None = None


class Counts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actions_open: int = 0
    actions_overdue: int = 0
    risks_open: int = 0
    risks_open_high: int = 0
    issues_open: int = 0
    changes: int = 0


class ProjectStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project: str
    as_of: str
    health: Health
    health_reasons: list[str] = Field(default_factory=list)
    progress: Progress
    milestones: list[RecordItem] = Field(default_factory=list)
    counts: Counts
    risk: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "as_of": self.as_of,
            "health": self.health,
            "health_reasons": list(self.health_reasons),
            "progress": self.progress.model_dump(),
            "milestones": [_milestone_json(m) for m in self.milestones],
            "counts": self.counts.model_dump(),
            "risk": self.risk,
        }


def _milestone_json(item: RecordItem) -> dict[str, Any]:
    return {
        "id": item.id if item.own_id else None,
        "name": item.text,
        "planned": item.planned,
        "forecast": item.forecast,
        "actual": item.actual,
        "slip_days": item.slip_days,
        "status": item.status,
        "citations": [c.model_dump() for c in item.citations],
    }


def latest_progress(notes: list[ProgressNote]) -> Progress:
    """Each figure from the newest document that states it; the date and source are the newest
    note's."""
    progress = Progress()
    for note in sorted(notes, key=lambda n: n.date or ""):
        for name in ("percent", "planned_percent", "spi", "cpi"):
            value = getattr(note, name)
            if value is not None:
                setattr(progress, name, value)
        progress.date, progress.source = note.date, note.source
    return progress


def is_high(item: RecordItem) -> bool:
    words = [(item.probability or "").lower(), (item.impact or "").lower()]
    return any(w.split()[0] in HIGH for w in words if w.split())


def count(register: Register) -> Counts:
    def open_of(kind: str) -> list[RecordItem]:
        return [i for i in register.of_kind(kind) if is_open(i)]

    return Counts(
        actions_open=len(open_of("action")),
        actions_overdue=sum(is_overdue(i, register.as_of) for i in open_of("action")),
        risks_open=len(open_of("risk")),
        risks_open_high=sum(is_high(i) for i in open_of("risk")),
        issues_open=len(open_of("issue")),
        changes=len(register.of_kind("change")),
    )


REASONS = {
    "en": {
        "spi": "behind schedule: SPI {spi:g} ({date})",
        "cpi": "over budget: CPI {cpi:g} ({date})",
        "progress": "progress {done:g}% against {planned:g}% planned",
        "overdue": "{n} open action(s) past their due date",
        "high_risks": "{n} open high risk(s)",
        "slip": "milestone {name} slipped {days} days ({planned} → {target})",
        "missed": "milestone {name} planned {planned} not reached",
        "green": "no overdue actions, slipped milestones or open high risks found",
    },
    "zh": {
        "spi": "进度落后：SPI {spi:g}（{date}）",
        "cpi": "成本超支：CPI {cpi:g}（{date}）",
        "progress": "实际进度 {done:g}%，计划 {planned:g}%",
        "overdue": "{n} 项行动项已逾期未关闭",
        "high_risks": "{n} 项高风险未关闭",
        "slip": "里程碑 {name} 延期 {days} 天（{planned} → {target}）",
        "missed": "里程碑 {name} 计划 {planned} 未达成",
        "green": "无逾期行动项、无延期里程碑、无未关闭的高风险",
    },
}


def health_of(
    progress: Progress, counts: Counts, milestones: list[RecordItem], as_of: str, lang: str = "en"
) -> tuple[Health, list[str]]:
    """Red or amber for each reason found, in words; green when there is none."""
    words = REASONS["zh" if lang == "zh" else "en"]
    red: list[str] = []
    amber: list[str] = []
    if progress.spi is not None and progress.spi < SPI_AMBER:
        (red if progress.spi < SPI_RED else amber).append(
            words["spi"].format(spi=progress.spi, date=progress.date)
        )
    if progress.cpi is not None and progress.cpi < CPI_AMBER:
        (red if progress.cpi < CPI_RED else amber).append(
            words["cpi"].format(cpi=progress.cpi, date=progress.date)
        )
    done, planned = progress.percent, progress.planned_percent
    if done is not None and planned is not None and done < planned:
        amber.append(words["progress"].format(done=done, planned=planned))
    if counts.actions_overdue:
        (red if counts.actions_overdue >= OVERDUE_RED else amber).append(
            words["overdue"].format(n=counts.actions_overdue)
        )
    if counts.risks_open_high:
        amber.append(words["high_risks"].format(n=counts.risks_open_high))
    for m in milestones:
        name = m.id if m.own_id else m.text
        if m.slip_days and m.slip_days > 0:
            target = m.actual or m.forecast
            (red if m.slip_days > SLIP_RED_DAYS and not m.actual else amber).append(
                words["slip"].format(name=name, days=m.slip_days, planned=m.planned, target=target)
            )
        elif is_overdue(m, as_of):
            amber.append(words["missed"].format(name=name, planned=m.planned))
    if red:
        return "red", red + amber
    if amber:
        return "amber", amber
    return "green", [words["green"]]


def project_status(
    register: Register, *, risk: dict[str, float] | None = None, lang: str = "en"
) -> ProjectStatus:
    progress = latest_progress(register.progress)
    milestones = register.of_kind("milestone")
    counts = count(register)
    health, reasons = health_of(progress, counts, milestones, register.as_of, lang)
    return ProjectStatus(
        project=register.project, as_of=register.as_of, health=health, health_reasons=reasons,
        progress=progress, milestones=milestones, counts=counts, risk=risk,
    )  # fmt: skip
