"""Drafts tab: kind, project, date range and language -> a preview and Markdown/DOCX files."""

from __future__ import annotations

import datetime as dt
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from ingest.errors import IngestError
from ui.web.i18n import draft_kind_choices, language_choices, t
from ui.web.sanitize import MARKDOWN_HTML, safe_html
from ui.web.tabs.context import UiContext, lang_code


def checked_date(value: str | None, what: str, lang: str = "zh") -> str | None:
    """An ISO date or None; gr.Error naming the field otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise gr.Error(t("bad_date", lang, field=t(what, lang), value=value)) from None


def build(ctx: UiContext) -> None:
    add = ctx.relabel.add
    projects = ctx.docs.projects()
    with gr.Row():
        kinds = draft_kind_choices("zh")  # (label, name) of every registered kind
        kind = add(
            gr.Radio(kinds, value=kinds[0][1], label=t("draft_kind", "zh"), elem_id="draft-kind"),
            label="draft_kind",
            choices=draft_kind_choices,
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
            gr.Radio(language_choices("zh"), value="zh", label=t("draft_lang", "zh"),
                     elem_id="draft-lang"),
            label="draft_lang",
            choices=language_choices,
        )  # fmt: skip
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
        kind_: str, project_: str | None, lang_: str, since_: str, until_: str, language: str
    ) -> tuple[str, list[str]]:
        shown = lang_code(language)
        if not project_:
            raise gr.Error(t("choose_project", shown))
        start = checked_date(since_, "since_field", shown)
        end = checked_date(until_, "until_field", shown)
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

    inputs: list[Any] = [kind, project, lang, since, until, ctx.language]
    make.click(on_draft, inputs=inputs, outputs=[preview, files])
