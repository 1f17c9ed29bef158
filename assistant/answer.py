"""Answers with citations: extractive offline, generated from the passages with an LLM.

Offline, the answer is the few sentences that best answer the question, quoted and numbered
[n] after the passage they come from. With a chat model, the retrieved passages are sent as
delimited data and the model's [n] markers are mapped back to the passages it actually cited.
Either way "not in the documents" is a normal answer: `not_found_text(lang)`.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from assistant.llm import ChatMessage, ChatModel
from assistant.prompts import load_prompt
from assistant.tokenize import CJK_RUN, estimate_tokens
from ingest.model import SearchFilter, SearchHit

logger = logging.getLogger(__name__)

Lang = Literal["zh", "en"]

NOT_FOUND_ZH = "文档中没有找到能回答这个问题的内容。"
NOT_FOUND_EN = "The documents do not contain an answer to this question."
# What the model is told to reply when the passages do not support an answer.
NOT_FOUND_MARKER = "NOT_FOUND_IN_DOCUMENTS"

# A sentence must cover this share of the question's weighted tokens to count as support.
MIN_COVERAGE = 0.3
MAX_SENTENCES = 3

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n+")
_MARKER = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")


class Citation(BaseModel):
    source: str = Field(description="Path relative to the ingested root.")
    page: int | None = Field(description="1-based page for PDFs, else null.")
    project: str
    doc_type: str
    score: float = Field(description="Fused retrieval score; higher is better.")
    text: str = Field(description="The cited passage.")

    @classmethod
    def from_hit(cls, hit: SearchHit) -> Citation:
        c = hit.chunk
        return cls(
            source=c.source,
            page=c.page,
            project=c.project,
            doc_type=c.doc_type,
            score=hit.score,
            text=c.text,
        )


class Answer(BaseModel):
    question: str
    answer: str
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = Field(description="Best first; [n] in the answer is the n-th.")


class Retriever(Protocol):
    def search(
        self, query: str, *, k: int = 5, where: SearchFilter | None = None
    ) -> list[SearchHit]: ...

    def term_weights(self, query: str) -> tuple[dict[str, float], dict[str, float]]: ...

    def tokens(self, text: str) -> list[str]: ...


def question_language(question: str) -> Lang:
    """zh when Chinese characters outnumber English words, else en."""
    cjk = sum(len(run) for run in CJK_RUN.findall(question))
    latin_words = len(re.findall(r"[A-Za-z]+", question))
    return "zh" if cjk and cjk >= latin_words else "en"


def not_found_text(lang: Lang) -> str:
    return NOT_FOUND_ZH if lang == "zh" else NOT_FOUND_EN


def split_sentences(text: str) -> list[str]:
    """Sentences in both languages (。！？； and . ! ? ;), and lines, trimmed of list marks."""
    parts = (p.strip(" \t-*#>|") for p in _SENTENCE_END.split(text))
    return [p for p in parts if len(p) >= 4]


# -- offline: extractive ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    citation: int  # 1-based passage number
    coverage: float
    score: float


def _score_sentences(
    hits: Sequence[SearchHit],
    weights: tuple[dict[str, float], dict[str, float]],
    retriever: Retriever,
) -> list[_Sentence]:
    typed, expanded = weights
    total = sum(typed.values()) or 1.0
    scored = []
    for rank, hit in enumerate(hits, start=1):
        for sentence in split_sentences(hit.chunk.text):
            present = set(retriever.tokens(sentence))
            found = sum(w for t, w in typed.items() if t in present)
            found += sum(w for t, w in expanded.items() if t in present)
            coverage = min(1.0, found / total)
            # a better-ranked passage breaks ties; coverage decides
            scored.append(_Sentence(sentence, rank, coverage, coverage + 0.05 / rank))
    return sorted(scored, key=lambda s: -s.score)


def extractive_answer(question: str, hits: Sequence[SearchHit], retriever: Retriever) -> Answer:
    lang = question_language(question)
    sentences = _score_sentences(hits, retriever.term_weights(question), retriever)
    if not sentences or sentences[0].coverage < MIN_COVERAGE:
        return Answer(
            question=question, answer=not_found_text(lang), mode="extractive", citations=[]
        )
    floor = max(MIN_COVERAGE, 0.6 * sentences[0].coverage)
    chosen: list[_Sentence] = []
    for s in sentences:
        if s.coverage >= floor and s.text not in {c.text for c in chosen}:
            chosen.append(s)
        if len(chosen) == MAX_SENTENCES:
            break
    text = "\n".join(f"“{s.text}” [{s.citation}]" for s in chosen)
    citations = [Citation.from_hit(h) for h in hits]
    return Answer(question=question, answer=text, mode="extractive", citations=citations)


# -- with a chat model ---------------------------------------------------------------------


def passages_within_budget(hits: Sequence[SearchHit], budget: int) -> list[SearchHit]:
    """Best passages first until the token budget is spent; the first one is always kept
    (cut to fit) so a small budget still yields an answer."""
    kept: list[SearchHit] = []
    used = 0
    for hit in hits:
        cost = estimate_tokens(hit.chunk.text) + 20  # + the <document> wrapper
        if used + cost > budget:
            if not kept:
                share = max(1, int(len(hit.chunk.text) * budget / cost))
                kept.append(SearchHit(replace(hit.chunk, text=hit.chunk.text[:share]), hit.score))
            break
        kept.append(hit)
        used += cost
    return kept


def documents_block(hits: Sequence[SearchHit]) -> str:
    """Passages as delimited data; anything in them that looks like markup is escaped."""
    parts = []
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        page = f' page="{c.page}"' if c.page is not None else ""
        parts.append(
            f'<document index="{n}" source="{html.escape(c.source, quote=True)}"{page}>\n'
            f"{html.escape(c.text, quote=False)}\n</document>"
        )
    return "\n".join(parts)


def answer_messages(question: str, hits: Sequence[SearchHit], lang: Lang) -> list[ChatMessage]:
    system = load_prompt("answer_system", lang, variables={"not_found_marker"})
    user = load_prompt("answer_user", lang, variables={"documents", "question"})
    return [
        ChatMessage("system", system.render(not_found_marker=NOT_FOUND_MARKER)),
        ChatMessage("user", user.render(documents=documents_block(hits), question=question)),
    ]


def _is_not_found(reply: str) -> bool:
    return NOT_FOUND_MARKER in reply and len(reply.strip()) <= len(NOT_FOUND_MARKER) + 10


def cited_answer(question: str, reply: str, hits: Sequence[SearchHit]) -> Answer:
    """Map the model's [n] markers to passages: keep valid ones, renumber best first."""
    lang = question_language(question)
    if _is_not_found(reply) or not reply.strip():
        return Answer(question=question, answer=not_found_text(lang), mode="llm", citations=[])
    cited = sorted(
        {int(n) for group in _MARKER.findall(reply) for n in re.split(r"\D+", group) if n}
        & set(range(1, len(hits) + 1))
    )
    renumber = {old: new for new, old in enumerate(cited, start=1)}

    def rewrite(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\D+", match.group(1)) if n]
        kept = [str(renumber[n]) for n in numbers if n in renumber]
        return "".join(f"[{n}]" for n in kept)

    text = _MARKER.sub(rewrite, reply).strip()
    citations = [Citation.from_hit(hits[n - 1]) for n in cited]
    return Answer(question=question, answer=text, mode="llm", citations=citations)


# -- entry points ----------------------------------------------------------------------------


def answer(
    question: str,
    *,
    retriever: Retriever,
    chat_model: ChatModel | None = None,
    k: int = 5,
    where: SearchFilter | None = None,
    context_tokens: int = 6000,
) -> Answer:
    """Answer `question` from the documents, citing them; offline when chat_model is None."""
    result: Answer | None = None
    for part in stream_answer(
        question,
        retriever=retriever,
        chat_model=chat_model,
        k=k,
        where=where,
        context_tokens=context_tokens,
        stream=False,
    ):
        if isinstance(part, Answer):
            result = part
    assert result is not None
    return result


def stream_answer(
    question: str,
    *,
    retriever: Retriever,
    chat_model: ChatModel | None = None,
    k: int = 5,
    where: SearchFilter | None = None,
    context_tokens: int = 6000,
    stream: bool = True,
) -> Iterator[str | Answer]:
    """Yield text deltas as they arrive, then the final Answer (whose text, with citation
    numbers remapped, replaces the streamed draft)."""
    hits = retriever.search(question, k=k, where=where)
    lang = question_language(question)
    if chat_model is None or not hits:
        if chat_model is None:
            result = extractive_answer(question, hits, retriever)
        else:
            result = Answer(
                question=question, answer=not_found_text(lang), mode="llm", citations=[]
            )
        yield result.answer
        yield result
        return
    passages = passages_within_budget(hits, context_tokens)
    messages = answer_messages(question, passages, lang)
    if not stream:
        reply = chat_model.complete(messages)
    else:
        reply = yield from _relay(chat_model.stream(messages))
    logger.debug("model reply: %s", reply)
    yield cited_answer(question, reply, passages)


def _relay(deltas: Iterator[str]) -> Generator[str, None, str]:
    """Pass deltas on, holding back text that may still become the not-found marker."""
    seen = ""
    held = True
    for delta in deltas:
        seen += delta
        if held and NOT_FOUND_MARKER.startswith(seen.strip()):
            continue
        if held:
            held = False
            yield seen
        else:
            yield delta
    return seen
