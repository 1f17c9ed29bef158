"""An ingest that changes nothing, answered without opening the index.

`pmassist ingest` of a folder that has not changed is the common case (a scheduled or
repeated run). The full path imports the workspace service (drafts, python-docx, the record),
numpy, the pipeline and Chroma, then finds nothing to do. Here, under the same write lock, the
manifest and a scan of the PATHs say that nothing changed (`ingest.unchanged`) and the
published search snapshot's pointer says it already is the manifest's generation, made by this
workspace's tokenizer and embedder: then nothing is imported, opened or written. Anything else
returns None and the caller runs the full ingest, with its recovery.

Light on purpose: only the standard library, the settings, the manifest, the scan and the
tokenizer (whose dictionary is not loaded) are imported.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.glossary import Glossary, load_default_glossary
from assistant.settings import Settings
from assistant.tokenize import TextTokenizer, default_tokenizer, user_cache_dir
from ingest.lock import WorkspaceLock
from ingest.manifest import Manifest
from ingest.report import IngestReport
from ingest.unchanged import unchanged_files

MANIFEST_FILE = "manifest.sqlite3"  # assistant.factory's (checked by a test)
SNAPSHOT_DIR = "bm25"
POINTER_FILE = "current.json"  # assistant.retrieval.index's pointer (checked by a test)


def snapshot_folder(settings: Settings) -> Path:
    return Path(settings.workspace) / SNAPSHOT_DIR


def workspace_tokenizer(settings: Settings) -> tuple[TextTokenizer, Glossary]:
    """The tokenizer every snapshot of this workspace is built and queried with (its
    fingerprint is recorded in the snapshot), and the glossary whose words it knows."""
    tokenizer = default_tokenizer(user_cache_dir(Path(settings.workspace) / "cache"))
    glossary = load_default_glossary()
    tokenizer.add_words(glossary.chinese_forms)
    return tokenizer, glossary


def embedder_id(settings: Settings) -> str:
    """The id `assistant.factory.build_embedder(settings)` has, without building it (the
    hashing embedder needs numpy). A test keeps the two in step."""
    emb = settings.embedding
    return f"openai:{emb.model}" if emb.provider == "openai" else f"hashing-v1-{emb.dim}"


def pointer_is_current(
    settings: Settings, generation: int, tokenizer: TextTokenizer, embedder: str
) -> bool:
    """Whether the published snapshot is `generation`, made by `tokenizer` and (embedded
    Chroma only: the snapshot then keeps vectors) `embedder`, from its pointer file alone."""
    pointer = _read_pointer(snapshot_folder(settings) / POINTER_FILE)
    if pointer is None:
        return False
    return (
        pointer.get("generation") == generation
        and pointer.get("tokenizer") == tokenizer.fingerprint
        and (settings.chroma_url is not None or pointer.get("embedder") == embedder)
    )


def _read_pointer(path: Path) -> dict[str, Any] | None:
    try:
        pointer = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return pointer if isinstance(pointer, dict) and "version" in pointer else None


def unchanged_ingest(
    settings: Settings, paths: Sequence[Path], *, wait: float = 0.0
) -> IngestReport | None:
    """The report of an ingest of `paths` that would change nothing, or None when the full
    ingest must run. Holds the workspace's write lock while it looks (WorkspaceBusyError when
    another writer keeps it longer than `wait` seconds), so it never reads a half-done run."""
    started = time.monotonic()
    manifest_path = Path(settings.workspace) / MANIFEST_FILE
    if not manifest_path.exists():
        return None
    with WorkspaceLock(Path(settings.workspace), wait=wait):
        manifest = Manifest(manifest_path, read_only=True)
        try:
            count = _unchanged(settings, paths, manifest)
        finally:
            manifest.close()
    if count is None:
        return None
    return IngestReport(unchanged=count, files=count, seconds=time.monotonic() - started)


def _unchanged(settings: Settings, paths: Sequence[Path], manifest: Manifest) -> int | None:
    recorded = manifest.embedder()
    if recorded is None or recorded != embedder_id(settings):
        return None  # the full path records it, or explains the mismatch
    count = unchanged_files(paths, manifest)
    if count is None:
        return None
    tokenizer = workspace_tokenizer(settings)[0]
    if not pointer_is_current(settings, manifest.generation(), tokenizer, recorded):
        return None  # the last run's publish did not happen: the full path publishes
    return count
