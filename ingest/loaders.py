"""Turn one file's bytes into cleaned text pages: the only place that knows file formats.

Every failure a user's file can cause is an `UnreadableFileError` whose message a person can
act on; the pipeline reports it for that file and carries on with the others.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import PurePath

from ingest.errors import UnreadableFileError
from ingest.pages import Deadline, LoadedDocument, LoadLimits, Page
from ingest.textclean import control_ratio, is_cjk, normalize_text


def load_document(path: PurePath, data: bytes, limits: LoadLimits | None = None) -> LoadedDocument:
    """Text of one file. `path` only selects the format; `data` is its content."""
    limits = limits or LoadLimits()
    if not data.strip():
        raise UnreadableFileError("empty file: nothing to index")
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise UnreadableFileError(
            f"unsupported file type {suffix!r}; supported: {', '.join(sorted(READERS))}"
        )
    return _finish(reader(data, limits, Deadline(limits.timeout)), limits)


# Readers of binary formats import their libraries on first use: start-up stays fast.
def _pdf(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    from ingest.office import load_pdf

    return load_pdf(data, limits, deadline)


def _docx(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    from ingest.office import load_docx

    return load_docx(data, limits, deadline)


def _xlsx(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    from ingest.office import load_xlsx

    return load_xlsx(data, limits, deadline)


def _html(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    from ingest.html_text import html_to_text

    return LoadedDocument([Page(None, html_to_text(decode_text(data)))])


def _text(data: bytes, limits: LoadLimits, deadline: Deadline) -> LoadedDocument:
    front_matter, body = split_front_matter(decode_text(data))
    return LoadedDocument([Page(None, body)], front_matter)


Reader = Callable[[bytes, LoadLimits, Deadline], LoadedDocument]
# One table from suffix to reader: what ingest accepts is exactly what is listed here.
READERS: dict[str, Reader] = {
    ".pdf": _pdf,
    ".docx": _docx,
    ".xlsx": _xlsx,
    ".html": _html,
    ".htm": _html,
    ".md": _text,
    ".markdown": _text,
    ".txt": _text,
}
SUPPORTED_SUFFIXES = frozenset(READERS)


def _finish(doc: LoadedDocument, limits: LoadLimits) -> LoadedDocument:
    pages: list[Page] = []
    budget = limits.max_chars
    for page in doc.pages:
        text = normalize_text(page.text)[:budget]
        budget -= len(text)
        pages.append(Page(page.number, text))
        if budget <= 0:
            break
    if not any(page.text.strip() for page in pages):
        raise UnreadableFileError(
            "no readable text found (a scanned PDF needs OCR first; an empty document has "
            "nothing to index)"
        )
    return LoadedDocument(pages, doc.front_matter)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> str:
    """Decode text of unknown encoding: BOMs, strict UTF-8, GB18030, then detection."""
    text = _decode_known(data)
    if "\x00" in text or control_ratio(text) > 0.05:
        raise UnreadableFileError(
            "binary data, not text (NUL bytes or control characters); check that this is "
            "really a text file"
        )
    return text


def _decode_known(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK and GB2312. Accept it only when the decoded non-ASCII text
    # is mostly Han: random Latin-1 bytes often decode as valid but meaningless GB18030.
    try:
        text = data.decode("gb18030")
        if _mostly_han(text):
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not best.encoding:
        return data.decode("cp1252", errors="replace")
    if best.encoding.startswith(_LATIN_LOOKALIKES):
        # Detection often names a Baltic/Central European code page for Western text; the
        # Windows Western code page is by far the most likely source of such a file.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


_LATIN_LOOKALIKES = (
    "cp1250", "cp1252", "cp1254", "cp1257", "cp775", "mac_latin2", "mac_roman", "latin_1",
    "iso8859_1", "iso8859_2", "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_15",
)  # fmt: skip


def _mostly_han(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    return sum(
        1 for ch in non_ascii if is_cjk(ch) or ch in "，。、；：？！“”（）《》"
    ) >= 0.8 * len(non_ascii)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_KEY_VALUE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML-style front matter (`---` ... `---`) as flat key/value strings, and the body.

    Only simple `key: value` lines are read; nested YAML is ignored rather than guessed at.
    """
    stripped = text.lstrip("\ufeff")
    match = _FRONT_MATTER.match(stripped)
    if not match:
        return {}, text
    values: dict[str, str] = {}
    for line in match.group(1).split("\n"):
        kv = _KEY_VALUE.match(line)
        if kv and kv.group(2):
            values[kv.group(1).lower()] = kv.group(2).strip("'\"")
    return values, stripped[match.end() :]
