"""Documents tab: upload and ingest with progress, list what is indexed, remove a document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.errors import AssistantError
from ingest.errors import IngestError
from ui.i18n import t
from ui.tabs.context import UiContext

FILE_TYPES = [".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm"]
ALL = ""


def summary_markdown(summary: dict[str, Any]) -> str:
    counts = ", ".join(
        f"{key}: {summary.get(key, 0)}" for key in ("added", "updated", "unchanged", "chunks")
    )
    lines = [counts]
    for failure in summary.get("failed", []):
        lines.append(f"- ✗ `{failure['source']}`: {failure['error']}")
    return "\n".join(lines)


def documents_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["project", "source", "doc_type", "chunks"]
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


class DocumentHandlers:
    """What the tab's buttons do, given the services."""

    def __init__(self, ctx: UiContext) -> None:
        self.ctx = ctx

    def listing(self, chosen: str | None) -> tuple[pd.DataFrame, Any]:
        rows = self.ctx.docs.list_documents(chosen or None)
        return documents_frame(rows), gr.update(choices=[r["source"] for r in rows], value=None)

    def ingest(self, files: list[str] | None, name: str, progress: Any = gr.Progress()) -> str:
        if not files:
            raise gr.Error("choose files first / 请先选择文件")

        def report(done: int, total: int, source: str) -> None:
            progress((done, total), desc=source)

        try:
            summary = self.ctx.docs.ingest_uploads(
                [Path(f) for f in files], project=(name or "default").strip(), progress=report
            )
        except (IngestError, AssistantError) as exc:
            raise gr.Error(str(exc)) from None
        return summary_markdown(summary)

    def remove(self, source: str | None, chosen: str | None) -> tuple[str, pd.DataFrame, Any]:
        if not source:
            raise gr.Error("choose a document / 请选择文档")
        try:
            removed = self.ctx.docs.remove_document(source)
        except (IngestError, AssistantError) as exc:
            raise gr.Error(str(exc)) from None
        return f"− `{source}` ({removed} chunks)", *self.listing(chosen)


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


def build(ctx: UiContext) -> list[Any]:
    """The Documents tab; returns the events after which the project lists must refresh."""
    add = ctx.relabel.add
    handlers = DocumentHandlers(ctx)
    upload, project, ingest = _upload_row(ctx)
    result = gr.Markdown(elem_id="ingest-result")
    with gr.Row():
        filter_project = add(
            gr.Dropdown([("—", ALL), *ctx.docs.projects()], value=ALL, label=t("project", "zh")),
            label="project",
        )
        ctx.project_picker(filter_project, with_any=True)
        refresh = add(gr.Button(t("refresh", "zh"), scale=0), value="refresh")
    rows = ctx.docs.list_documents(None)
    table = add(
        gr.Dataframe(
            documents_frame(rows), label=t("indexed", "zh"), interactive=False, elem_id="doc-table"
        ),
        label="indexed",
    )
    with gr.Row():
        source = add(
            gr.Dropdown(
                [r["source"] for r in rows],
                label=t("remove_source", "zh"),
                allow_custom_value=True,
            ),
            label="remove_source",
        )
        remove = add(gr.Button(t("remove", "zh"), variant="stop", scale=0), value="remove")

    listed = [table, source]
    ingested = ingest.click(handlers.ingest, inputs=[upload, project], outputs=result).then(
        handlers.listing, inputs=filter_project, outputs=listed
    )
    refresh.click(handlers.listing, inputs=filter_project, outputs=listed)
    filter_project.change(handlers.listing, inputs=filter_project, outputs=listed)
    removed = remove.click(
        handlers.remove, inputs=[source, filter_project], outputs=[result, *listed]
    )
    return [ingested, removed]
