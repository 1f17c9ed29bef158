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
from assistant.safe_markdown import code_span
from ingest.errors import IngestError
from ingest.html_text import html_to_text
from ui.web.i18n import doc_type_choices, doc_type_label, t
from ui.web.sanitize import CHATBOT_HTML, MARKDOWN_HTML, safe_html
from ui.web.tabs.context import ANY, UiContext, all_projects, lang_code

_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")  # ASCII punctuation: what Markdown can escape
# What opens a block at the start of a line: heading, quote, list item, rule, ordered item, or
# a reference definition (which would hide the snippet).
_BLOCK_START = re.compile(r"[#>]|[-+*_=](?=[\s+*_=-]|$)|\d{1,9}[.)]|\[(?=[^\]]*\]:)")
# A streamed answer is rendered (parsed, sanitised, sent) at most every RENDER_INTERVAL seconds
# and never more often than RENDER_SHARE of the time allows (a 40 KB answer takes about 50 ms to
# parse), then once more at the end. Rendering at every delta costs O(n^2) in the answer's
# length: a 40 KB answer in 10,000 deltas took 28 s of CPU that way, 0.7 s with ticks.
RENDER_INTERVAL = 0.1
RENDER_SHARE = 0.25


def citations_markdown(citations: list[dict[str, Any]], lang: str) -> str:
    """Numbered citations, each with its source, page, project, type and a quoted snippet,
    as safe HTML for a gr.Markdown(**MARKDOWN_HTML).

    Each header and each snippet is parsed on its own (so a snippet cannot define references
    for the others); the snippet is rendered as the Markdown it is, through the sanitiser, so
    its links work (http/https/mailto only), its images stay text and no escape is visible."""
    if not citations:
        return t("no_citations", lang)
    blocks = []
    for number, cite in enumerate(citations, start=1):
        where = [code_span(cite["source"])]
        if cite.get("page") is not None:
            where.append(t("page", lang, page=cite["page"]))
        kind = doc_type_label(str(cite.get("doc_type", "")), lang)
        where.append(plain(f"{cite.get('project', '')} · {kind}"))
        snippet = " ".join(str(cite.get("text", "")).split())
        if len(snippet) > 300:
            snippet = snippet[:300] + "…"
        blocks.append(safe_html(f"**[{number}]** " + " · ".join(where)))
        blocks.append(safe_html("> " + _no_block_start(snippet)))
    return "".join(blocks)  # one line of <div>s: Gradio passes it through as one HTML block


def plain(text: str) -> str:
    """Text that the Markdown parser shows as typed: every ASCII punctuation mark is escaped
    (the parser consumes the backslashes, so none is visible)."""
    return _PUNCTUATION.sub(r"\\\g<0>", text)


def _no_block_start(text: str) -> str:
    """A one-line snippet that cannot open a heading, list, rule or nested quote."""
    opener = _BLOCK_START.match(text)
    if opener is None:
        return text
    at = opener.end() - 1  # its punctuation mark: "#", "-", or the "." of "1."
    return text[:at] + "\\" + text[at:]


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
    cited: list[list[dict[str, Any]]] | None = None,
) -> Iterator[tuple[list[dict[str, Any]], str, Any]]:
    """Stream the answer; the final citations are also appended to `cited` (when given) so
    the tab can draw them again in the other language."""
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
                if cited is not None:
                    cited.append(piece["citations"])
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
    # Gradio 6 hands the history back with each content as a list of parts
    # ([{"type": "text", "text": ...}]); what we put in was one HTML string.
    content = message.get("content", "")
    if isinstance(content, list):
        content = "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        )
    return html_to_text(str(content)).strip()


def heading(lang: str) -> str:
    return "### " + t("citations", lang)


def type_choices(lang: str) -> list[tuple[str, str]]:
    """The document-type filter: "all types" (no filter), then every type by its label."""
    return [(t("any_type", lang), ANY), *doc_type_choices(lang)]


def build(ctx: UiContext) -> None:
    add = ctx.relabel.add
    with gr.Row():
        project = add(
            gr.Dropdown(all_projects(ctx.workspace.projects(), "zh"), value=ANY,
                        label=t("project", "zh"), elem_id="chat-project"),
            label="project",
        )  # fmt: skip
        ctx.project_picker(project, with_any=True)
        doc_type = add(
            gr.Dropdown(type_choices("zh"), value=ANY, label=t("doc_type", "zh"),
                        elem_id="chat-doc-type"),
            label="doc_type",
            choices=type_choices,
        )  # fmt: skip
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
    add(gr.Markdown(heading("zh")), value=heading)
    citations = gr.Markdown(elem_id="citations", **MARKDOWN_HTML)
    shown = gr.State(None)  # the last answer's citations, drawn again when the language changes

    def on_ask(*args: Any) -> Iterator[tuple[Any, ...]]:
        cited: list[list[dict[str, Any]]] = []
        for update in respond(ctx, *args, cited=cited):
            yield (*update, cited[-1] if cited else gr.skip())

    def redraw(last: list[dict[str, Any]] | None, language: str) -> Any:
        return gr.skip() if last is None else citations_markdown(last, lang_code(language))

    inputs = [question, conversation, project, doc_type, ctx.language]
    outputs = [conversation, question, citations, shown]
    ask.click(on_ask, inputs=inputs, outputs=outputs)
    question.submit(on_ask, inputs=inputs, outputs=outputs)
    ctx.on_load.append((redraw, [shown, ctx.language], [citations]))
