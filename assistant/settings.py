"""One typed, nested Settings for every entry point.

Values come from, lowest to highest precedence: defaults, a `.env` file, `PMASSIST_*`
environment variables (nested with `__`, e.g. `PMASSIST_LLM__MODEL`), then CLI flags, which the
entry point applies with `Settings.model_copy(update=...)` or by constructing Settings directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(_Section):
    provider: Literal["none", "openai"] = Field(
        "none",
        description='"none" keeps every answer and draft offline and extractive; "openai" uses '
        "OpenAI or any OpenAI-compatible server (DeepSeek, DashScope, Ollama, vLLM, ...).",
    )
    model: str = Field("gpt-4o-mini", description="Chat model name sent to the server.")
    base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1."
    )
    api_key: SecretStr | None = Field(None, description="API key for the chat endpoint.")
    timeout: float = Field(60.0, gt=0, description="Seconds before one request is abandoned.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries on 429/5xx/timeouts.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    context_tokens: int = Field(
        6000, ge=500, description="Token budget for retrieved passages in one prompt."
    )
    max_tokens: int = Field(
        4000,
        ge=16,
        le=32_000,
        description="Longest answer or draft the model may write, in tokens (sent to the server "
        "as max_tokens); bounds the cost of one request and what the chat has to render.",
    )

    @property
    def enabled(self) -> bool:
        return self.provider != "none"


class EmbeddingSettings(_Section):
    provider: Literal["hashing", "openai"] = Field(
        "hashing",
        description='"hashing": deterministic multilingual n-gram embedding, no download; '
        '"openai": an OpenAI-compatible /embeddings endpoint.',
    )
    model: str = Field("text-embedding-3-small", description="Embedding model (openai only).")
    base_url: str | None = Field(None, description="Embedding endpoint (openai only).")
    api_key: SecretStr | None = Field(None, description="Embedding API key (openai only).")
    dim: int = Field(512, ge=64, le=4096, description="Vector size of the hashing embedder.")
    batch_size: int = Field(256, ge=1, le=4096, description="Texts per embedding request.")


class IngestSettings(_Section):
    chunk_size: int = Field(
        600, ge=100, le=8000, description="Target chunk size in characters (CJK and Latin)."
    )
    chunk_overlap: int = Field(80, ge=0, le=2000, description="Characters shared by neighbours.")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")
    file_timeout: float = Field(
        60.0, gt=0, description="Seconds one file may take to load before it is skipped."
    )


class RetrievalSettings(_Section):
    k: int = Field(5, ge=1, le=100, description="Citations returned per answer.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    candidates: int = Field(50, ge=5, le=1000, description="Hits taken from each retriever.")


class ServerSettings(_Section):
    host: str = Field("127.0.0.1", description="Bind address; loopback unless you mean it.")
    port: int = Field(7860, ge=1, le=65535, description="HTTP port for the UI and the API.")
    max_upload_mb: float = Field(50.0, gt=0, description="Largest accepted upload.")
    max_uploads_total_mb: float = Field(
        2000.0, gt=0, description="Uploads in the app stop while its upload folder holds more."
    )
    max_batch_rows: int = Field(10_000, ge=1, description="Rows accepted by /risk/score/batch.")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Other web origins (https://pm.example.com) allowed to call the server from "
        "a browser, e.g. a reverse proxy's public address when it rewrites the Host header.",
    )
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a client has to send a request's line and headers."
    )
    read_timeout: float = Field(
        30.0, gt=0, description="Seconds without a byte while a request is being received."
    )


class Settings(BaseSettings):
    """Everything pmassist can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="PMASSIST_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
    )

    workspace: Path = Field(
        Path(".pmassist"),
        description="Folder holding the index, manifest, models and reports.",
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (http://host:8000); unset = embedded store in "
        "the workspace.",
    )
    api_key: SecretStr | None = Field(
        None, description="When set, every /api/v1 request needs `Authorization: Bearer KEY`."
    )
    model_dir: Path | None = Field(
        None, description="Risk model directory; default <workspace>/models/risk."
    )
    llm: LLMSettings = Field(default_factory=LLMSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    @property
    def risk_model_dir(self) -> Path:
        return self.model_dir or self.workspace / "models" / "risk"


def project_root() -> Path:
    """The checkout (or installed tree) that holds prompts/ and data/."""
    return Path(__file__).resolve().parent.parent


def prompts_dir() -> Path:
    return project_root() / "prompts"


def data_dir() -> Path:
    return project_root() / "data"
