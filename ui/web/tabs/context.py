"""What every tab is built with: settings, the workspace and the language switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from assistant.workspace import Workspace
from ui.risk_holder import RiskModelHolder
from ui.web.i18n import LANGUAGES, Relabel, t
from ui.web.services import DocumentServices

ANY = ""  # a menu value meaning "no filter"


@dataclass
class UiContext:
    settings: Settings
    holder: RiskModelHolder
    workspace: Workspace
    uploads: Path  # the only folder the browser may read files from
    relabel: Relabel
    language: Any  # the gr.Radio holding "中文" or "English"
    # Dropdowns listing the indexed projects (and whether they offer "all projects"),
    # refreshed on page load and after an ingest, so a new project shows up everywhere.
    project_pickers: list[tuple[Any, bool]] = field(default_factory=list)
    # (function, inputs, outputs) run when a page is opened and when the language changes, so
    # lists are never stale and always in the chosen language.
    on_load: list[tuple[Callable[..., Any], list[Any], list[Any]]] = field(default_factory=list)

    @property
    def docs(self) -> DocumentServices:
        """The dict-returning view the Chat and Drafts tabs still use (ui.web.services)."""
        return DocumentServices(self.workspace)

    def project_picker(self, component: Any, *, with_any: bool = False) -> Any:
        self.project_pickers.append((component, with_any))
        return component

    def project_choices(self, language: str | None = None) -> list[Any]:
        import gradio as gr

        projects = self.workspace.projects()
        lang = lang_code(language)
        return [
            gr.update(choices=all_projects(projects, lang) if with_any else projects)
            for _, with_any in self.project_pickers
        ]

    def output_dir(self, kind: str) -> Path:
        folder = self.uploads / "outputs" / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def all_projects(projects: list[str], lang: str) -> list[tuple[str, str]]:
    """A project menu whose first entry, "all projects", means no filter."""
    return [(t("all_projects", lang), ANY), *[(p, p) for p in projects]]


def lang_code(choice: str | None) -> str:
    """ "中文"/"English" from the language switch as "zh"/"en"."""
    return LANGUAGES.get(choice or "", "zh")
