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

from assistant.draft_kinds import check_draft_kind
from assistant.drafts.models import Citation, Draft, DraftItem
from assistant.safe_markdown import code_span, inline_markdown
from assistant.settings import prompts_dir

# A kind without a template of its own: its title, the header, each section as a list.
DEFAULT_TEMPLATE = "_default.md.j2"


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


def draft_labels(draft: Draft) -> dict[str, Any]:
    """`labels(lang)` completed for the draft's kind, so a new kind needs no edit there: its
    title defaults to the kind's registered label, its section titles come from its module's
    SECTION_LABELS, else labels.toml, else the section's own name."""
    kind = check_draft_kind(draft.kind)
    table = dict(labels(draft.lang))
    table["title"] = {draft.kind: kind.label(draft.lang), **table["title"]}
    table["sections"] = {
        **{name: name.replace("_", " ") for name in kind.sections()},
        **table["sections"],
        **kind.section_labels(draft.lang),
    }
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
    kind = check_draft_kind(draft.kind)
    env = _environment(prompts_dir() / "drafts")
    source = kind.template(draft.lang)  # the kind's module may bring its own template
    template = (
        env.from_string(source)
        if source is not None
        else env.select_template([f"{draft.kind}.{draft.lang}.md.j2", DEFAULT_TEMPLATE])
    )
    sections = {name: draft.section(name) for name in kind.sections()}
    text = template.render(
        draft=draft,
        title=draft.title,
        sections=sections,
        label=draft_labels(draft),
        refs=index.refs,
        citations=index.entries,
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
