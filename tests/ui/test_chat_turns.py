"""The chat hands earlier turns to the answer layer as what was said, not as the page's HTML."""

from __future__ import annotations

from ui.web.sanitize import safe_html
from ui.web.tabs.chat import earlier_turns


def test_turns_are_the_text_of_the_sanitised_messages() -> None:
    history = [
        {"role": "user", "content": safe_html("R-07 是什么风险？", chat=True)},
        {"role": "assistant", "content": safe_html("答：**割接**窗口不足 [1]", chat=True)},
        {"role": "user", "content": safe_html("它的负责人是谁？", chat=True)},
    ]
    (turn,) = earlier_turns(history)
    assert (turn.question, turn.answer) == ("R-07 是什么风险？", "答：割接窗口不足 [1]")
