"""The default embedder: deterministic, multilingual, offline hashed n-gram features.

Features: for CJK, character unigrams and bigrams; for other scripts, lower-cased word
unigrams (plural "s" stripped) and character trigrams inside words (with word-boundary marks).
Each feature is hashed with a fixed integer mixer (splitmix64 over code points, so ids are
stable across processes and machines, unlike Python's `hash()`) into `dim` signed buckets,
weighted with sublinear term frequency and L2-normalised. Everything after one `str.lower()`
runs as numpy array operations over the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_SEP = 0  # code point separating texts in a batch
_MAX_WORD = 24  # letters hashed per word; longer words share the hash of their prefix

# Weights per feature kind; a CJK bigram carries about what an English word does.
_W_WORD, _W_TRIGRAM, _W_CJK_UNI, _W_CJK_BI = 1.0, 0.4, 1.0, 1.0
# Sublinear tf is 1 + scale * log(count). Chinese passages repeat their key terms, which is
# telling; English repeats function-like words, which is not (tuned on CMRC2018 / SQuAD).
_TF_CJK, _TF_LATIN = 2.0, 0.5
_SALT_WORD, _SALT_TRI, _SALT_UNI, _SALT_BI = 0x1000, 0x2000, 0x3000, 0x4000

# One string: it is hashed with the same code as the text, which splits it into words.
_EN_STOPWORDS = (
    "a an and are as at be been but by can could did do does for from had has have he her his "
    "how i if in into is it its may me might my no not of on or our she should so than that the "
    "their them then there these they this those to us was we were what when where which who "
    "why will with would you your"
)
# Particles so frequent in Chinese that their unigrams and bigrams only add noise.
_ZH_STOPCHARS = "的了是在和与及或之其也就都而这那个把被从对于以为着吗呢吧啊"
# Characters too common to mean much alone, though they do inside words (功能, 会议, 时间):
# their unigrams are dropped, their bigrams kept.
_ZH_COMMON_CHARS = (
    "一不有我他们来到时要会可能下过说后多所得等如当使去还因由些然么比但此只没很者最已并将见几"
    "做则据给即再更每至该上中大个人年出分成发动同工行面方定进部度家心看明"
)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread, deterministic 64-bit hash of integers."""
    x = x.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _is_cjk(cp: np.ndarray) -> np.ndarray:
    return (
        ((cp >= 0x4E00) & (cp <= 0x9FFF))
        | ((cp >= 0x3400) & (cp <= 0x4DBF))
        | ((cp >= 0x3040) & (cp <= 0x30FF))
        | ((cp >= 0xAC00) & (cp <= 0xD7AF))
        | ((cp >= 0xF900) & (cp <= 0xFAFF))
        | ((cp >= 0x20000) & (cp <= 0x2FA1F))
    )


def _is_word_char(cp: np.ndarray) -> np.ndarray:
    return (
        ((cp >= 0x30) & (cp <= 0x39))
        | ((cp >= 0x61) & (cp <= 0x7A))
        | ((cp >= 0xDF) & (cp <= 0x24F) & (cp != 0xF7))
        | ((cp >= 0x370) & (cp <= 0x52F))
    )


