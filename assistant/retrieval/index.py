"""The workspace's search snapshot: the chunks, their bm25s index and (optionally) their vectors.

Saved in <workspace>/bm25/ with bm25s's own save/load, a JSON of the chunks, a .npy of the
vectors and every chunk's tokens (tokens.py) - never pickle - and rebuilt only when the
manifest generation changed; a rebuild tokenises only the chunks new since the last one. Keeping the
vectors here lets a query on the embedded store skip opening Chroma (seconds of import time
for a one-shot `pmassist ask`); a Chroma server is still queried directly.
"""

from __future__ import annotations

import json
import logging
import math
import mmap
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, overload

import numpy as np
import orjson

from assistant.retrieval.ranking import ChunkFields, top_k
from assistant.retrieval.tokens import TOKEN_FILES, TokenTable, text_crc
from assistant.tokenize import TextTokenizer
from ingest.model import Chunk, SearchFilter

logger = logging.getLogger(__name__)

_POINTER = "current.json"
# every Chunk field is a plain value, so a dict of them is what dataclasses.asdict would make,
# without its per-field deepcopy (a third of a 1%-changed rebuild's time)
_CHUNK_FIELDS = tuple(f.name for f in fields(Chunk))


def chunk_matches(chunk: Chunk, where: SearchFilter | None) -> bool:
    """The same filter semantics the vector store applies: undated chunks fail a date range."""
    if where is None or where.is_empty:
        return True
    if where.project and chunk.project != where.project:
        return False
    if where.doc_type and chunk.doc_type != where.doc_type:
        return False
    if where.date_from or where.date_to:
        if not chunk.date:
            return False
        if where.date_from and chunk.date < where.date_from:
            return False
        if where.date_to and chunk.date > where.date_to:
            return False
    return True


