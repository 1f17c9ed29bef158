"""Turn Chinese and English text into search tokens, the same way for documents and queries.

Chinese runs are segmented by a private jieba tokenizer that knows PM vocabulary (里程碑,
风险登记册, 割接 ...); Latin runs are lower-cased, stripped of stopwords and lightly stemmed,
so "milestones" finds "milestone". jieba's dictionary is only loaded when Chinese text is seen,
and its prefix-dictionary cache lives in a folder we choose, so a warm `pmassist ask` is quick.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Bump when tokenisation changes: persisted BM25 indexes built by another version are rebuilt.
TOKENIZER_VERSION = "4"

PM_WORDS: tuple[str, ...] = (
    "里程碑", "变更控制", "变更请求", "风险登记册", "问题日志", "割接", "初验", "终验",
    "分库分表", "干系人", "挣值", "挣值管理", "关键路径", "工作分解结构", "需求规格说明书",
    "需求评审", "验收标准", "验收测试", "上线", "回滚", "灰度发布", "压测", "联调", "冒烟测试",
    "进度偏差", "成本偏差", "进度绩效指数", "成本绩效指数", "项目章程", "范围蔓延", "基线",
    "周报", "会议纪要", "复盘", "复盘报告", "行动项", "责任人", "截止日期", "消息队列",
    "数据迁移", "需求变更", "延期", "超支", "预算", "工期", "交付物", "甘特图", "敏捷",
    "迭代", "冲刺", "燃尽图", "技术债", "单点故障", "高可用", "容灾", "等保", "信创",
)  # fmt: skip

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_TOKEN_RUN = re.compile(
    r"(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|(?P<latin>[A-Za-z0-9][A-Za-z0-9'’._-]*)"
)

_ENGLISH_STOPWORDS = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself
    yourselves s t don didn doesn isn wasn weren aren won wouldn shall may might must"""
ENGLISH_STOPWORDS = frozenset(_ENGLISH_STOPWORDS.split())

_CHINESE_STOPWORDS = """
    的 了 是 在 和 与 及 或 也 都 就 而 并 被 把 对 为 以 于 之 其 这 那 这个 那个 这些 那些 一个
    有 有的 我 你 他 她 它 我们 你们 他们 她们 它们 啊 吧 呢 吗 么 哪 哪些 哪个 什么 怎么 怎样 如何
    多少 几 谁 是否 还是 可以 能 会 要 将 已 已经 又 再 还 从 到 给 让 由 向 着 过 等 等等 个 中
    上 下 里 后 前 时 时候 及其 以及 因为 所以 但是 但 如果 则 即
    不 没有 吗 呀 哦 嗯 该 此 每"""
CHINESE_STOPWORDS = frozenset(_CHINESE_STOPWORDS.split())


def is_cjk(text: str) -> bool:
    return CJK_RUN.search(text) is not None


@lru_cache(maxsize=65536)  # a corpus has a small vocabulary; stemming was 1 s per 5k chunks
def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, -ly. Enough to join inflections."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement, min_len in (
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("ing", "", 6),
        ("edly", "", 7),
        ("ed", "", 5),
        ("ly", "", 6),
    ):
        if word.endswith(suffix) and len(word) >= min_len:
            word = word[: -len(suffix)] + replacement
            break
    else:
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    # "planned" -> "plann" -> "plan": undo doubled consonants left by -ed/-ing
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouylsz":
        word = word[:-1]
    # "showcase" and "showcased" -> "showcas"
    if len(word) > 4 and word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]
    return word


def english_tokens(text: str) -> list[str]:
    words = _LATIN_WORD.findall(text.lower())
    return [stem(w.replace("’", "'").split("'")[0]) for w in words if w not in ENGLISH_STOPWORDS]


# A Latin run is mostly one word, and words repeat: 332,000 runs in 5,500 chunks of minutes,
# each looked up once instead of lower-cased, matched and stemmed (3 of 8 s of tokenising).
_latin_run_tokens = lru_cache(maxsize=262144)(lambda run: tuple(english_tokens(run)))

