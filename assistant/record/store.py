"""The record kept in the workspace, in step with the index.

Nothing is stored that the index does not already hold: the registers are computed on demand
from the manifest's current documents, and what extraction found in each document is cached in
<workspace>/record/facts/ under a key of (root, source, content hash, extractor version). A
re-ingested document changes hash and is read again; a deleted one leaves the manifest and its
evidence leaves the registers with it; stale cache files are pruned when the record is built.
Files are written atomically, so any process sees a whole file or none.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from assistant.drafts.sources import in_order
from assistant.errors import AssistantError
from assistant.llm import ChatModel
from assistant.record.extract import document_facts
from assistant.record.identity import build_items
from assistant.record.models import DocumentFacts, Register
from ingest.manifest import OK, DocumentRecord
from ingest.model import Chunk, SearchFilter
from ingest.ports import VectorStore

logger = logging.getLogger(__name__)

# Bump when extraction changes: every cached document is then read again.
EXTRACTOR_VERSION = "4"
RECORD_DIR = "record"


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """One ingested document as the record needs it (from the manifest)."""

    root: str
    source: str
    project: str
    date: str | None
    file_hash: str


class FactsCache:
    """Per-document extraction results in a folder, one JSON file each. `extractor` names who
    read the documents (offline, or an LLM by its model name): each has its own files."""

    def __init__(self, folder: Path, extractor: str = "offline") -> None:
        self.folder = folder
        self.extractor = extractor

    def key(self, doc: DocumentRef) -> str:
        raw = f"{doc.root}\n{doc.source}\n{doc.file_hash}\n{EXTRACTOR_VERSION}\n{self.extractor}"
        return hashlib.sha1(raw.encode()).hexdigest()

    def get(self, doc: DocumentRef) -> DocumentFacts | None:
        path = self.folder / f"{self.key(doc)}.json"
        try:
            return DocumentFacts.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as exc:  # a damaged file is read again, not fatal
            logger.warning("ignoring unreadable record cache %s: %s", path, exc)
            return None

    def put(self, doc: DocumentRef, facts: DocumentFacts) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{self.key(doc)}.json"
        handle, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(facts.model_dump_json().encode())
        os.replace(tmp, target)

    def prune(self, keep: Iterable[DocumentRef]) -> None:
        """Remove the files of documents no longer in the manifest (or read by an older
        extractor). Only call with every document of every project."""
        wanted = {f"{self.key(doc)}.json" for doc in keep}
        for path in self.folder.glob("*.json"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)


def documents_of(
    records: Iterable[DocumentRecord], project: str | None = None
) -> list[DocumentRef]:
    """The manifest's ingested documents (status ok), of one project or all, oldest first."""
    refs = [
        DocumentRef(r.root, r.source, r.project, r.date, r.file_hash)
        for r in records
        if r.status == OK and (project is None or r.project == project)
    ]
    return sorted(refs, key=lambda d: (d.date or "", d.source))


class UnknownRecordProjectError(AssistantError):
    """No ingested document belongs to the project."""


def document_facts_for(
    documents: Sequence[DocumentRef],
    store: VectorStore,
    cache: FactsCache | None,
    chat_model: ChatModel | None = None,
) -> list[DocumentFacts]:
    """Each document's facts: from the cache, else extracted from its chunks (and cached)."""
    found: dict[DocumentRef, DocumentFacts] = {}
    missing = []
    for doc in documents:
        cached = cache.get(doc) if cache is not None else None
        if cached is None:
            missing.append(doc)
        else:
            found[doc] = cached
    if missing:
        for doc, facts in _extract(missing, store, chat_model).items():
            found[doc] = facts
            if cache is not None:
                cache.put(doc, facts)
    return [found[doc] for doc in documents if doc in found]


def _extract(
    documents: Sequence[DocumentRef], store: VectorStore, chat_model: ChatModel | None = None
) -> dict[DocumentRef, DocumentFacts]:
    wanted = {(d.root, d.source): d for d in documents}
    by_source = {d.source: d for d in documents}
    grouped: dict[DocumentRef, list[Chunk]] = defaultdict(list)
    for project in sorted({d.project for d in documents}):
        for chunk in store.iter_chunks(SearchFilter(project=project)):
            # Stores written before chunks carried their root match on the source alone.
            doc = wanted.get((chunk.root, chunk.source)) or (
                None if chunk.root else by_source.get(chunk.source)
            )
            if doc is not None:
                grouped[doc].append(chunk)
    if chat_model is None:
        return {doc: document_facts(in_order(chunks)) for doc, chunks in grouped.items()}
    from assistant.record.generate import llm_document_facts  # only with an LLM configured

    return {doc: llm_document_facts(in_order(c), chat_model) for doc, c in grouped.items()}


def build_register(
    project: str,
    documents: Sequence[DocumentRef],
    store: VectorStore,
    *,
    cache: FactsCache | None = None,
    as_of: str | None = None,
    chat_model: ChatModel | None = None,
) -> Register:
    """The project's registers from its documents dated up to `as_of` (default today);
    undated documents always count."""
    day = as_of or date.today().isoformat()
    mine = [d for d in documents if d.project == project]
    if not mine:
        raise UnknownRecordProjectError(
            f"Unknown project {project!r}: no ingested document belongs to it. "
            "Ingest its folder with `pmassist ingest PATH --project NAME` first."
        )
    facts = document_facts_for(mine, store, cache, chat_model)
    facts = [f for f in facts if not f.date or f.date <= day]
    mentions = [m for f in facts for m in f.mentions]
    progress = sorted((p for f in facts for p in f.progress), key=lambda p: p.date or "")
    return Register(project=project, as_of=day, items=build_items(mentions), progress=progress)


def workspace_cache(workspace: Path, chat_model: ChatModel | None = None) -> FactsCache:
    extractor = f"llm:{chat_model.name}" if chat_model is not None else "offline"
    return FactsCache(Path(workspace) / RECORD_DIR / "facts", extractor)


def register_from_chunks(project: str, chunks: Iterable[Chunk], *, as_of: str) -> Register:
    """The registers from chunks already read (a draft's): one document per (root, source)."""
    grouped: dict[tuple[str, str], list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        if not chunk.date or chunk.date <= as_of:
            grouped[(chunk.root, chunk.source)].append(chunk)
    facts = [document_facts(in_order(group)) for group in grouped.values()]
    mentions = [m for f in facts for m in f.mentions]
    progress = sorted((p for f in facts for p in f.progress), key=lambda p: p.date or "")
    return Register(project=project, as_of=as_of, items=build_items(mentions), progress=progress)
