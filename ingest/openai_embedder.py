"""Embeddings from OpenAI or any OpenAI-compatible /embeddings endpoint (Ollama, vLLM, ...)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from ingest.errors import IngestError

logger = logging.getLogger(__name__)


class EmbeddingServiceError(IngestError):
    """The embedding endpoint could not be reached or refused the request."""


class OpenAIEmbedder:
    """Implements the Embedder port with the `openai` client: batched, L2-normalised."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        batch_size: int = 256,
        timeout: float = 60.0,
        max_retries: int = 2,
        dim: int | None = None,
    ):
        import openai

        self.model = model
        self.base_url = base_url
        self.batch_size = batch_size
        self._dim = dim
        # Local servers accept any key, but the client refuses to start without one.
        self._client: Any = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=max_retries,
        )

    @property
    def id(self) -> str:
        return f"openai:{self.model}"

    @property
    def dim(self) -> int:
        if self._dim is None:  # ask the server once: models differ and it is not configured
            self._dim = int(self.embed_batch(["dimension probe"]).shape[1])
        return self._dim

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        parts = [
            self._request(list(texts[i : i + self.batch_size]))
            for i in range(0, len(texts), self.batch_size)
        ]
        vectors = np.vstack(parts).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms == 0, 1.0, norms)
        self._dim = vectors.shape[1]
        return vectors

    def _request(self, batch: list[str]) -> np.ndarray:
        import openai

        where = self.base_url or "https://api.openai.com/v1"
        # Empty strings are rejected by some servers; a space embeds as "nothing" just as well.
        batch = [t if t.strip() else " " for t in batch]
        try:
            response = self._client.embeddings.create(model=self.model, input=batch)
        except openai.APIStatusError as exc:
            raise EmbeddingServiceError(
                f"The embedding server at {where} answered HTTP {exc.status_code} for model "
                f"{self.model!r}; check PMASSIST_EMBEDDING__MODEL / __API_KEY."
            ) from exc
        except openai.APIConnectionError as exc:
            raise EmbeddingServiceError(
                f"Could not reach the embedding server at {where} ({exc}); check "
                "PMASSIST_EMBEDDING__BASE_URL, or use PMASSIST_EMBEDDING__PROVIDER=hashing."
            ) from exc
        rows = sorted(response.data, key=lambda d: d.index)
        return np.asarray([row.embedding for row in rows], dtype=np.float32)
