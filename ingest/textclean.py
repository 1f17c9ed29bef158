"""Text clean-up shared by every loader: invisible characters, PDF line breaks, width forms."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and joiner chars, word joiner/invisible operators, BOM, bidi embeddings/overrides
# and isolates, the tag block (used to smuggle hidden instructions), and the soft hyphen.
_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]"
)
# Full-width ASCII letters and digits only: CJK punctuation (，。！？：；) keeps its width, since
# it carries sentence boundaries the chunker relies on.
_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
# Latin ligatures from PDF fonts ("ﬁle"): searches and tokenizers expect the plain letters.
_LIGATURES = re.compile("[\ufb00-\ufb06]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Control codes other than tab, newline, form feed and carriage return, or U+FFFD.
_BINARY_SIGN = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")

_SENTENCE_END = "。！？；!?;：:"


def is_cjk(ch: str) -> bool:
    """Han, kana and hangul: scripts written without spaces between words."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x3040 <= cp <= 0x30FF
        or 0xAC00 <= cp <= 0xD7AF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x2FA1F
    )


def _is_cjk_side(ch: str) -> bool:
    # Digits count: "不超过3\n00 毫秒" is one number split by the PDF line break.
    return is_cjk(ch) or ch.isdigit() or ch in "，、（）《》“”‘’·—"


def remove_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def normalize_text(text: str) -> str:
    """Invisible characters out, full-width letters/digits to ASCII, line ends unified."""
    text = remove_invisible(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    text = _FULLWIDTH_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _CONTROL.sub("", text)
    # Trailing spaces make line-join decisions and chunk boundaries noisy.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def control_ratio(text: str) -> float:
    """Share of characters that are control codes other than tab/newline: high means binary."""
    if not text:
        return 0.0
    # A regex scan, not a per-character Python loop: this runs on every text file's full text.
    return len(_BINARY_SIGN.findall(text)) / len(text)


def join_pdf_lines(text: str) -> str:
    """Join lines that a PDF broke inside a sentence.

    PDF text extraction ends every visual line with a newline. A wrapped line is (almost) as
    long as the page's text width; a heading or the last line of a paragraph is shorter. So a
    line is joined to the next only when it is long and both sides of the break are CJK (no
    space: "项目\\n经理" -> "项目经理") or Latin mid-sentence (one space).
    """
    lines = text.split("\n")
    lengths = sorted(len(line) for line in lines if len(line.strip()) >= 5)
    if len(lines) < 2 or not lengths:
        return text
    full_width = lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    out: list[str] = [lines[0]]
    previous_line = lines[0]  # the visual line, not what was joined so far
    for line in lines[1:]:
        if _should_join(previous_line, line, full_width):
            prev = out[-1]
            sep = "" if _is_cjk_side(prev[-1]) and _is_cjk_side(line.lstrip()[0]) else " "
            out[-1] = prev + sep + line.lstrip()
        else:
            out.append(line)
        previous_line = line
    return "\n".join(out)


def _should_join(prev: str, line: str, full_width: int) -> bool:
    head = line.lstrip()
    if not prev.strip() or not head:
        return False
    last, first = prev[-1], head[0]
    if last in _SENTENCE_END or last == ".":
        return False
    if last in "，、,":  # a clause separator never ends a paragraph
        return True
    if len(prev) < 0.75 * full_width:
        return False
    if _is_cjk_side(last) and _is_cjk_side(first):
        return True
    # English wrapped mid-sentence: a lower-case continuation.
    return (last.isalpha() or last in ",-") and first.islower()
