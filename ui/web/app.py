"""The Gradio app: a language switch over five tabs (ask, documents, drafts, risk, reports).

Each tab lives in `ui/web/tabs/`; this module lays them out, says what the workspace holds on the
first screen, and wires the language switch. Every handler gets its dependencies from the
`UiContext` built here, never from globals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.settings import Settings
from assistant.workspace import Workspace
from ui.risk_holder import RiskModelHolder
from ui.web.i18n import LANGUAGES, Relabel, t
from ui.web.tabs import chat, documents, drafts, projects, reports, risk
from ui.web.tabs.context import UiContext, lang_code

CSS = """
#citations blockquote { margin: 0.2em 0 0.8em 0; }
"""
SHOWN_PROJECTS = 8  # the first screen names this many projects, then "…"

# Gradio translates its own strings (the upload area, "Clear", "Loading"...) by the browser's
# locale; this makes them follow our switch instead. Gradio exposes `changeLocale` only from its
# bundled `core` module, whose file name carries a hash, so it is found among the loaded
# scripts; if a Gradio version names it otherwise, its strings just keep the browser's locale.
GRADIO_LOCALE_JS = r"""
(choice) => {
  const url = performance.getEntriesByType("resource").map((e) => e.name)
    .find((name) => /\/assets\/core-[^/]+\.js$/.test(name));
  if (url) {
    import(url).then((core) => core.changeLocale(choice === "English" ? "en" : "zh-CN"))
      .catch(() => {});
  }
  return choice;
}
"""


def welcome_markdown(workspace: Workspace, lang: str) -> str:
    """What is loaded (projects, documents) and a few questions to start with."""
    projects = workspace.projects()
    if not projects:
        return t("nothing_loaded", lang)
    names = "、" if lang == "zh" else ", "
    shown = names.join(projects[:SHOWN_PROJECTS]) + ("…" if len(projects) > SHOWN_PROJECTS else "")
    loaded = t(
        "loaded", lang, projects=len(projects), documents=len(workspace.documents()), names=shown
    )
    examples = "".join(f"\n- {q}" for q in t("example_questions", lang).split("|"))
    return f"{loaded}\n\n{t('examples', lang)}{examples}"


def build_blocks(
    settings: Settings, holder: RiskModelHolder, workspace: Workspace, uploads: Path
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
        welcome = gr.Markdown(welcome_markdown(workspace, "zh"), elem_id="welcome")
        ctx = UiContext(
            settings=settings,
            holder=holder,
            workspace=workspace,
            uploads=uploads,
            relabel=relabel,
            language=language,
        )
        index_changes = _tabs(ctx, relabel)
        _wire(blocks, ctx, welcome, index_changes)
    return blocks


def _tabs(ctx: UiContext, relabel: Relabel) -> list[Any]:
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
    return index_changes


def _wire(blocks: gr.Blocks, ctx: UiContext, welcome: Any, index_changes: list[Any]) -> None:
    """Page load and language changes refresh every list; an ingest refreshes the menus."""
    language = ctx.language
    pickers = [component for component, _ in ctx.project_pickers]

    def welcome_text(choice: str) -> str:
        return welcome_markdown(ctx.workspace, lang_code(choice))

    for event in index_changes:
        event.then(ctx.project_choices, inputs=language, outputs=pickers)
        event.then(welcome_text, inputs=language, outputs=welcome)
    # Gradio translates its own strings (the upload area) when a component is drawn: draw the
    # upload widgets again, after the locale changed, so they speak the chosen language too.
    uploads = [c for c in ctx.relabel.components if isinstance(c, gr.File)]
    hidden = [gr.update(visible=False)] * len(uploads)
    shown = [gr.update(visible=True)] * len(uploads)
    language.change(None, inputs=language, outputs=None, js=GRADIO_LOCALE_JS).then(
        lambda: hidden, inputs=None, outputs=uploads
    ).then(lambda: shown, inputs=None, outputs=uploads)
    language.change(ctx.relabel.updater(), inputs=language, outputs=ctx.relabel.components)
    language.change(welcome_text, inputs=language, outputs=welcome)
    language.change(ctx.project_choices, inputs=language, outputs=pickers)
    blocks.load(_browser_language, inputs=None, outputs=language)
    blocks.load(ctx.project_choices, inputs=language, outputs=pickers)
    blocks.load(welcome_text, inputs=language, outputs=welcome)
    for function, inputs, outputs in ctx.on_load:
        blocks.load(function, inputs=inputs, outputs=outputs)
        language.change(function, inputs=inputs, outputs=outputs)


def _browser_language(request: gr.Request) -> Any:
    """Start in English when the browser prefers it; the switch changes it any time."""
    accept = (request.headers.get("accept-language") or "") if request else ""
    first = accept.split(",")[0].strip().lower()
    return gr.update(value="English") if first.startswith("en") else gr.skip()
