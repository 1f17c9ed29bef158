"""Is a word written anywhere in the documents? Answered from the BM25 index, not a scan.

"Not found" needs to know whether a word the question asks about (故事点, "story point", a
version "1.40") occurs in any chunk as written. Scanning every chunk's text took ~19 ms at
5,086 chunks, ~150 ms at 40,000, up to four times per answer. Here the index narrows the
chunks to those that can contain the word, and only those are read:

- a Chinese character (not one of a stopword's) is always inside some search token of a
  chunk that contains it, however jieba splits the word around it (故事点 may be
  故事 + 点 in one chunk and 故事点 in another), so the chunks that can hold the word are
  those holding a token with each of its rarest such characters;
- an English word written whole inside the phrase (spaces on both sides: "customer
  satisfaction score" -> "satisfaction") is exactly one search token, its stem;
- an English word after a space ("point" in "story point") starts a document word, whose
  token starts with it or is one of the few forms the stemmer cuts it to (`cut_forms`).

The answers are the scan's (tests/assistant/test_retrieval_mentions.py checks them against it).
A word with no such anchor ("1.40", "Q3", "story"), or whose anchors narrow little, is still
scanned; every answer is remembered per index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.retrieval.ranking import chunk_column
from assistant.tokenize import CHINESE_STOPWORDS, CJK_RUN, ENGLISH_STOPWORDS, stem
from ingest.model import Chunk

ANCHORS_USED = 3  # rarest anchor characters whose chunks are intersected
ANSWERS_REMEMBERED = 256  # words whose answer is kept per index

# characters of a stopword: their token may be dropped, so they prove nothing
_STOPWORD_CHARS = frozenset("".join(CHINESE_STOPWORDS))
# what starts an English word in a phrase: casefold makes these from nothing else, and none
# of them continues a Latin run in the tokenizer
_BOUNDARY = "[ ,;:/()]"
_WORD_IN_PHRASE = re.compile(rf"(?<={_BOUNDARY})[a-z0-9]+(?={_BOUNDARY})")  # whole: one token
_WORD_STARTING = re.compile(rf"(?<={_BOUNDARY})[a-z0-9]+(?!{_BOUNDARY}|[a-z0-9])")  # its start
# stem()'s suffixes and their replacements ("flies" -> "fl" + "y"); "" when none is cut
_SUFFIXES = (("ies", "y"), ("sses", "ss"), ("ing", ""), ("edly", ""), ("ed", ""), ("ly", ""),
             ("s", ""), ("", ""))  # fmt: skip
SCAN_SHARE = 0.1  # more candidates than this share of the chunks: the column scan is faster
# non-ASCII characters whose casefold holds an ASCII letter or digit ("ſ" -> "s", "ß" -> "ss",
# "ﬁ" -> "fi", the Kelvin sign -> "k"): a chunk holding one may match an English word that
# its tokens do not show; such chunks are always read (the test derives this list again)
CASEFOLDS_TO_ASCII = "ßİŉſǰẖẗẘẙẚẞ\u212aﬀﬁﬂﬃﬄﬅﬆ"  # \u212a: the Kelvin sign
_CASEFOLDS_TO_ASCII = re.compile(f"[{CASEFOLDS_TO_ASCII}]")


def cut_forms(word: str) -> list[str]:
    """What stem() leaves of a word starting with `word` when it cuts into `word` itself:
    the cut-off end is a suffix, after a doubled consonant or an "e" that goes with it
    ("planned" -> "plan", "showcased" -> "showcas"), and a replacement may follow."""
    forms = []
    for n in range(1, len(word)):
        tail, kept = word[n:], word[:n]
        for suffix, replacement in _SUFFIXES:
            if suffix.startswith(tail):
                forms.append(kept + replacement)
            elif not replacement and any((d + suffix).startswith(tail) for d in ("e", word[n - 1])):
                forms.append(kept)
    return list(dict.fromkeys(forms))


def mentioned_by_scan(chunks: Sequence[Chunk], text: str) -> bool:
    """The reference: does any chunk's text or heading contain `text`, case aside?"""
    wanted = text.casefold()
    return any(wanted in t.casefold() for t in chunk_column(chunks, "text")) or any(
        wanted in h.casefold() for h in chunk_column(chunks, "heading")
    )


