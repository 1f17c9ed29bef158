"""The bilingual PM glossary: expands a query across languages (消息队列 ↔ message queue).

`data/glossary.csv` has columns `zh,en,aliases` (aliases `;`-separated, either language). A
query is scanned longest-match-first in both languages; every other form of a matched term
becomes an expansion term. Expansions are returned separately so the retriever can weigh them
below the words the user actually typed.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class GlossaryError(AssistantError):
    """The glossary file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Term:
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(f for f in (self.zh, self.en, *self.aliases) if f)


@dataclass(frozen=True, slots=True)
class Expansion:
    matched: tuple[str, ...] = ()  # forms found in the query
    terms: tuple[str, ...] = ()  # the other forms of those entries, to search as well

    @property
    def text(self) -> str:
        return " ".join(self.terms)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


@dataclass
class Glossary:
    terms: list[Term] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cjk: dict[str, int] = {}
        self._latin: dict[tuple[str, ...], int] = {}
        for index, term in enumerate(self.terms):
            for form in term.forms:
                if _CJK.search(form):
                    self._cjk.setdefault(form, index)
                elif words := _words(form):
                    self._latin.setdefault(words, index)
        self._cjk_max = max((len(f) for f in self._cjk), default=0)
        # a form can only start at one of its first characters, and only its lengths exist:
        # the longest-match scan then skips almost every position of a query
        self._cjk_first = frozenset(f[0] for f in self._cjk)
        self._cjk_sizes = sorted({len(f) for f in self._cjk if len(f) >= 2}, reverse=True)
        self._latin_max = max((len(w) for w in self._latin), default=0)

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def chinese_forms(self) -> list[str]:
        return list(self._cjk)

    def _match_cjk(self, text: str) -> list[tuple[str, int]]:
        found, i = [], 0
        while i < len(text):
            if text[i] not in self._cjk_first:
                i += 1
                continue
            for size in self._cjk_sizes:
                if size > len(text) - i:
                    continue
                if (index := self._cjk.get(text[i : i + size])) is not None:
                    found.append((text[i : i + size], index))
                    i += size
                    break
            else:
                i += 1
        return found

    def _match_latin(self, text: str) -> list[tuple[str, int]]:
        words, found, i = _words(text), [], 0
        while i < len(words):
            for size in range(min(self._latin_max, len(words) - i), 0, -1):
                if (index := self._latin.get(words[i : i + size])) is not None:
                    found.append((" ".join(words[i : i + size]), index))
                    i += size
                    break
            else:
                i += 1
        return found

    def translations(self, query: str) -> list[tuple[str, tuple[str, ...]]]:
        """(form found in `query`, the entry's other forms), longest match, both languages."""
        out = []
        for form, index in self._match_cjk(query) + self._match_latin(query):
            others = tuple(f for f in self.terms[index].forms if f.lower() != form.lower())
            out.append((form, others))
        return out

    def expand(self, query: str) -> Expansion:
        """Forms found in `query` (longest match, both languages) and their translations."""
        matches = self._match_cjk(query) + self._match_latin(query)
        lowered = query.lower()
        terms: list[str] = []
        for _form, index in matches:
            for other in self.terms[index].forms:
                if other.lower() not in lowered and other not in terms:
                    terms.append(other)
        return Expansion(matched=tuple(f for f, _ in matches), terms=tuple(terms))


def parse_glossary(rows: Iterable[dict[str, str]], *, where: str = "glossary") -> Glossary:
    terms: list[Term] = []
    for line, row in enumerate(rows, start=2):
        zh, en = (row.get("zh") or "").strip(), (row.get("en") or "").strip()
        if not zh and not en:
            logger.debug("%s line %d: empty term skipped", where, line)
            continue
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
        terms.append(Term(zh=zh, en=en, aliases=aliases))
    return Glossary(terms)


def load_glossary(path: Path) -> Glossary:
    """Read a `zh,en,aliases` CSV (UTF-8, with or without BOM)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"zh", "en"} - set(reader.fieldnames or ())
            if missing:
                raise GlossaryError(
                    f"Glossary {path} lacks column(s) {sorted(missing)}; "
                    "expected a header line `zh,en,aliases`."
                )
            return parse_glossary(reader, where=str(path))
    except FileNotFoundError:
        raise GlossaryError(
            f"Glossary {path} does not exist; restore data/glossary.csv or point to another file."
        ) from None
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"Glossary {path} is not UTF-8 ({exc}); re-save it as UTF-8.") from None


def load_default_glossary(path: Path | None = None) -> Glossary:
    """The project's glossary, or an empty one (with a warning) when the file is absent."""
    from assistant.settings import data_dir

    path = path or data_dir() / "glossary.csv"
    if not path.exists():
        logger.warning("No glossary at %s: queries will not be expanded across languages", path)
        return Glossary([])
    return load_glossary(path)
