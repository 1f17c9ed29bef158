"""Merging items that several documents repeat, and closing actions a later minute reports done.

Two items are the same when their normalised texts share enough character bigrams
(`text.same_item`): the first wording is kept, every citation is kept, and later documents
update what changes over time (status, due date, owner when first unknown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.drafts.models import Citation, DraftItem
from assistant.drafts.text import same_item, status_of


def merge_items(items: Iterable[DraftItem]) -> list[DraftItem]:
    """Items in first-seen order, one per distinct (section, text)."""
    merged: list[DraftItem] = []
    for item in sorted(items, key=lambda i: i.date or ""):
        twin = next((m for m in merged if _same(m, item)), None)
        if twin is None:
            merged.append(item.model_copy(deep=True))
        else:
            absorb(twin, item)
    return merged


def _same(a: DraftItem, b: DraftItem) -> bool:
    if a.section != b.section:
        return False
    if a.id and b.id:  # "A-01" in two weeks' tables is the same action, even reworded
        return a.id == b.id
    return same_item(a.text, b.text)


def absorb(kept: DraftItem, later: DraftItem) -> None:
    """Fold a later mention into the item already kept."""
    kept.citations = _union(kept.citations, later.citations)
    kept.owner = kept.owner or later.owner
    kept.due = later.due or kept.due
    explicit = status_of(later.text) or _table_status(later)
    if explicit is not None and later.status is not None:
        kept.status = later.status
    for name in ("probability", "impact", "level", "response", "category"):
        # A risk's latest assessment is its current one.
        if getattr(later, name) is not None and (
            kept.section == "risks" or not getattr(kept, name)
        ):
            setattr(kept, name, getattr(later, name))
    if later.date and (kept.date is None or later.date > kept.date):
        kept.date = later.date


def _table_status(item: DraftItem) -> str | None:
    # A table row's status cell is not in item.text; a "done" there was already applied.
    return "done" if item.status in ("done", "closed") else None


def _union(a: list[Citation], b: list[Citation]) -> list[Citation]:
    seen = {(c.source, c.page, c.text) for c in a}
    return a + [c for c in b if (c.source, c.page, c.text) not in seen]


def close_done_actions(items: list[DraftItem]) -> list[DraftItem]:
    """Close actions and risks that a later progress line reports finished.

    A line closes an item when it names the item's id ("A-02 完成", "R-03 关闭") or says the
    same thing (bigram similarity). The line is then dropped: it is the item's closing note,
    and its citation moves to the item.
    """
    closable = [i for i in items if i.section in ("actions", "risks") and i.status != "done"]
    closing: list[DraftItem] = []
    for note in (i for i in items if i.section in ("progress", "issues", "plan")):
        if status_of(note.text) != "done":
            continue
        for item in closable:
            if (note.date or "") < (item.date or "") or not _closes(note, item):
                continue
            item.status = "done" if item.section == "actions" else "closed"
            item.citations = _union(item.citations, note.citations)
            if item.section == "actions" or not item.id:
                closing.append(note)
    return [i for i in items if all(i is not c for c in closing)]


def _closes(note: DraftItem, item: DraftItem) -> bool:
    if item.id and re.search(rf"(?<![\w-]){re.escape(item.id)}(?![\w-])", note.text):
        return True
    return item.section == "actions" and same_item(item.text, note.text)
