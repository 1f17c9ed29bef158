"""The chunk fields no filter needs (text, heading, page, ...), beside an embedded Chroma store.

Chroma writes every metadata value three times — into its write-ahead queue, its metadata
table, and an index over (key, value) — so a chunk's text, the longest value by far, was about
a quarter of the CPU a first ingest spends in Chroma's `add`, the critical path of the run.
An embedded store therefore keeps in Chroma only the keys that `where` clauses use (source,
root, project, doc_type, date_int) and puts the rest, as the same JSON string Chroma would
have held, in this SQLite file of its own inside the Chroma folder: one row per chunk, keyed
by the chunk id, with no index but the key.

Writes go here first and are committed before Chroma's; deletes go to Chroma first. So every
chunk in Chroma has its row here, and a crash in between leaves at worst rows for chunks that
are not in Chroma. Rows carry their document (root, source), so deleting a document's chunks
— which recovery does for every document an interrupted run left pending — removes those
rows too, before the file is ingested again. A Chroma server keeps the JSON in its metadata,
because its readers do not share this folder.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

PAYLOAD_FILE = "pmassist-chunks.sqlite3"
_IN = 900  # ids per IN (...) clause, under SQLite's bound-parameter limit


class PayloadStore:
    """id -> JSON of a chunk's non-filter fields (see ingest.store.chunk_metadata)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / PAYLOAD_FILE
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # readers (the server) while one run writes
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS chunk"
                " (id TEXT PRIMARY KEY, root TEXT, source TEXT, fields TEXT)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS chunk_document ON chunk (source, root)")
            self._db = db
        return self._db

    def put(self, rows: Iterable[tuple[str, str, str, str]], *, replace: bool) -> None:
        """(id, root, source, fields) rows; an existing id is replaced only with `replace`
        (as Chroma's upsert does; its add leaves an existing id as it is)."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with self._lock, self.db:
            self.db.executemany(
                f"{verb} INTO chunk (id, root, source, fields) VALUES (?, ?, ?, ?)", rows
            )

    def get(self, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(ids), _IN):
                part = list(ids[start : start + _IN])
                marks = ",".join("?" * len(part))
                query = f"SELECT id, fields FROM chunk WHERE id IN ({marks})"
                found.update(self.db.execute(query, part).fetchall())
        return found

    def delete(self, ids: Sequence[str]) -> None:
        with self._lock, self.db:
            for start in range(0, len(ids), _IN):
                part = list(ids[start : start + _IN])
                marks = ",".join("?" * len(part))
                self.db.execute(f"DELETE FROM chunk WHERE id IN ({marks})", part)

    def delete_documents(self, sources: Sequence[str], root: str | None) -> None:
        """Every row of these sources (from `root` only, if given)."""
        with self._lock, self.db:
            for start in range(0, len(sources), _IN):
                part = list(sources[start : start + _IN])
                marks = ",".join("?" * len(part))
                query = f"DELETE FROM chunk WHERE source IN ({marks})"
                if root is not None:
                    self.db.execute(query + " AND root = ?", [*part, root])
                else:
                    self.db.execute(query, part)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
