"""The chat-model port: one `complete(messages)`, one `stream(messages)`.

`OpenAIChatModel` talks to OpenAI or any OpenAI-compatible server (DeepSeek, DashScope, Ollama,
vLLM, LM Studio) through langchain-openai's `ChatOpenAI`; `FakeChatModel` replays scripted
replies and records what it was sent, for tests. Nothing here is built at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.settings import LLMSettings

logger = logging.getLogger(__name__)


class LLMError(AssistantError):
    """The chat model could not be reached or refused the request."""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel(Protocol):
    """What the answer and drafting code needs from a chat model."""

    @property
    def name(self) -> str: ...

    def complete(self, messages: Sequence[ChatMessage]) -> str: ...

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]: ...


class FakeChatModel:
    """Replays queued replies in order (simonw/llm MockModel style); records every request."""

    def __init__(self, *replies: str, name: str = "fake-chat"):
        self._replies: list[str] = list(replies)
        self.requests: list[list[ChatMessage]] = []
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def enqueue(self, *replies: str) -> FakeChatModel:
        self._replies.extend(replies)
        return self

    def _next(self, messages: Sequence[ChatMessage]) -> str:
        self.requests.append(list(messages))
        if not self._replies:
            raise AssertionError("FakeChatModel has no reply queued; call enqueue() first")
        return self._replies.pop(0)

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        return self._next(messages)

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        reply = self._next(messages)
        # several deltas, like a server would send, so consumers are exercised properly
        for start in range(0, len(reply), 7):
            yield reply[start : start + 7]


@contextmanager
def _translated_errors(model: str, base_url: str | None) -> Iterator[None]:
    import httpx
    import openai

    where = base_url or "https://api.openai.com/v1"
    try:
        yield
    except openai.AuthenticationError as exc:
        raise LLMError(
            f"The chat server at {where} rejected the API key ({exc.status_code}); "
            "set PMASSIST_LLM__API_KEY to a valid key."
        ) from exc
    except openai.NotFoundError as exc:
        raise LLMError(
            f"The chat server at {where} does not know model {model!r}; "
            "set PMASSIST_LLM__MODEL to a model it serves."
        ) from exc
    except openai.APIStatusError as exc:
        raise LLMError(
            f"The chat server at {where} answered HTTP {exc.status_code} for model {model!r}; "
            "retry later or check the server's logs."
        ) from exc
    except (openai.APIConnectionError, httpx.HTTPError) as exc:
        raise LLMError(
            f"Could not reach the chat server at {where} ({exc}); check "
            "PMASSIST_LLM__BASE_URL, or set PMASSIST_LLM__PROVIDER=none to answer offline."
        ) from exc


class OpenAIChatModel:
    """ChatOpenAI against OpenAI or an OpenAI-compatible `base_url`."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ):
        from langchain_openai import ChatOpenAI

        self._model = model
        self._base_url = base_url
        # Local servers (Ollama, vLLM) take any key; the client insists on one being set.
        self._client: Any = ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=max_retries,
            temperature=temperature,
            max_tokens=max_tokens,  # a cap on the reply: None leaves it to the server
            use_responses_api=False,
        )

    @property
    def name(self) -> str:
        return self._model

    @staticmethod
    def _to_langchain(messages: Sequence[ChatMessage]) -> list[Any]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        return [kinds[m.role](content=m.content) for m in messages]

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        with _translated_errors(self._model, self._base_url):
            reply = self._client.invoke(self._to_langchain(messages))
        return str(reply.text)

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        with _translated_errors(self._model, self._base_url):
            for chunk in self._client.stream(self._to_langchain(messages)):
                if text := str(chunk.text):
                    yield text


def chat_model_from_settings(settings: LLMSettings) -> ChatModel | None:
    """The configured chat model, or None when answers should stay offline."""
    if not settings.enabled:
        return None
    return OpenAIChatModel(
        settings.model,
        base_url=settings.base_url,
        api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
    )
