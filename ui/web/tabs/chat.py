"""Ask tab: streaming answers with citations (source, page, snippet), filtered by project and
document type."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import gradio as gr

from assistant.answer import Turn
from assistant.errors import AssistantError
from ingest.errors import IngestError
from ingest.html_text import html_to_text
from ingest.model import DocType
from ui.web.i18n import t
from ui.web.sanitize import CHATBOT_HTML, MARKDOWN_HTML, safe_html
from ui.web.tabs.context import UiContext, lang_code

_MARKDOWN_SYNTAX = re.compile(r"[\\`*_{}\[\]()#+\-.!|>~]")
DOC_TYPES = [d.value for d in DocType]
ANY = ""  # dropdown value meaning "no filter"
# A streamed answer is rendered (parsed, sanitised, sent) at most every RENDER_INTERVAL seconds
# and never more often than RENDER_SHARE of the time allows (a 40 KB answer takes about 50 ms to
# parse), then once more at the end. Rendering at every delta costs O(n^2) in the answer's
# length: a 40 KB answer in 10,000 deltas took 28 s of CPU that way, 0.7 s with ticks.
RENDER_INTERVAL = 0.1
RENDER_SHARE = 0.25


def citations_markdown(citations: list[dict[str, Any]], lang: str) -> str:
    """Numbered citations, each with its source, page, project, type and a quoted snippet,
    as safe HTML for a gr.Markdown(**MARKDOWN_HTML)."""
    if not citations:
        return t("no_citations", lang)
    blocks = []
    for number, cite in enumerate(citations, start=1):
        where = [f"`{cite['source']}`"]
        if cite.get("page") is not None:
            where.append(t("page", lang, page=cite["page"]))
        where.append(f"{cite.get('project', '')} · {cite.get('doc_type', '')}")
        snippet = " ".join(str(cite.get("text", "")).split())
        if len(snippet) > 300:
            snippet = snippet[:300] + "…"
        blocks.append(f"**[{number}]** " + " · ".join(where) + f"\n\n{literal(snippet)}")
    return safe_html("\n\n".join(blocks))


def literal(text: str) -> str:
    """Document text shown as typed: Markdown syntax in it (tables, headings) is escaped."""
    return _MARKDOWN_SYNTAX.sub(r"\\\g<0>", text)


@dataclass
class RenderTicks:
    """Renders a growing answer only when a render tick is due; None in between."""

    clock: Callable[[], float] = time.monotonic
    next_at: float = float("-inf")

    def render(self, text: str) -> str | None:
        started = self.clock()
        if started < self.next_at:
            return None
        html = safe_html(text, chat=True)
        cost = self.clock() - started
        self.next_at = started + max(RENDER_INTERVAL, cost / RENDER_SHARE)
        return html


def respond(
    ctx: UiContext,
    question: str,
    history: list[dict[str, Any]],
    project: str | None,
    doc_type: str | None,
    language: str,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[list[dict[str, Any]], str, Any]]:
    lang = lang_code(language)
    question = (question or "").strip()
    if not question:
        yield history, "", gr.skip()
        return
    turns = earlier_turns(history)
    history = [
        *history,
        {"role": "user", "content": safe_html(question, chat=True)},
        {"role": "assistant", "content": ""},
    ]
    text = ""
    shown = ""  # the text the last yielded update rendered
    ticks = RenderTicks(clock)
    try:
        stream = ctx.docs.stream_ask(
            question,
            project=project or None,
            doc_type=doc_type or None,
            k=ctx.settings.retrieval.k,
            history=turns,
        )
        for piece in stream:
            if isinstance(piece, str):
                text += piece
                if (partial := ticks.render(text)) is not None:
                    history[-1]["content"], shown = partial, text
                    yield history, "", gr.skip()
            else:
                history[-1]["content"] = safe_html(piece["answer"], chat=True)
                yield history, "", citations_markdown(piece["citations"], lang)
                return
    except (AssistantError, IngestError) as exc:
        raise gr.Error(str(exc)) from None
    if text != shown:  # the stream ended without a final answer: show all that came
        history[-1]["content"] = safe_html(text, chat=True)
        yield history, "", gr.skip()


def earlier_turns(history: list[dict[str, Any]]) -> list[Turn]:
    """The chat's messages as (question, answer) turns, oldest first, for follow-ups. The
    messages hold the sanitised HTML shown in the page: their text is what was said."""
    turns: list[Turn] = []
    for asked, answered in pairwise(history):
        if asked.get("role") == "user" and answered.get("role") == "assistant":
            turns.append(Turn(_said(asked), _said(answered)))
    return turns


def _said(message: dict[str, Any]) -> str:
    return html_to_text(str(message.get("content", ""))).strip()


def build(ctx: UiContext) -> None:
    add = ctx.relabel.add
    projects: list[Any] = [("—", ANY), *ctx.docs.projects()]
    with gr.Row():
        project = add(
            gr.Dropdown(projects, value=ANY, label=t("project", "zh"), elem_id="chat-project"),
            label="project",
        )
        ctx.project_picker(project, with_any=True)
        doc_type = add(
            gr.Dropdown([("—", ANY), *DOC_TYPES], value=ANY, label=t("doc_type", "zh")),
            label="doc_type",
        )
    conversation = add(
        gr.Chatbot(
            label=t("conversation", "zh"),
            elem_id="chatbot",
            height=380,
            feedback_options=None,
            # Messages are our sanitised HTML: the copy buttons would copy the markup, and
            # "share" posts to Hugging Face. Selecting the text copies it as text.
            buttons=[],
            **CHATBOT_HTML,
        ),
        label="conversation",
    )
    with gr.Row():
        question = add(
            gr.Textbox(
                label=t("question", "zh"),
                placeholder=t("question_hint", "zh"),
                elem_id="question",
                scale=4,
            ),
            label="question",
            placeholder="question_hint",
        )
        ask = add(gr.Button(t("ask", "zh"), variant="primary", elem_id="ask", scale=1), value="ask")
    add(gr.Markdown("### " + t("citations", "zh")), value="citations")
    citations = gr.Markdown(elem_id="citations", **MARKDOWN_HTML)

    def on_ask(*args: Any) -> Iterator[tuple[list[dict[str, Any]], str, Any]]:
        yield from respond(ctx, *args)

    inputs = [question, conversation, project, doc_type, ctx.language]
    outputs = [conversation, question, citations]
    ask.click(on_ask, inputs=inputs, outputs=outputs)
    question.submit(on_ask, inputs=inputs, outputs=outputs)
