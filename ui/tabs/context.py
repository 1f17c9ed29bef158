"""What every tab is built with: settings, services and the language switch."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from ui.i18n import LANGUAGES, Relabel
from ui.risk_holder import RiskModelHolder
from ui.services import DocumentServices


@dataclass
class UiContext:
    settings: Settings
    holder: RiskModelHolder
    docs: DocumentServices
    uploads: Path  # the only folder the browser may read files from
    relabel: Relabel
    language: Any  # the gr.Radio holding "中文" or "English"
    # Dropdowns listing the indexed projects (and whether they offer "any project"),
    # refreshed on page load and after an ingest, so a new project shows up everywhere.
    project_pickers: list[tuple[Any, bool]] = field(default_factory=list)

    def project_picker(self, component: Any, *, with_any: bool = False) -> Any:
        self.project_pickers.append((component, with_any))
        return component

    def project_choices(self) -> list[Any]:
        import gradio as gr

        projects = self.docs.projects()
        return [
            gr.update(choices=[("—", ""), *projects] if with_any else projects)
            for _, with_any in self.project_pickers
        ]

    def output_dir(self, kind: str) -> Path:
        folder = self.uploads / "outputs" / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def lang_code(choice: str | None) -> str:
    """ "中文"/"English" from the language switch as "zh"/"en"."""
    return LANGUAGES.get(choice or "", "zh")