class Mentions:
    """`mentions(text)` over one BM25 index (`model` is its bm25s model, `chunks` its chunks).
    The vocabulary is joined into one string on first use, so the tokens holding a character
    are found by C string search."""

    def __init__(self, chunks: Sequence[Chunk], model: Any):
        self.chunks = chunks
        self.model = model
        self._vocab: tuple[str, np.ndarray, list[str]] | None = None  # joined, starts, words
        self._exotic: np.ndarray | None = None  # rows with a CASEFOLDS_TO_ASCII character
        self._answers: dict[str, bool] = {}

    def __call__(self, text: str) -> bool:
        wanted = text.casefold()
        answer = self._answers.get(wanted)
        if answer is None:
            if len(self._answers) >= ANSWERS_REMEMBERED:
                self._answers.clear()
            answer = self._answers[wanted] = self._mentions(wanted)
        return answer

    def _mentions(self, wanted: str) -> bool:
        if not wanted or self.model is None:  # "" is in every text; no model: no index
            return mentioned_by_scan(self.chunks, wanted)
        rows = self._candidates(wanted)
        if rows is None:  # nothing in the word the index can vouch for
            return mentioned_by_scan(self.chunks, wanted)
        found = np.flatnonzero(rows)
        if len(found) > SCAN_SHARE * len(self.chunks):  # digits, common words: read them all
            return mentioned_by_scan(self.chunks, wanted)
        return any(self._row_mentions(int(row), wanted) for row in found)

    def _candidates(self, wanted: str) -> np.ndarray | None:
        """The rows that can contain `wanted`, or None when the index cannot narrow them."""
        # (a digit is always in a token too, but every dated chunk has digits: they narrow
        # too little to beat the scan, measured at 40,000 chunks)
        chars = {c for c in wanted if CJK_RUN.fullmatch(c) and c not in _STOPWORD_CHARS}
        words = {w for w in _WORD_IN_PHRASE.findall(wanted) if w not in ENGLISH_STOPWORDS}
        starts = {
            w for w in _WORD_STARTING.findall(wanted)
            if not any(s.startswith(w) for s in ENGLISH_STOPWORDS)
        }  # fmt: skip
        if not chars and not words and not starts:
            return None
        rows = np.ones(len(self.chunks), dtype=bool)
        joined = self._vocabulary()[0]
        for char in sorted(chars, key=joined.count)[:ANCHORS_USED]:
            rows &= self._rows_holding(self._tokens_with(char))
        for word in words:
            rows &= self._rows_holding(self._token_ids([stem(word)])) | self._exotic_rows()
        for word in starts:
            rows &= self._rows_holding(self._tokens_from(word)) | self._exotic_rows()
        return rows

    def _tokens_from(self, word: str) -> np.ndarray:
        """The tokens a document word starting with `word` can become: the stem keeps the
        start of the word, and what it cuts off may leave a shorter start plus an ending."""
        joined, starts, _ = self._vocabulary()
        found = [m.start() + 1 for m in re.finditer("\n" + re.escape(word), joined)]
        beginning = np.searchsorted(starts, found, side="right") - 1
        return np.union1d(beginning, self._token_ids(cut_forms(word)))

    def _row_mentions(self, row: int, wanted: str) -> bool:
        rows = getattr(self.chunks, "rows", None)  # a loaded snapshot: no Chunk made
        text, heading = (
            (rows[row]["text"], rows[row]["heading"]) if rows is not None
            else (self.chunks[row].text, self.chunks[row].heading)
        )  # fmt: skip
        return wanted in text.casefold() or wanted in heading.casefold()

    def _vocabulary(self) -> tuple[str, np.ndarray, list[str]]:
        if self._vocab is None:
            vocab: dict[str, int] = self.model.vocab_dict
            words = [""] * (max(vocab.values(), default=-1) + 1)
            for word, token_id in vocab.items():
                words[token_id] = word
            starts = np.zeros(len(words) + 1, dtype=np.int64)
            np.cumsum([len(w) + 1 for w in words], out=starts[1:])
            # each word after a newline, so a word's start is found as "\n" + it
            self._vocab = ("\n" + "\n".join(words), starts + 1, words)
        return self._vocab

    def _tokens_with(self, char: str) -> np.ndarray:
        joined, starts, _ = self._vocabulary()
        found = [m.start() for m in re.finditer(re.escape(char), joined)]
        return np.unique(np.searchsorted(starts, found, side="right") - 1)

    def _token_ids(self, tokens: Sequence[str]) -> np.ndarray:
        vocab = self.model.vocab_dict
        return np.array([vocab[t] for t in tokens if t in vocab], dtype=np.int64)

    def _rows_holding(self, token_ids: np.ndarray) -> np.ndarray:
        """Which rows hold any of `token_ids`: their postings gathered in one numpy pass (a
        digit is in thousands of tokens)."""
        out = np.zeros(len(self.chunks), dtype=bool)
        indptr, indices = self.model.scores["indptr"], self.model.scores["indices"]
        ids = np.asarray(token_ids, dtype=np.int64)
        starts, lengths = indptr[ids], indptr[ids + 1] - indptr[ids]
        if not lengths.sum():
            return out
        # position j of token i's postings: starts[i] + j, laid end to end
        ends = np.cumsum(lengths)
        flat = np.arange(ends[-1]) + np.repeat(starts - (ends - lengths), lengths)
        out[indices[flat]] = True
        return out

    def _exotic_rows(self) -> np.ndarray:
        """Rows whose text could casefold into ASCII letters their tokens lack: one pass over
        the texts, on the first English word asked about, then kept."""
        if self._exotic is None:
            self._exotic = np.array([
                bool(_CASEFOLDS_TO_ASCII.search(t) or _CASEFOLDS_TO_ASCII.search(h))
                for t, h in zip(chunk_column(self.chunks, "text"),
                                chunk_column(self.chunks, "heading"), strict=True)
            ], dtype=bool)  # fmt: skip
        return self._exotic