class HashingEmbedder:
    """Implements the `Embedder` port without any model file or network."""

    def __init__(self, dim: int = 512) -> None:
        if dim < 16:
            raise ValueError(f"dim must be at least 16, got {dim}")
        self._dim = dim
        self._stop_words = np.unique(self._word_hashes(_EN_STOPWORDS)[0])
        self._stop_chars = np.array(sorted(ord(c) for c in _ZH_STOPCHARS), dtype=np.int64)
        self._common_chars = np.array(sorted(ord(c) for c in _ZH_COMMON_CHARS), dtype=np.int64)

    @property
    def id(self) -> str:
        return f"hashing-v1-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        n = len(texts)
        if n == 0:
            return np.zeros((0, self._dim), dtype=np.float32)
        cp, doc = self._code_points(texts)
        docs, keys, weights, tf_scale = self._features(cp, doc)
        return self._project(n, docs, keys, weights, tf_scale)

    # -- steps ---------------------------------------------------------------------------

    @staticmethod
    def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        joined = "\x00".join(t.replace("\x00", " ") for t in texts).lower()
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        # Full-width forms to ASCII (what str.translate would do, at a fraction of its cost).
        wide = (cp >= 0xFF01) & (cp <= 0xFF5E)
        cp[wide] -= 0xFEE0
        cp[cp == 0x3000] = 0x20
        # lower() may change lengths, so documents are found by counting separators.
        doc = np.cumsum(cp == _SEP)
        return cp, doc

    def _features(
        self, cp: np.ndarray, doc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        parts = [self._cjk_features(cp, doc), self._latin_features(cp, doc)]
        docs = np.concatenate([p[0] for p in parts])
        keys = np.concatenate([p[1] for p in parts])
        weights = np.concatenate([p[2] for p in parts])
        tf_scale = np.concatenate(
            [np.full(len(parts[0][1]), _TF_CJK), np.full(len(parts[1][1]), _TF_LATIN)]
        )
        return docs, keys, weights, tf_scale

    def _cjk_features(
        self, cp: np.ndarray, doc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cjk = _is_cjk(cp) & ~np.isin(cp, self._stop_chars)
        uni = np.flatnonzero(cjk & ~np.isin(cp, self._common_chars))
        bi = np.flatnonzero(cjk[:-1] & cjk[1:])
        keys = np.concatenate([cp[uni] + _SALT_UNI, (cp[bi] << 21 | cp[bi + 1]) + _SALT_BI])
        weights = np.concatenate([np.full(len(uni), _W_CJK_UNI), np.full(len(bi), _W_CJK_BI)])
        return np.concatenate([doc[uni], doc[bi]]), keys, weights

    @staticmethod
    def _word_spans(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        word = _is_word_char(cp)
        edges = np.diff(np.concatenate([[False], word, [False]]).astype(np.int8))
        return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # [start, end)

    def _word_hashes(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cp = np.frombuffer(text.lower().encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        starts, ends = self._word_spans(cp)
        return self._hash_words(cp, starts, ends), starts, ends

    @staticmethod
    def _hash_words(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        length = ends - starts
        # Light stemming: "requirements" and "requirement" share a word feature.
        plural = (length >= 4) & (cp[np.maximum(ends - 1, 0)] == ord("s"))
        plural &= cp[np.maximum(ends - 2, 0)] != ord("s")
        length = np.minimum(length - plural, _MAX_WORD)
        h = np.zeros(len(starts), dtype=np.uint64)
        for j in range(int(length.max(initial=0))):
            live = length > j
            h[live] = _mix(h[live] ^ cp[starts[live] + j].astype(np.uint64))
        return h

    def _latin_features(
        self, cp: np.ndarray, doc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        starts, ends = self._word_spans(cp)
        words = self._hash_words(cp, starts, ends)
        keep = ~np.isin(words, self._stop_words)
        starts, ends, words = starts[keep], ends[keep], words[keep]
        # Trigrams centred on every letter of a kept word, "<" and ">" marking its edges.
        length = ends - starts
        word_of_char = np.repeat(np.arange(len(starts)), length)
        pos = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
        idx = starts[word_of_char] + pos
        prev = np.where(pos > 0, cp[np.maximum(idx - 1, 0)], 1)
        nxt = np.where(pos < length[word_of_char] - 1, cp[np.minimum(idx + 1, len(cp) - 1)], 2)
        tri = ((prev << 42) ^ (cp[idx] << 21) ^ nxt) + _SALT_TRI
        keys = np.concatenate([(words >> np.uint64(8)).astype(np.int64) + _SALT_WORD, tri])
        weights = np.concatenate([np.full(len(words), _W_WORD), np.full(len(tri), _W_TRIGRAM)])
        return np.concatenate([doc[starts], doc[idx]]), keys, weights

    def _project(
        self,
        n: int,
        docs: np.ndarray,
        keys: np.ndarray,
        weights: np.ndarray,
        tf_scale: np.ndarray,
    ) -> np.ndarray:
        out = np.zeros(n * self._dim, dtype=np.float64)
        if len(keys):
            feature = _mix(keys.astype(np.uint64))
            # Count each (text, feature) pair once, with sublinear tf = 1 + log(count). Ordered
            # by (text, feature), so a text's sums run in the same order whatever batch it is
            # in: its vector is bit-identical alone, in any batch, in any process.
            order = np.lexsort((feature, docs))
            feature, docs_s = feature[order], docs[order]
            starts = np.flatnonzero(
                np.concatenate(
                    [[True], (feature[1:] != feature[:-1]) | (docs_s[1:] != docs_s[:-1])]
                )
            )
            counts = np.diff(np.append(starts, len(order)))
            first = order[starts]
            feature, docs_u, w, tf = (
                feature[starts],
                docs_s[starts],
                weights[first],
                tf_scale[first],
            )
            bucket = (feature % np.uint64(self._dim)).astype(np.int64)
            sign = np.where((feature >> np.uint64(63)) == 1, -1.0, 1.0)
            values = sign * w * (1.0 + tf * np.log(counts))
            out += np.bincount(docs_u * self._dim + bucket, weights=values, minlength=len(out))
        matrix = out.reshape(n, self._dim)
        norms = np.linalg.norm(matrix, axis=1)
        empty = norms == 0
        matrix[empty, 0] = 1.0  # a fixed unit vector keeps cosine distance defined
        norms[empty] = 1.0
        return (matrix / norms[:, None]).astype(np.float32)
