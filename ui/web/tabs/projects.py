"""Projects tab: every project on one screen (health, progress against plan, next milestone,
overdue actions, top risks), and one project's registers as a sortable, filterable table with
the document each item cites."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from assistant.errors import AssistantError
from assistant.record.models import KINDS
from assistant.record.portfolio import HEADERS, rows
from assistant.record.workspace import project_register, workspace_portfolio
from ingest.errors import IngestError
from ui.web.tabs.context import UiContext

REGISTER_COLUMNS = ("kind", "id", "text", "owner", "due", "status", "first_seen", "last_seen",
                    "source")  # fmt: skip
# Static bilingual labels: this tab's words are not in the shared i18n table.
LABELS = {
    "overview": "全部项目 / All projects",
    "refresh": "刷新 / Refresh",
    "project": "项目 / Project",
    "kinds": "类型 / Kinds",
    "open": "仅未关闭 / Open only",
    "overdue": "仅逾期 / Overdue only",
    "register": "登记册 / Register",
    "as_of": "截至日期 / As of (YYYY-MM-DD)",
}


def overview_frame(ctx: UiContext, as_of: str | None = None) -> pd.DataFrame:
    headers = list(HEADERS["en"])
    if not ctx.docs.projects():
        return pd.DataFrame([], columns=headers)
    index = ctx.docs.index()
    summaries = workspace_portfolio(ctx.settings, index.manifest, index.store, as_of=as_of or None)
    return pd.DataFrame(rows(summaries), columns=headers)


def register_frame(
    ctx: UiContext, project: str | None, kinds: list[str], open_only: bool, overdue: bool,
    as_of: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    if not project:
        return pd.DataFrame([], columns=list(REGISTER_COLUMNS))
    index = ctx.docs.index()
    register = project_register(
        ctx.settings, index.manifest, index.store, project, kinds=kinds, open_only=open_only,
        overdue=overdue, as_of=as_of or None,
    )  # fmt: skip
    records = []
    for item in register.items:
        row = {c: getattr(item, c, None) for c in REGISTER_COLUMNS if c != "source"}
        row["id"] = item.id if item.own_id else ""
        row["source"] = item.citations[-1].source if item.citations else ""
        records.append(row)
    return pd.DataFrame(records, columns=list(REGISTER_COLUMNS))


def build(ctx: UiContext) -> None:
    def safe(fn: Any, *args: Any) -> Any:
        try:
            return fn(ctx, *args)
        except (AssistantError, IngestError) as exc:
            raise gr.Error(str(exc)) from None

    gr.Markdown(f"### {LABELS['overview']}")
    with gr.Row():
        as_of = gr.Textbox(label=LABELS["as_of"], placeholder="YYYY-MM-DD", scale=0,
                           min_width=200, elem_id="projects-as-of")  # fmt: skip
        refresh = gr.Button(LABELS["refresh"], scale=0, elem_id="projects-refresh")
    overview = gr.Dataframe(
        safe(overview_frame), interactive=False, wrap=True, elem_id="projects-overview"
    )
    gr.Markdown(f"### {LABELS['register']}")
    with gr.Row():
        project = ctx.project_picker(
            gr.Dropdown(ctx.docs.projects(), label=LABELS["project"], elem_id="projects-pick")
        )
        kinds = gr.CheckboxGroup(list(KINDS), value=[], label=LABELS["kinds"],
                                 elem_id="projects-kinds")  # fmt: skip
        open_only = gr.Checkbox(label=LABELS["open"], elem_id="projects-open")
        overdue = gr.Checkbox(label=LABELS["overdue"], elem_id="projects-overdue")
    register = gr.Dataframe(
        register_frame(ctx, None, [], False, False), interactive=False, wrap=True,
        elem_id="projects-register",
    )  # fmt: skip
    inputs = [project, kinds, open_only, overdue, as_of]

    def on_filter(p: str | None, k: list[str], o: bool, d: bool, day: str) -> pd.DataFrame:
        return safe(register_frame, p, list(k or []), bool(o), bool(d), day.strip())

    refresh.click(lambda day: safe(overview_frame, day.strip()), inputs=as_of, outputs=overview)
    for control in inputs[:-1]:
        control.change(on_filter, inputs=inputs, outputs=register)
    as_of.submit(on_filter, inputs=inputs, outputs=register)
