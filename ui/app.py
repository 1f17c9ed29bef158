"""The Gradio app: a language switch over five tabs (ask, documents, drafts, risk, reports).

Each tab lives in `ui/tabs/`; this module lays them out and wires the language switch. Every
handler gets its dependencies from the `UiContext` built by the server, never from globals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.settings import Settings
from ui.i18n import LANGUAGES, Relabel, t
from ui.risk_holder import RiskModelHolder
from ui.services import DocumentServices
from ui.tabs import chat, documents, drafts, projects, reports, risk
from ui.tabs.context import UiContext

CSS = """
#citations blockquote { margin: 0.2em 0 0.8em 0; }
"""


def build_blocks(
    settings: Settings, holder: RiskModelHolder, docs: DocumentServices, uploads: Path
) -> gr.Blocks:
    relabel = Relabel()
    with gr.Blocks(title="pmassist", analytics_enabled=False, fill_width=True) as blocks:
        with gr.Row():
            relabel.add(gr.Markdown(t("title", "zh"), elem_id="title"), value="title")
            language = gr.Radio(
                list(LANGUAGES),
                value="中文",
                label="语言 / Language",
                elem_id="language",
                scale=0,
                min_width=220,
            )
        ctx = UiContext(
            settings=settings,
            holder=holder,
            docs=docs,
            uploads=uploads,
            relabel=relabel,
            language=language,
        )
        tabs: list[tuple[str, Any]] = [
            ("tab_chat", chat.build),
            ("tab_documents", documents.build),
            ("tab_drafts", drafts.build),
            ("tab_risk", risk.build),
            ("tab_reports", reports.build),
            ("tab_projects", projects.build),
        ]
        index_changes: list[Any] = []
        for key, build_tab in tabs:
            with relabel.add(gr.Tab(t(key, "zh"), elem_id=key), label=key):
                index_changes += build_tab(ctx) or []
        pickers = [component for component, _ in ctx.project_pickers]
        for event in index_changes:
            event.then(ctx.project_choices, inputs=None, outputs=pickers)
        language.change(relabel.updater(), inputs=language, outputs=relabel.components)
        blocks.load(_browser_language, inputs=None, outputs=language)
        blocks.load(ctx.project_choices, inputs=None, outputs=pickers)
    return blocks


def _browser_language(request: gr.Request) -> Any:
    """Start in English when the browser prefers it; the switch changes it any time."""
    accept = (request.headers.get("accept-language") or "") if request else ""
    first = accept.split(",")[0].strip().lower()
    return gr.update(value="English") if first.startswith("en") else gr.skip()
