"""HTML to plain text with the standard library: visible text only, headings as Markdown.

Invisible content is dropped, because nobody reading the page sees it and it is a classic
place to hide instructions for a model: <script>, <style>, comments, and elements marked
`hidden` or styled `display:none` / `visibility:hidden`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_ALWAYS_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
     "footer", "blockquote", "pre", "hr", "dd", "dt", "title"}
)  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _hides(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in _ALWAYS_HIDDEN:
        return True
    values = dict(attrs)
    return "hidden" in values or bool(_HIDING_STYLE.search(values.get("style") or ""))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_tag: str | None = None  # the element that hid what follows
        self._hidden_nesting = 0  # open elements of that name inside it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden_tag is not None:
            self._hidden_nesting += tag == self._hidden_tag
            return
        if tag not in _VOID and _hides(tag, attrs):
            self._hidden_tag, self._hidden_nesting = tag, 1
        elif tag in _HEADINGS:
            self.parts.append("\n\n" + "#" * _HEADINGS[tag] + " ")
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden_tag is not None:
            if tag == self._hidden_tag:
                self._hidden_nesting -= 1
                if self._hidden_nesting == 0:
                    self._hidden_tag = None
            return
        if tag in _HEADINGS or tag == "p":
            self.parts.append("\n\n")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden_tag is None and tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._hidden_tag is None:
            self.parts.append(data)

    # Comments, processing instructions and declarations are never visible text.
    def handle_comment(self, data: str) -> None:
        return None


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
