"""Markdown table rows put in words, for text a person reads (an answer's quote, a draft's
citation): "| R-07 | 数据迁移延期 | 刘洋 |" under its header becomes "R-07：风险 数据迁移延期，
负责人 刘洋。", never raw `| --- |` pipes."""

from __future__ import annotations

import re

from assistant.tokenize import CJK_RUN

_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def tables_in_words(text: str) -> str:
    """Each Markdown table row becomes a line in words, named by its first cell:
    "R-07：风险 数据迁移延期，负责人 刘洋" / "2022-02-08 12:05: Event Prometheus fails".
    The header and rule lines are dropped; other text is left as it is."""
    lines = text.split("\n")
    out: list[str] = []
    header: list[str] | None = None
    for i, line in enumerate(lines):
        row = _ROW.match(line)
        if not row:
            header = None
            out.append(line)
            continue
        if _RULE.match(line):
            continue
        cells = [_plain(c) for c in row.group(1).split("|")]
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if header is None and _RULE.match(following):
            header = cells
            continue
        out.append(_row_in_words(cells, header or []))
    return "\n".join(out)


def _plain(cell: str) -> str:
    return re.sub(r"\*\*|__|`", "", cell).strip()


def _row_in_words(cells: list[str], header: list[str]) -> str:
    if not cells:
        return ""
    chinese = bool(CJK_RUN.search(" ".join(header + cells)))
    lead, rest = cells[0], cells[1:]
    names = header[1:] if len(header) == len(cells) else [""] * len(rest)
    pairs = zip(names, rest, strict=True)
    parts = [f"{name} {value}".strip() if name else value for name, value in pairs]
    parts = [p for p in parts if p]
    if chinese:
        return f"{lead}：" + "，".join(parts) + "。" if parts else lead
    return f"{lead}: " + "; ".join(parts) + "." if parts else lead
