"""Batch reports: one draft kind for many projects, one file per project and format.

Each file is written atomically under a dated name that never replaces an earlier report
(周报_alpha_2026-03-15.md, then 周报_alpha_2026-03-15_2.md). A project that fails (unknown, no
documents in range, an unwritable file...) is recorded with its error and the rest carry on;
the caller decides what an all-failed run means (the CLI exits 2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from assistant.draft_kinds import PORTFOLIO, draft_kind_names, report_kind_names
from assistant.drafts.build import DraftDeps, build_draft
from assistant.drafts.output import FORMATS, write_dated
from assistant.drafts.render_markdown import render_markdown
from assistant.errors import AssistantError
from ingest.errors import IngestError
from ml.errors import RiskModelError

__all__ = ["PORTFOLIO", "BatchResult", "batch_report", "report_kind_names"]

logger = logging.getLogger(__name__)

# What one project may fail with without stopping the batch: the errors a user can cause,
# plus file-system errors for its output file.
PROJECT_ERRORS: tuple[type[Exception], ...] = (AssistantError, IngestError, RiskModelError, OSError)


class ReportProgress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, project: str) -> None: ...


@dataclass
class Failure:
    project: str
    error: str


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    @property
    def all_failed(self) -> bool:
        return bool(self.failed) and not self.written

    def to_json(self) -> dict[str, object]:
        return {
            "written": [str(p) for p in self.written],
            "failed": [{"project": f.project, "error": f.error} for f in self.failed],
        }


def parse_formats(text: str) -> list[str]:
    """ "md,docx" -> ["md", "docx"], refusing anything else."""
    formats = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise AssistantError(
            f"Unknown --format {text!r}; use a comma-separated list of {', '.join(FORMATS)}."
        )
    return list(dict.fromkeys(formats))


def report_path(out_dir: Path, project: str, kind: str, fmt: str) -> Path:
    """A fixed name for one project's draft, for callers that choose the path before the
    draft exists (the UI and REST drafts); batch reports use the dated names."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in project).strip(".")
    return out_dir / f"{safe or 'project'}-{kind}.{fmt}"


def batch_report(
    kind: str,
    projects: Sequence[str],
    deps: DraftDeps,
    out_dir: Path,
    *,
    formats: Sequence[str] = ("md",),
    since: str | None = None,
    until: str | None = None,
    lang: str | None = None,
    progress: ReportProgress | None = None,
) -> BatchResult:
    if kind not in draft_kind_names():
        known = ", ".join(draft_kind_names())
        raise AssistantError(f"Unknown --kind {kind!r}; choose one of {known}.")
    if not projects:
        raise AssistantError("No projects to report on; pass --project NAME or --all-projects.")
    result = BatchResult()
    if progress:
        progress.start(len(projects))
    for project in dict.fromkeys(projects):
        try:
            result.written += _one_project(
                kind, project, deps, out_dir, formats, since, until, lang
            )
        except PROJECT_ERRORS as exc:
            logger.info("report for %s failed: %s", project, exc)
            result.failed.append(Failure(project, str(exc)))
        if progress:
            progress.advance(project)
    return result


def _one_project(
    kind: str,
    project: str,
    deps: DraftDeps,
    out_dir: Path,
    formats: Sequence[str],
    since: str | None,
    until: str | None,
    lang: str | None,
) -> list[Path]:
    draft = build_draft(kind, project, deps, since=since, until=until, lang=lang)
    markdown = render_markdown(draft)
    return [write_dated(draft, out_dir, fmt, markdown) for fmt in formats]
