"""Register extraction by an LLM: the same `Mention`s, validated against the schema and checked
against the document (every item must quote one of its lines); offline extraction is the
fallback for any document the model fails on."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.drafts.lines import SNIPPET_CHARS
from assistant.drafts.models import Citation
from assistant.drafts.text import normalise, parse_iso
from assistant.llm import ChatMessage, ChatModel, LLMError
from assistant.prompts import load_prompt
from assistant.record.extract import document_facts
from assistant.record.models import DocumentFacts, Kind, Mention
from assistant.settings import prompts_dir
from ingest.model import Chunk

logger = logging.getLogger(__name__)

MAX_DOCUMENT_CHARS = 24_000


class ReplyItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Kind
    id: str | None = None
    text: str = Field(min_length=1)
    owner: str | None = None
    due: str | None = None
    status: str | None = None
    probability: str | None = None
    impact: str | None = None
    response: str | None = None
    planned: str | None = None
    forecast: str | None = None
    actual: str | None = None
    quote: str = Field(min_length=1)


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ReplyItem]


class ReplyError(ValueError):
    """The model's reply is not the JSON the prompt asks for."""


def llm_document_facts(chunks: Sequence[Chunk], chat_model: ChatModel) -> DocumentFacts:
    """The model's mentions for one document; the offline extraction when it fails."""
    offline = document_facts(chunks)
    text = "\n".join(c.text for c in chunks)[:MAX_DOCUMENT_CHARS]
    try:
        reply = chat_model.complete(messages(chunks[0], text))
        mentions = parse_reply(reply, chunks[0], text)
    except (LLMError, ReplyError) as exc:
        logger.warning("LLM register extraction failed for %s, extracted offline: %s",
                       chunks[0].source, exc)  # fmt: skip
        return offline
    # Progress figures are numbers the offline reading finds reliably.
    return DocumentFacts(source=offline.source, date=offline.date, mentions=mentions,
                         progress=offline.progress)  # fmt: skip


def messages(first: Chunk, text: str) -> list[ChatMessage]:
    folder = prompts_dir() / "record"
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
    system = load_prompt("extract_system", lang, folder=folder)
    user = load_prompt("extract_user", lang, variables={"source", "date", "text"}, folder=folder)
    return [
        ChatMessage("system", system.render()),
        ChatMessage("user", user.render(source=first.source, date=first.date or "-", text=text)),
    ]


def parse_reply(reply: str, first: Chunk, text: str) -> list[Mention]:
    """Validated mentions; an item whose quote is not in the document is dropped."""
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    if match is None:
        raise ReplyError("the reply contains no JSON object")
    try:
        parsed = Reply.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ReplyError(f"the reply does not match the schema: {exc}") from None
    lines = {normalise(line): line.strip() for line in text.splitlines() if line.strip()}
    mentions = []
    for item in parsed.items:
        quoted = _find_line(item.quote, lines)
        if quoted is None:
            logger.info("dropping an LLM item whose quote is not in %s", first.source)
            continue
        dates = {name: _iso(getattr(item, name)) for name in ("due", "planned", "forecast",
                                                                "actual")}  # fmt: skip
        mentions.append(Mention(
            kind=item.kind, text=item.text, own_id=item.id or None, owner=item.owner,
            status=item.status, probability=item.probability, impact=item.impact,
            response=item.response, date=first.date, **dates,
            citation=Citation(source=first.source, page=first.page,
                              text=quoted[:SNIPPET_CHARS]),
        ))  # fmt: skip
    return mentions


def _find_line(quote: str, lines: dict[str, str]) -> str | None:
    wanted = normalise(quote)
    if not wanted:
        return None
    return lines.get(wanted) or next((raw for key, raw in lines.items() if wanted in key), None)


def _iso(value: str | None) -> str | None:
    return value if value and parse_iso(value) is not None and len(value) == 10 else None

