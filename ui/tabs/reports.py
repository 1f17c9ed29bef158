"""Reports tab: one report kind for many projects, written to files to download."""

from __future__ import annotations

import datetime as dt

import gradio as gr

from assistant.errors import AssistantError
from ingest.errors import IngestError
from ui.i18n import t
from ui.tabs.context import UiContext
from ui.tabs.drafts import DRAFT_KINDS


def report_markdown(summary: dict, lang: str = "zh") -> str:
    lines = [f"**{t('written', lang)}**: {len(summary.get('written', []))}"]
    for failure in summary.get("failed", []):
        lines.append(f"- ✗ {failure['project']}: {failure['error']}")
    return "\n".join(lines)


def build(ctx: UiContext) -> None:
    add = ctx.relabel.add
    with gr.Row():
        kind = add(
            gr.Radio(DRAFT_KINDS, value=DRAFT_KINDS[0], label=t("report_kind", "zh")),
            label="report_kind",
        )
        projects = add(
            gr.Dropdown(ctx.docs.projects(), multiselect=True, label=t("report_projects", "zh")),
            label="report_projects",
        )
        ctx.project_picker(projects)
        formats = add(
            gr.CheckboxGroup(["md", "docx"], value=["md", "docx"], label=t("report_formats", "zh")),
            label="report_formats",
        )
        lang = add(
            gr.Radio(["zh", "en"], value="zh", label=t("draft_lang", "zh")), label="draft_lang"
        )
    run = add(gr.Button(t("run_report", "zh"), variant="primary"), value="run_report")
    summary = gr.Markdown(elem_id="report-summary")
    files = add(
        gr.File(label=t("downloads", "zh"), file_count="multiple", interactive=False),
        label="downloads",
    )

    def on_run(
        kind_: str, chosen: list[str] | None, formats_: list[str], lang_: str
    ) -> tuple[str, list[str]]:
        if not formats_:
            raise gr.Error("choose at least one format / 请至少选择一种格式")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = ctx.output_dir("reports") / stamp
        try:
            result = ctx.docs.report(
                kind_, list(chosen or []), formats=formats_, lang=lang_, out_dir=out_dir
            )
        except (AssistantError, IngestError) as exc:
            raise gr.Error(str(exc)) from None
        return report_markdown(result, lang_), list(result.get("written", []))

    run.click(on_run, inputs=[kind, projects, formats, lang], outputs=[summary, files])
