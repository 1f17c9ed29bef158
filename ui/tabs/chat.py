"""Ask tab: streaming answers with citations (source, page, snippet), filtered by project and
document type."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import gradio as gr

from assistant.answer import Turn
from assistant.errors import AssistantError
from ingest.errors import IngestError
from ui.i18n import t
from ui.sanitize import safe_markdown
from ui.tabs.context import UiContext, lang_code

_MARKDOWN_SYNTAX = re.compile(r"[\\`*_{}\[\]()#+\-.!|>~]")
DOC_TYPES = ["requirements", "meeting_notes", "postmortem", "other"]
ANY = ""  # dropdown value meaning "no filter"


def citations_markdown(citations: list[dict[str, Any]], lang: str) -> str:
    """Numbered citations, each with its source, page, project, type and a quoted snippet."""
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
    return safe_markdown("\n\n".join(blocks))


def literal(text: str) -> str:
    """Document text shown as typed: Markdown syntax in it (tables, headings) is escaped."""
    return _MARKDOWN_SYNTAX.sub(r"\\\g<0>", text)


def respond(
    ctx: UiContext,
    question: str,
    history: list[dict[str, Any]],
    project: str | None,
    doc_type: str | None,
    language: str,
) -> Iterator[tuple[list[dict[str, Any]], str, Any]]:
    lang = lang_code(language)
    question = (question or "").strip()
    if not question:
        yield history, "", gr.skip()
        return
    turns = earlier_turns(history)
    history = [
        *history,
        {"role": "user", "content": safe_markdown(question)},
        {"role": "assistant", "content": ""},
    ]
    text = ""
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
                history[-1]["content"] = safe_markdown(text)
                yield history, "", gr.skip()
            else:
                history[-1]["content"] = safe_markdown(piece["answer"])
                yield history, "", citations_markdown(piece["citations"], lang)
    except (AssistantError, IngestError) as exc:
        raise gr.Error(str(exc)) from None


def earlier_turns(history: list[dict[str, Any]]) -> list[Turn]:
    """The chat's messages as (question, answer) turns, oldest first, for follow-ups."""
    turns: list[Turn] = []
    for asked, answered in pairwise(history):
        if asked.get("role") == "user" and answered.get("role") == "assistant":
            turns.append(Turn(str(asked.get("content", "")), str(answered.get("content", ""))))
    return turns


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
            sanitize_html=True,
            allow_tags=False,
            feedback_options=None,
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
    citations = gr.Markdown(elem_id="citations", sanitize_html=True)

    def on_ask(*args: Any) -> Iterator[tuple[list[dict[str, Any]], str, Any]]:
        yield from respond(ctx, *args)

    inputs = [question, conversation, project, doc_type, ctx.language]
    outputs = [conversation, question, citations]
    ask.click(on_ask, inputs=inputs, outputs=outputs)
    question.submit(on_ask, inputs=inputs, outputs=outputs)
