"""Drafts tab: kind, project, date range and language -> a preview and Markdown/DOCX files."""

from __future__ import annotations

import datetime as dt
from typing import Any

import gradio as gr

from assistant.drafts.build import draft_kind_names
from assistant.errors import AssistantError
from ingest.errors import IngestError
from ui.web.i18n import t
from ui.web.sanitize import MARKDOWN_HTML, safe_html
from ui.web.tabs.context import UiContext

DRAFT_KINDS = draft_kind_names()  # the registered kinds (assistant.drafts.build)


def checked_date(value: str | None, what: str) -> str | None:
    """An ISO date or None; gr.Error naming the field otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise gr.Error(f"{what}: {value!r} is not a date like 2025-03-31") from None


def build(ctx: UiContext) -> None:
    add = ctx.relabel.add
    projects = ctx.docs.projects()
    with gr.Row():
        kind = add(
            gr.Radio(DRAFT_KINDS, value=DRAFT_KINDS[0], label=t("draft_kind", "zh")),
            label="draft_kind",
        )
        project = add(
            gr.Dropdown(
                projects,
                value=projects[0] if projects else None,
                label=t("project", "zh"),
                allow_custom_value=True,
            ),
            label="project",
        )
        ctx.project_picker(project)
        lang = add(
            gr.Radio(["zh", "en"], value="zh", label=t("draft_lang", "zh")), label="draft_lang"
        )
    with gr.Row():
        since = add(gr.Textbox(label=t("since", "zh"), placeholder="2025-01-01"), label="since")
        until = add(gr.Textbox(label=t("until", "zh"), placeholder="2025-12-31"), label="until")
        make = add(gr.Button(t("make_draft", "zh"), variant="primary"), value="make_draft")
    preview = add(
        gr.Markdown(label=t("preview", "zh"), elem_id="draft-preview", **MARKDOWN_HTML),
        label="preview",
    )
    files = add(
        gr.File(label=t("downloads", "zh"), file_count="multiple", interactive=False),
        label="downloads",
    )

    def on_draft(
        kind_: str, project_: str | None, lang_: str, since_: str, until_: str
    ) -> tuple[str, list[str]]:
        if not project_:
            raise gr.Error("choose a project / 请选择项目")
        start, end = checked_date(since_, "since"), checked_date(until_, "until")
        try:
            markdown, paths = ctx.docs.draft(
                kind_,
                project_,
                since=start,
                until=end,
                lang=lang_,
                out_dir=ctx.output_dir("drafts"),
            )
        except (AssistantError, IngestError) as exc:
            raise gr.Error(str(exc)) from None
        return safe_html(markdown), [str(p) for p in paths]

    inputs: list[Any] = [kind, project, lang, since, until]
    make.click(on_draft, inputs=inputs, outputs=[preview, files])
