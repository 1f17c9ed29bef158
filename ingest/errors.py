"""Errors a user can cause while ingesting; each message says what and how to fix it."""

from __future__ import annotations


class IngestError(Exception):
    """Base class: translated to exit code 2 / HTTP 4xx at the edges."""


class UnreadableFileError(IngestError):
    """One file cannot be turned into text (reported per file, never fatal to a run)."""


class EmbedderMismatchError(IngestError):
    """The index was built by another embedder; vectors from two spaces must not mix."""


class WorkspaceBusyError(IngestError):
    """Another process is writing to the same workspace."""


class NoIndexError(IngestError):
    """Nothing has been ingested into the workspace yet."""


class StoreUnavailableError(IngestError):
    """The Chroma server configured by `chroma_url` cannot be reached."""
