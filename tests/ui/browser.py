"""What every browser test shares: Debian's Chromium, how it is launched on a machine with a
closed network, where screenshots go, and how a page is opened. The browser itself is one per
test session (the `chromium` fixture in tests/ui/conftest.py); each test module opens its own
pages or contexts in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # git-ignored screenshots
# Without the background-networking flags Chromium keeps calling Google's hosts, which a closed
# network refuses; no sandbox because CI runs as root.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000  # the first answer loads the tokenizer and the index: a slow machine waits

BROWSER_TEST = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


def open_page(
    browser: Any, url: str, *, width: int = 1280, height: int = 1000, locale: str = "zh-CN",
    timeout_ms: int = TIMEOUT_MS,
) -> Any:  # fmt: skip
    """A new page at `url` in the browser's language `locale`, waiting up to `timeout_ms`."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
    page.set_default_timeout(timeout_ms)
    page.goto(url)
    return page
