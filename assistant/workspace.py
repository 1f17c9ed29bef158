"""The workspace service: the one object every door (CLI, Gradio app, REST API) works through.

Opened from Settings once, it owns the document index, the retriever, the draft dependencies,
the reports and the risk model source, and exposes the operations the doors offer:

    ws = Workspace(settings)
    ws.ingest([Path("data/samples")])          # -> IngestReport
    ws.ask("谁负责数据迁移？", project="alpha")     # -> Answer
    ws.draft("weekly-report", "alpha")          # -> DraftResult
    ws.report("risk-list", [], out_dir=...)     # -> BatchResult (every project when none named)
    ws.close()

Nothing is opened until first used. What is cached — the open index and the retriever for the
manifest's current generation — is process-wide and holds no per-user state, so one Workspace
serves every request of a server. Results are the core's typed objects; errors are the core's
own exception types (the doors translate them: exit code 2, HTTP 4xx, a visible UI error).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer import Answer, Turn, stream_answer
from assistant.drafts.build import DraftDeps, build_draft, check_draft_kind, roots_by_project
from assistant.drafts.models import Draft
from assistant.drafts.output import format_of, write_dated, write_draft
from assistant.drafts.render_markdown import render_markdown
from assistant.factory import MANIFEST_FILE, Index, ingest_config, open_index
from assistant.llm import chat_model_from_settings
from assistant.record.features import FeatureFill
from assistant.record.models import Register
from assistant.record.portfolio import portfolio_file_name, write_portfolio
from assistant.record.status import ProjectStatus
from assistant.record.workspace import (
    check_as_of,
    project_register,
    status_of_project,
    workspace_portfolio,
)
from assistant.reports import PORTFOLIO, BatchResult, ReportProgress, batch_report, report_path
from assistant.retrieval import HybridRetriever, LiveRetriever, no_index_message
from assistant.retrieval.live import RunChunks, publish_search_snapshot
from assistant.settings import Settings
from assistant.uploads import check_upload_names, checked_project_name, upload_name
from assistant.workspace_risk import ModelFromDisk, ProjectScore, project_risk_inputs
from ingest.errors import NoIndexError
from ingest.lock import WorkspaceLock
from ingest.manifest import DocumentInfo
from ingest.model import SearchFilter
from ingest.pipeline import (
    IngestConfig,
    IngestProgress,
    IngestReport,
    ingest_paths,
    remove_documents,
)

if TYPE_CHECKING:  # ml loads scikit-learn: only when a risk command runs
    from ml.results import ProjectRisk

log = logging.getLogger(__name__)

RiskModelSource = Callable[[], Any]  # the loaded ml RiskModel, or None when there is none
Progress = Callable[[int, int, str], None]  # (done, total, source)
UPLOAD_FOLDER = "documents"  # <workspace>/documents/<project>/<file>: the uploads' ingested root


@dataclass(frozen=True)
class Removal:
    """What removing a document did: documents and chunks gone from the index."""

    source: str
    documents: int
    chunks: int


@dataclass(frozen=True)
class DraftResult:
    """A built draft, its Markdown and the files written (none when only previewed)."""

    draft: Draft
    markdown: str
    files: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """`draft --json` (CONTRACT.md); "output" is the first file written, if any."""
        return self.draft.to_json(self.markdown, str(self.files[0]) if self.files else None)


@dataclass(frozen=True)
class Health:
    model: str | None  # the loaded risk model's directory
    chunks: int


class CallbackProgress:
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


def draft_paths(out_dir: Path, project: str, kind: str, formats: Sequence[str]) -> list[Path]:
    """Where a draft of `kind` for `project` goes in `out_dir`, one file per format."""
    return [report_path(out_dir, project, kind, fmt) for fmt in formats]


class Workspace:
    """One workspace's documents, drafts, reports and risk model (see the module doc)."""

    def __init__(self, settings: Settings, *, risk_model: RiskModelSource | None = None) -> None:
        self.settings = settings
        self.risk_model: RiskModelSource = risk_model or ModelFromDisk(settings.risk_model_dir)
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._live: LiveRetriever | None = None

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
            self._index, self._live = None, None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the index ---------------------------------------------------------------------------

    def has_index(self) -> bool:
        return bool(self.settings.chroma_url) or (self.settings.workspace / MANIFEST_FILE).exists()

    def index(self, *, create: bool = False) -> Index:
        """The open index; NoIndexError before the first ingest unless `create`."""
        with self._lock:
            if self._index is None:
                if not create and not self.has_index():
                    raise NoIndexError(no_index_message(self.settings))
                # A reader of a workspace it cannot write (a read-only mount, another user's
                # folder) opens the manifest for reading: questions still work there.
                read_only = not create and not os.access(self.settings.workspace, os.W_OK)
                self._index = open_index(
                    self.settings, create=not read_only, lazy=True, read_only=read_only
                )
            return self._index

    def chunk_count(self) -> int:
        return self.index().manifest.total_chunks() if self.has_index() else 0

    def projects(self) -> list[str]:
        return self.index().manifest.projects() if self.has_index() else []

    def documents(self, project: str | None = None) -> list[DocumentInfo]:
        return self.index().manifest.list_documents(project) if self.has_index() else []

    def retriever(self) -> HybridRetriever:
        """The retriever of the latest published search snapshot: another process's ingest is
        picked up without a restart, and answers stay consistent meanwhile (LiveRetriever)."""
        index = self.index()
        with self._lock:
            if self._live is None:
                self._live = LiveRetriever(self.settings, index)
            live = self._live
        return live.current()

    def health(self) -> Health:
        loaded = self.risk_model() is not None
        return Health(
            model=str(self.settings.risk_model_dir) if loaded else None, chunks=self.chunk_count()
        )

    # -- questions ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        project: str | None = None,
        doc_type: str | None = None,
        since: str | None = None,
        until: str | None = None,
        k: int | None = None,
        history: Sequence[Turn] | None = None,
    ) -> Answer:
        """The cited answer (`ask --json`), offline or by the configured LLM."""
        result: Answer | None = None
        where = SearchFilter(project=project, doc_type=doc_type, date_from=since, date_to=until)
        for part in self._answer_parts(question, where, k, history, stream=False):
            if isinstance(part, Answer):
                result = part
        assert result is not None  # stream_answer always ends with the Answer
        return result

    def stream_ask(
        self,
        question: str,
        *,
        project: str | None = None,
        doc_type: str | None = None,
        since: str | None = None,
        until: str | None = None,
        k: int | None = None,
        history: Sequence[Turn] | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as they arrive, then the final Answer."""
        where = SearchFilter(project=project, doc_type=doc_type, date_from=since, date_to=until)
        yield from self._answer_parts(question, where, k, history, stream=True)

    def _answer_parts(
        self,
        question: str,
        where: SearchFilter,
        k: int | None,
        history: Sequence[Turn] | None,
        *,
        stream: bool,
    ) -> Iterator[str | Answer]:
        return stream_answer(
            question,
            retriever=self.retriever(),
            chat_model=chat_model_from_settings(self.settings.llm),
            k=k or self.settings.retrieval.k,
            where=where,
            context_tokens=self.settings.llm.context_tokens,
            stream=stream,
            history=history or (),
        )

    # -- changing the index ------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        project: str | None = None,
        progress: IngestProgress | None = None,
        wait: float = 0.0,
        config: IngestConfig | None = None,
    ) -> IngestReport:
        """Ingest files or folders (incremental). WorkspaceBusyError when another writer keeps
        the workspace longer than `wait` seconds."""
        with WorkspaceLock(self.settings.workspace, wait=wait):
            index = self.index(create=True)
            written = RunChunks()  # handed to the publish: not read back from the store
            report = ingest_paths(
                list(paths), project=project, store=index.store, embedder=index.embedder,
                manifest=index.manifest, config=config or ingest_config(self.settings),
                progress=progress, written=written,
            )  # fmt: skip
            publish_search_snapshot(index, written)  # before the lock goes: no reader builds it
            return report

    def upload_root(self) -> Path:
        """Uploaded documents are kept here, one folder per project (the ingested root)."""
        return self.settings.workspace / UPLOAD_FOLDER

    def ingest_uploads(
        self,
        files: Sequence[Path],
        *,
        project: str,
        names: Sequence[str] | None = None,
        progress: IngestProgress | None = None,
        wait: float = 30.0,
    ) -> IngestReport:
        """Copy uploaded files into the project's upload folder, then ingest that folder.

        `names` are the files' names as the user knows them (a web upload arrives under a
        temporary name); by default each file's own name."""
        names = names or [Path(f).name for f in files]
        check_upload_names(names)
        folder = self.upload_root() / checked_project_name(project)
        folder.mkdir(parents=True, exist_ok=True)
        for file, name in zip(files, names, strict=True):
            shutil.copyfile(file, folder / upload_name(name))
        return self.ingest([self.upload_root()], progress=progress, wait=wait)

    def remove(self, source: str, *, project: str | None = None, wait: float = 30.0) -> Removal:
        """Remove a document (by its source, within `project` if given) and its uploaded copy."""
        index = self.index()
        chosen = [d for d in index.manifest.list_documents(project) if d.source == source]
        with WorkspaceLock(self.settings.workspace, wait=wait):
            removed = sum(
                remove_documents([source], store=index.store, manifest=index.manifest, root=d.root)
                for d in chosen
            )
            if removed:
                publish_search_snapshot(index)
        uploaded = (self.upload_root() / source).resolve()
        if removed and uploaded.is_file() and self.upload_root().resolve() in uploaded.parents:
            uploaded.unlink()  # else the next upload's ingest would bring it back
        return Removal(source, removed, sum(d.chunks for d in chosen))

    # -- the project record ------------------------------------------------------------------

    def register(
        self,
        project: str,
        *,
        as_of: str | None = None,
        kinds: Sequence[str] = (),
        open_only: bool = False,
        overdue: bool = False,
    ) -> Register:
        """The project's registers (`register --json`), statuses as its documents write them."""
        index = self.index()
        return project_register(
            self.settings, index.manifest, index.store, project, as_of=as_of, kinds=kinds,
            open_only=open_only, overdue=overdue,
            chat_model=chat_model_from_settings(self.settings.llm),
        )  # fmt: skip

    def status(self, project: str, *, as_of: str | None = None) -> ProjectStatus:
        """The project's state (`status --json`), with the risk model's probabilities when a
        model is loaded."""
        index = self.index()
        return status_of_project(
            self.settings, index.manifest, index.store, project, as_of=as_of,
            risk_model=self.risk_model(), chat_model=chat_model_from_settings(self.settings.llm),
        )  # fmt: skip

    def statuses(self, *, as_of: str | None = None) -> list[ProjectStatus]:
        """Every project's status, for the portfolio view."""
        return [self.status(name, as_of=as_of) for name in self.projects()]

    # -- drafts and reports ------------------------------------------------------------------

    def draft_deps(self) -> DraftDeps:
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
        since: str | None = None,
        until: str | None = None,
        lang: str | None = None,
        outputs: Sequence[Path] = (),
        out_dir: Path | None = None,
        formats: Sequence[str] = (),
    ) -> DraftResult:
        """A draft of `kind` for `project`, written to each of `outputs` (.md or .docx) and,
        with `out_dir`, in each of `formats` under its dated name (周报_alpha_2026-03-15.md)."""
        check_draft_kind(kind)
        for path in [*outputs, *(Path(f"x.{fmt}") for fmt in formats)]:
            format_of(path)  # refuse a bad suffix before any work
        built = build_draft(kind, project, self.draft_deps(), since=since, until=until, lang=lang)
        markdown = render_markdown(built)
        files = [write_draft(built, path, markdown) for path in outputs]
        files += [write_dated(built, out_dir, fmt, markdown) for fmt in formats if out_dir]
        return DraftResult(built, markdown, files)

    def report(
        self,
        kind: str,
        projects: Sequence[str],
        *,
        out_dir: Path,
        formats: Sequence[str] = ("md",),
        since: str | None = None,
        until: str | None = None,
        lang: str | None = None,
        progress: ReportProgress | None = None,
    ) -> BatchResult:
        """`pmassist report`: one file per project and format; every project when none given.
        The portfolio kind writes one document over all projects (the PMO's overview)."""
        if kind == PORTFOLIO:
            return self.portfolio(out_dir, formats=formats, as_of=until, lang=lang or "zh")
        check_draft_kind(kind)
        chosen = list(projects) or self.projects()
        return batch_report(
            kind, chosen, self.draft_deps(), out_dir, formats=formats, since=since, until=until,
            lang=lang, progress=progress,
        )  # fmt: skip

    def portfolio(
        self, out_dir: Path, *, formats: Sequence[str], as_of: str | None, lang: str
    ) -> BatchResult:
        """Every project's health, progress, milestones and reasons in one file per format."""
        index = self.index()
        summaries = workspace_portfolio(
            self.settings, index.manifest, index.store, as_of=as_of, lang=lang
        )
        day = check_as_of(as_of)
        return BatchResult(written=[
            write_portfolio(
                summaries, out_dir / portfolio_file_name(lang, day, fmt), lang=lang, as_of=day
            )
            for fmt in formats
        ])  # fmt: skip

    # -- risk --------------------------------------------------------------------------------

    def loaded_risk_model(self) -> Any:
        """The current risk model (ml.model.RiskModel); ModelFileError saying how to train one
        when there is none."""
        model = self.risk_model()
        if model is None:
            from ml.errors import ModelFileError

            raise ModelFileError(
                f"No risk model in {self.settings.risk_model_dir} — run "
                "`pmassist risk train --data data/portfolio.csv` first."
            )
        return model

    def score(self, projects: Sequence[dict[str, Any]]) -> list[ProjectRisk]:
        """Score {feature: value} records with the current risk model: one typed result each
        (ml.results.ProjectRisk; `to_json()` is the `risk score` object)."""
        results: list[ProjectRisk] = self.loaded_risk_model().score_results(list(projects))
        return results

    def risk_inputs(self, project: str, *, as_of: str | None = None) -> FeatureFill:
        """The risk model's features for `project` as its record states them (documents first,
        then its project.toml), each with the document and date it came from, and the
        features still missing (issue #15 point 4)."""
        return self._project_inputs(project, as_of)[1]

    def score_project(
        self, project: str, *, as_of: str | None = None, given: dict[str, Any] | None = None
    ) -> ProjectScore:
        """Score `project` on the features its record states, with the PM's `given` values on
        top (they fill what is missing or correct a document)."""
        name, found = self._project_inputs(project, as_of)
        inputs = found.given(given or {})
        model = self.loaded_risk_model()
        record = dict(inputs.values)
        if model.card.request_id_column:
            record[model.card.request_id_column] = project
        (result,) = model.score_results([record])
        return ProjectScore(project, name, inputs, result)

    def score_portfolio(self, *, as_of: str | None = None) -> list[ProjectScore]:
        """Every ingested project scored from its own record (the Risk tab's portfolio)."""
        return [self.score_project(project, as_of=as_of) for project in self.projects()]

    def _project_inputs(self, project: str, as_of: str | None) -> tuple[str, FeatureFill]:
        """(display name, features) of `project`; UnknownProjectError naming the projects."""
        model = self.loaded_risk_model()
        index = self.index()
        known = project in index.manifest.projects()
        register = self.register(project, as_of=as_of) if known else None
        return project_risk_inputs(index, project, register, model.card.feature_names)


def ingest_into_workspace(
    settings: Settings, paths: Sequence[Path], **options: Any
) -> IngestReport:
    """One ingest through a workspace opened for it (tests and scripts): lock, pipeline,
    published snapshot, close."""
    with Workspace(settings) as workspace:
        return workspace.ingest(paths, **options)
