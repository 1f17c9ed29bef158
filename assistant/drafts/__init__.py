"""Structured drafts: weekly report, requirement document, risk register (zh/en, offline or LLM).

Build a draft with `weekly_report`, `requirements_document` or `risk_register` (dependencies
passed in), render it with `render_markdown` / `render_docx`, write it with `write_draft`.
"""

from assistant.draft_kinds import draft_kind_names
from assistant.drafts.models import Citation, Draft, DraftItem
from assistant.drafts.output import write_draft
from assistant.drafts.render_docx import render_docx
from assistant.drafts.render_markdown import render_markdown
from assistant.drafts.requirements import requirements_document
from assistant.drafts.risk_register import risk_register
from assistant.drafts.sources import UnknownProjectError, known_projects, project_info
from assistant.drafts.weekly import weekly_report

__all__ = [
    "Citation",
    "Draft",
    "DraftItem",
    "UnknownProjectError",
    "draft_kind_names",
    "known_projects",
    "project_info",
    "render_docx",
    "render_markdown",
    "requirements_document",
    "risk_register",
    "weekly_report",
    "write_draft",
]
