"""The weekly report (周报): progress, decisions, actions, risks, issues and next week's plan."""

from __future__ import annotations

from assistant.drafts.extract import weekly_items
from assistant.drafts.generate import generate_items
from assistant.drafts.merge import close_done_actions, merge_items
from assistant.drafts.models import SECTIONS, Draft, DraftItem, Lang
from assistant.drafts.sources import (
    check_scope,
    latest_week,
    project_chunks,
    week_before,
)
from assistant.llm import ChatModel
from ingest.model import Chunk, DocType
from ingest.ports import VectorStore

# Requirements and post-mortems describe the whole project, not what happened this week.
WEEKLY_DOC_TYPES = (DocType.MEETING_NOTES.value, DocType.OTHER.value)


def weekly_report(
    project: str,
    *,
    store: VectorStore,
    since: str | None = None,
    until: str | None = None,
    lang: Lang = "zh",
    chat_model: ChatModel | None = None,
    title: str | None = None,
) -> Draft:
    """A weekly report for `project` from its minutes and reports dated since..until.

    Without a range it covers the seven days ending on the newest dated document; with only
    `until`, the seven days ending then.
    """
    check_scope(store, project, since, until)
    if since is None and until is None:
        since, until = latest_week(project_chunks(store, project, doc_types=WEEKLY_DOC_TYPES))
    elif since is None:
        since = week_before(until)
    chunks = project_chunks(store, project, since=since, until=until, doc_types=WEEKLY_DOC_TYPES)
    draft = Draft.begin("weekly-report", project, lang=lang, since=since, until=until, title=title)
    extracted = extracted_weekly(chunks)
    if chat_model is None:
        draft.items = extracted
        return draft
    return generate_items(draft, chunks, chat_model, fallback=extracted)


def extracted_weekly(chunks: list[Chunk]) -> list[DraftItem]:
    items = close_done_actions(merge_items(weekly_items(chunks)))
    return in_section_order(items, "weekly-report")


def in_section_order(items: list[DraftItem], kind: str) -> list[DraftItem]:
    order = {name: i for i, name in enumerate(SECTIONS[kind])}
    return sorted(items, key=lambda item: order.get(item.section, len(order)))
