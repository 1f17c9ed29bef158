"""What has been ingested: one SQLite row per (root, source), in the workspace.

The manifest makes re-ingest incremental (size+mtime pre-check, content hash to confirm) and
crash-safe: a file is marked `pending` before its chunks are touched in the store and marked
`ok` (or `failed`) only after the store write, so a run that dies in between leaves a pending
row that the next run cleans up. `generation()` increases on every change to the set of
chunks, so derived indexes (BM25) know when to rebuild.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import EmbedderMismatchError

OK, FAILED, PENDING = "ok", "failed", "pending"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    root TEXT NOT NULL,
    source TEXT NOT NULL,
    project TEXT NOT NULL DEFAULT 'default',
    doc_type TEXT NOT NULL DEFAULT 'other',
    date TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    file_hash TEXT NOT NULL DEFAULT '',
    chunks INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    error TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (root, source)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    root: str
    source: str
    project: str = "default"
    doc_type: str = "other"
    date: str | None = None
    size: int = 0
    mtime_ns: int = 0
    file_hash: str = ""
    chunks: int = 0
    status: str = OK
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """One ingested document as the UI lists it."""

    source: str
    project: str
    doc_type: str
    date: str | None
    chunks: int
    root: str


class Manifest:
    """SQLite-backed record of ingested files; safe to share between threads."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """`read_only` for readers (`ask`): nothing is created or written, so a workspace on a
        read-only disk, or one the user may only read, still answers."""
        self.path = path
        self._lock = threading.RLock()
        if read_only:
            self._db = _connect_read_only(path)
            self._db.row_factory = sqlite3.Row
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL survives a killed process (what the journal protects against);
            # only a power cut may lose the last commits, which the next run re-does.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    # -- meta ----------------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )

    def generation(self) -> int:
        """Increases whenever chunks are added or removed (before and after the store write)."""
        return int(self._meta("generation") or 0)

    def embedder(self) -> str | None:
        """The id of the embedder the index was built with (None before the first ingest)."""
        return self._meta("embedder")

    def check_embedder(self, embedder_id: str, hint: str) -> None:
        """Record the embedder on first use; refuse a different one afterwards."""
        with self._transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'embedder'").fetchone()
            if row is None:
                self._set_meta(db, "embedder", embedder_id)
            elif row[0] != embedder_id:
                raise EmbedderMismatchError(
                    f"The index was built with embedder {row[0]!r} but the current setting is "
                    f"{embedder_id!r}; vectors from different embedders cannot be mixed. "
                    f"To fix: {hint}."
                )

    def last_run_clean(self) -> bool:
        return self._meta("run_state") != "running"

    def set_running(self, running: bool) -> None:
        with self._transaction() as db:
            self._set_meta(db, "run_state", "running" if running else "clean")

    # -- documents -----------------------------------------------------------------------

    def records(self, root: str | None = None) -> dict[tuple[str, str], DocumentRecord]:
        sql = "SELECT * FROM documents"
        args: tuple[str, ...] = ()
        if root is not None:
            sql, args = sql + " WHERE root = ?", (root,)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return {(r["root"], r["source"]): _record(r) for r in rows}

    def mark_pending(self, keys: Iterable[tuple[str, str]]) -> None:
        """Journal that these documents' chunks are about to change (one transaction)."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO documents(root, source, status, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(root, source) DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at",
                [(root, source, PENDING, now) for root, source in keys],
            )
            self._bump(db)

    def save(self, records: Iterable[DocumentRecord], *, chunks_changed: bool = True) -> None:
        """Commit documents whose store write has completed (one transaction)."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO documents(root, source, project, doc_type, date, size, "
                "mtime_ns, file_hash, chunks, status, error, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (r.root, r.source, r.project, r.doc_type, r.date, r.size, r.mtime_ns,
                     r.file_hash, r.chunks, r.status, r.error, now)
                    for r in records
                ],
            )  # fmt: skip
            if chunks_changed:
                self._bump(db)

    def touch(self, root: str, source: str, size: int, mtime_ns: int) -> None:
        """Remember a new size/mtime for a file whose content hash did not change."""
        with self._transaction() as db:
            db.execute(
                "UPDATE documents SET size = ?, mtime_ns = ? WHERE root = ? AND source = ?",
                (size, mtime_ns, root, source),
            )

    def remove(self, keys: Iterable[tuple[str, str]]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM documents WHERE root = ? AND source = ?", list(keys))
            self._bump(db)

    def pending(self) -> list[tuple[str, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT root, source FROM documents WHERE status = ?", (PENDING,)
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def list_documents(self, project: str | None = None) -> list[DocumentInfo]:
        """Ingested documents (status ok), optionally of one project, sorted by source."""
        sql = "SELECT * FROM documents WHERE status = ?"
        args: tuple[str, ...] = (OK,)
        if project is not None:
            sql, args = sql + " AND project = ?", (OK, project)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY source, root", args).fetchall()
        return [
            DocumentInfo(r["source"], r["project"], r["doc_type"], r["date"], r["chunks"],
                         r["root"])
            for r in rows
        ]  # fmt: skip

    def projects(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT project FROM documents WHERE status = ? ORDER BY project", (OK,)
            ).fetchall()
        return [r[0] for r in rows]

    def total_chunks(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(chunks), 0) FROM documents WHERE status = ?", (OK,)
            ).fetchone()
        return int(row[0])


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A reading connection. In WAL mode even a reader needs the -shm file; when it cannot be
    created (read-only folder) and no writer can exist, the file is opened as immutable."""
    uri = path.resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    try:
        db.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
        return db
    except sqlite3.OperationalError:
        db.close()
        if os.access(path.parent, os.W_OK) or not path.exists():
            raise
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)


def _record(row: sqlite3.Row) -> DocumentRecord:
    return DocumentRecord(
        root=row["root"],
        source=row["source"],
        project=row["project"],
        doc_type=row["doc_type"],
        date=row["date"],
        size=row["size"],
        mtime_ns=row["mtime_ns"],
        file_hash=row["file_hash"],
        chunks=row["chunks"],
        status=row["status"],
        error=row["error"],
    )
