"""Follow-up questions: "它的负责人是谁？", "那终验呢？", "and who owns it?" only make sense with
the turns before them.

Offline the search query is rewritten: a question that leans on an earlier turn (a pronoun,
"那…呢", "and …", or too few words of its own) is searched together with the previous
question and the ids (R-07, A-14, KEP-3541) of the previous answer. With a chat model the
earlier turns are sent as the conversation, newest kept first when the budget is short.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.llm import ChatMessage
from assistant.tokenize import CJK_RUN, estimate_tokens


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier exchange of the conversation."""

    question: str
    answer: str


_LEANS_ZH = re.compile(
    r"它|其|他们|她们|它们|该|这个|那个|那次|这次|那件|上述|此事|那呢|呢[？?]?$|^那|^还"
)
_LEANS_EN = re.compile(
    r"\b(?:it|its|they|them|their|this|that|these|those|he|she|his|her|there|then)\b"
    r"|^\s*(?:and|what about|how about|also|so)\b",
    re.I,
)
_OWN_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9'-]{2,}|[\u4e00-\u9fff]")
_QUESTION_FILLER = re.compile(
    r"\b(?:what|which|who|whom|whose|when|where|why|how|was|were|is|are|did|does|do|the|a|an"
    r"|of|in|on|for|to|and|about|long|many|much)\b"
    r"|是谁|是什么|是多少|哪个|哪些|什么|多少|怎么|如何|为什么|是|的|了|吗|呢|谁|哪",
    re.I,
)
_IDS = re.compile(r"\b[A-Z][A-Za-z]{0,6}-\d{1,5}\b")
MIN_OWN_WORDS = 3  # fewer content words than this: the question needs its context
HISTORY_TURNS = 3  # offline, only the latest turn is used; with a model up to this many


def leans_on_history(question: str) -> bool:
    """Does the question refer to something said before instead of naming it?"""
    if _LEANS_ZH.search(question) or _LEANS_EN.search(question):
        return True
    own = _QUESTION_FILLER.sub(" ", question)
    latin = len(re.findall(r"[A-Za-z][A-Za-z0-9'-]{2,}", own))
    cjk = sum(len(run) for run in CJK_RUN.findall(own)) // 2  # about one word per 2 characters
    return latin + cjk < MIN_OWN_WORDS


def contextual_query(question: str, history: Sequence[Turn]) -> str:
    """The text to search for: the question, plus the previous question and the ids of the
    previous answer when the question leans on them."""
    if not history or not leans_on_history(question):
        return question
    last = history[-1]
    ids = " ".join(dict.fromkeys(_IDS.findall(f"{last.question} {last.answer}")))
    return " ".join(part for part in (question, last.question, ids) if part)


def history_messages(history: Sequence[Turn], budget: int) -> list[ChatMessage]:
    """Earlier turns as user/assistant messages, oldest first, the newest kept within
    `budget` tokens."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history[-HISTORY_TURNS:]):
        cost = estimate_tokens(turn.question) + estimate_tokens(turn.answer) + 8
        if used + cost > budget:
            break
        kept.append(turn)
        used += cost
    messages: list[ChatMessage] = []
    for turn in reversed(kept):
        messages.append(ChatMessage("user", turn.question))
        messages.append(ChatMessage("assistant", turn.answer))
    return messages
