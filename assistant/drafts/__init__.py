"""Structured drafts: weekly report, requirement document, risk register (zh/en, offline or LLM).

Build a draft with `weekly_report`, `requirements_document` or `risk_register` (dependencies
passed in), render it with `render_markdown` / `render_docx`, write it with `write_draft`.

The names below are imported when first used (PEP 562), so a module that needs one part
(the CLI's `--help` listing the draft kinds) does not load every builder, python-docx and jinja.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "DRAFT_KINDS": "models",
    "Citation": "models",
    "Draft": "models",
    "DraftItem": "models",
    "write_draft": "output",
    "render_docx": "render_docx",
    "render_markdown": "render_markdown",
    "requirements_document": "requirements",
    "risk_register": "risk_register",
    "UnknownProjectError": "sources",
    "known_projects": "sources",
    "project_info": "sources",
    "weekly_report": "weekly",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
