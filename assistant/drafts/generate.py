"""The LLM path: the same draft structure generated from the retrieved passages.

Passages are sent as delimited data with ids (P1, P2...), never as instructions. The reply
must be one JSON object that validates against `Reply`; every item cites passage ids, which are
turned back into citations. An invalid reply is retried once with the validation error; after
that — or when the server fails — the draft falls back to extraction and says so.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.draft_kinds import kind_label
from assistant.drafts.models import (
    Citation,
    Draft,
    DraftItem,
    Level,
    Response,
    sections_of,
)
from assistant.llm import ChatMessage, ChatModel, LLMError
from assistant.prompts import load_prompt
from assistant.settings import prompts_dir
from ingest.model import Chunk

logger = logging.getLogger(__name__)

MAX_PASSAGE_CHARS = 14_000
SNIPPET_CHARS = 240


class ReplyItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    section: str
    text: str = Field(min_length=2)
    owner: str | None = None
    due: str | None = None
    status: Literal["open", "done", "closed"] | None = None
    probability: Level | None = None
    impact: Level | None = None
    response: Response | None = None
    category: str | None = None
    sources: list[str] = Field(min_length=1)

    @field_validator("due")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value:
            date.fromisoformat(value)  # ValueError -> validation error naming the field
        return value or None


class Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[ReplyItem]


class ReplyError(ValueError):
    """The model's reply is not a valid draft; the message is sent back to it once."""


@dataclass(frozen=True)
class Passage:
    id: str
    chunk: Chunk

    def as_data(self) -> str:
        # Markup inside a document is escaped, so it can neither close this passage nor
        # forge another one; attributes are quoted the same way.
        c = self.chunk
        page = c.page if c.page is not None else "-"
        attrs = {"source": c.source, "page": page, "date": c.date or "-", "type": c.doc_type}
        quoted = " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in attrs.items())
        body = html.escape(c.text, quote=False)
        return f'<passage id="{self.id}" {quoted}>\n{body}\n</passage>'


def select_passages(
    chunks: Sequence[Chunk], useful: Sequence[DraftItem], max_chars: int = MAX_PASSAGE_CHARS
) -> list[Passage]:
    """Chunks in document order within a character budget; those extraction found items in
    go first when everything does not fit."""
    chosen = list(chunks)
    if sum(len(c.text) for c in chunks) > max_chars:
        cited = {(c.source, c.text) for item in useful for c in item.citations}
        ranked = sorted(chunks, key=lambda c: not any(s == c.source and t in c.text
                                                      for s, t in cited))  # fmt: skip
        chosen, total = [], 0
        for chunk in ranked:
            if total + len(chunk.text) <= max_chars:
                chosen.append(chunk)
                total += len(chunk.text)
        order = {id(c): i for i, c in enumerate(chunks)}
        chosen.sort(key=lambda c: order[id(c)])
    return [Passage(f"P{i}", chunk) for i, chunk in enumerate(chosen, start=1)]


def build_messages(draft: Draft, passages: Sequence[Passage]) -> list[ChatMessage]:
    folder = prompts_dir() / "drafts"
    system = load_prompt("draft_system", draft.lang, variables={"kind", "sections"}, folder=folder)
    user = load_prompt(
        "draft_user",
        draft.lang,
        variables={"project", "since", "until", "passages"},
        folder=folder,
    )
    kind = kind_label(draft.kind, draft.lang)  # the kind's name in the draft's language
    return [
        ChatMessage("system", system.render(kind=kind, sections=sections_of(draft.kind))),
        ChatMessage(
            "user",
            user.render(
                project=draft.title,
                since=draft.since or "-",
                until=draft.until or "-",
                passages="\n\n".join(p.as_data() for p in passages),
            ),
        ),
    ]


def parse_reply(reply: str, kind: str, passages: Sequence[Passage]) -> list[DraftItem]:
    """Validated items, or ReplyError saying exactly what is wrong."""
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    if match is None:
        raise ReplyError("the reply contains no JSON object")
    try:
        parsed = Reply.model_validate(json.loads(match.group(0)))
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the JSON does not parse: {exc}") from None
    except ValidationError as exc:
        raise ReplyError(f"the JSON does not match the schema: {exc}") from None
    by_id = {p.id: p for p in passages}
    sections = sections_of(kind)
    items: list[DraftItem] = []
    for n, item in enumerate(parsed.items):
        if item.section not in sections:
            raise ReplyError(f"items[{n}].section {item.section!r} is not one of {list(sections)}")
        unknown = [s for s in item.sources if s not in by_id]
        if unknown:
            raise ReplyError(f"items[{n}].sources {unknown} are not passage ids")
        items.append(_to_item(item, [by_id[s] for s in item.sources], kind))
    return items


def _to_item(item: ReplyItem, passages: list[Passage], kind: str) -> DraftItem:
    citations = [
        Citation(source=p.chunk.source, page=p.chunk.page, text=_snippet(p.chunk.text, item.text))
        for p in passages
    ]
    return DraftItem(
        section=item.section,
        text=item.text,
        owner=item.owner,
        due=item.due,
        status=item.status,
        probability=item.probability,
        impact=item.impact,
        response=item.response,
        category=item.category,
        origin="project" if kind == "risk-list" else None,
        date=max((p.chunk.date or "" for p in passages), default="") or None,
        citations=citations,
    )


def _snippet(passage: str, claim: str) -> str:
    """The line of the passage sharing most characters with the claim, as the quote."""
    lines = [line.strip() for line in passage.splitlines() if line.strip()] or [passage]
    best = max(lines, key=lambda line: len(set(line) & set(claim)))
    return best[:SNIPPET_CHARS]


def generate_items(
    draft: Draft, chunks: Sequence[Chunk], chat_model: ChatModel, *, fallback: list[DraftItem]
) -> Draft:
    """`draft` filled by the model, or by `fallback` (extraction) with a warning."""
    passages = select_passages(chunks, fallback)
    messages = build_messages(draft, passages)
    try:
        items = _ask_twice(chat_model, messages, draft.kind, passages)
    except (ReplyError, LLMError) as exc:
        logger.warning("LLM draft failed, falling back to extraction: %s", exc)
        draft.mode = "extractive"
        draft.items = fallback
        draft.warnings.append(_fallback_note(draft.lang, str(exc)))
        return draft
    draft.mode = "llm"
    order = {name: n for n, name in enumerate(sections_of(draft.kind))}
    draft.items = sorted(items, key=lambda item: order[item.section])
    return draft


def _ask_twice(
    chat_model: ChatModel, messages: list[ChatMessage], kind: str, passages: Sequence[Passage]
) -> list[DraftItem]:
    reply = chat_model.complete(messages)
    try:
        return parse_reply(reply, kind, passages)
    except ReplyError as exc:
        logger.info("invalid draft reply, retrying once: %s", exc)
        retry = [
            *messages,
            ChatMessage("assistant", reply),
            ChatMessage(
                "user",
                f"Your reply was not valid: {exc}. Reply again with only the JSON object "
                'described above ({"items": [...]}), every item citing passage ids.',
            ),
        ]
        return parse_reply(chat_model.complete(retry), kind, passages)


def _fallback_note(lang: str, reason: str) -> str:
    reason = reason[:300]
    if lang == "zh":
        return f"大模型未能生成有效的结构化结果（{reason}），本稿改为从文档中抽取生成。"
    return f"The LLM did not produce a valid draft ({reason}); this draft was extracted instead."
