"""Errors a user can cause while training or scoring a risk model."""

from __future__ import annotations


class RiskModelError(Exception):
    """Base class: translated to exit code 2 / HTTP 4xx at the edges."""
