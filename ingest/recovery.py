"""Bring store and manifest back into agreement after an interrupted run."""

from __future__ import annotations

import logging
import os
import signal
from collections import Counter

from ingest.manifest import OK, Manifest
from ingest.ports import VectorStore

log = logging.getLogger(__name__)

# Fault injection for the crash-consistency tests: "STAGE" or "STAGE:N" makes the process
# SIGKILL itself at the Nth time it reaches STAGE. Never set in normal use.
_CRASH_ENV = "PMASSIST_TEST_CRASH_AT"
_crash_hits: Counter[str] = Counter()


def crash_point(stage: str) -> None:
    wanted = os.environ.get(_CRASH_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name == stage:
        _crash_hits[stage] += 1
        if _crash_hits[stage] >= int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)


def recover(store: VectorStore, manifest: Manifest) -> None:
    """Delete chunks of documents left pending; after an unclean run, also remove chunks the
    manifest does not account for and forget documents whose chunks are incomplete."""
    pending = manifest.pending()
    if pending:
        log.warning("cleaning up %d document(s) from an interrupted ingest", len(pending))
        for root, source in pending:
            store.delete_sources([source], root)
        manifest.remove(pending)
    if not manifest.last_run_clean():
        check_consistency(store, manifest)
        manifest.set_running(False)


def check_consistency(store: VectorStore, manifest: Manifest) -> tuple[int, int]:
    """Make store and manifest agree; returns (orphan chunks removed, documents forgotten).

    A forgotten document is simply ingested again by the next run over its folder.
    """
    expected = {key: r for key, r in manifest.records().items() if r.status == OK}
    orphans: list[str] = []
    found: Counter[tuple[str, str]] = Counter()
    for chunk_id, root, source, file_hash in store.iter_chunk_keys():
        record = expected.get((root, source))
        if record is None or record.file_hash != file_hash:
            orphans.append(chunk_id)
        else:
            found[(root, source)] += 1
    if orphans:
        store.delete_ids(orphans)
    incomplete = [key for key, r in expected.items() if found[key] != r.chunks]
    if incomplete:
        manifest.mark_pending(incomplete)
        for root, source in incomplete:
            store.delete_sources([source], root)
        manifest.remove(incomplete)
    if orphans or incomplete:
        log.warning(
            "index repaired: %d orphan chunk(s) removed, %d document(s) to re-ingest",
            len(orphans),
            len(incomplete),
        )
    return len(orphans), len(incomplete)
