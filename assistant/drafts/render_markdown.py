"""Markdown rendering through the jinja2 templates in prompts/drafts/.

Text from documents or a model is neutralised before it reaches the file, by parsing it
(`assistant.safe_markdown.inline_markdown`): raw HTML is escaped, images become their alt text,
links keep only http(s)/mailto destinations and nothing can open block syntax or a reference
definition, so neither the preview nor any Markdown viewer opening the `.md` file loads remote
content or runs script.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.drafts.models import SECTIONS, Citation, Draft, DraftItem
from assistant.safe_markdown import code_span, inline_markdown
from assistant.settings import prompts_dir


def neutralise(text: object) -> str:
    """Plain, single-line, harmless Markdown for one piece of untrusted text."""
    return inline_markdown(text)


def table_cell(text: object) -> str:
    return neutralise(text) or "—"  # `|` is escaped already, so a cell cannot split


@dataclass(frozen=True)
class NumberedCitation:
    number: int
    source: str
    page: int | None
    text: str


class CitationIndex:
    """Numbers each distinct passage once, so items can point at [1][2]."""

    def __init__(self, draft: Draft) -> None:
        self._numbers: dict[tuple[str, int | None, str], int] = {}
        self.entries: list[NumberedCitation] = []
        for item in draft.items:
            for citation in item.citations:
                self.number(citation)

    def number(self, citation: Citation) -> int:
        key = (citation.source, citation.page, citation.text)
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
            self.entries.append(NumberedCitation(len(self._numbers), *key))
        return self._numbers[key]

    def refs(self, item: DraftItem) -> str:
        return "".join(f"[{self.number(c)}]" for c in item.citations)


@cache
def labels(lang: str) -> dict[str, Any]:
    """Section titles and column names shared by the Markdown and DOCX output."""
    with (prompts_dir() / "drafts" / "labels.toml").open("rb") as handle:
        table: dict[str, Any] = tomllib.load(handle)[lang]
    return table


@cache
def _environment(folder: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML: untrusted text goes through `md`/`cell`/`code`.
    )
    env.filters["md"] = neutralise
    env.filters["cell"] = table_cell
    env.filters["code"] = code_span
    return env


def render_markdown(draft: Draft) -> str:
    index = CitationIndex(draft)
    env = _environment(prompts_dir() / "drafts")
    template = env.get_template(f"{draft.kind}.{draft.lang}.md.j2")
    sections = {name: draft.section(name) for name in SECTIONS[draft.kind]}
    text = template.render(
        draft=draft,
        title=draft.title,
        sections=sections,
        label=labels(draft.lang),
        refs=index.refs,
        citations=index.entries,
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
