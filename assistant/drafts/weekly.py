"""The weekly report (周报): progress, decisions, actions, risks, issues and next week's plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.drafts.extract import weekly_items
from assistant.drafts.generate import generate_items
from assistant.drafts.merge import close_done_actions, merge_items
from assistant.drafts.models import Draft, DraftItem, Lang, sections_of
from assistant.drafts.sources import (
    check_scope,
    latest_week,
    project_chunks,
    week_before,
)
from assistant.llm import ChatModel
from ingest.model import Chunk, DocType
from ingest.ports import VectorStore

if TYPE_CHECKING:
    from assistant.drafts.build import DraftRequest

# Requirements and post-mortems describe the whole project, not what happened this week.
WEEKLY_DOC_TYPES = (DocType.MEETING_NOTES.value, DocType.OTHER.value)
# The record also reads the requirements: their milestone tables are the plan.
RECORD_DOC_TYPES = (*WEEKLY_DOC_TYPES, DocType.REQUIREMENTS.value)
RECORD_SECTIONS = ("actions", "risks", "milestones", "plan", "support")
# The draft kind's sections (assistant.draft_kinds), in the order the report shows them.
SECTIONS = (
    "progress", "milestones", "decisions", "actions", "plan", "risks", "issues", "support",
)  # fmt: skip


def build(request: DraftRequest) -> Draft:
    """The "weekly-report" kind's builder (assistant.draft_kinds)."""
    return weekly_report(request.project, **request.common())


def weekly_report(
    project: str,
    *,
    store: VectorStore,
    since: str | None = None,
    until: str | None = None,
    lang: Lang = "zh",
    chat_model: ChatModel | None = None,
    title: str | None = None,
    reporter: str | None = None,
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
    # The record package reads the drafts' line classifier: imported here to break the cycle.
    from assistant.drafts.weekly_record import overview, record_sections
    from assistant.record.store import register_from_chunks

    draft = Draft.begin("weekly-report", project, lang=lang, since=since, until=until, title=title)
    # The record reads every document up to the end of the period: open actions carry over.
    history = project_chunks(store, project, until=until, doc_types=RECORD_DOC_TYPES)
    register = register_from_chunks(project, history, as_of=until or "9999-12-31")
    extracted = in_section_order(
        record_sections(extracted_weekly(chunks), register, since=since, until=until),
        "weekly-report",
    )
    draft.overview = overview(register, lang=lang, reporter=reporter)
    if chat_model is None:
        draft.items = extracted
        return draft
    generated = generate_items(draft, chunks, chat_model, fallback=extracted)
    # The model writes prose sections; the record's tables (ids, statuses as written) stay.
    if generated.mode == "llm":
        recorded = [i for i in extracted if i.section in RECORD_SECTIONS]
        prose = [i for i in generated.items if i.section not in RECORD_SECTIONS]
        generated.items = in_section_order(prose + recorded, "weekly-report")
    return generated


def extracted_weekly(chunks: list[Chunk]) -> list[DraftItem]:
    items = close_done_actions(merge_items(weekly_items(chunks)))
    return in_section_order(items, "weekly-report")


def in_section_order(items: list[DraftItem], kind: str) -> list[DraftItem]:
    order = {name: i for i, name in enumerate(sections_of(kind))}
    return sorted(items, key=lambda item: order.get(item.section, len(order)))
