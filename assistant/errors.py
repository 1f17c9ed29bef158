"""Errors a user can cause in retrieval, answering, drafting and reporting."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: translated to exit code 2 / HTTP 4xx at the edges."""
