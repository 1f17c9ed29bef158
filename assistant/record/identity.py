"""One item per real-world item: mentions from every document folded together.

Identity is the document's own id when it has one (A-14 in five weekly tables is one action),
else a stable key from the first wording (`content_key`); a mention without an id joins the
item whose text it repeats (character-bigram similarity, `drafts.text.same_item`). Later
documents update what changes over time: status (as written), owner, due date, a risk's
assessment, a milestone's forecast and actual dates. Every mention stays in the history.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date

from assistant.drafts.text import normalise, parse_iso, same_item
from assistant.record.models import HistoryEntry, Mention, RecordItem

KEY_PREFIX = {"decision": "D", "action": "A", "risk": "R", "issue": "I", "change": "CR",
              "milestone": "M"}  # fmt: skip


def content_key(kind: str, text: str) -> str:
    """A stable id for an item its documents never numbered: kind prefix + text hash."""
    digest = hashlib.sha1(f"{kind}\n{normalise(text)}".encode()).hexdigest()[:8]
    return f"{KEY_PREFIX[kind]}#{digest}"


def canonical_id(own_id: str) -> str:
    """ "A-05", "A05" and "a-5" name the same action: compare ids by prefix and number."""
    head = own_id.rstrip("0123456789").rstrip("-").upper()
    number = own_id[len(own_id.rstrip("0123456789")):]
    return f"{head}-{int(number)}" if number else head


def build_items(mentions: Iterable[Mention]) -> list[RecordItem]:
    """Registers from mentions in any order: one item per id or repeated text, in first-seen
    order."""
    items: list[RecordItem] = []
    by_id: dict[tuple[str, str], RecordItem] = {}
    # Within one document a note ("A-01 完成") comes before the register table's row, so the
    # table's status cell is the document's last word on the item.
    ordered = sorted(mentions, key=lambda m: (m.date or "", m.citation.source, not m.update_only))
    for mention in ordered:
        if mention.kind == "milestone" and not mention.own_id:
            named = named_milestone(mention, items)
            if named is not None:
                absorb(named, mention, baseline=False)
            continue
        item = _find(mention, items, by_id)
        if item is None:
            if mention.update_only and mention.kind != "milestone":
                continue  # "A-11 完成" about an action no document defines
            item = _new_item(mention)
            items.append(item)
            if mention.own_id:
                by_id[(mention.kind, canonical_id(mention.own_id))] = item
        absorb(item, mention)
    for item in items:
        item.slip_days = slip_days(item)
    return items


def _find(
    mention: Mention, items: list[RecordItem], by_id: dict[tuple[str, str], RecordItem]
) -> RecordItem | None:
    if mention.own_id:
        key = canonical_id(mention.own_id)
        found = by_id.get((mention.kind, key))
        if found is None and mention.update_only:
            found = next((i for (_, k), i in by_id.items() if k == key), None)
        return found
    if mention.update_only:
        return None
    return next(
        (i for i in items if i.kind == mention.kind and same_item(i.text, mention.text)), None
    )


def _new_item(mention: Mention) -> RecordItem:
    own = bool(mention.own_id)
    return RecordItem(
        kind=mention.kind,
        id=mention.own_id if mention.own_id else content_key(mention.kind, mention.text),
        own_id=own,
        text=mention.text,
    )


def named_milestone(move: Mention, items: list[RecordItem]) -> RecordItem | None:
    """The one milestone a date change without an id is about: the line names it (its Chinese
    name, or its English one) and the date it moves from is the milestone's current date
    (forecast, else planned), so "初验日期由 5 月 15 日调整为 6 月 5 日" moves M5 初验 and
    nothing else."""
    text = move.text.casefold()
    found = [
        m for m in items
        if m.kind == "milestone" and (m.forecast or m.planned) == move.planned
        and any(name in text for name in _names(m.text))
    ]  # fmt: skip
    return found[0] if len(found) == 1 else None


def _names(text: str) -> list[str]:
    """"上线 Go-live" -> ["上线", "go-live"]; names shorter than two characters are too vague."""
    parts = re.findall(r"[\u4e00-\u9fff]{2,}|[A-Za-z][\w/ -]*[A-Za-z]", text)
    return [p.strip().casefold() for p in parts if len(p.strip()) >= 2]


def absorb(item: RecordItem, mention: Mention, *, baseline: bool = True) -> None:
    """Fold one mention (mentions arrive oldest first) into its item; `baseline=False` for a
    change that moves the date (its "from" date is not a new baseline)."""
    if not mention.update_only and (not item.text or item.text == item.id):
        item.text = mention.text
    item.history.append(
        HistoryEntry(date=mention.date, status=mention.status, source=mention.citation.source)
    )
    if mention.citation not in item.citations:
        item.citations.append(mention.citation)
    if mention.date:
        item.first_seen = min(filter(None, (item.first_seen, mention.date)))
        item.last_seen = max(filter(None, (item.last_seen, mention.date)))
    if mention.status:
        item.status = mention.status
    for name in ("owner", "due", "probability", "impact", "response", "forecast", "actual"):
        value = getattr(mention, name)
        if value:
            setattr(item, name, value)
    if baseline:
        item.planned = item.planned or mention.planned  # the baseline is the first planned date


def slip_days(item: RecordItem) -> int | None:
    """Days a milestone moved: actual (else forecast) minus the first planned date."""
    if item.kind != "milestone":
        return None
    planned = parse_iso(item.planned)
    later: date | None = parse_iso(item.actual) or parse_iso(item.forecast)
    if planned is None or later is None:
        return None
    return (later - planned).days
