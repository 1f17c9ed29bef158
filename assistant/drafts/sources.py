"""What a draft is built from: one project's chunks in a date range, and its project.toml."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from assistant.drafts.text import parse_iso
from assistant.errors import AssistantError
from ingest.model import Chunk, SearchFilter
from ingest.ports import VectorStore

logger = logging.getLogger(__name__)

WEEK_DAYS = 7


class UnknownProjectError(AssistantError):
    """The project has no documents in the index."""


def known_projects(store: VectorStore) -> list[str]:
    return sorted({chunk.project for chunk in store.iter_chunks()})


def require_project(store: VectorStore, project: str) -> None:
    """Raise, naming the projects that exist, when `project` has no documents at all."""
    if next(iter(store.iter_chunks(SearchFilter(project=project))), None) is not None:
        return
    names = ", ".join(known_projects(store)) or "none yet"
    raise UnknownProjectError(
        f"Unknown project {project!r}: no ingested document belongs to it. "
        f"Known projects: {names}. Ingest its folder with `pmassist ingest PATH` "
        "or pick one of the known projects."
    )


def check_scope(store: VectorStore, project: str, since: str | None, until: str | None) -> None:
    """What every draft checks first: the dates parse and the project has documents."""
    check_range(since, until)
    require_project(store, project)


def in_order(chunks: Iterable[Chunk]) -> list[Chunk]:
    """Documents by date, then source; chunks in their order within a file."""
    return sorted(chunks, key=lambda c: (c.date or "", c.source, c.chunk_index))


def project_chunks(
    store: VectorStore,
    project: str,
    *,
    since: str | None = None,
    until: str | None = None,
    doc_types: Sequence[str] | None = None,
) -> list[Chunk]:
    where = SearchFilter(project=project, date_from=since, date_to=until)
    chunks = store.iter_chunks(where)
    if since or until:
        # The filter is the store's; check again so an undated chunk never slips in.
        chunks = (c for c in chunks if c.date and _within(c.date, since, until))
    if doc_types is not None:
        chunks = (c for c in chunks if c.doc_type in doc_types)
    return in_order(chunks)


def _within(day: str, since: str | None, until: str | None) -> bool:
    return (since is None or day[:10] >= since) and (until is None or day[:10] <= until)


def latest_week(chunks: Iterable[Chunk]) -> tuple[str | None, str | None]:
    """The seven days ending on the newest dated document: a weekly report's default range."""
    latest = max((c.date for c in chunks if c.date), default=None)
    end = parse_iso(latest)
    if end is None:
        return None, None
    return (end - timedelta(days=WEEK_DAYS - 1)).isoformat(), end.isoformat()


def week_before(until: str | None) -> str | None:
    """The first day of the seven-day week ending on `until`."""
    end = parse_iso(until)
    return (end - timedelta(days=WEEK_DAYS - 1)).isoformat() if end else None


def check_range(since: str | None, until: str | None) -> None:
    for name, value in (("--since", since), ("--until", until)):
        if value is not None and (len(value) != 10 or parse_iso(value) is None):
            raise AssistantError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD.")
    if since and until and since > until:
        raise AssistantError(
            f"--since {since} is after --until {until}; swap them or widen the range."
        )


@dataclass(frozen=True)
class ProjectInfo:
    """A project's `project.toml`: display name, language and risk-model features."""

    key: str
    name: str
    language: str | None = None
    features: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def project_info(project: str, roots: Sequence[Path]) -> ProjectInfo:
    """Read <root>/<project>/project.toml from the first ingested root that has one."""
    candidates = [Path(r) / project / "project.toml" for r in roots]
    # A project folder ingested on its own is its own root.
    candidates += [Path(r) / "project.toml" for r in roots if Path(r).name == project]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise AssistantError(
                f"Cannot read {path}: {exc}. Fix the TOML or remove the file."
            ) from exc
        features = data.get("risk_features") or {}
        if not isinstance(features, dict):
            raise AssistantError(f"{path}: [risk_features] must be a table of feature values.")
        return ProjectInfo(
            key=project,
            name=str(data.get("name") or project),
            language=data.get("language"),
            features=dict(features),
            path=path,
        )
    logger.debug("no project.toml for %s under %s", project, roots)
    return ProjectInfo(key=project, name=project)
