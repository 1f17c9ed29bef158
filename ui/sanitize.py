"""Make model output and retrieved text safe to render as Markdown in the browser.

Answers quote documents and LLM output, both of which an attacker can influence (a poisoned
document, a prompt injection). Gradio's `sanitize_html=True` strips dangerous tags, and this
pass comes first so that nothing depends on one library alone:

- raw HTML is escaped (`<` becomes `&lt;`), outside code spans and fenced code blocks where
  Markdown already shows it literally;
- images never load: `![alt](url)` becomes a plain link (a remote image is a tracking pixel
  and can leak what the user is reading);
- links keep only safe destinations (http, https, mailto, relative, `#`); `javascript:`,
  `data:`, `vbscript:`, `file:` and the like are reduced to their text, however they are
  disguised (entities, backslashes, whitespace, mixed case).
"""

from __future__ import annotations

import html
import re

_SAFE_SCHEMES = ("http:", "https:", "mailto:")
# An inline link or image: [text](destination "title"). The destination stops at whitespace
# or ")"; a hostile destination cut short here is still rejected because it is not safe.
_LINK_TAIL = r"\[(?P<text>[^\]\n]*)\]\(\s*(?P<dest><[^>\n]*>|[^\s)]*)(?P<title>[^)\n]*)\)"
_IMAGE = re.compile(r"!" + _LINK_TAIL)
_INLINE_LINK = re.compile(_LINK_TAIL)
# A link reference definition: [label]: destination
_REFERENCE_DEF = re.compile(r"^(?P<lead> {0,3}\[[^\]\n]+\]:\s*)(?P<dest>\S+)(?P<rest>.*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]+")


def safe_markdown(text: str) -> str:
    """Return `text` with raw HTML escaped, images turned into links and unsafe links removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    fence: str | None = None
    prose: list[str] = []
    for line in lines:
        marker = _FENCE.match(line)
        if fence is None and marker:
            out.extend(_sanitize_prose(prose))
            prose = []
            fence = marker.group(1)[0] * len(marker.group(1))
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
        else:
            prose.append(line)
    out.extend(_sanitize_prose(prose))
    return "\n".join(out)


def is_safe_url(destination: str) -> bool:
    """True for http(s), mailto, fragment and relative destinations, however written."""
    plain = html.unescape(destination.strip().strip("<>"))
    plain = _INVISIBLE.sub("", plain.replace("\\", "")).lower()
    scheme_end = plain.find(":")
    if scheme_end == -1:
        return True
    # "a/b:c" or "page?x=a:b" has no scheme: the colon comes after a path or query character.
    if any(ch in plain[:scheme_end] for ch in "/?#"):
        return True
    return plain.startswith(_SAFE_SCHEMES)


def _sanitize_prose(lines: list[str]) -> list[str]:
    if not lines:
        return []
    block = "\n".join(_rewrite_reference(line) for line in lines)
    pieces: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(block):
        pieces.append(_sanitize_text(block[last : span.start()]))
        pieces.append(span.group(0))
        last = span.end()
    pieces.append(_sanitize_text(block[last:]))
    return "".join(pieces).split("\n")


def _sanitize_text(text: str) -> str:
    # Images first, so an image nested in a link's text is caught before the link is read.
    text = _IMAGE.sub(_rewrite_image, text)
    text = _INLINE_LINK.sub(_rewrite_link, text)
    return text.replace("<", "&lt;")


def _safe_destination(match: re.Match[str]) -> bool:
    # Also judge destination + title together: "java<TAB>script:" is one URL to a lenient parser.
    dest = match.group("dest")
    return is_safe_url(dest) and is_safe_url(dest + match.group("title"))


def _rewrite_image(match: re.Match[str]) -> str:
    # An image becomes a link to it: the user can choose to open it, nothing loads by itself.
    label, dest = match.group("text"), match.group("dest")
    return f"[{label or 'image'}]({dest})" if _safe_destination(match) else label


def _rewrite_link(match: re.Match[str]) -> str:
    return match.group(0) if _safe_destination(match) else match.group("text")


def _rewrite_reference(line: str) -> str:
    definition = _REFERENCE_DEF.match(line)
    if definition and not is_safe_url(definition.group("dest")):
        return definition.group("lead") + "#" + definition.group("rest")
    return line