RUNS_REMEMBERED = 262144  # Chinese runs whose words a tokenizer keeps (names, headings, terms)


class TextTokenizer:
    """Bilingual tokenizer. One instance per process is enough (see `default_tokenizer`)."""

    def __init__(self, cache_dir: Path | None = None, user_words: Iterable[str] = PM_WORDS):
        self._cache_dir = cache_dir
        self._user_words = tuple(user_words)
        self._jieba: Any = None
        self._lock = threading.Lock()
        # Chinese run -> its search tokens: half the runs of a corpus of minutes repeat
        # (names, headings, agenda words); cleared when the dictionary changes
        self._runs: dict[str, tuple[str, ...]] = {}

    def _segmenter(self) -> Any:
        # Loaded on first Chinese text only: English-only work never pays for the dictionary.
        with self._lock:
            if self._jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                segmenter = jieba.Tokenizer()
                cache_dir = self._cache_dir or Path(tempfile.gettempdir())
                cache_dir.mkdir(parents=True, exist_ok=True)
                segmenter.tmp_dir = str(cache_dir)
                segmenter.initialize()
                for word in self._user_words:
                    segmenter.add_word(word, freq=20000)
                self._jieba = segmenter
            return self._jieba

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the Chinese segmenter more whole words (e.g. glossary terms)."""
        new = tuple(w for w in words if is_cjk(w) and w not in self._user_words)
        self._user_words += new
        if self._jieba is not None:
            for word in new:
                self._jieba.add_word(word, freq=20000)
        if new:
            self._runs = {}

    @property
    def fingerprint(self) -> str:
        """Identifies how this tokenizer splits text: indexes built by another are rebuilt."""
        import hashlib

        words = "\n".join(sorted(set(self._user_words)))
        return f"{TOKENIZER_VERSION}-{hashlib.sha1(words.encode()).hexdigest()[:12]}"

    def frequency(self, word: str) -> int:
        """How common a Chinese word is in jieba's dictionary (0 when unknown)."""
        return int(self._segmenter().FREQ.get(word, 0))

    def chinese_words(self, run: str) -> list[str]:
        return [w for w in self._segmenter().lcut(run, HMM=True) if w.strip()]

    def tokens(self, text: str) -> list[str]:
        """Search tokens of `text` in reading order, stopwords and punctuation removed."""
        out: list[str] = []
        for match in _TOKEN_RUN.finditer(text):
            if match.group("cjk"):
                out.extend(self._chinese_run_tokens(match.group()))
            else:
                out.extend(_latin_run_tokens(match.group()))
        return out

    def _chinese_run_tokens(self, run: str) -> tuple[str, ...]:
        runs = self._runs
        found = runs.get(run)
        if found is None:
            found = tuple(w for w in self.chinese_words(run) if w not in CHINESE_STOPWORDS)
            if len(runs) >= RUNS_REMEMBERED:
                runs.clear()
            runs[run] = found
        return found


def user_cache_dir(fallback: Path) -> Path:
    """Where jieba keeps its prefix-dictionary cache: once per user ($XDG_CACHE_HOME or
    ~/.cache, then /pmassist), so a new workspace does not regenerate it (1.4 s); `fallback`
    (e.g. the workspace's cache folder) when that folder cannot be written."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "pmassist"
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except (OSError, RuntimeError):  # RuntimeError: no home directory to expand
        pass
    logger.info("No writable per-user cache folder; jieba's cache goes to %s", fallback)
    return fallback


@lru_cache(maxsize=4)
def default_tokenizer(cache_dir: Path | None = None) -> TextTokenizer:
    return TextTokenizer(cache_dir=cache_dir)


def estimate_tokens(text: str) -> int:
    """Rough LLM token count: a CJK character is about one token, Latin about four chars."""
    cjk = sum(len(m) for m in CJK_RUN.findall(text))
    return cjk + (len(text) - cjk + 3) // 4