def cosine_scores(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """`vectors @ query`. When the vectors are stored column-major and the query is sparse (the
    hashing embedder's query vector fills 10-25% of its 512 dimensions), only the query's
    dimensions are read: at 40,000 chunks the full product read 82 MB per query and was a
    third of a search's time."""
    nonzero = np.flatnonzero(query)
    if vectors.flags.f_contiguous and len(nonzero) * 2 < len(query):
        columns = np.asarray(vectors).T[nonzero]  # (dimensions, chunks): contiguous columns
        # einsum, not BLAS: OpenBLAS's threads made this 0.6 ms product take 16 ms when the
        # 2 cores were busy with other work
        return np.einsum("ij,i->j", columns, query[nonzero])
    return np.asarray(vectors @ query, dtype=np.float32)


# Produces the stored vectors of the chunks (same order) and the embedder id, or None.
VectorSource = Callable[[Sequence[Chunk]], "tuple[str, np.ndarray] | None"]


_ROWS, _ROW_OFFSETS, _IDS = "chunks.rows", "chunk_offsets.npy", "chunk_ids.json"


class StoredRows(Sequence[dict[str, Any]]):
    """A snapshot's chunk rows, each one JSON object in one mapped file, parsed when read:
    parsing all of them at every load (0.4-0.5 s of orjson for 40,000-58,843 chunks, more on
    a busy machine) was most of what the first question after an ingest waited for."""

    def __init__(self, data: bytes | mmap.mmap, offsets: np.ndarray):
        self.data = data
        self.offsets = offsets
        self._all: list[dict[str, Any]] | None = None  # every row, once one pass needs them

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every row (a filter's or a pointer's columns): parsed once, then kept."""
        if self._all is None:
            self._all = [self[i] for i in range(len(self))]
        return iter(self._all)

    @classmethod
    def open(cls, folder: Path) -> StoredRows:
        offsets = np.load(folder / _ROW_OFFSETS, allow_pickle=False)
        with (folder / _ROWS).open("rb") as handle:
            if int(offsets[-1]) == 0:
                return cls(b"", offsets)
            # mapped: a version deleted later stays readable, like the vectors
            return cls(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), offsets)

    @staticmethod
    def write(folder: Path, rows: Sequence[dict[str, Any]]) -> None:
        if isinstance(rows, StoredRows):  # saved again unchanged: copy the bytes
            (folder / _ROWS).write_bytes(rows.data[: int(rows.offsets[-1])])
            np.save(folder / _ROW_OFFSETS, rows.offsets, allow_pickle=False)
            return
        parts = [orjson.dumps(row) for row in rows]
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in parts], out=offsets[1:])
        (folder / _ROWS).write_bytes(b"".join(parts))
        np.save(folder / _ROW_OFFSETS, offsets, allow_pickle=False)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if self._all is not None:
            return self._all[i]
        row: dict[str, Any] = orjson.loads(self.data[self.offsets[i] : self.offsets[i + 1]])
        return row


class StoredChunks(Sequence[Chunk]):
    """The chunks of a loaded snapshot, each made a `Chunk` when first used: a query touches
    the few dozen it ranks, and making all 58,843 up front cost 0.4 s of every load (which the
    first question after an ingest waits for). Two threads making the same one is harmless.
    `ids`, when given, are the rows' ids (read apart, so mapping ids parses no row)."""

    def __init__(self, rows: Sequence[dict[str, Any]], ids: list[str] | None = None):
        self.rows = rows
        self.ids = ids
        self._made: list[Chunk | None] = [None] * len(rows)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...

    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        chunk = self._made[i]
        if chunk is None:
            chunk = self._made[i] = Chunk(**self.rows[i])
        return chunk


def chunk_ids(chunks: Sequence[Chunk]) -> list[str]:
    """The ids, without making the chunks of a loaded snapshot."""
    if isinstance(chunks, StoredChunks):
        return chunks.ids if chunks.ids is not None else [row["id"] for row in chunks.rows]
    return [c.id for c in chunks]


class BM25Index:
    """bm25s over the chunks, plus the chunk metadata needed to filter and cite, and
    optionally the chunks' vectors (row i belongs to chunks[i])."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        model: Any,
        generation: int,
        tokenizer: str,
        vectors: np.ndarray | None = None,
        embedder: str | None = None,
        tokens: TokenTable | None = None,
    ):
        self.chunks: Sequence[Chunk] = (
            chunks if isinstance(chunks, StoredChunks) else list(chunks)
        )
        self.model = model  # bm25s.BM25, or None for an empty corpus
        self.generation = generation
        self.tokenizer = tokenizer  # fingerprint of the tokenizer that built it
        self.vectors = vectors
        self.embedder = embedder  # id of the embedder that made `vectors`
        self._fields: ChunkFields | None = None  # filter arrays, built on the first filter
        # each chunk's tokens, for the next rebuild; None once saved (they stay on disk)
        self.tokens = tokens
        self.saved_in: Path | None = None  # the version folder it was loaded from

    def has_vectors_from(self, embedder_id: str) -> bool:
        return self.vectors is not None and self.embedder == embedder_id

    def vector_search(self, vector: np.ndarray, k: int, where: SearchFilter | None) -> list[Chunk]:
        """Cosine ranking over the stored (L2-normalised) vectors, filtered like the store."""
        if self.vectors is None or not len(self.chunks):
            return []
        scores = cosine_scores(self.vectors, np.asarray(vector, dtype=np.float32))
        mask = self.mask(where)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        top = top_k(scores, k)
        return [self.chunks[i] for i in top if np.isfinite(scores[i])]

    @classmethod
    def build(
        cls,
        chunks: Iterable[Chunk],
        tokenizer: TextTokenizer,
        generation: int,
        previous: TokenTable | None = None,
    ) -> BM25Index:
        """Index `chunks`, taking the tokens of chunks unchanged since `previous` from it."""
        import bm25s

        # bm25s pins its logger at DEBUG; let the entry point's logging config decide instead.
        logging.getLogger("bm25s").setLevel(logging.NOTSET)
        chunks = list(chunks)
        if not chunks:
            return cls([], None, generation, tokenizer.fingerprint)
        if previous is not None and previous.tokenizer != tokenizer.fingerprint:
            previous = None
        texts = [f"{c.heading}\n{c.text}" for c in chunks]
        crcs = [text_crc(t) for t in texts]
        rows: list[int | list[str]] = []  # the cached row of each chunk, or its new tokens
        tokenised = 0
        for chunk, text, crc in zip(chunks, texts, crcs, strict=True):
            row = previous.row_of(chunk.id, crc) if previous is not None else None
            if row is None:
                tokenised += 1
            rows.append(tokenizer.tokens(text) if row is None else row)
        ids = [c.id for c in chunks]
        table = TokenTable.assemble(ids, crcs, rows, previous, tokenizer.fingerprint)
        model = bm25s.BM25()
        # token ids with their vocabulary: bm25s skips interning 3.6 M strings again
        vocab = dict(zip(table.vocab, range(len(table.vocab)), strict=True))
        model.index((table.token_ids(), vocab), show_progress=False)
        logger.info(
            "BM25 index built over %d chunks (generation %d; %d tokenised, the rest cached)",
            len(chunks), generation, tokenised,
        )  # fmt: skip
        return cls(chunks, model, generation, tokenizer.fingerprint, tokens=table)

    def __len__(self) -> int:
        return len(self.chunks)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for `tokens` (duplicates counted once).

        bm25s's own `get_scores`, read straight from its sparse matrix: bm25s adds each
        token's postings with `np.add.at`, which at 40,000 chunks was most of a query's BM25
        time (a query scores its words, their translations and each word alone for the
        re-ranking); a token's postings hold each chunk once, so a plain indexed add gives
        the same float32 sums in the same order."""
        if self.model is None:
            return np.zeros(0, dtype=np.float32)
        vocab = self.model.vocab_dict
        known = list(dict.fromkeys(vocab[t] for t in tokens if t in vocab))
        out = np.zeros(len(self.chunks), dtype=np.float32)
        if not known:
            return out
        matrix = self.model.scores
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        for token_id in known:
            start, end = indptr[token_id], indptr[token_id + 1]
            out[indices[start:end]] += data[start:end]
        if self.model.nonoccurrence_array is not None:  # BM25L / BM25+ variants
            out += self.model.nonoccurrence_array[known].sum()
        return out

    def holds(self, token: str) -> np.ndarray:
        """Which chunks contain `token` (where it scores), as a boolean row mask."""
        out = np.zeros(len(self.chunks), dtype=bool)
        if self.model is not None and (token_id := self.model.vocab_dict.get(token)) is not None:
            indptr = self.model.scores["indptr"]
            out[self.model.scores["indices"][indptr[token_id] : indptr[token_id + 1]]] = True
        return out

    def contains(self, token: str) -> bool:
        """Does any chunk contain `token`?"""
        if self.model is None or (token_id := self.model.vocab_dict.get(token)) is None:
            return False
        indptr = self.model.scores["indptr"]
        return bool(indptr[token_id + 1] > indptr[token_id])

    def mask(self, where: SearchFilter | None) -> np.ndarray | None:
        if where is None or where.is_empty:
            return None
        if self._fields is None:
            self._fields = ChunkFields(self.chunks)
        return self._fields.mask(where)

    def idf(self, token: str) -> float:
        """How rare a token is in the corpus; a token the corpus lacks counts as the rarest,
        so a question about something absent is not mistaken for a supported one."""
        n = len(self.chunks)
        if self.model is None or token not in self.model.vocab_dict:
            return math.log(1 + (n + 0.5) / 1.5)
        indptr = self.model.scores["indptr"]
        token_id = self.model.vocab_dict[token]
        df = int(indptr[token_id + 1] - indptr[token_id])
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    # -- persistence: bm25s's own files + a JSON of the chunks, never pickle ------------------

    def save(self, folder: Path) -> None:
        """Write a new version beside the old one, then switch a pointer file atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        version = f"g{self.generation}-{uuid.uuid4().hex[:8]}"
        target = folder / version
        target.mkdir()
        if self.model is not None:
            self.model.save(str(target), show_progress=False)
        if self.vectors is not None:
            # float32 on disk, twice the size of float16 but mapped as it is, with no
            # conversion: at 58,843 chunks converting float16 cost a reader 1.0-1.5 s per load.
            # Column-major, so a sparse query reads only its dimensions (cosine_scores).
            vectors = np.asfortranarray(self.vectors, dtype=np.float32)
            np.save(target / "vectors.npy", vectors, allow_pickle=False)
            # the process that built it searches the same layout as its readers (a search
            # over the row-major copy a build makes took 58 ms instead of 4 at 40,000)
            self.vectors = vectors
        meta = {
            "generation": self.generation,
            "tokenizer": self.tokenizer,
            "embedder": self.embedder if self.vectors is not None else None,
            "rows": _ROWS,  # the chunks, one JSON object each (StoredRows)
        }
        stored = isinstance(self.chunks, StoredChunks)
        StoredRows.write(target, self.chunks.rows if stored else [  # type: ignore[attr-defined]
            {name: getattr(c, name) for name in _CHUNK_FIELDS} for c in self.chunks
        ])  # fmt: skip
        (target / _IDS).write_bytes(orjson.dumps(chunk_ids(self.chunks)))
        (target / "chunks.json").write_bytes(orjson.dumps(meta))
        self._save_tokens(target)
        pointer = folder / f".{_POINTER}.{uuid.uuid4().hex[:8]}"
        # what a writer checks to skip a publish that would change nothing (published_pointer)
        described = {"version": version, "generation": self.generation,
                     "tokenizer": self.tokenizer, "embedder": meta["embedder"]}  # fmt: skip
        pointer.write_text(json.dumps(described), "utf-8")
        os.replace(pointer, folder / _POINTER)
        _prune(folder, keep=version)
        # the tokens are only read by the next rebuild: free them (~40 MB per 100,000 chunks)
        self.tokens, self.saved_in = None, target

    def _save_tokens(self, target: Path) -> None:
        if self.tokens is not None:
            self.tokens.save(target)
        elif self.saved_in is not None:  # loaded, then saved again (vectors joined): keep them
            for name in TOKEN_FILES:
                if (self.saved_in / name).exists():
                    shutil.copy2(self.saved_in / name, target / name)

    @classmethod
    def load(cls, folder: Path, tokenizer: str | None = None) -> BM25Index | None:
        """The saved index, or None when there is none, it was built by another tokenizer
        (`tokenizer` is the current tokenizer's fingerprint; None accepts any), or it vanished
        while being read (another process saved a newer one): the caller then rebuilds."""
        try:
            version = json.loads((folder / _POINTER).read_text("utf-8"))["version"]
            # the metadata only: the chunks are in their own files (StoredRows)
            meta = orjson.loads((folder / version / "chunks.json").read_bytes())
            if tokenizer is not None and meta.get("tokenizer") != tokenizer:
                return None
            return cls._from_files(folder / version, meta)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.info("No usable BM25 index in %s (%s); it will be rebuilt", folder, exc)
            return None

    @classmethod
    def _from_files(cls, version: Path, meta: dict[str, Any]) -> BM25Index:
        if "chunks" in meta:  # saved before the rows had their own file: all in the JSON
            chunks = StoredChunks(meta["chunks"])
        else:
            ids = orjson.loads((version / _IDS).read_bytes())
            chunks = StoredChunks(StoredRows.open(version), ids)
            if len(ids) != len(chunks):
                raise ValueError(f"{version}: {len(ids)} ids for {len(chunks)} chunks")
        model = vectors = None
        if chunks:
            import bm25s

            model = bm25s.BM25.load(str(version), show_progress=False)
        if meta.get("embedder") and (version / "vectors.npy").exists():
            # Mapped, not read: pages come from the page cache on the first query and are
            # shared by every process serving the workspace. A version deleted later stays
            # readable through the mapping. Older snapshots saved float16: converted once.
            vectors = np.load(version / "vectors.npy", mmap_mode="r", allow_pickle=False)
            if vectors.dtype != np.float32:
                vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = cls(
            chunks, model, int(meta["generation"]), str(meta.get("tokenizer")),
            vectors, meta.get("embedder"),
        )  # fmt: skip
        index.saved_in = version
        return index


# A reader (another process) that read the pointer just before it moved is still loading the
# version it named: older versions are deleted only once they are this old.
KEEP_OLD_SECONDS = 120.0


def _prune(folder: Path, keep: str) -> None:
    """Delete the versions other than `keep` older than KEEP_OLD_SECONDS (and pointer files
    left by a crashed save)."""
    now = time.time()
    for old in folder.iterdir():
        try:
            age = now - old.stat().st_mtime
        except OSError:  # pruned by another process meanwhile
            continue
        if old.name == keep or old.name == _POINTER or age < KEEP_OLD_SECONDS:
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        elif old.name.startswith(f".{_POINTER}."):
            old.unlink(missing_ok=True)


def published_pointer(folder: Path) -> dict[str, Any] | None:
    """The pointer file: the published version's name, generation, tokenizer and embedder
    (the last three only in pointers written since they were added)."""
    try:
        pointer = json.loads((folder / _POINTER).read_text("utf-8"))
        return pointer if isinstance(pointer, dict) and "version" in pointer else None
    except (OSError, ValueError):
        return None


def published_version(folder: Path) -> str | None:
    """The name of the version the pointer names (cheap: readers call it per request)."""
    pointer = published_pointer(folder)
    return None if pointer is None else str(pointer["version"])


def open_bm25_index(
    folder: Path,
    generation: int,
    chunks: Callable[[], Iterable[Chunk]],
    tokenizer: TextTokenizer,
    vectors: VectorSource | None = None,
) -> BM25Index:
    """The persisted index if it matches `generation`, else a rebuilt (and saved) one;
    `vectors`, when given, supplies the chunks' vectors to keep beside it."""
    index = BM25Index.load(folder, tokenizer.fingerprint)
    if index is not None and index.generation == generation:
        if vectors is None or index.vectors is not None or not _attach(index, vectors):
            return index
    else:
        previous = saved_tokens(folder, tokenizer.fingerprint)
        index = BM25Index.build(chunks(), tokenizer, generation, previous)
        if vectors is not None:
            _attach(index, vectors)
    try:
        index.save(folder)
    except OSError as exc:  # a read-only workspace still answers, it just rebuilds next time
        logger.warning("Could not save the BM25 index in %s: %s", folder, exc)
    return index


def saved_tokens(folder: Path, tokenizer: str) -> TokenTable | None:
    """The chunk tokens of the current saved version, if made by this tokenizer."""
    version = published_version(folder)
    return None if version is None else TokenTable.load(folder / version, tokenizer)


def _attach(index: BM25Index, vectors: VectorSource) -> bool:
    stored = vectors(index.chunks) if len(index) else None
    if stored is None:
        return False
    index.embedder = stored[0]
    index.vectors = np.ascontiguousarray(stored[1], dtype=np.float32)
    return True
