"""Untrusted Markdown (model answers, document text) made safe by parsing it, never by patterns.

Answers quote documents and LLM output, both of which an attacker can influence (a poisoned
document, a prompt injection). A pattern-based filter loses to any spelling the patterns did not
foresee (alt text in a code span, an escaped `\\]`, reference-style images, text over two
lines, nested brackets), so this module parses with markdown-it (CommonMark plus GitHub tables
and strikethrough) and rewrites the parsed tokens:

- raw HTML is never passed: the parser runs with `html=False`, so `<tag>` is text;
- images never load: an image token becomes its alt text (a remote image is a tracking pixel
  and can leak what the user is reading), whether inline, reference-style or nested;
- links keep only http, https and mailto destinations, as the parser resolved them (entities,
  escapes, `<...>` and reference definitions included); any other link is reduced to its text.

Two outputs from the same tokens:

- `to_safe_html` for the browser. The result is one line inside a `<div>` (no newline between
  blocks; code blocks keep theirs as `&#10;`, which HTML reads the same), so a Markdown
  renderer that receives it (Gradio's) sees one raw HTML block and transforms nothing.
- `inline_markdown` for Markdown files (`.md` drafts): one line re-serialised from the tokens,
  every character that could open Markdown syntax escaped.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Characters escaped in re-serialised text: everything that can open inline syntax, plus `|`
# (a table cell) and `~` (strikethrough). `&`, `<` and `>` are written as entities, which
# every Markdown dialect reads as the plain character.
_ESCAPED = re.compile(r"([\\`*_\[\]!|~])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# markdown-it's own <pre> blocks (text never holds a raw "<": the renderer escapes it).
_PRE_BLOCK = re.compile(r"(<pre>.*?</pre>)", re.DOTALL)
# A line starting with these would become a heading, a list item or a rule.
_BLOCK_START = re.compile(r"^(?:([#+=-])|(\d{1,9})([.)]))")


@cache
def _parser(breaks: bool) -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "breaks": breaks}
    parser = MarkdownIt("commonmark", options).enable(["table", "strikethrough"])
    # Accept every destination while parsing so that a refused link is still recognised as a
    # link, and reduced to its text below, instead of showing its raw `[text](javascript:…)`.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    # A soft line break is a space (or <br> with `breaks`), never a raw newline: see _one_line.
    parser.add_render_rule("softbreak", _softbreak)
    return parser


def _softbreak(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return "<br />" if options.breaks else " "


def is_safe_url(url: str) -> bool:
    """True for http(s) URLs with a host and for mailto: — the only destinations we link."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in SAFE_SCHEMES:
        return False
    return bool(parts.path) if scheme == "mailto" else bool(parts.netloc)


def to_safe_html(text: str, *, breaks: bool = False) -> str:
    """Render untrusted Markdown to HTML that loads nothing and runs nothing.

    `breaks=True` turns single newlines into line breaks (as in a chat)."""
    parser = _parser(breaks)
    env: dict[str, object] = {}
    tokens = parser.parse(text, env)
    for token in tokens:
        if token.children:
            token.children = _defused(token.children)
    rendered = parser.renderer.render(tokens, parser.options, env)
    return '<div class="pm-md">' + _one_line(rendered) + "</div>"


def _one_line(rendered: str) -> str:
    """The HTML on one line, looking the same: newlines between blocks dropped (a chat bubble
    shows them, with `white-space: pre-wrap`), line breaks in code blocks kept as `&#10;`."""
    pieces = _PRE_BLOCK.split(rendered)
    return "".join(
        piece.replace("\n", "&#10;") if piece.startswith("<pre") else piece.replace("\n", "")
        for piece in pieces
    )


def _defused(children: list[Token]) -> list[Token]:
    out: list[Token] = []
    unsafe_depth = 0  # inside a link whose destination we refused
    for token in children:
        if token.type == "image":
            out.append(_text(alt_text(token)))
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if unsafe_depth or not is_safe_url(href):
                unsafe_depth += 1
                continue
            token.attrs = {"href": href, "rel": "noopener noreferrer nofollow"}
            token.attrSet("target", "_blank")
            out.append(token)
        elif token.type == "link_close" and unsafe_depth:
            unsafe_depth -= 1
        elif token.type in ("html_inline", "html_block"):  # not produced with html=False
            out.append(_text(token.content))
        else:
            out.append(token)
    return out


def alt_text(image: Token) -> str:
    """An image's alt text as plain text (markup inside it dropped, nested images included)."""
    parts = []
    for child in image.children or []:
        if child.type == "image":
            parts.append(alt_text(child))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        else:
            parts.append(child.content)
    return "".join(parts)


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def inline_markdown(text: object) -> str:
    """One line of Markdown showing `text` as written: no image, no raw HTML, no block syntax,
    links only to http(s)/mailto. For untrusted text placed inside a Markdown template."""
    if text is None:
        return ""
    line = " ".join(str(text).split())
    if not line:
        return ""
    parser = _parser(False)
    env: dict[str, object] = {}
    # Parsed as one inline run: block syntax (headings, definitions) is never read, only shown.
    blocks = parser.parseInline(line, env)
    pieces = [_serialise(block.children or []) for block in blocks]
    return _BLOCK_START.sub(_escape_block_start, "".join(pieces).strip())


def _escape_block_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def _serialise(children: list[Token]) -> str:
    out: list[str] = []
    links: list[str | None] = []  # the destination of each open link, None when refused
    for token in children:
        kind = token.type
        if kind in ("text", "text_special"):
            out.append(_escape(token.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "code_inline":
            out.append(code_span(token.content))
        elif kind == "image":
            out.append(_escape(alt_text(token)))
        elif kind == "link_open":
            href = str(token.attrGet("href") or "")
            safe = href if is_safe_url(href) and None not in links else None
            links.append(safe)
            out.append("[" if safe else "")
        elif kind == "link_close":
            closing = links.pop() if links else None
            out.append(f"]({_destination(closing)})" if closing else "")
        elif kind in ("em_open", "em_close", "strong_open", "strong_close"):
            out.append(token.markup)
        elif kind in ("s_open", "s_close"):
            out.append("~~")
        else:
            out.append(_escape(token.content))
    return "".join(out)


def _escape(text: str) -> str:
    text = "".join(_ENTITIES.get(ch, ch) for ch in text)
    return _ESCAPED.sub(r"\\\1", text)


def _destination(href: str) -> str:
    href = href.replace("\\", "\\\\").replace("&", "\\&")
    if any(ch in href for ch in "()<> "):
        return "<" + href.replace("<", "%3C").replace(">", "%3E") + ">"
    return href


def code_span(text: object) -> str:
    """`text` as an inline code span, fenced with more backticks than it contains."""
    value = " ".join(str(text or "").split())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"

