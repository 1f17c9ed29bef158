"""Markdown rendering through the jinja2 templates in prompts/drafts/.

Text from documents or a model is neutralised before it reaches the page: raw HTML is escaped,
images become their alt text and javascript:/vbscript:/data: links lose their link, so a
rendered draft cannot run script or load remote content.
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
from assistant.settings import prompts_dir

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*([^)\s]*)[^)]*\)")
_UNSAFE_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data)\s*:")
_SAFE_URL = re.compile(r"(?i)^(https?://|mailto:)")


def neutralise(text: object) -> str:
    """Plain, single-line, harmless Markdown for one piece of untrusted text."""
    if text is None:
        return ""
    value = " ".join(str(text).split())
    value = _IMAGE.sub(lambda m: m.group(1), value)
    value = _LINK.sub(_safe_link, value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = re.sub(r"^([#+*-])", r"\\\1", value)  # "- # x" would be a heading in a list item
    return _UNSAFE_SCHEME.sub(lambda m: m.group(1) + "&#58;", value)


def _safe_link(match: re.Match[str]) -> str:
    label, url = match.group(1), match.group(2)
    return f"[{label}]({url})" if _SAFE_URL.match(url) else label


def table_cell(text: object) -> str:
    return neutralise(text).replace("|", "\\|") or "—"


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
        autoescape=False,  # Markdown, not HTML: untrusted text goes through `md`/`cell`.
    )
    env.filters["md"] = neutralise
    env.filters["cell"] = table_cell
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
