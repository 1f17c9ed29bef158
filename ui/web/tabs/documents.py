"""Documents tab: upload and ingest with progress, list what is indexed, remove a document
(after a confirmation that says how many chunks go with it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.errors import AssistantError
from assistant.workspace import CallbackProgress
from ingest.errors import IngestError
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.manifest import DocumentInfo
from ingest.pipeline import IngestReport
from ui.web.i18n import doc_type_label, t
from ui.web.sanitize import MARKDOWN_HTML, safe_html
from ui.web.tabs.context import ANY, UiContext, all_projects, lang_code

FILE_TYPES = sorted(SUPPORTED_SUFFIXES)  # what ingest reads (ingest.loaders)
COLUMNS = ("project", "col_source", "doc_type", "col_date", "col_chunks")  # i18n keys


def summary_markdown(report: IngestReport, lang: str) -> str:
    lines = [t("ingest_summary", lang, **report.to_dict())]
    for source, error in report.failed:
        lines.append(f"- ✗ `{source}`: {error}")
    return "\n".join(lines)


def documents_frame(documents: list[DocumentInfo], lang: str) -> pd.DataFrame:
    """The indexed documents with headers and document types in the reader's language."""
    rows = [
        (d.project, d.source, doc_type_label(d.doc_type, lang), d.date or "", d.chunks)
        for d in documents
    ]
    return pd.DataFrame(rows, columns=[t(key, lang) for key in COLUMNS])


class DocumentHandlers:
    """What the tab's buttons do, given the workspace."""

    def __init__(self, ctx: UiContext) -> None:
        self.ctx = ctx

    def listing(self, chosen: str | None, language: str | None) -> tuple[pd.DataFrame, Any]:
        found = self.ctx.workspace.documents(chosen or None)
        sources = [d.source for d in found]
        return documents_frame(found, lang_code(language)), gr.update(choices=sources, value=None)

    def filter_menu(self, chosen: str | None, language: str | None) -> Any:
        projects = self.ctx.workspace.projects()
        return gr.update(choices=all_projects(projects, lang_code(language)), value=chosen or ANY)

    def ingest(
        self, files: list[str] | None, name: str, language: str, progress: Any = gr.Progress()
    ) -> str:
        lang = lang_code(language)
        if not files:
            raise gr.Error(t("choose_files", lang))

        def report(done: int, total: int, source: str) -> None:
            progress((done, total), desc=source)

        try:
            result = self.ctx.workspace.ingest_uploads(
                [Path(f) for f in files],
                project=(name or "default").strip(),
                progress=CallbackProgress(report),
            )
        except (IngestError, AssistantError) as exc:
            raise gr.Error(str(exc)) from None
        return safe_html(summary_markdown(result, lang))

    def ask_to_remove(self, source: str | None, language: str) -> tuple[str, Any]:
        """The confirmation, naming the document and its chunk count."""
        lang = lang_code(language)
        if not source:
            raise gr.Error(t("choose_document", lang))
        found = [d for d in self.ctx.workspace.documents() if d.source == source]
        if not found:
            raise gr.Error(t("not_indexed", lang, source=source))
        chunks = sum(d.chunks for d in found)
        question = safe_html(t("confirm_remove", lang, source=source, chunks=chunks))
        return question, gr.update(visible=True)

    def remove(
        self, source: str | None, chosen: str | None, language: str
    ) -> tuple[str, Any, pd.DataFrame, Any]:
        lang = lang_code(language)
        if not source:
            raise gr.Error(t("choose_document", lang))
        try:
            removal = self.ctx.workspace.remove(source)
        except (IngestError, AssistantError) as exc:
            raise gr.Error(str(exc)) from None
        done = t("removed", lang, source=source, chunks=removal.chunks)
        return safe_html(done), gr.update(visible=False), *self.listing(chosen, language)


def _upload_row(ctx: UiContext) -> tuple[Any, Any, Any]:
    add = ctx.relabel.add
    with gr.Row():
        upload = add(
            gr.File(
                label=t("upload", "zh"),
                file_count="multiple",
                file_types=FILE_TYPES,
                elem_id="doc-upload",
            ),
            label="upload",
        )
        with gr.Column():
            project = add(
                gr.Textbox(
                    value="default", label=t("upload_project", "zh"), elem_id="upload-project"
                ),
                label="upload_project",
            )
            ingest = add(
                gr.Button(t("ingest", "zh"), variant="primary", elem_id="ingest"), value="ingest"
            )
    return upload, project, ingest


def _remove_row(ctx: UiContext) -> tuple[Any, Any, Any, Any, Any, Any]:
    add = ctx.relabel.add
    with gr.Row():
        source = add(
            gr.Dropdown([], label=t("remove_source", "zh"), elem_id="remove-source"),
            label="remove_source",
        )
        remove = add(
            gr.Button(t("remove", "zh"), variant="stop", scale=0, elem_id="remove"), value="remove"
        )
    with gr.Row(visible=False, elem_id="confirm-remove") as confirm_row:
        question = gr.Markdown(elem_id="confirm-question", **MARKDOWN_HTML)
        confirm = add(
            gr.Button(t("confirm", "zh"), variant="stop", scale=0, elem_id="confirm"),
            value="confirm",
        )
        cancel = add(gr.Button(t("cancel", "zh"), scale=0, elem_id="cancel"), value="cancel")
    return source, remove, confirm_row, question, confirm, cancel


def build(ctx: UiContext) -> list[Any]:
    """The Documents tab; returns the events after which the project lists must refresh."""
    add = ctx.relabel.add
    handlers = DocumentHandlers(ctx)
    upload, project, ingest = _upload_row(ctx)
    result = gr.Markdown(elem_id="ingest-result", **MARKDOWN_HTML)
    with gr.Row():
        filter_project = add(
            gr.Dropdown(all_projects(ctx.workspace.projects(), "zh"), value=ANY,
                        label=t("project", "zh"), elem_id="doc-filter"),
            label="project",
        )  # fmt: skip
        refresh = add(gr.Button(t("refresh", "zh"), scale=0), value="refresh")
    table = add(
        gr.Dataframe(
            documents_frame(ctx.workspace.documents(), "zh"),
            label=t("indexed", "zh"),
            interactive=False,
            elem_id="doc-table",
        ),
        label="indexed",
    )
    source, remove, confirm_row, question, confirm, cancel = _remove_row(ctx)

    listed = [table, source]
    shown = [filter_project, ctx.language]
    ctx.on_load.append((handlers.listing, shown, listed))
    ctx.on_load.append((handlers.filter_menu, shown, [filter_project]))
    ingested = ingest.click(
        handlers.ingest, inputs=[upload, project, ctx.language], outputs=result
    ).then(handlers.listing, inputs=shown, outputs=listed)
    ingested.then(handlers.filter_menu, inputs=shown, outputs=filter_project)
    refresh.click(handlers.listing, inputs=shown, outputs=listed)
    filter_project.change(handlers.listing, inputs=shown, outputs=listed)
    remove.click(
        handlers.ask_to_remove, inputs=[source, ctx.language], outputs=[question, confirm_row]
    )
    cancel.click(lambda: gr.update(visible=False), inputs=None, outputs=confirm_row)
    removed = confirm.click(
        handlers.remove,
        inputs=[source, filter_project, ctx.language],
        outputs=[result, confirm_row, *listed],
    )
    removed.then(handlers.filter_menu, inputs=shown, outputs=filter_project)
    return [ingested, removed]
