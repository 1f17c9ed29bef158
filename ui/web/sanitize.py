"""How the UI shows untrusted Markdown (model answers, document text) without risk.

The sanitising itself is in the core, `assistant/safe_markdown.py`: it parses the Markdown and
renders HTML that loads nothing (no images, no raw HTML, links only to http(s)/mailto). Here are
the Gradio settings that show that HTML as it is, so the browser never parses the Markdown a
second time with a different parser (the gap the old pattern-based filter fell into):

- `gr.Chatbot(**CHATBOT_HTML)`: with `render_markdown=False` Gradio inserts the message as HTML;
- `gr.Markdown(**MARKDOWN_HTML)`: our HTML is one line inside a `<div>`, which Gradio's Markdown
  renderer passes through as one raw HTML block.

Both keep Gradio's own DOMPurify pass (`sanitize_html=True`) as a second layer and turn LaTeX
off (nothing in our text is a formula; KaTeX would rewrite the HTML).
"""

from __future__ import annotations

from typing import Any

from assistant.safe_markdown import is_safe_url, to_safe_html

__all__ = ["CHATBOT_HTML", "MARKDOWN_HTML", "is_safe_url", "safe_html"]

CHATBOT_HTML: dict[str, Any] = {
    "render_markdown": False,
    "sanitize_html": True,
    "allow_tags": False,
    "latex_delimiters": [],
}
MARKDOWN_HTML: dict[str, Any] = {"sanitize_html": True, "latex_delimiters": []}


def safe_html(text: str, *, chat: bool = False) -> str:
    """HTML for `text` (Markdown from a model or a document); `chat` keeps single newlines."""
    return to_safe_html(text, breaks=chat)
