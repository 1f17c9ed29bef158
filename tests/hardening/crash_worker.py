"""What the kill-point test runs in child processes: a real ingest into a workspace, and a
re-run that reports how the store and manifest agree afterwards.

The children are forked from a multiprocessing fork server that has imported this module (and
with it chromadb and the pipeline) once, so a child starts working within milliseconds and a
kill delay lands in the ingest, not in imports. No Chroma client exists before the fork.
"""

from __future__ import annotations

import hashlib
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from assistant.factory import open_index
from ingest.lock import WorkspaceLock
from ingest.pipeline import IngestConfig, ingest_paths
from tests.hardening.conftest import offline_settings
from tests.hardening.helpers import consistency

# Small chunks and write batches: many batch boundaries (pending -> deleted -> written -> saved)
# inside a run of about a second, so random kill times land on all of them.
CONFIG = IngestConfig(chunk_size=200, chunk_overlap=40, write_batch=120, embed_batch=64)


def ingest(corpus: str, workspace: str) -> dict[str, Any]:
    """`pmassist ingest CORPUS` as the CLI runs it: lock, open the index lazily, ingest."""
    settings = offline_settings(Path(workspace))
    with WorkspaceLock(settings.workspace, wait=60):
        index = open_index(settings, create=True, lazy=True)
        try:
            report = ingest_paths([Path(corpus)], store=index.store, embedder=index.embedder,
                                  manifest=index.manifest, config=CONFIG)  # fmt: skip
        finally:
            index.close()
    return report.to_dict()


def ingest_and_inspect(corpus: str, workspace: str, reply: Connection) -> None:
    """Re-run the ingest to completion, then send back what the index holds."""
    report = ingest(corpus, workspace)
    index = open_index(offline_settings(Path(workspace)))
    try:
        found = consistency(index.store, index.manifest)
        chunks = sorted(
            (c.source, c.chunk_index, c.file_hash, hashlib.sha1(c.text.encode()).hexdigest())
            for c in index.store.iter_chunks()
        )
        state = {"report": report, "consistency": found, "chunks": chunks}
        state.update(count=index.store.count(), total=index.manifest.total_chunks())
        reply.send(state)
    finally:
        index.close()
        reply.close()
