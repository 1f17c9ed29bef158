"""The default hashing embedder: deterministic across processes, normalised, and useful."""

from __future__ import annotations

import random
import string
import subprocess
import sys

import numpy as np

from ingest.embedders import HashingEmbedder

DOCS = [
    "项目经理负责协调接口联调，接口响应时间不超过300毫秒。",
    "数据迁移窗口不足，可能导致项目延期，需要与客户确认割接时间。",
    "The message queue filled up and invoices stopped; add queue depth alerts.",
    "Requirements: the system shall support single sign-on for all users.",
    "",
]


def test_shape_dtype_and_unit_norm() -> None:
    embedder = HashingEmbedder(dim=256)
    vectors = embedder.embed_batch(DOCS)
    assert embedder.id == "hashing-v1-256" and embedder.dim == 256
    assert vectors.shape == (5, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_batch([]).shape == (0, 256)


def test_same_vectors_in_another_process() -> None:
    code = (
        "from ingest.embedders import HashingEmbedder;import sys;"
        f"sys.stdout.write(HashingEmbedder().embed_batch({DOCS!r}).tobytes().hex())"
    )
    env_seed = {"PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**_env(), **env_seed}).stdout  # fmt: skip
    other = np.frombuffer(bytes.fromhex(out), dtype=np.float32).reshape(len(DOCS), -1)
    assert np.array_equal(other, HashingEmbedder().embed_batch(DOCS))


def test_batching_does_not_change_vectors() -> None:
    embedder = HashingEmbedder()
    together = embedder.embed_batch(DOCS)
    alone = np.vstack([embedder.embed_batch([d]) for d in DOCS])
    assert np.allclose(together, alone, atol=1e-6)


def test_queries_find_their_passage_in_both_languages() -> None:
    embedder = HashingEmbedder()
    docs = embedder.embed_batch(DOCS[:4])
    queries = ["接口响应时间要求是多少", "延期风险 数据迁移", "queue alerts for invoices",
               "does the system support sign-on"]  # fmt: skip
    best = (embedder.embed_batch(queries) @ docs.T).argmax(axis=1)
    assert best.tolist() == [0, 1, 2, 3]


def test_case_width_and_plural_insensitive() -> None:
    embedder = HashingEmbedder()
    a, b = embedder.embed_batch(["Project Requirements ＡＰＩ", "project requirement api"])
    assert float(a @ b) > 0.9


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_a_text_gets_the_same_vector_alone_or_in_any_batch() -> None:
    # Ingest embeds each file's chunks in a worker process, a batch of their own; the index
    # must hold exactly the vectors any other batching would give. Many distinct features
    # per text, so bucket sums depend on their order unless the embedder fixes it.
    rng = random.Random(3)
    vocab = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(3000)]
    han = [chr(rng.randint(0x4E00, 0x4FFF)) for _ in range(300)]
    texts = [
        " ".join(rng.choices(vocab, k=80)) + "".join(rng.choices(han, k=150)) for _ in range(32)
    ]
    embedder = HashingEmbedder()
    together = embedder.embed_batch(texts)
    for size in (1, 5):
        parts = [embedder.embed_batch(texts[i : i + size]) for i in range(0, len(texts), size)]
        assert np.array_equal(np.concatenate(parts), together)
