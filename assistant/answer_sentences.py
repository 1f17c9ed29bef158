"""Sentences of a passage, as they are quoted: split in both languages, hard-wrapped lines
joined, a heading or "结论：" kept with what it introduces."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.tokenize import CJK_RUN

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+")
_BLOCK_STARTS = ("-", "*", "+", "#", "|", ">", "```")
_NUMBERED = re.compile(r"\d+[.)、]|[一二三四五六七八九十]+、")
# "参会人员：…", "Host: …": a labelled field starts its own line, it does not wrap
_FIELD = re.compile(r"^[\w\u4e00-\u9fff ]{1,12}[：:]")


def split_sentences(text: str) -> list[str]:
    """Sentences in both languages (。！？； and . ! ? ;), trimmed of list marks. Hard-wrapped
    lines are joined first, so a sentence broken across lines stays whole."""
    parts = (
        p.strip(" \t-*#>|") for line in _logical_lines(text) for p in _SENTENCE_END.split(line)
    )
    return [p for p in parts if len(p) >= 4]


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if lines and lines[-1] and line and _continues(lines[-1], line):
            glue = "" if CJK_RUN.match(line[0]) and CJK_RUN.match(lines[-1][-1]) else " "
            lines[-1] += glue + line
        else:
            lines.append(line)
    return [line for line in lines if line]


def _continues(previous: str, line: str) -> bool:
    """Is `line` the wrapped rest of `previous` rather than a new item, heading or row?"""
    if previous[-1] in "。！？；.!?;:：" or previous.startswith(("#", "|")):
        return False
    return not (line.startswith(_BLOCK_STARTS) or _NUMBERED.match(line) or _FIELD.match(line))


def joined(first: str, second: str) -> str:
    cjk = CJK_RUN.match(first[-1]) is not None and CJK_RUN.match(second[0]) is not None
    return first + ("" if cjk or first[-1] in "：:。！？；" else " ") + second


def _is_lead(sentence: str) -> bool:
    """A heading, agenda item or "...:" whose content follows it."""
    return sentence[-1] in ":：" or (sentence[-1] not in "。！？；.!?;" and len(sentence) <= 40)


def with_what_it_introduces(sentence: str, following: Sequence[str]) -> str:
    """A lead (heading, "结论：") is quoted with the items after it, up to three."""
    if not _is_lead(sentence):
        return sentence
    text = sentence
    for item in following:
        cjk = CJK_RUN.match(text[-1]) is not None and CJK_RUN.match(item[0]) is not None
        if cjk or text[-1] in ":：。！？；":
            text += item
        else:
            text += ("; " if text[-1].isalnum() else " ") + item
    return text
