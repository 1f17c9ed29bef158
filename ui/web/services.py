"""Deprecated: the document side is `assistant.workspace.Workspace` now.

`DocumentServices` keeps the dict-returning methods the Chat and Drafts tabs and the hardening
tests still call, each a one-line translation of a Workspace result (everything else is the
workspace's own); remove it once they read the typed results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.answer import Answer
from assistant.settings import Settings
from assistant.uploads import checked_project_name
from assistant.workspace import (
    CallbackProgress,
    Progress,
    RiskModelSource,
    Workspace,
)

__all__ = ["DocumentServices", "Workspace", "checked_project_name"]


class DocumentServices:
    def __init__(
        self, settings: Settings | Workspace, risk_model: RiskModelSource | None = None
    ) -> None:
        self.workspace = (
            settings
            if isinstance(settings, Workspace)
            else Workspace(settings, risk_model=risk_model)
        )

    def __getattr__(self, name: str) -> Any:  # settings, index(), projects(), chunk_count()...
        return getattr(self.workspace, name)

    def ask(self, question: str, **options: Any) -> dict[str, Any]:
        return self.workspace.ask(question, **options).model_dump(mode="json")

    def stream_ask(self, question: str, **options: Any) -> Iterator[str | dict[str, Any]]:
        for part in self.workspace.stream_ask(question, **options):
            yield part.model_dump(mode="json") if isinstance(part, Answer) else part

    def ingest_uploads(
        self, files: Sequence[Path], *, project: str, progress: Progress | None = None
    ) -> dict[str, Any]:
        adapter = CallbackProgress(progress) if progress else None
        return self.workspace.ingest_uploads(files, project=project, progress=adapter).to_dict()

    def remove_document(self, source: str) -> int:
        return self.workspace.remove(source).documents

    def list_documents(self, project: str | None) -> list[dict[str, Any]]:
        return [asdict(d) for d in self.workspace.documents(project)]

    def draft(
        self, kind: str, project: str, *, out_dir: Path, **options: Any
    ) -> tuple[str, list[Path]]:
        result = self.workspace.draft(
            kind, project, out_dir=out_dir, formats=("md", "docx"), **options
        )
        return result.markdown, result.files

    def report(self, kind: str, projects: Sequence[str], **options: Any) -> dict[str, Any]:
        return self.workspace.report(kind, projects, **options).to_json()
