"""Hostile strings through the Markdown sanitiser: nothing executable or auto-loading survives."""

from __future__ import annotations

import pytest

from ui.sanitize import is_safe_url, safe_markdown

HOSTILE_LINKS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java&#x73;cript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java\\script:alert(1))",
    "[x](javascript\\:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x](java\tscript:alert(1))",
]


@pytest.mark.parametrize("text", HOSTILE_LINKS)
def test_unsafe_link_is_reduced_to_its_text(text: str) -> None:
    out = safe_markdown(f"see {text} now")
    assert "](" not in out
    assert out.startswith("see x")


def test_reference_style_javascript_link_is_neutralised() -> None:
    out = safe_markdown("[click][1]\n\n[1]: javascript:alert(1)")
    assert "javascript" not in out.lower()


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "<svg/onload=alert(1)>",
        "<IMG SRC=javascript:alert('XSS')>",
        "<<script>script>alert(1)<</script>/script>",
    ],
)
def test_raw_html_is_escaped(text: str) -> None:
    out = safe_markdown(text)
    assert "<" not in out
    assert "&lt;" in out


def test_remote_image_becomes_a_link_that_loads_nothing() -> None:
    out = safe_markdown("report ![pixel](https://tracker.example/p.png?u=1) end")
    assert "![" not in out
    assert "[pixel](https://tracker.example/p.png?u=1)" in out


def test_image_inside_a_link_is_caught() -> None:
    out = safe_markdown("[![logo](http://evil.example/x.png)](https://ok.example)")
    assert "![" not in out


def test_image_with_unsafe_source_keeps_only_its_text() -> None:
    assert safe_markdown("![a](javascript:alert(1))") == "a)"


def test_safe_markdown_is_unchanged() -> None:
    text = (
        "# 周报\n\n- **进度**: 完成 80%\n- [design](https://example.com/a?b=c) and "
        "[local](docs/a.md) and [top](#risks) and [mail](mailto:pm@example.com)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert safe_markdown(text) == text


def test_html_in_code_is_left_to_markdown() -> None:
    text = "use `<br>` here\n\n```html\n<script>x()</script>\n```\nafter <b>"
    out = safe_markdown(text)
    assert "`<br>`" in out
    assert "<script>x()</script>" in out  # inside the fence: shown as code, not run
    assert out.endswith("after &lt;b>")


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://a.example", True),
        ("http://a.example", True),
        ("mailto:x@y", True),
        ("#top", True),
        ("docs/a:b.md", True),
        ("/x", True),
        ("javascript:x", False),
        (" JAVASCRIPT:x", False),
        ("&#x6A;avascript:x", False),
        ("data:image/png;base64,xx", False),
        ("ftp://x", False),
    ],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe
