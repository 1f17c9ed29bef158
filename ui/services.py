"""The document side as the server needs it: ask, stream, list, ingest, remove, draft, report.

A thin adapter over `assistant` (factory, retrieval, answer, drafts, reports) so the API and
the Gradio tabs share one code path. Nothing is opened until first used. What is cached —
the open index and the retriever for the manifest's current generation — is process-wide
and holds no per-user state, so several workers can serve the same workspace.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.factory import MANIFEST_FILE, Index, ingest_config, open_index
from assistant.settings import Settings
from ingest.errors import NoIndexError
from ingest.lock import WorkspaceLock

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
RiskModelSource = Callable[[], Any]  # returns the loaded RiskModel or None


class _ProgressAdapter:
    """The pipeline's start/advance protocol as one callback (done, total, source)."""

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total
        self.report(0, total, "")

    def advance(self, source: str) -> None:
        self.done += 1
        self.report(self.done, self.total, source)


def checked_project_name(name: str) -> str:
    """A project name usable as a folder name (uploads are stored per project)."""
    name = name.strip()
    if not name or name in (".", "..") or any(ch in name for ch in '/\\:*?"<>|\0'):
        raise AssistantError(
            f"Project name {name!r} cannot be used as a folder name; use letters, digits, "
            "CJK characters, '-' or '_'."
        )
    return name


class DocumentServices:
    def __init__(self, settings: Settings, risk_model: RiskModelSource | None = None) -> None:
        self.settings = settings
        self.risk_model = risk_model or (lambda: None)
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._retriever: Any = None
        self._generation: int | None = None

    # -- the index ---------------------------------------------------------------------------

    def _has_index(self) -> bool:
        return bool(self.settings.chroma_url) or (self.settings.workspace / MANIFEST_FILE).exists()

    def index(self, *, create: bool = False) -> Index:
        with self._lock:
            if self._index is None:
                if not create and not self._has_index():
                    raise NoIndexError(
                        "No index yet: run `pmassist ingest PATH --workspace "
                        f"{self.settings.workspace}` or upload documents first."
                    )
                self._index = open_index(self.settings, create=True, lazy=True)
            return self._index

    def chunk_count(self) -> int:
        if not self._has_index():
            return 0
        return self.index().manifest.total_chunks()

    def projects(self) -> list[str]:
        return self.index().manifest.projects() if self._has_index() else []

    def list_documents(self, project: str | None) -> list[dict[str, Any]]:
        if not self._has_index():
            return []
        return [
            {"source": d.source, "project": d.project, "doc_type": d.doc_type,
             "date": d.date, "chunks": d.chunks}
            for d in self.index().manifest.list_documents(project)
        ]  # fmt: skip

    def retriever(self) -> Any:
        """The retriever of the latest published search snapshot (LiveRetriever): another
        process's ingest is picked up without a restart, answers stay consistent meanwhile."""
        from assistant.retrieval import LiveRetriever

        index = self.index()
        with self._lock:
            if self._retriever is None:
                self._retriever = LiveRetriever(self.settings, index)
        return self._retriever.current()

    # -- questions ---------------------------------------------------------------------------

    def ask(self, question: str, *, project: str | None, doc_type: str | None, k: int) -> dict:
        final: dict[str, Any] = {}
        for piece in self.stream_ask(question, project=project, doc_type=doc_type, k=k):
            if isinstance(piece, dict):
                final = piece
        return final

    def stream_ask(
        self, question: str, *, project: str | None, doc_type: str | None, k: int
    ) -> Iterator[str | dict[str, Any]]:
        """Text deltas, then the final answer as `ask --json` prints it."""
        from assistant.answer import Answer, stream_answer
        from assistant.llm import chat_model_from_settings
        from ingest.model import SearchFilter

        parts = stream_answer(
            question,
            retriever=self.retriever(),
            chat_model=chat_model_from_settings(self.settings.llm),
            k=k,
            where=SearchFilter(project=project, doc_type=doc_type),
            context_tokens=self.settings.llm.context_tokens,
        )
        for part in parts:
            yield part.model_dump(mode="json") if isinstance(part, Answer) else part

    # -- changing the index ------------------------------------------------------------------

    def upload_root(self) -> Path:
        """Uploaded documents are kept here, one folder per project (the ingested root)."""
        return self.settings.workspace / "documents"

    def ingest_uploads(
        self, files: list[Path], *, project: str, progress: Progress | None = None
    ) -> dict[str, Any]:
        from ingest.pipeline import ingest_paths

        folder = self.upload_root() / checked_project_name(project)
        folder.mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copyfile(file, folder / Path(file).name)
        with WorkspaceLock(self.settings.workspace, wait=30):
            index = self.index(create=True)
            report = ingest_paths(
                [self.upload_root()],
                store=index.store,
                embedder=index.embedder,
                manifest=index.manifest,
                config=ingest_config(self.settings),
                progress=_ProgressAdapter(progress) if progress else None,
            )
        return report.to_dict()

    def remove_document(self, source: str) -> int:
        """Remove a document from the index (and its uploaded copy); returns how many."""
        from ingest.pipeline import remove_documents

        index = self.index()
        with WorkspaceLock(self.settings.workspace, wait=30):
            removed = remove_documents([source], store=index.store, manifest=index.manifest)
        uploaded = (self.upload_root() / source).resolve()
        if uploaded.is_file() and self.upload_root().resolve() in uploaded.parents:
            uploaded.unlink()  # else the next upload's ingest would bring it back
        return removed

    # -- drafts and reports ------------------------------------------------------------------

    def _draft_deps(self) -> Any:
        from assistant.drafts.build import DraftDeps, roots_by_project
        from assistant.llm import chat_model_from_settings

        index = self.index()
        return DraftDeps(
            store=index.store,
            chat_model=chat_model_from_settings(self.settings.llm),
            retriever=self.retriever(),
            risk_model=self.risk_model(),
            roots=roots_by_project(index.manifest.records().values()),
        )

    def draft(
        self,
        kind: str,
        project: str,
        *,
        since: str | None,
        until: str | None,
        lang: str,
        out_dir: Path,
    ) -> tuple[str, list[Path]]:
        """The draft's Markdown and the files written (Markdown and DOCX)."""
        from assistant.drafts.build import build_draft
        from assistant.drafts.output import write_draft
        from assistant.drafts.render_markdown import render_markdown
        from assistant.reports import report_path

        result = build_draft(kind, project, self._draft_deps(), since=since, until=until, lang=lang)
        markdown = render_markdown(result)
        paths = [
            write_draft(result, report_path(out_dir, project, kind, fmt), markdown)
            for fmt in ("md", "docx")
        ]
        return markdown, paths

    def report(
        self, kind: str, projects: list[str], *, formats: list[str], lang: str, out_dir: Path
    ) -> dict[str, Any]:
        """`pmassist report` for the chosen projects (all when none are chosen)."""
        from assistant.reports import batch_report

        chosen = projects or self.projects()
        result = batch_report(kind, chosen, self._draft_deps(), out_dir, formats=formats, lang=lang)
        return result.to_json()
