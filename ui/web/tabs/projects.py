"""Projects tab: every project on one screen (health, progress against plan, next milestone,
overdue actions, top risks), and one project's registers as a sortable, filterable table with
the document each item cites."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr
import pandas as pd

from assistant.errors import AssistantError
from assistant.record.models import KINDS
from assistant.record.portfolio import HEADERS, rows
from assistant.record.workspace import project_register, workspace_portfolio
from ingest.errors import IngestError
from ui.web.i18n import TEXT, t
from ui.web.tabs.context import UiContext, lang_code

REGISTER_COLUMNS = ("kind", "id", "text", "owner", "due", "status", "first_seen", "last_seen",
                    "source")  # fmt: skip

# Shares of the page width, so that the long cells (risks, reasons, item text) wrap inside
# the screen instead of pushing the table sideways; short cells (health, SPI, dates) stay narrow.
OVERVIEW_WIDTHS: list[str | int] = ["11%", "6%", "8%", "5%", "5%", "14%", "6%", "23%", "22%"]
REGISTER_WIDTHS: list[str | int] = ["6%", "5%", "31%", "8%", "8%", "7%", "8%", "8%", "19%"]


def register_headers(lang: str) -> list[str]:
    return [t("col_source" if c == "source" else f"reg_{c}", lang) for c in REGISTER_COLUMNS]


def kind_label(kind: str, lang: str) -> str:
    return t(f"kind_{kind}", lang) if f"kind_{kind}" in TEXT else kind


def kind_choices(lang: str) -> list[tuple[str, str]]:
    """The register kinds as (label, kind) for the filter."""
    return [(kind_label(k, lang), k) for k in KINDS]


def overview_frame(ctx: UiContext, as_of: str | None = None, lang: str = "zh") -> pd.DataFrame:
    """Every project's row with headers, health and reasons in the reader's language."""
    headers = list(HEADERS["en" if lang == "en" else "zh"])
    if not ctx.docs.projects():
        return pd.DataFrame([], columns=headers)
    index = ctx.docs.index()
    summaries = workspace_portfolio(
        ctx.settings, index.manifest, index.store, as_of=as_of or None, lang=lang
    )
    return pd.DataFrame(rows(summaries, lang), columns=headers)


def register_frame(
    ctx: UiContext, project: str | None, kinds: list[str], open_only: bool, overdue: bool,
    as_of: str | None = None, lang: str = "zh",
) -> pd.DataFrame:  # fmt: skip
    if not project:
        return pd.DataFrame([], columns=register_headers(lang))
    index = ctx.docs.index()
    register = project_register(
        ctx.settings, index.manifest, index.store, project, kinds=kinds, open_only=open_only,
        overdue=overdue, as_of=as_of or None,
    )  # fmt: skip
    records = []
    for item in register.items:
        row = [getattr(item, c, None) for c in REGISTER_COLUMNS]
        row[0] = kind_label(item.kind, lang)
        row[1] = item.id if item.own_id else ""
        row[-1] = item.citations[-1].source if item.citations else ""
        records.append(row)
    return pd.DataFrame(records, columns=register_headers(lang))


def heading(key: str) -> Callable[[str], str]:
    return lambda lang: f"### {t(key, lang)}"


def build(ctx: UiContext) -> None:
    add = ctx.relabel.add

    def safe(fn: Any, *args: Any) -> Any:
        try:
            return fn(ctx, *args)
        except (AssistantError, IngestError) as exc:
            raise gr.Error(str(exc)) from None

    add(gr.Markdown(heading("all_projects")("zh")), value=heading("all_projects"))
    with gr.Row():
        as_of = add(
            gr.Textbox(label=t("as_of", "zh"), placeholder="YYYY-MM-DD", scale=0, min_width=200,
                       elem_id="projects-as-of"),
            label="as_of",
        )  # fmt: skip
        refresh = add(
            gr.Button(t("refresh", "zh"), scale=0, elem_id="projects-refresh"), value="refresh"
        )
    overview = gr.Dataframe(
        safe(overview_frame), interactive=False, wrap=True, elem_id="projects-overview",
        column_widths=OVERVIEW_WIDTHS,
    )  # fmt: skip
    add(gr.Markdown(heading("register")("zh")), value=heading("register"))
    with gr.Row():
        project = add(
            ctx.project_picker(
                gr.Dropdown(ctx.docs.projects(), label=t("project", "zh"), elem_id="projects-pick")
            ),
            label="project",
        )
        kinds = add(
            gr.CheckboxGroup(kind_choices("zh"), value=[], label=t("register_kinds", "zh"),
                             elem_id="projects-kinds"),
            label="register_kinds",
            choices=kind_choices,
        )  # fmt: skip
        open_only = add(
            gr.Checkbox(label=t("open_only", "zh"), elem_id="projects-open"), label="open_only"
        )
        overdue = add(
            gr.Checkbox(label=t("overdue_only", "zh"), elem_id="projects-overdue"),
            label="overdue_only",
        )
    register = gr.Dataframe(
        register_frame(ctx, None, [], False, False), interactive=False, wrap=True,
        elem_id="projects-register", column_widths=REGISTER_WIDTHS,
    )  # fmt: skip
    inputs = [project, kinds, open_only, overdue, as_of, ctx.language]

    def on_filter(
        p: str | None, k: list[str], o: bool, d: bool, day: str | None, language: str
    ) -> pd.DataFrame:
        lang = lang_code(language)
        return safe(register_frame, p, list(k or []), bool(o), bool(d), (day or "").strip(), lang)

    def on_overview(day: str | None, language: str) -> pd.DataFrame:
        return safe(overview_frame, (day or "").strip(), lang_code(language))

    refresh.click(on_overview, inputs=[as_of, ctx.language], outputs=overview)
    for control in inputs[:4]:
        control.change(on_filter, inputs=inputs, outputs=register)
    as_of.submit(on_filter, inputs=inputs, outputs=register)
    ctx.on_load.append((on_overview, [as_of, ctx.language], [overview]))
    ctx.on_load.append((on_filter, inputs, [register]))
