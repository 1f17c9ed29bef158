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


def test_turns_read_gradios_content_parts() -> None:
    """Gradio 6 returns each message's content as a list of typed parts."""
    history = [
        {"role": "user", "content": [{"type": "text", "text": safe_html("消息队列用什么？")}]},
        {"role": "assistant", "content": [{"type": "text", "text": safe_html("采用 Kafka [1]")}]},
    ]
    (turn,) = earlier_turns(history)
    assert (turn.question, turn.answer) == ("消息队列用什么？", "采用 Kafka [1]")
