"""Reports tab: one report kind for many projects, written to files to download."""

from __future__ import annotations

import datetime as dt

import gradio as gr

from assistant.draft_kinds import report_kinds
from assistant.errors import AssistantError
from assistant.reports import BatchResult
from ingest.errors import IngestError
from ui.web.i18n import language_choices, t
from ui.web.sanitize import MARKDOWN_HTML, safe_html
from ui.web.tabs.context import UiContext, lang_code


def report_markdown(result: BatchResult, lang: str = "zh") -> str:
    lines = [f"**{t('written', lang)}**: {len(result.written)}"]
    for failure in result.failed:
        lines.append(f"- ✗ {failure.project}: {failure.error}")
    return "\n".join(lines)


def report_kind_choices(lang: str) -> list[tuple[str, str]]:
    """Every report kind (the draft kinds, then portfolio) as (label, name) for a menu."""
    return [(kind.label(lang), kind.name) for kind in report_kinds()]


def format_choices(lang: str) -> list[tuple[str, str]]:
    return [(t("format_md", lang), "md"), (t("format_docx", lang), "docx")]


def build(ctx: UiContext) -> None:
    add = ctx.relabel.add
    kinds = report_kind_choices("zh")
    with gr.Row():
        kind = add(
            gr.Radio(kinds, value=kinds[0][1], label=t("report_kind", "zh"), elem_id="report-kind"),
            label="report_kind",
            choices=report_kind_choices,
        )
        projects = add(
            gr.Dropdown(
                ctx.workspace.projects(), multiselect=True, label=t("report_projects", "zh")
            ),
            label="report_projects",
        )
        ctx.project_picker(projects)
        formats = add(
            gr.CheckboxGroup(
                format_choices("zh"), value=["md", "docx"], label=t("report_formats", "zh")
            ),
            label="report_formats",
            choices=format_choices,
        )
        lang = add(
            gr.Radio(language_choices("zh"), value="zh", label=t("draft_lang", "zh")),
            label="draft_lang",
            choices=language_choices,
        )
    run = add(gr.Button(t("run_report", "zh"), variant="primary"), value="run_report")
    summary = gr.Markdown(elem_id="report-summary", **MARKDOWN_HTML)
    files = add(
        gr.File(label=t("downloads", "zh"), file_count="multiple", interactive=False),
        label="downloads",
    )

    def on_run(
        kind_: str, chosen: list[str] | None, formats_: list[str], lang_: str, language: str
    ) -> tuple[str, list[str]]:
        shown = lang_code(language)
        if not formats_:
            raise gr.Error(t("choose_format", shown))
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = ctx.output_dir("reports") / stamp
        try:
            result = ctx.workspace.report(
                kind_, list(chosen or []), formats=formats_, lang=lang_, out_dir=out_dir
            )
        except (AssistantError, IngestError) as exc:
            raise gr.Error(str(exc)) from None
        return safe_html(report_markdown(result, shown)), [str(p) for p in result.written]

    inputs = [kind, projects, formats, lang, ctx.language]
    run.click(on_run, inputs=inputs, outputs=[summary, files])
