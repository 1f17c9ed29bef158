"""Selecting from a register: by kind, open only, overdue as of a date."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.errors import AssistantError
from assistant.record.models import KINDS, RecordItem, Register
from assistant.record.words import is_closed


def is_open(item: RecordItem) -> bool:
    """Open until a document says otherwise: a status as written that means done or closed.
    Decisions and milestones with an actual date are never open."""
    if item.kind == "decision":
        return False
    if item.kind == "milestone":
        return item.actual is None and not is_closed(item.status)
    return not is_closed(item.status)


def is_overdue(item: RecordItem, as_of: str) -> bool:
    """Open, with a due date (a milestone: its forecast, else planned date) before `as_of`."""
    due = item.due if item.kind != "milestone" else (item.forecast or item.planned)
    return is_open(item) and due is not None and due < as_of


def check_kinds(kinds: Sequence[str]) -> None:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise AssistantError(
            f"Unknown register kind {unknown[0]!r}; choose from {', '.join(KINDS)}."
        )


def select(
    register: Register,
    *,
    kinds: Sequence[str] = (),
    open_only: bool = False,
    overdue: bool = False,
) -> Register:
    """The register with only the items asked for (kinds empty = every kind)."""
    check_kinds(kinds)
    items = [
        item
        for item in register.items
        if (not kinds or item.kind in kinds)
        and (not open_only or is_open(item))
        and (not overdue or is_overdue(item, register.as_of))
    ]
    return register.model_copy(update={"items": items})
